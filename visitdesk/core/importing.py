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
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from visitdesk.core.accounts import Account, SourceRef
from visitdesk.core.cells import (
    _ID_WEIGHT_SUM_48,
    _ODD_SPACE,
    ID_CHECK,
    ID_WEIGHTS,
    MAX_AMOUNT,
    MAX_DATE,
    MIN_DATE,
    CellError,
    CellProblem,
    CellRefused,
    clean_text,
    has_invisible,
    parse_account_no,
    parse_amount,
    parse_card_no,
    parse_date,
    parse_days,
    parse_id_document,
    parse_phone,
    raw_text,
    strip_invisible,
)
from visitdesk.i18n import tr

TOTAL_MARKERS = ("合计", "总计", "小计", "共计")
"""A row whose first cells or name/account cell contain one of these is a totals row."""

FOOTER_MARKERS = ("制表", "复核", "审核", "经办", "打印", "导出", "备注", "说明", "注：", "注:",
                  "数据来源", "负责人", "主管", "签字", "盖章", "填报", "报送")
"""A row whose first filled cell starts with one of these is a sign-off, stamp or note line."""

MAX_DUPLICATE_ROWS_LISTED = 10
AMOUNT_FIELDS = ("principal", "interest", "late_fee", "other_fees", "stated_total")
PART_FIELDS = ("principal", "interest", "late_fee", "other_fees")
DATE_FIELDS = ("overdue_since", "due_date", "as_of")
TEXT_FIELDS = ("name", "address", "branch", "officer")
ENUM_FIELDS = ("product_type", "currency", "id_type")
FORMULA_CHECKED = ("name", "address")
ATTRIBUTE = {"total": "stated_total"}
"""Mapping field → Account attribute, where they differ."""

MAX_OVERDUE_DAYS = 36_500
OVERDUE_TOLERANCE_DAYS = 3
"""Overdue days may differ this much from the count the dates give (day-counting habits)."""
EARLIEST_DATE = date(1990, 1, 1)
DUE_DATE_YEARS_AHEAD = 50


@dataclass(frozen=True)
class ImportRules:
    """The import policy a bank may change without code (``resources/mapping/*.json`` and
    the settings): placeholders, text lengths, value tables, amount limits."""

    placeholders: frozenset[str] = frozenset()
    """Placeholder texts in comparison form (NFKC, trimmed, case-folded)."""
    text_limits: dict[str, int] = field(default_factory=dict)
    """Field (or ``extra``) → most characters."""
    values: dict[str, dict[str, tuple[frozenset[str], tuple[str, ...]]]] = field(
        default_factory=dict)
    """Field → stored value → (texts equal to it, words a text may contain)."""
    amount_ceiling: Decimal = MAX_AMOUNT
    credit_fields: tuple[str, ...] = ()
    """Amount fields that may be negative (a credit balance)."""

    def is_placeholder(self, text: str) -> bool:
        return placeholder_key(text) in self.placeholders

    def limit(self, name: str) -> int:
        return self.text_limits.get(name, self.text_limits.get("other", 200))

    def read_value(self, name: str, text: str) -> str | None:
        """The stored value a cell text means, or None when the table does not know it."""
        key = placeholder_key(text)
        table = self.values.get(name, {})
        for value, (equal, _contains) in table.items():
            if key in equal:
                return value
        for value, (_equal, contains) in table.items():
            if any(word in key for word in contains):
                return value
        return None


def placeholder_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def rules_from_json(placeholders: dict, limits: dict, values: dict, *,
                    amount_ceiling: Decimal = MAX_AMOUNT,
                    credit_fields: Sequence[str] = ()) -> ImportRules:
    """Rules from the parsed resource files (see ``resources/mapping/``)."""
    keys = frozenset(placeholder_key(p) for p in placeholders["placeholders"])
    tables = {
        name: {value: (frozenset(placeholder_key(t) for t in spec.get("equals", ())),
                       tuple(placeholder_key(t) for t in spec.get("contains", ())))
               for value, spec in table.items()}
        for name, table in values.items() if not name.startswith("_")
    }
    return ImportRules(keys, {k: int(v) for k, v in limits["limits"].items()}, tables,
                       amount_ceiling, tuple(credit_fields))


@functools.cache
def bundled_rules() -> ImportRules:
    import json

    from visitdesk.paths import resource

    def load(name: str) -> dict:
        with open(resource("mapping", name), encoding="utf-8") as fh:
            return json.load(fh)

    return rules_from_json(load("placeholders.json"), load("text_limits.json"),
                           load("values.json"))


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
    kind: str = "other"
    """The group the dialog shows it in: see :data:`PROBLEM_KINDS`."""

    def to_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "value": self.value, "severity": self.severity, "message": self.message,
                "kind": self.kind}


