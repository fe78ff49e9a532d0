"""From spreadsheet rows to accounts and a problem report: the import's pure half.

The reader adapter (``visitdesk.adapters.spreadsheet``) turns a file into rows of plain
Python values; :class:`RowParser` turns those rows into :class:`Account` values and
:class:`Problem` entries. A row with any error is left out (and counted as skipped); a row
with only warnings is imported. Nothing here touches a file or the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

from visitdesk.core.accounts import Account, SourceRef
from visitdesk.core.cells import (
    PLACEHOLDERS,
    CellError,
    CellProblem,
    CellRefused,
    clean_text,
    is_blank,
    looks_like_formula,
    parse_account_no,
    parse_amount,
    parse_date,
    parse_days,
    parse_id_number,
    parse_phone,
    raw_text,
)
from visitdesk.core.money import ZERO
from visitdesk.i18n import tr

TOTAL_MARKERS = ("合计", "总计", "小计", "共计")
"""A row whose first cells or name/account cell contain one of these is a totals row."""

MAX_DUPLICATE_ROWS_LISTED = 10
AMOUNT_FIELDS = ("principal", "interest", "late_fee", "other_fees")
DATE_FIELDS = ("overdue_since", "due_date", "as_of")
TEXT_FIELDS = ("name", "address", "branch", "officer")
FORMULA_CHECKED = ("name", "address")


@dataclass(frozen=True)
class Problem:
    """One problem in the file, located as a person finds it in Excel."""

    sheet: str
    row: int
    """Row number as Excel shows it (line number for CSV)."""
    column: str
    """Column header as written in the file ("" for a problem with the whole row)."""
    value: str
    """The raw cell value, as text."""
    severity: str
    """``error`` (the row was not imported) or ``warning`` (imported, worth a look)."""
    message: str
    """The reason, in the UI language."""

    def to_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "value": self.value, "severity": self.severity, "message": self.message}


@dataclass(frozen=True)
class ParseResult:
    """What a file yielded, before anything is stored."""

    file: str
    sheet: str
    header_row: int
    columns: dict[str, str | None]
    accounts: tuple[Account, ...]
    problems: tuple[Problem, ...]
    skipped: int
    """Data rows left out because of an error."""
    data_rows: int
    """Rows that held data (blank and totals rows not counted)."""


@dataclass(frozen=True)
class ImportReport:
    """The outcome of one import, as the CLI prints it and the dialog shows it."""

    file: str
    status: str
    """``imported`` (every data row stored), ``partial`` (some rows rejected) or ``refused``."""
    sheet: str | None = None
    header_row: int | None = None
    columns: dict[str, str | None] = field(default_factory=dict)
    imported: int = 0
    """Accounts new to the store."""
    updated: int = 0
    """Accounts that existed and were refreshed."""
    skipped: int = 0
    """Data rows not imported because of an error."""
    problems: tuple[Problem, ...] = ()
    error: str | None = None
    """The file-level message when refused, else None."""

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    def to_json(self) -> dict[str, Any]:
        """The documented JSON form (docs/cli.md, ``visitdesk import --json``)."""
        return {
            "file": self.file,
            "status": self.status,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "columns": dict(self.columns),
            "imported": self.imported,
            "updated": self.updated,
            "skipped": self.skipped,
            "problems": [p.to_json() for p in self.problems],
            "error": self.error,
        }


def field_label(name: str) -> str:
    """The field's name in the UI language (``import.field.<name>``)."""
    return tr(f"import.field.{name}")


def problem_message(cp: CellProblem) -> str:
    return tr(cp.key, **dict(cp.params))


def _cell_problem_text(exc: CellRefused) -> str:
    return problem_message(exc.problem)


