"""From spreadsheet rows to accounts and a problem report: the import's pure half.

The reader adapter (``visitdesk.adapters.spreadsheet``) turns a file into rows of plain
Python values; :class:`RowParser` turns those rows into :class:`Account` values and
:class:`Problem` entries. A row with any error is left out (and counted as skipped); a row
with only warnings is imported. Nothing here touches a file or the store.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

from visitdesk.core.accounts import Account, SourceRef
from visitdesk.core.cells import (
    _ID_WEIGHT_SUM_48,
    ID_CHECK,
    ID_WEIGHTS,
    MAX_DATE,
    MIN_DATE,
    CellError,
    CellProblem,
    CellRefused,
    clean_text,
    parse_account_no,
    parse_amount,
    parse_date,
    parse_days,
    parse_id_number,
    parse_phone,
    raw_text,
)
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


AS_OF_MARKERS = ("数据日期", "统计日期", "截止日期", "截至", "截止", "as of", "data date")
_TITLE_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def as_of_from_titles(rows: Iterable[Sequence[object]]) -> date | None:
    """The data date a title row above the header states (``数据日期：2024年6月30日``)."""
    for row in rows:
        for cell in row:
            if not isinstance(cell, str):
                continue
            lowered = cell.lower()
            for marker in AS_OF_MARKERS:
                at = lowered.find(marker)
                if at < 0:
                    continue
                m = _TITLE_DATE.search(cell, at)
                if m:
                    try:
                        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                    except ValueError:
                        return None
    return None


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
        self._fast = {name: self._fast_for(name) for name, _c, _f in self._plan}

    # --- per-field converters: raw cell -> value, or CellRefused -----------------------
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

    def _fast_for(self, name: str) -> Callable[[Sequence[object]], list | None]:
        if name == "principal":  # a zero principal gets a warning: per-row path
            return lambda values: fast_amount(values, False)
        if name in AMOUNT_FIELDS:
            return fast_amount
        if name in DATE_FIELDS:
            return fast_date
        if name == "overdue_days":
            return fast_days
        if name == "account_no":
            return fast_account
        if name == "id_number":
            return fast_id
        if name == "phone":
            return fast_phone
        if name in FORMULA_CHECKED:
            return lambda values: fast_text(values, True)
        if name in ("branch", "officer"):
            return fast_shared_text
        return fast_text

    def _clean_extra_columns(self, columns: Sequence[Sequence[object]]) -> list | None:
        """Per-row ``extra`` dicts when every extra cell of the block is clean text."""
        headers = []
        values = []
        for col, header in self.extra_cols:
            clean = fast_text(columns[col])
            if clean is None:
                return None
            headers.append(header)
            values.append(clean)
        return list(map(dict, map(zip, itertools.repeat(tuple(headers)), zip(*values, strict=False))))

    def _assemble_clean(self, block: Sequence[tuple[int, Sequence[object]]], names: list[str],
                        converted: list[list], extras: list | None) -> None:
        """Accounts for a block in which every cell was clean, built with C-level maps:
        each bare Account's own ``__dict__`` is filled with its fields in declaration order
        (defaults, converted values, extra, source; see :func:`_new_account`)."""
        n = len(block)
        repeat = itertools.repeat
        by_name = dict(zip(names, converted, strict=True))
        cols: list[Iterable[object]] = []
        for key in _FIELD_ORDER:
            if key in by_name:
                cols.append(by_name[key])
            elif key == "as_of":
                cols.append(repeat(self.as_of, n))
            elif key == "extra":
                cols.append(extras if extras is not None else map(dict, repeat((), n)))
            elif key == "source":
                row_nos = [row_no for row_no, _r in block]
                sources = list(map(object.__new__, repeat(SourceRef, n)))
                list(map(dict.update, map(_DICT_OF, sources),
                         map(zip, repeat(_SOURCE_ORDER),
                             zip(repeat(self.file), repeat(self.sheet), row_nos, strict=False))))
                cols.append(sources)
            else:
                cols.append(repeat(_ACCOUNT_DEFAULTS[key], n))
        accounts = list(map(object.__new__, repeat(Account, n)))
        # Filling each instance's own __dict__ in declaration order keeps CPython's
        # key-sharing dicts (about half the memory of a separate dict per account).
        list(map(dict.update, map(_DICT_OF, accounts),
                 map(zip, repeat(_FIELD_ORDER), zip(*cols, strict=False))))
        self.accounts.extend(accounts)

    def _convert_cell(self, name: str, conv: Callable[[Any], Any], raw: object) -> object:
        """One cell for the block path: the value, BLANK (optional and empty) or SLOW."""
        if raw == "" or raw is None:
            return SLOW if name in self.required else BLANK
        try:
            value = conv(raw)
        except CellRefused:
            return SLOW
        if type(value) is tuple:
            return SLOW if value[1] is not None else value[0]
        if value == "" and name in self.required:
            return SLOW
        if name in FORMULA_CHECKED and value and value[0] in "=+-@":
            return SLOW
        if name == "principal" and value == 0:
            return SLOW
        return value

    def feed_block(self, block: Sequence[tuple[int, Sequence[object]]]) -> None:
        """Parse many rows at once; same result as :meth:`feed` on each row, faster.

        Whole columns of clean cells are checked with C-level operations; other cells are
        converted one by one; rows needing a problem report go through :meth:`feed`.
        """
        if not block:
            return
        if not _FAST_ACCOUNT:  # pragma: no cover - see _new_account
            for row_no, row in block:
                self.feed(row_no, row)
            return
        rows = [r for _n, r in block]
        width = self.ncols
        if min(map(len, rows)) < width:
            rows = [list(r) + [None] * (width - len(r)) if len(r) < width else r for r in rows]
        nonblank = list(map(any, rows))
        columns = list(zip(*rows, strict=False))
        marker_hit = False
        for i in self._marker_cols:
            if i < width:
                column: Sequence[object] = columns[i]
                if set(map(type, column)) != _STR:
                    column = [v for v in column if type(v) is str]
                if "计" in "".join(column):  # type: ignore[arg-type]
                    marker_hit = True
        if marker_hit or not all(nonblank):
            for (row_no, _r), row in zip(block, rows, strict=True):
                self.feed(row_no, row)
            return
        names: list[str] = []
        converted: list[list] = []
        slow_rows: set[int] = set()
        blank_rows: set[int] = set()
        for name, col, conv in self._plan:
            values = columns[col]
            try:
                out = self._fast[name](values)
            except (ValueError, OverflowError, TypeError):  # NaN, inf, odd types
                out = None
            if out is None:
                cell = self._convert_cell
                out = [cell(name, conv, v) for v in values]
                for i, v in enumerate(out):
                    if v is SLOW:
                        slow_rows.add(i)
                    elif v is BLANK:
                        blank_rows.add(i)
            names.append(name)
            converted.append(out)
        extra_cols = self.extra_cols
        for col, _header in extra_cols:
            if CellError in set(map(type, columns[col])):  # an error cell in a kept column
                slow_rows.update(i for i, v in enumerate(columns[col]) if type(v) is CellError)
        as_of = self.as_of
        file, sheet = self.file, self.sheet
        append = self.accounts.append
        defaults = _ACCOUNT_DEFAULTS
        new = object.__new__
        special = slow_rows or blank_rows
        self.data_rows += len(rows) - len(slow_rows)
        if not special:
            extras = self._clean_extra_columns(columns) if extra_cols else None
            if extras is not None or not extra_cols:
                self._assemble_clean(block, names, converted, extras)
                return
        for i, ((row_no, _r), row, vals) in enumerate(zip(block, rows, zip(*converted, strict=False),
                                                          strict=True)):
            if special and i in slow_rows:
                self.feed(row_no, row)
                continue
            account = new(Account)
            d = account.__dict__
            d.update(defaults)
            if special and i in blank_rows:
                d.update((k, v) for k, v in zip(names, vals, strict=False) if v is not BLANK)
            else:
                d.update(zip(names, vals, strict=False))
            d["extra"] = self._extra(row)
            if as_of is not None and d["as_of"] is None:
                d["as_of"] = as_of
            d["source"] = SourceRef(file, sheet, row_no)
            append(account)

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
        for col, _header in self.extra_cols:
            bad = row[col] if col < n else None
            if isinstance(bad, CellError):
                # a formula without a cached value (or #N/A…) in a column kept as extra
                failed = True
                if problems is None:
                    problems = []
                problems.append(self._problem(row_no, col, bad, "error",
                                              tr("import.cell.cell_error", code=bad.code)))
        if failed and all(v is None or (type(v) is str and not v.strip()) for v in row):
            return  # a row of spaces is a blank row
        if failed and self._is_repeated_header(row):
            return  # the header repeated on every printed page of some exports
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
        if self.as_of is not None and "as_of" not in values:
            values["as_of"] = self.as_of
        values["extra"] = self._extra(row)
        values["source"] = SourceRef(self.file, self.sheet, row_no)
        self.accounts.append(_new_account(values))

    def _extra(self, row: Sequence[object]) -> dict[str, str]:
        """The row's cells in unmapped columns (``Account.extra``), cleaned, blanks left out."""
        extra = {}
        n = len(row)
        for col, header in self.extra_cols:
            if col < n:
                v = row[col]
                if v is not None and v != "":
                    text = clean_text(v)
                    if text:
                        extra[header] = text
        return extra

    def _is_repeated_header(self, row: Sequence[object]) -> bool:
        same = sum(1 for v, h in zip(row, self.headers, strict=False)
                   if isinstance(v, str) and v.strip() and " ".join(v.split()) == h)
        return same >= 2

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