PROBLEM_KINDS = ("formula", "identifier", "amount", "total", "date", "text", "placeholder",
                 "duplicate", "extra_column", "other")
_KIND_OF = {
    "formula": "formula", "cell_error": "formula", "formula_text": "text",
    "stored_as_number": "identifier", "number_lost_digits": "identifier",
    "scientific_notation": "identifier", "card_luhn": "identifier", "id_": "identifier",
    "document_invalid": "identifier", "account_invalid": "identifier",
    "amount": "amount", "principal_zero": "amount", "total_": "total", "totals_": "total",
    "date": "date", "days": "date", "overdue_": "date", "text_": "text", "invisible": "text",
    "phone": "text", "value_": "text", "placeholder": "placeholder",
    "required_placeholder": "placeholder", "duplicate": "duplicate", "extra_": "extra_column",
}


def problem_kind(key: str) -> str:
    """The group of a catalog key (``import.cell.card_luhn`` → ``identifier``)."""
    tail = key.rsplit(".", 1)[-1]
    best = ""
    for prefix in _KIND_OF:
        if tail.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return _KIND_OF[best] if best else "other"


@dataclass(frozen=True)
class Note:
    """Something the import did that is not a problem of one cell: rows skipped as a footer
    or totals, columns left out, placeholders read as "not given", the data date."""

    kind: str
    """``footer``, ``totals``, ``placeholders``, ``column``, ``as_of``."""
    message: str
    """In the UI language."""
    first_row: int | None = None
    last_row: int | None = None
    column: str = ""
    count: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "first_row": self.first_row,
                "last_row": self.last_row, "column": self.column, "count": self.count}


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
    """Rows that held data (blank, totals and footer rows not counted)."""
    notes: tuple[Note, ...] = ()
    as_of: date | None = None
    as_of_source: str = "assumed"
    """``column`` (every row had its own), ``title``, ``option`` or ``assumed`` (import date)."""
    placeholders: dict[str, int] = field(default_factory=dict)
    """Header → how many cells were read as "not given"."""


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
    notes: tuple[Note, ...] = ()
    as_of: date | None = None
    as_of_source: str | None = None
    placeholders: dict[str, int] = field(default_factory=dict)

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
            "notes": [n.to_json() for n in self.notes],
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "as_of_source": self.as_of_source,
            "placeholders": dict(self.placeholders),
        }


AS_OF_MARKERS = ("数据日期", "统计日期", "截止日期", "截至日期", "报表日期", "导出日期", "导出时间",
                 "提数日期", "数据截止", "统计截止", "截至", "截止", "as of", "as at", "data date",
                 "report date")
_TITLE_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})|(\d{4})(\d{2})(\d{2})")


def as_of_from_titles(rows: Iterable[Sequence[object]]) -> date | None:
    """The data date a title row above the header states (``数据日期：2024年6月30日``,
    ``截至2024/6/30``, ``导出日期 20240630``, or a date cell right after the marker cell)."""
    for row in rows:
        cells = list(row)
        for i, cell in enumerate(cells):
            if not isinstance(cell, str):
                continue
            lowered = unicodedata.normalize("NFKC", cell).lower()
            for marker in AS_OF_MARKERS:
                at = lowered.find(marker)
                if at < 0:
                    continue
                m = _TITLE_DATE.search(lowered, at)
                if m:
                    parts = m.groups()[:3] if m.group(1) else m.groups()[3:]
                    try:
                        return date(int(parts[0]), int(parts[1]), int(parts[2]))
                    except ValueError:
                        return None
                for later in cells[i + 1:i + 3]:
                    if type(later) is date:
                        return later
                    if isinstance(later, datetime):
                        return later.date()
    return None


def field_label(name: str) -> str:
    """The field's name in the UI language (``import.field.<name>``)."""
    return tr(f"import.field.{name}")


def problem_message(cp: CellProblem) -> str:
    params = dict(cp.params)
    if "kind" in params:
        params["kind"] = tr(f"import.id_type.{params['kind']}")
    return tr(cp.key, **params)


def _cell_problem_text(exc: CellRefused) -> str:
    return problem_message(exc.problem)


def _add(a: object, b: object) -> object:
    if a is SLOW or b is SLOW:
        return SLOW
    if a is BLANK:
        return b
    if b is BLANK:
        return a
    return a + b  # type: ignore[operator]


