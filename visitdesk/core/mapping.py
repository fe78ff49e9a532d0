"""Which column of a bank's export holds which account field.

The synonym table is data (``resources/mapping/columns.json``) so that a bank can add its
own header wording without a code change. Matching is forgiving about width, case, spaces,
a trailing colon or asterisk and a unit in brackets (``欠款本金（元）``); a header that only
*contains* a synonym is mapped but marked unsure, so the import dialog asks.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ACCOUNT_FIELDS: tuple[str, ...] = (
    "account_no", "name", "id_number", "phone", "principal", "interest", "late_fee",
    "other_fees", "overdue_days", "overdue_since", "due_date", "as_of", "address", "branch",
    "officer",
)
"""The Account fields a column can map to; any other column goes to ``Account.extra``."""

ALWAYS_REQUIRED: tuple[str, ...] = ("name", "id_number", "account_no", "principal")

HEADER_SCAN_ROWS = 30
"""How many rows from the top are searched for the header row."""

_BRACKETED = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]$")


def normalise_header(text: object) -> str:
    """The comparison form of a header: NFKC, lower case, no spaces, no trailing unit."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    s = s.strip("*:：#").strip()
    previous = None
    while previous != s:
        previous = s
        s = _BRACKETED.sub("", s).strip().rstrip(":：*").strip()
    return "".join(s.split())


@dataclass(frozen=True)
class SynonymTable:
    fields: dict[str, tuple[str, ...]]
    """Field → synonyms in priority order."""
    required: tuple[str, ...] = ALWAYS_REQUIRED
    known: tuple[str, ...] = ACCOUNT_FIELDS
    """Fields the table may name (the account's by default; other imports bring their own)."""
    _exact: dict[str, tuple[str, int]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name, synonyms in self.fields.items():
            if name not in self.known:
                raise ValueError(f"synonym table: unknown field {name!r}")
            for rank, syn in enumerate(synonyms):
                self._exact.setdefault(normalise_header(syn), (name, rank))

    def match(self, header: object) -> tuple[str | None, bool]:
        """``(field, sure)``: exact synonym → sure; a contained synonym → unsure."""
        norm = normalise_header(header)
        if not norm:
            return None, True
        hit = self._exact.get(norm)
        if hit:
            return hit[0], True
        best: tuple[int, str] | None = None
        for syn, (name, _rank) in self._exact.items():
            long_enough = len(syn) >= (4 if syn.isascii() else 2)
            if long_enough and syn in norm and (best is None or len(syn) > best[0]):
                best = (len(syn), name)
        return (best[1], False) if best else (None, True)

    def rank(self, header: object) -> int:
        hit = self._exact.get(normalise_header(header))
        return hit[1] if hit else 1000


def load_synonyms(path: str | Path | None = None) -> SynonymTable:
    """The synonym table from ``path`` or the bundled resource."""
    if path is None:
        return _bundled()
    return _from_json(json.loads(Path(path).read_text(encoding="utf-8")))


@cache
def _bundled() -> SynonymTable:
    from visitdesk.paths import resource

    return load_synonyms(resource("mapping", "columns.json"))


def _from_json(data: dict) -> SynonymTable:
    fields = {k: tuple(v) for k, v in data["fields"].items()}
    required = tuple(data.get("required", ALWAYS_REQUIRED))
    return SynonymTable(fields, required)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def header_names(cells: Sequence[object]) -> list[str]:
    """Header texts as written; a blank header is named by its column (``[F]``) and a
    repeated one gets its column added, so that every name is unique."""
    names: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(cells):
        text = "" if cell is None else " ".join(str(cell).split())
        if not text:
            text = f"[{column_letter(i)}]"
        if text in seen:
            text = f"{text} [{column_letter(i)}]"
        seen.add(text)
        names.append(text)
    return names


def score_header_row(cells: Iterable[object], table: SynonymTable) -> int:
    """How many distinct fields the cells of a candidate header row name exactly."""
    found = set()
    for cell in cells:
        if isinstance(cell, str) and cell.strip():
            name, sure = table.match(cell)
            if name and sure:
                found.add(name)
    return len(found)


def find_header_row(rows: Sequence[Sequence[object]], table: SynonymTable) -> int | None:
    """Index (0-based, within ``rows``) of the header row: the first row naming the most
    fields, at least two of them. Title rows and merged title cells score at most one."""
    best, best_score = None, 1
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = score_header_row(row, table)
        if score > best_score:
            best, best_score = i, score
    return best


@dataclass(frozen=True)
class ColumnMapping:
    headers: tuple[str, ...]
    columns: dict[str, str | None]
    """Header → field, or None for a column kept in ``extra``."""
    unsure: tuple[str, ...]
    missing_required: tuple[str, ...]


def propose_mapping(headers: Sequence[str], table: SynonymTable,
                    required: Sequence[str] = ()) -> ColumnMapping:
    """Map each header to a field. When two headers claim one field, the one with the
    better-ranked synonym wins and the other is left unmapped and marked unsure."""
    claims: dict[str, list[tuple[int, int, str]]] = {}
    unsure: list[str] = []
    for header in headers:
        if header.startswith("[") and header.endswith("]"):
            continue
        name, sure = table.match(header)
        if name is None:
            continue
        if not sure:
            unsure.append(header)
        claims.setdefault(name, []).append((0 if sure else 1, table.rank(header), header))
    columns: dict[str, str | None] = dict.fromkeys(headers)
    for name, candidates in claims.items():
        candidates.sort()
        columns[candidates[0][2]] = name
        for _s, _r, header in candidates[1:]:
            if header not in unsure:
                unsure.append(header)
    return _finish(headers, columns, unsure, table, required)


def apply_override(base: ColumnMapping, override: dict[str, str | None], table: SynonymTable,
                   required: Sequence[str] = ()) -> ColumnMapping:
    """The mapping with the user's choices applied (header → field or None).

    A field chosen by the user is taken away from any other header. Raises ``ValueError``
    naming an unknown field or header.
    """
    columns = dict(base.columns)
    for header, name in override.items():
        if header not in columns:
            raise ValueError(header)
        if name is not None and name not in ACCOUNT_FIELDS:
            raise ValueError(name)
    for header, name in override.items():
        if name is not None:
            for other, other_name in columns.items():
                if other_name == name and other not in override:
                    columns[other] = None
        columns[header] = name
    chosen = [name for name in columns.values() if name is not None]
    for name in chosen:
        if chosen.count(name) > 1:
            raise ValueError(name)
    unsure = [h for h in base.unsure if h not in override]
    return _finish(base.headers, columns, unsure, table, required)


def _finish(headers: Sequence[str], columns: dict[str, str | None], unsure: list[str],
            table: SynonymTable, required: Sequence[str]) -> ColumnMapping:
    mapped = set(columns.values())
    need = list(dict.fromkeys([*table.required, *required]))
    missing = tuple(f for f in need if f not in mapped)
    return ColumnMapping(tuple(headers), columns, tuple(unsure), missing)