# ----------------------------------------------------------------------------------------
# Block fast path: whole columns of already-clean cells, checked with C-level operations.
# Anything unusual in a block column falls back to per-cell conversion, and any row with a
# blank required cell, a problem or a warning is handed to RowParser.feed, the reference
# implementation, so both paths give identical results (a test compares them).
# ----------------------------------------------------------------------------------------
class _Slow:
    """Marker in a converted column: this row needs the per-row path."""


SLOW = _Slow()
BLANK = object()
_STR = {str}
_FLOAT = {float}
_DATE = {date}
_MAX_AMOUNT_FLOAT = 100_000_000.0
_ID_BLOCK = re.compile(r"[0-9]{17}[0-9X](?:\x1f[0-9]{17}[0-9X])*")
_ACCOUNT_BLOCK = re.compile(r"[0-9]{4,40}(?:\x1f[0-9]{4,40})*")
_MOBILE_BLOCK = re.compile(r"1[3-9][0-9]{9}(?:\x1f1[3-9][0-9]{9})*")
_DIRTY_TEXT = ("  ", "\n", "\t", "\r", "\u3000", "\x1f\x1f")
_FORMULA_STARTS = ("\x1f=", "\x1f+", "\x1f-", "\x1f@")


def _all_str_joined(values: Sequence[object]) -> str | None:
    if set(map(type, values)) != _STR:
        return None
    joined = "\x1f".join(values)  # type: ignore[arg-type]
    if not joined or joined[0] == "\x1f" or joined[-1] == "\x1f":
        return None
    return joined