class RowParser:
    """Turns data rows into accounts and problems for one sheet.

    ``columns`` maps header → field (or None: kept in ``extra``); ``headers`` gives the
    header of each column index. Call :meth:`feed` per row (or :meth:`feed_block`), then
    :meth:`finish`. ``as_of_source`` says where ``as_of`` came from (``assumed``: the
    import date, since the file did not say); ``formulas`` gives, per Excel row, the columns
    holding a formula with a cached value and its text.
    """

    def __init__(self, *, file: str, sheet: str, headers: Sequence[str],
                 columns: dict[str, str | None], required: Sequence[str],
                 date1904: bool = False, as_of: date | None = None,
                 as_of_source: str = "assumed", rules: ImportRules | None = None,
                 formulas: dict[int, dict[int, str]] | None = None,
                 today: date | None = None) -> None:
        self.file = file
        self.sheet = sheet
        self.headers = list(headers)
        self.date1904 = date1904
        self.as_of = as_of
        self.as_of_source = as_of_source
        self.as_of_assumed = as_of_source == "assumed"
        self.rules = rules or bundled_rules()
        self.formulas = formulas or {}
        self.today = today or date.today()
        self.field_cols: dict[str, list[int]] = {}
        self.extra_cols: list[tuple[int, str]] = []
        for i, header in enumerate(self.headers):
            name = columns.get(header)
            if name:
                self.field_cols.setdefault(ATTRIBUTE.get(name, name), []).append(i)
            else:
                self.extra_cols.append((i, header))
        for name, cols in list(self.field_cols.items()):
            if len(cols) > 1 and name not in ("interest", "late_fee", "other_fees"):
                self.field_cols[name] = cols[:1]
                self.extra_cols.extend((c, self.headers[c]) for c in cols[1:])
        self.extra_cols.sort()
        self.field_col: dict[str, int] = {k: v[0] for k, v in self.field_cols.items()}
        self.summed = {k for k, v in self.field_cols.items() if len(v) > 1}
        self.ncols = len(self.headers)
        self.accounts: list[Account] = []
        self.problems: list[Problem] = []
        self.skipped = 0
        self.data_rows = 0
        # Required fields no column gives cannot be checked per row (a mapped total stands
        # in for the principal).
        self.required = tuple(f for f in dict.fromkeys(required) if f in self.field_col)
        self._marker_cols = sorted({0, 1, 2} | {self.field_col[f] for f in ("name", "account_no")
                                                 if f in self.field_col})
        self._mapped_cols = {c for cols in self.field_cols.values() for c in cols}
        self._card_cols = {c for c in self.field_cols.get("account_no", ())
                           if _is_card_header(self.headers[c])}
        self.placeholder_counts: dict[int, int] = {}
        self._footer_rows: list[int] = []
        self._totals_rows: list[int] = []
        self._in_footer = False
        self._after_gap = False
        self._totals_from = 0
        self._extra_issues: dict[tuple[int, str], list] = {}
        self._date_limits = {
            "due_date": (EARLIEST_DATE, _add_years(self.today, DUE_DATE_YEARS_AHEAD)),
            "overdue_since": (EARLIEST_DATE, self.today),
            "as_of": (EARLIEST_DATE, self.today),
        }
        self._check_days = (not self.as_of_assumed and "overdue_days" in self.field_col
                            and ("overdue_since" in self.field_col or "due_date" in self.field_col))
        self._check_total = "stated_total" in self.field_col and any(
            f in self.field_col for f in PART_FIELDS)
        self._per_row_only = "id_type" in self.field_col
        self._plan = self._build_plan()
        self._fast = {name: self._fast_for(name, col) for name, col, _f in self._plan}

    # --- per-field converters: raw cell -> value, or CellRefused -----------------------
    def _build_plan(self) -> list[tuple[str, int, Callable[[Any], Any]]]:
        plan: list[tuple[str, int, Callable[[Any], Any]]] = []
        rules = self.rules
        order = sorted(self.field_cols.items(), key=lambda kv: kv[0] != "id_type")
        for name, cols in order:
            for col in cols:
                if name in AMOUNT_FIELDS:
                    conv: Callable[[Any], Any] = functools.partial(
                        parse_amount, ceiling=rules.amount_ceiling,
                        allow_negative=name in rules.credit_fields)
                elif name in DATE_FIELDS:
                    conv = functools.partial(self._date, name)
                elif name == "overdue_days":
                    conv = _days
                elif name == "account_no":
                    conv = parse_card_no if col in self._card_cols else parse_account_no
                elif name == "id_number":
                    conv = _id_number
                elif name == "phone":
                    conv = parse_phone
                elif name in ENUM_FIELDS:
                    conv = functools.partial(self._enum, name)
                else:
                    conv = functools.partial(self._text, self.rules.limit(name))
                plan.append((name, col, conv))
        return plan

    def _date(self, name: str, value: Any) -> date:
        result = parse_date(value, date1904=self.date1904)
        low, high = self._date_limits[name]
        if result < low:
            raise CellRefused("import.cell.date_too_early", limit=low.isoformat())
        if result > high:
            key = "import.cell.date_too_late_due" if name == "due_date" else "import.cell.date_after_import"
            raise CellRefused(key, limit=high.isoformat())
        return result

    def _text(self, limit: int, value: Any) -> str:
        text = _text(value)
        if len(text) > limit:
            raise CellRefused("import.cell.text_too_long", limit=limit, length=len(text))
        return text

    def _enum(self, name: str, value: Any) -> object:
        if isinstance(value, CellError):
            raise CellRefused("import.cell.cell_error", code=value.code)
        text = clean_text(value)
        found = self.rules.read_value(name, text)
        if found is not None:
            return found
        if name == "currency":
            raise CellRefused("import.cell.value_currency_unknown")
        if name == "id_type":
            return "other", CellProblem("import.cell.value_id_type_unknown", "warning")
        return "", CellProblem("import.cell.value_product_unknown", "warning")

    def _fast_for(self, name: str, col: int) -> Callable[[Sequence[object]], list | None]:
        rules = self.rules
        if name in AMOUNT_FIELDS:
            ceiling = float(rules.amount_ceiling)
            allow_zero = name != "principal"  # a zero principal gets a warning: per-row path
            return lambda values: fast_amount(values, allow_zero, ceiling)
        if name in DATE_FIELDS:
            low, high = self._date_limits[name]
            return lambda values: fast_date(values, low, high)
        if name == "overdue_days":
            return fast_days
        if name == "account_no":
            return fast_card if col in self._card_cols else fast_account
        if name == "id_number":
            return fast_id
        if name == "phone":
            return fast_phone
        if name in ENUM_FIELDS:
            return lambda values: None
        limit = rules.limit(name)
        placeholders = rules.placeholders
        if name in FORMULA_CHECKED:
            return lambda values: fast_text(values, True, limit, placeholders)
        if name in ("branch", "officer"):
            return lambda values: _shared_or_none(fast_text(values, False, limit, placeholders))
        return lambda values: fast_text(values, False, limit, placeholders)

    def _clean_extra_columns(self, columns: Sequence[Sequence[object]]) -> list | None:
        """Per-row ``extra`` dicts when every extra cell of the block is clean text."""
        headers = []
        values = []
        limit = self.rules.limit("extra")
        for col, header in self.extra_cols:
            clean = fast_text(columns[col], False, limit)
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
                assumed = "as_of" not in by_name and self.as_of_assumed
                list(map(dict.update, map(_DICT_OF, sources),
                         map(zip, repeat(_SOURCE_ORDER),
                             zip(repeat(self.file), repeat(self.sheet), row_nos,
                                 repeat(assumed), strict=False))))
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
        if type(raw) is str and (has_invisible(raw) or self.rules.is_placeholder(raw)):
            return SLOW
        try:
            value = conv(raw)
        except CellRefused:
            return SLOW
        if type(value) is tuple:
            if len(value) == 3:  # id number: anything but a clean resident ID goes per row
                return SLOW if value[2] is not None or value[1] != "resident_id" else value[0]
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
        if not _FAST_ACCOUNT or self._per_row_only or self._in_footer or self._after_gap:
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
        if self.summed:
            merged: dict[str, list] = {}
            for name, out in zip(names, converted, strict=True):
                merged[name] = list(map(_add, merged[name], out)) if name in merged else out
            names, converted = list(merged), list(merged.values())
        if self.formulas:
            mapped = self._mapped_cols
            for i, (row_no, _r) in enumerate(block):
                cells = self.formulas.get(row_no)
                if cells and not mapped.isdisjoint(cells):
                    slow_rows.add(i)
        if self._check_total or self._check_days:
            by_name = dict(zip(names, converted, strict=True))
            for i in range(len(block)):
                if i not in slow_rows and self._row_disagrees(by_name, i):
                    slow_rows.add(i)
        extra_cols = self.extra_cols
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
            self._in_footer = self._after_gap = False
            account = new(Account)
            d = account.__dict__
            d.update(defaults)
            if special and i in blank_rows:
                d.update((k, v) for k, v in zip(names, vals, strict=False) if v is not BLANK)
            else:
                d.update(zip(names, vals, strict=False))
            d["extra"] = self._extra(row_no, row)
            assumed = False
            if d["as_of"] is None:
                d["as_of"] = as_of
                assumed = self.as_of_assumed
            d["source"] = SourceRef(file, sheet, row_no, assumed)
            append(account)

    def _row_disagrees(self, by_name: dict[str, list], i: int) -> bool:
        """True when row ``i`` of a converted block needs a total or overdue-days warning."""
        values = {k: v[i] for k, v in by_name.items() if v[i] is not BLANK}
        return (self._check_total and self._total_mismatch(values) is not None) or (
            self._check_days and self._days_mismatch(values) is not None)

    def _total_mismatch(self, values: dict[str, Any]) -> Decimal | None:
        total = values.get("stated_total")
        if total is None:
            return None
        parts = sum((values.get(f, _ZERO) for f in PART_FIELDS), _ZERO)
        return parts if abs(parts - total) > _FEN else None

    def _days_mismatch(self, values: dict[str, Any]) -> tuple[str, date, int] | None:
        days = values.get("overdue_days")
        as_of = values.get("as_of") or self.as_of
        if days is None or as_of is None:
            return None
        since = values.get("overdue_since")
        if since is not None:
            name, start = "overdue_since", since
        else:
            due = values.get("due_date")
            if due is None or due > as_of:
                return None  # a loan's maturity date still ahead says nothing here
            name, start = "due_date", due
        counted = (as_of - start).days
        if abs(counted - days) > OVERDUE_TOLERANCE_DAYS:
            return name, start, counted
        return None

    def _footer_kind(self, row: Sequence[object]) -> str | None:
        if self.is_totals_row(row):
            return "totals"
        for v in row:
            if v is None or v == "":
                continue
            if type(v) is str:
                text = v.strip()
                if not text:
                    continue
                if text.startswith(FOOTER_MARKERS):
                    return "footer"
            return None
        return None

    def is_totals_row(self, row: Sequence[object]) -> bool:
        n = len(row)
        for i in self._marker_cols:
            if i < n:
                v = row[i]
                if type(v) is str and "计" in v and any(m in v for m in TOTAL_MARKERS):
                    return True
        return False

    def feed(self, row_no: int, row: Sequence[object]) -> None:
        """Parse one row (``row_no`` as Excel shows it). Blank rows are ignored; totals
        rows, sign-off lines and notes after the data are skipped with a note."""
        if not any(row):
            if self.data_rows:
                self._after_gap = True
            return
        kind = self._footer_kind(row)
        if kind == "totals":
            self._totals_row(row_no, row)
            return
        if kind == "footer":
            self._in_footer = True
            self._footer_rows.append(row_no)
            return
        n = len(row)
        values: dict[str, Any] = {}
        problems: list[Problem] | None = None
        failed = False
        required = self.required
        formulas = self.formulas.get(row_no) if self.formulas else None
        placeholders: list[int] = []
        for name, col, conv in self._plan:
            raw = row[col] if col < n else None
            if raw == "" or raw is None:
                if name in required:
                    failed = True
                    problems = self._missing(problems, row_no, col, raw, name)
                continue
            if type(raw) is str:
                if has_invisible(raw):
                    cleaned, removed = strip_invisible(raw)
                    if problems is None:
                        problems = []
                    problems.append(self._problem(
                        row_no, col, raw, "warning",
                        tr("import.cell.invisible_removed",
                           chars=", ".join(f"{c} ({tr('import.at_position', pos=p)})"
                                           for c, p in removed[:5])),
                        "invisible"))
                    raw = cleaned
                    if not raw.strip():
                        if name in required:
                            failed = True
                            problems = self._missing(problems, row_no, col, raw, name)
                        continue
                if self.rules.is_placeholder(raw):
                    if name in required:
                        failed = True
                        if problems is None:
                            problems = []
                        problems.append(self._problem(
                            row_no, col, raw, "error",
                            tr("import.cell.required_placeholder", field=field_label(name),
                               text=raw.strip()), "required_placeholder"))
                    else:
                        placeholders.append(col)
                    continue
            try:
                if name == "id_number" and self._per_row_only:
                    value = _id_number(raw, values.get("id_type"))
                else:
                    value = conv(raw)
            except CellRefused as exc:
                if type(raw) is str and not raw.strip():
                    if name in required:
                        failed = True
                        problems = self._missing(problems, row_no, col, raw, name)
                    continue
                if problems is None:
                    problems = []
                key = exc.problem.key
                message = _cell_problem_text(exc)
                if isinstance(raw, CellError) and raw.formula:
                    key = "import.cell.formula_uncached"
                    message = tr(key, formula=raw.formula)
                problems.append(self._problem(row_no, col, raw, "error", message, key))
                failed = True
                continue
            if type(value) is tuple:
                if len(value) == 3:  # id number: (number, id_type, note)
                    value, id_type, note = value
                    if id_type != "resident_id" or "id_type" in values:
                        values["id_type"] = id_type
                else:
                    value, note = value
                if note is not None:
                    if problems is None:
                        problems = []
                    problems.append(self._problem(row_no, col, raw, note.severity,
                                                  problem_message(note), note.key))
            elif value == "" and name in required:
                failed = True
                problems = self._missing(problems, row_no, col, raw, name)
                continue
            if formulas and col in formulas:
                if problems is None:
                    problems = []
                problems.append(self._problem(row_no, col, raw, "warning",
                                              tr("import.cell.formula_cached",
                                                 formula=formulas[col]), "formula"))
            if name in self.summed and name in values:
                values[name] = values[name] + value
            else:
                values[name] = value
        if failed and all(v is None or (type(v) is str and not v.strip()) for v in row):
            return  # a row of spaces is a blank row
        if failed and self._is_repeated_header(row):
            return  # the header repeated on every printed page of some exports
        if failed and (self._in_footer or (self._after_gap and _filled(row) <= 2)):
            # a note line after the data (and after a sign-off or a blank row): footer
            self._in_footer = True
            self._footer_rows.append(row_no)
            return
        self.data_rows += 1
        for col in placeholders:
            self.placeholder_counts[col] = self.placeholder_counts.get(col, 0) + 1
        if not failed:
            self._in_footer = self._after_gap = False
            for name in FORMULA_CHECKED:
                text = values.get(name)
                if text and text[0] in "=+-@":
                    if problems is None:
                        problems = []
                    problems.append(self._problem(row_no, self.field_col[name], text, "warning",
                                                  tr("import.cell.formula_text"), "formula_text"))
            if values.get("principal", 1) == 0:
                col = self.field_col["principal"]
                if problems is None:
                    problems = []
                problems.append(self._problem(row_no, col, row[col], "warning",
                                              tr("import.cell.principal_zero"), "principal_zero"))
            if self._check_total:
                parts = self._total_mismatch(values)
                if parts is not None:
                    col = self.field_col["stated_total"]
                    if problems is None:
                        problems = []
                    problems.append(self._problem(
                        row_no, col, row[col], "warning",
                        tr("import.cell.total_mismatch", total=_yuan(values["stated_total"]),
                           parts=_yuan(parts)), "total_mismatch"))
            if self._check_days:
                off = self._days_mismatch(values)
                if off is not None:
                    name, start, counted = off
                    col = self.field_col["overdue_days"]
                    if problems is None:
                        problems = []
                    problems.append(self._problem(
                        row_no, col, row[col], "warning",
                        tr("import.cell.overdue_mismatch", days=values["overdue_days"],
                           field=field_label(name), start=start.isoformat(),
                           as_of=(values.get("as_of") or self.as_of).isoformat(),  # type: ignore[union-attr]
                           counted=counted), "overdue_mismatch"))
        if problems:
            self.problems.extend(problems)
        if failed:
            self.skipped += 1
            return
        assumed = False
        if "as_of" not in values:
            values["as_of"] = self.as_of
            assumed = self.as_of_assumed
        values["extra"] = self._extra(row_no, row)
        values["source"] = SourceRef(self.file, self.sheet, row_no, assumed)
        self.accounts.append(_new_account(values))

    def _totals_row(self, row_no: int, row: Sequence[object]) -> None:
        """Skip a totals row; compare what it states with the rows imported above it."""
        self._totals_rows.append(row_no)
        subtotal = any(type(v) is str and "小计" in v for v in row)
        start = self._totals_from if subtotal else 0
        accounts = self.accounts[start:]
        self._totals_from = len(self.accounts)
        for name in AMOUNT_FIELDS:
            if name in self.summed:
                continue  # the row states one figure per column, the accounts only the sum
            for col in self.field_cols.get(name, ()):
                raw = row[col] if col < len(row) else None
                if raw is None or raw == "":
                    continue
                try:
                    stated = parse_amount(raw, ceiling=Decimal("1e15"), allow_negative=True)
                except CellRefused:
                    continue
                if name == "stated_total":
                    summed = sum((a.total if a.stated_total is None else a.stated_total
                                  for a in accounts), _ZERO)
                else:
                    summed = sum((getattr(a, name) for a in accounts), _ZERO)
                if abs(summed - stated) > _FEN:
                    label = next((m for m in TOTAL_MARKERS
                                  if any(type(v) is str and m in v for v in row)), "合计")
                    self.problems.append(self._problem(
                        row_no, col, raw, "warning",
                        tr("import.row.totals_mismatch", label=label, stated=_yuan(stated),
                           summed=_yuan(summed)), "totals_mismatch"))

    def _extra(self, row_no: int, row: Sequence[object]) -> dict[str, str]:
        """The row's cells in unmapped columns (``Account.extra``), cleaned, blanks left out.
        Nothing here rejects a row: an error value or a formula without a result is left
        out and an over-long text is cut, each noted once per column (see :meth:`finish`)."""
        extra = {}
        n = len(row)
        limit = self.rules.limit("extra")
        for col, header in self.extra_cols:
            if col < n:
                v = row[col]
                if v is not None and v != "":
                    if isinstance(v, CellError):
                        self._note_extra(col, "extra_error", row_no, v)
                        continue
                    if type(v) is str and has_invisible(v):
                        v = strip_invisible(v)[0]
                        self._note_extra(col, "extra_invisible", row_no, v)
                    text = clean_text(v)
                    if len(text) > limit:
                        self._note_extra(col, "extra_too_long", row_no, text[:40])
                        text = text[:limit]
                    if text:
                        extra[header] = text
        return extra

    def _note_extra(self, col: int, reason: str, row_no: int, value: object) -> None:
        entry = self._extra_issues.get((col, reason))
        if entry is None:
            self._extra_issues[(col, reason)] = [row_no, value, 1]
        else:
            entry[2] += 1

    def _is_repeated_header(self, row: Sequence[object]) -> bool:
        same = sum(1 for v, h in zip(row, self.headers, strict=False)
                   if isinstance(v, str) and v.strip() and " ".join(v.split()) == h)
        return same >= 2

    def _missing(self, problems: list[Problem] | None, row_no: int, col: int, raw: object,
                 name: str) -> list[Problem]:
        if problems is None:
            problems = []
        problems.append(self._problem(row_no, col, raw, "error",
                                      tr("import.cell.required_missing", field=field_label(name)),
                                      "required_missing"))
        return problems

    def _problem(self, row_no: int, col: int, raw: object, severity: str, message: str,
                 key: str = "") -> Problem:
        header = self.headers[col] if col < self.ncols else ""
        return Problem(self.sheet, row_no, header, raw_text(raw), severity, message,
                       problem_kind(key) if key else "other")

    def notes(self) -> list[Note]:
        """Rows skipped as footer or totals, and placeholders read as "not given"."""
        out: list[Note] = []
        for first, last in _ranges(self._footer_rows):
            out.append(Note("footer", tr("import.note.footer", rows=_row_span(first, last)),
                            first, last, count=last - first + 1))
        for first, last in _ranges(self._totals_rows):
            out.append(Note("totals", tr("import.note.totals", rows=_row_span(first, last)),
                            first, last, count=last - first + 1))
        for col, count in sorted(self.placeholder_counts.items()):
            out.append(Note("placeholders", tr("import.note.placeholders", count=count,
                                               column=self.headers[col]),
                            column=self.headers[col], count=count))
        return out

    def placeholders_by_header(self) -> dict[str, int]:
        return {self.headers[c]: n for c, n in sorted(self.placeholder_counts.items())}

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
                                                   tr("import.row.duplicate", rows=listed),
                                                   "duplicate"))
                self.skipped += 1
            self.accounts = kept
        for (col, reason), (row_no, value, count) in sorted(self._extra_issues.items()):
            self.problems.append(self._problem(
                row_no, col, value, "warning",
                tr(f"import.extra.{reason.removeprefix('extra_')}", count=count,
                   limit=self.rules.limit("extra")), reason))
        self._extra_issues.clear()
        self.problems.sort(key=lambda p: p.row)
        return self.accounts, self.problems, self.skipped