class RowParser:
    """Turns data rows into accounts and problems for one sheet.

    ``columns`` maps header → field (or None: kept in ``extra``); ``headers`` gives the
    header of each column index. Call :meth:`feed` per row, then :meth:`finish`.
    """

    def __init__(self, *, file: str, sheet: str, headers: Sequence[str],
                 columns: dict[str, str | None], required: Sequence[str],
                 date1904: bool = False, as_of: date | None = None) -> None:
        self.file = file
        self.sheet = sheet
        self.headers = list(headers)
        self.date1904 = date1904
        self.as_of = as_of
        self.required = tuple(dict.fromkeys(required))
        self.field_col: dict[str, int] = {}
        self.extra_cols: list[tuple[int, str]] = []
        for i, header in enumerate(self.headers):
            name = columns.get(header)
            if name:
                self.field_col.setdefault(name, i)
            else:
                self.extra_cols.append((i, header))
        self.ncols = len(self.headers)
        self.accounts: list[Account] = []
        self.problems: list[Problem] = []
        self.skipped = 0
        self.data_rows = 0
        self._marker_cols = sorted({0, 1, 2} | {self.field_col[f] for f in ("name", "account_no")
                                                 if f in self.field_col})
        self._plan = self._build_plan()

    # --- per field converters (value, row_no) -> value; raise CellRefused ---------------
    def _build_plan(self) -> list[tuple[str, int, Callable[[Any], Any]]]:
        plan: list[tuple[str, int, Callable[[Any], Any]]] = []
        for name, col in self.field_col.items():
            if name in AMOUNT_FIELDS:
                conv: Callable[[Any], Any] = _amount
            elif name in DATE_FIELDS:
                conv = _date1904 if self.date1904 else _date1900
            elif name == "overdue_days":
                conv = parse_days
            elif name == "account_no":
                conv = parse_account_no
            elif name == "id_number":
                conv = parse_id_number
            elif name == "phone":
                conv = parse_phone
            else:
                conv = _text
            plan.append((name, col, conv))
        return plan

    def is_totals_row(self, row: Sequence[object]) -> bool:
        n = len(row)
        for i in self._marker_cols:
            if i < n:
                v = row[i]
                if type(v) is str and "计" in v and any(m in v for m in TOTAL_MARKERS):
                    return True
        return False

    def feed(self, row_no: int, row: Sequence[object]) -> None:
        """Parse one row (``row_no`` as Excel shows it). Blank and totals rows are ignored."""
        if not any(row) or self.is_totals_row(row):
            return
        n = len(row)
        values: dict[str, Any] = {}
        problems: list[Problem] | None = None
        failed = False
        required = self.required
        for name, col, conv in self._plan:
            raw = row[col] if col < n else None
            if raw == "" or raw is None:
                if name in required:
                    failed = True
                    problems = self._missing(problems, row_no, col, raw, name)
                continue
            try:
                value = conv(raw)
            except CellRefused as exc:
                if type(raw) is str and not raw.strip():
                    if name in required:
                        failed = True
                        problems = self._missing(problems, row_no, col, raw, name)
                    continue
                if problems is None:
                    problems = []
                problems.append(self._problem(row_no, col, raw, "error", _cell_problem_text(exc)))
                failed = True
                continue
            if type(value) is tuple:
                value, note = value
                if note is not None:
                    if problems is None:
                        problems = []
                    problems.append(self._problem(row_no, col, raw, note.severity,
                                                  problem_message(note)))
            elif value == "" and name in required:
                failed = True
                problems = self._missing(problems, row_no, col, raw, name)
                continue
            values[name] = value
        if failed and all(v is None or (type(v) is str and not v.strip()) for v in row):
            return  # a row of spaces is a blank row
        self.data_rows += 1
        if not failed:
            for name in FORMULA_CHECKED:
                text = values.get(name)
                if text and text[0] in "=+-@":
                    if problems is None:
                        problems = []
                    problems.append(self._problem(row_no, self.field_col[name], text, "warning",
                                                  tr("import.cell.formula_text")))
            if values.get("principal", 1) == 0:
                col = self.field_col["principal"]
                if problems is None:
                    problems = []
                problems.append(self._problem(row_no, col, row[col], "warning",
                                              tr("import.cell.principal_zero")))
        if problems:
            self.problems.extend(problems)
        if failed:
            self.skipped += 1
            return
        extra = {}
        for col, header in self.extra_cols:
            if col < n:
                v = row[col]
                if v is not None and v != "":
                    text = clean_text(v)
                    if text:
                        extra[header] = text
        if self.as_of is not None and "as_of" not in values:
            values["as_of"] = self.as_of
        values["extra"] = extra
        values["source"] = SourceRef(self.file, self.sheet, row_no)
        self.accounts.append(_new_account(values))

    def _missing(self, problems: list[Problem] | None, row_no: int, col: int, raw: object,
                 name: str) -> list[Problem]:
        if problems is None:
            problems = []
        problems.append(self._problem(row_no, col, raw, "error",
                                      tr("import.cell.required_missing", field=field_label(name))))
        return problems

    def _problem(self, row_no: int, col: int, raw: object, severity: str, message: str) -> Problem:
        header = self.headers[col] if col < self.ncols else ""
        return Problem(self.sheet, row_no, header, raw_text(raw), severity, message)

    def finish(self) -> tuple[list[Account], list[Problem], int]:
        """Reject duplicate account numbers (every row involved), sort problems by row."""
        seen: set[str] = set()
        repeated: set[str] = set()
        for no in [a.account_no for a in self.accounts]:
            if no in seen:
                repeated.add(no)
            seen.add(no)
        if repeated:
            dupes: dict[str, list[int]] = {}
            for a in self.accounts:
                if a.account_no in repeated:
                    dupes.setdefault(a.account_no, []).append(a.source.row if a.source else 0)
            col = self.field_col.get("account_no", 0)
            kept = []
            for a in self.accounts:
                rows = dupes.get(a.account_no)
                if rows is None:
                    kept.append(a)
                    continue
                row_no = a.source.row if a.source else 0
                others = [r for r in rows if r != row_no]
                listed = ", ".join(str(r) for r in others[:MAX_DUPLICATE_ROWS_LISTED])
                if len(others) > MAX_DUPLICATE_ROWS_LISTED:
                    listed += " …"
                self.problems.append(self._problem(row_no, col, a.account_no, "error",
                                                   tr("import.row.duplicate", rows=listed)))
                self.skipped += 1
            self.accounts = kept
        self.problems.sort(key=lambda p: p.row)
        return self.accounts, self.problems, self.skipped