def fast_text(values: Sequence[object], formula_checked: bool = False) -> list | None:
    joined = _all_str_joined(values)
    if joined is None or any(d in joined for d in _DIRTY_TEXT):
        return None
    if list(map(str.strip, values)) != list(values):  # type: ignore[arg-type]
        return None
    if formula_checked and (joined[0] in "=+-@" or any(f in joined for f in _FORMULA_STARTS)):
        return None
    return list(values)


def fast_shared_text(values: Sequence[object]) -> list | None:
    """:func:`fast_text` for low-cardinality columns (branch, officer): equal texts shared."""
    out = fast_text(values)
    return None if out is None else _shared(out)


def fast_account(values: Sequence[object]) -> list | None:
    joined = _all_str_joined(values)
    if joined is None or not _ACCOUNT_BLOCK.fullmatch(joined):
        return None
    return list(values)


def fast_phone(values: Sequence[object]) -> list | None:
    joined = _all_str_joined(values)
    if joined is None or not _MOBILE_BLOCK.fullmatch(joined):
        return None
    return list(values)


def _id_ok(s: str) -> bool:
    total = sum(map(operator.mul, s[:17].encode("ascii"), ID_WEIGHTS)) - _ID_WEIGHT_SUM_48
    if ID_CHECK[total % 11] != s[17]:
        return False
    return _birth_ok(s[6:14])


@functools.lru_cache(maxsize=1 << 16)
def _birth_ok(yyyymmdd: str) -> bool:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])).year >= 1900
    except ValueError:
        return False