_ZERO = Decimal("0.00")
_FEN = Decimal("0.01")


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _filled(row: Sequence[object]) -> int:
    return sum(1 for v in row if v is not None and not (type(v) is str and not v.strip()))


def _ranges(rows: Sequence[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for r in rows:
        if out and r == out[-1][1] + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


def _row_span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _is_card_header(header: str) -> bool:
    """A column of card numbers (Luhn-checked), not of account or loan numbers."""
    h = header.lower()
    return ("卡" in h or "card" in h) and not any(w in h for w in ("账", "帐", "account"))


def _days(v: Any) -> int:
    days = parse_days(v)
    if days > MAX_OVERDUE_DAYS:
        raise CellRefused("import.cell.days_too_many", limit=f"{MAX_OVERDUE_DAYS:,}")
    return days


def _id_number(v: Any, id_type: str | None = None) -> tuple:
    """The id number for the plan: ``(number, id_type, note)``; a number that is not a
    resident ID always carries a note, so the block path hands its row to :meth:`feed`."""
    return parse_id_document(v, id_type)


# Converters with the fast path for cells that are already clean.
def _amount(v: Any) -> Decimal:
    return parse_amount(v)


def _date1900(v: Any) -> date:
    return parse_date(v)


def _date1904(v: Any) -> date:
    return parse_date(v, date1904=True)


def _text(v: Any) -> str:
    if type(v) is str and v == v.strip() and _ODD_SPACE.search(v) is None:
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
_INVISIBLE_IN_JOINED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1e\x7f-\x9f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]")
"""``cells._INVISIBLE`` without the unit separator that joins a column's cells here."""
_ODD_SPACE_IN_JOINED = re.compile(r"[^\S \x1f]")
"""White space other than a plain space (or the separator): the cell needs cleaning."""


def _all_str_joined(values: Sequence[object]) -> str | None:
    if set(map(type, values)) != _STR:
        return None
    joined = "\x1f".join(values)  # type: ignore[arg-type]
    if not joined or joined[0] == "\x1f" or joined[-1] == "\x1f":
        return None
    if joined.count("\x1f") != len(values) - 1:  # a cell holding the separator itself
        return None
    return joined


def fast_text(values: Sequence[object], formula_checked: bool = False, limit: int = 1 << 30,
              placeholders: frozenset[str] | None = None) -> list | None:
    joined = _all_str_joined(values)
    if (joined is None or any(d in joined for d in _DIRTY_TEXT)
            or _INVISIBLE_IN_JOINED.search(joined) or _ODD_SPACE_IN_JOINED.search(joined)):
        return None
    if list(map(str.strip, values)) != list(values):  # type: ignore[arg-type]
        return None
    if formula_checked and (joined[0] in "=+-@" or any(f in joined for f in _FORMULA_STARTS)):
        return None
    if max(map(len, values)) > limit:  # type: ignore[arg-type]
        return None
    if placeholders and not placeholders.isdisjoint(
            unicodedata.normalize("NFKC", joined).casefold().split("\x1f")):
        return None
    return list(values)


def _shared_or_none(values: list | None) -> list | None:
    """Low-cardinality columns (branch, officer): equal texts share one object."""
    return None if values is None else _shared(values)


def fast_account(values: Sequence[object]) -> list | None:
    joined = _all_str_joined(values)
    if joined is None or not _ACCOUNT_BLOCK.fullmatch(joined):
        return None
    return list(values)


def fast_card(values: Sequence[object]) -> list | None:
    """:func:`fast_account` that also proves every 16–19 digit number passes the Luhn check."""
    out = fast_account(values)
    if out is None:
        return None
    lengths = set(map(len, out))
    for length in lengths:
        if 16 <= length <= 19:
            same = out if len(lengths) == 1 else [v for v in out if len(v) == length]
            if not _luhn_column_ok(same, length):
                return None
    return out


# Luhn per digit position (counted from the right): the digit, or its double less 9.
_LUHN_PLAIN = bytes(c - 48 if 48 <= c <= 57 else 0 for c in range(256))
_LUHN_DOUBLE = bytes(((c - 48) * 2 - 9 if c - 48 > 4 else (c - 48) * 2) if 48 <= c <= 57 else 0
                     for c in range(256))
_MOD10_BAD = bytes(0 if v % 10 == 0 else 1 for v in range(256))


def _luhn_column_ok(values: Sequence[str], length: int) -> bool:
    """Every number passes the Luhn check; numbers of one ``length``, all digits. Each
    digit position becomes one byte lane of a big integer (19 × 9 < 256: no carries)."""
    blob = "".join(values).encode("ascii")
    total = 0
    for pos in range(length):
        table = _LUHN_DOUBLE if (length - 1 - pos) % 2 else _LUHN_PLAIN
        total += int.from_bytes(blob[pos::length].translate(table), "big")
    sums = total.to_bytes(len(values), "big")
    return sums.translate(_MOD10_BAD).count(0) == len(values)


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


def fast_amount(values: Sequence[object], allow_zero: bool = True,
                ceiling: float = _MAX_AMOUNT_FLOAT) -> list | None:
    if set(map(type, values)) != _FLOAT:
        return None
    low = min(values)  # type: ignore[type-var]
    if (low < 0.0 or (low == 0.0 and not allow_zero) or max(values) > _MAX_AMOUNT_FLOAT  # type: ignore[type-var,operator]
            or max(values) > ceiling):  # type: ignore[type-var,operator]
        return None
    scaled = list(map(operator.mul, values, itertools.repeat(100.0)))
    cents = list(map(round, scaled))
    if max(map(abs, map(operator.sub, scaled, cents))) >= 1e-6:
        return None
    amounts = map(Decimal.scaleb, map(Decimal, cents), itertools.repeat(-2))
    return list(map({}.setdefault, cents, amounts))  # type: ignore[arg-type]  # equal amounts share one object


def fast_date(values: Sequence[object], low: date = MIN_DATE, high: date = MAX_DATE) -> list | None:
    if set(map(type, values)) != _DATE:
        return None
    if min(values) < low or max(values) > high:  # type: ignore[type-var,operator]
        return None
    return _shared(values)


def _shared(values: Sequence[object]) -> list:
    """The values, with equal ones sharing one object (branches, officers, dates repeat)."""
    return list(map({}.setdefault, values, values))  # type: ignore[arg-type]


def fast_days(values: Sequence[object]) -> list | None:
    if set(map(type, values)) != _FLOAT or not all(map(float.is_integer, values)):  # type: ignore[arg-type]
        return None
    if min(values) < 0.0 or max(values) > MAX_OVERDUE_DAYS:  # type: ignore[type-var,operator]
        return None
    return list(map(int, values))  # type: ignore[arg-type]


_ACCOUNT_DEFAULTS = {
    f.name: (f.default if f.default is not MISSING else f.default_factory())  # type: ignore[misc,operator]
    for f in fields(Account)
    if f.default is not MISSING or f.default_factory is not MISSING
}
_ACCOUNT_DEFAULTS["principal"] = Decimal("0.00")  # a file giving only a total has no principal
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