# Converters with the fast path for cells that are already clean.
def _amount(v: Any) -> Decimal:
    return parse_amount(v)


def _date1900(v: Any) -> date:
    return parse_date(v)


def _date1904(v: Any) -> date:
    return parse_date(v, date1904=True)


def _text(v: Any) -> str:
    if type(v) is str and "  " not in v and "\n" not in v and v == v.strip() and "\u3000" not in v:
        return v
    if isinstance(v, CellError):
        raise CellRefused("import.cell.cell_error", code=v.code)
    return clean_text(v)


_ACCOUNT_DEFAULTS = {
    f.name: (f.default if f.default is not MISSING else f.default_factory())  # type: ignore[misc]
    for f in fields(Account)
    if f.default is not MISSING or f.default_factory is not MISSING
}
_FAST_ACCOUNT = not hasattr(Account, "__post_init__")


def _new_account(values: dict[str, Any]) -> Account:
    """``Account(**values)``, three times faster on the import hot path.

    Account is a plain frozen dataclass without ``__post_init__``; filling its ``__dict__``
    gives an equal object (a test checks) without the per-field ``object.__setattr__``.
    """
    if not _FAST_ACCOUNT:  # pragma: no cover - if validation is ever added, honour it
        return Account(**values)
    account = object.__new__(Account)
    d = account.__dict__
    d.update(_ACCOUNT_DEFAULTS)
    d.update(values)
    return account


def parse_rows(rows: Iterable[tuple[int, Sequence[object]]], parser: RowParser) -> None:
    for row_no, row in rows:
        parser.feed(row_no, row)


__all__ = [
    "ImportReport", "ParseResult", "Problem", "RowParser", "field_label", "PLACEHOLDERS",
    "ZERO", "is_blank",
]