# Per ID-character position: the byte each digit contributes to the check sum (mod 11).
_ID_LANE_TABLES = tuple(
    bytes((c - 48) * w % 11 if 48 <= c <= 57 else 0 for c in range(256)) for w in ID_WEIGHTS)
_ID_CHECK_TABLE = bytes(ord(ID_CHECK[v % 11]) for v in range(256))


def _id_checks_ok(values: Sequence[str]) -> bool:
    """Every check character right, for a column of 18-character IDs (already matched by
    ``_ID_BLOCK``), in a few big-integer additions: position ``i`` of every ID becomes one
    byte lane of an integer, and 17 lanes of values below 11 never carry into each other."""
    blob = "".join(values).encode("ascii")
    total = 0
    for i, table in enumerate(_ID_LANE_TABLES):
        total += int.from_bytes(blob[i::18].translate(table), "big")
    sums = total.to_bytes(len(values), "big")
    return sums.translate(_ID_CHECK_TABLE) == blob[17::18]


def fast_id(values: Sequence[object]) -> list | None:
    joined = _all_str_joined(values)
    if joined is None or not _ID_BLOCK.fullmatch(joined):
        return None
    if not _id_checks_ok(values):  # type: ignore[arg-type]
        return None
    if not all(map(_birth_ok, {v[6:14] for v in values})):  # type: ignore[index]
        return None
    return list(values)


def fast_amount(values: Sequence[object], allow_zero: bool = True) -> list | None:
    if set(map(type, values)) != _FLOAT:
        return None
    low = min(values)  # type: ignore[type-var]
    if low < 0.0 or (low == 0.0 and not allow_zero) or max(values) > _MAX_AMOUNT_FLOAT:  # type: ignore[type-var,operator]
        return None
    scaled = list(map(operator.mul, values, itertools.repeat(100.0)))
    cents = list(map(round, scaled))
    if max(map(abs, map(operator.sub, scaled, cents))) >= 1e-6:
        return None
    amounts = map(Decimal.scaleb, map(Decimal, cents), itertools.repeat(-2))
    return list(map({}.setdefault, cents, amounts))  # type: ignore[arg-type]  # equal amounts share one object


def fast_date(values: Sequence[object]) -> list | None:
    if set(map(type, values)) != _DATE:
        return None
    if min(values) < MIN_DATE or max(values) > MAX_DATE:  # type: ignore[type-var,operator]
        return None
    return _shared(values)


def _shared(values: Sequence[object]) -> list:
    """The values, with equal ones sharing one object (branches, officers, dates repeat)."""
    return list(map({}.setdefault, values, values))  # type: ignore[arg-type]


def fast_days(values: Sequence[object]) -> list | None:
    if set(map(type, values)) != _FLOAT or not all(map(float.is_integer, values)):  # type: ignore[arg-type]
        return None
    if min(values) < 0.0 or max(values) > 100_000.0:  # type: ignore[type-var,operator]
        return None
    return list(map(int, values))  # type: ignore[arg-type]


_ACCOUNT_DEFAULTS = {
    f.name: (f.default if f.default is not MISSING else f.default_factory())  # type: ignore[misc,operator]
    for f in fields(Account)
    if f.default is not MISSING or f.default_factory is not MISSING
}
_FAST_ACCOUNT = not hasattr(Account, "__post_init__") and not hasattr(SourceRef, "__post_init__")
_FIELD_ORDER = tuple(f.name for f in fields(Account))
_SOURCE_ORDER = tuple(f.name for f in fields(SourceRef))
_DICT_OF = operator.attrgetter("__dict__")


def _new_account(values: dict[str, Any]) -> Account:
    """``Account(**values)``, three times faster on the import hot path.

    Account is a plain frozen dataclass without ``__post_init__``; filling its ``__dict__``
    gives an equal object (a test checks) without the per-field ``object.__setattr__``.
    """
    if not _FAST_ACCOUNT:  # pragma: no cover - if validation is ever added, honour it
        return Account(**values)
    account = object.__new__(Account)
    defaults = _ACCOUNT_DEFAULTS
    account.__dict__.update(
        (k, values[k] if k in values else defaults[k]) for k in _FIELD_ORDER)
    return account
