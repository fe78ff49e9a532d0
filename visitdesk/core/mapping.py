"""Which column of a bank's export holds which account field.

The synonym table is data (``resources/mapping/columns.json``) so that a bank can add its
own header wording without a code change. Matching is forgiving about width, case, spaces,
a trailing colon or asterisk and a unit in brackets (``欠款本金（元）``), traditional or variant
characters (``帳號``, ``身分證``) and near-miss spellings (one character missing, added or two
swapped); a header that only *contains* a synonym, or nearly spells one, is mapped but marked
unsure, so the import dialog asks.

Three rules keep the debt right: a header naming someone else (联系人, 配偶, 担保人, 单位 …)
never maps to the customer's name, ID, phone or address; a total-balance header (欠款总额,
透支余额 …) maps to ``total``, never to the principal; and several columns may add up into
one of interest, late fee or other fees (表内欠息 + 表外欠息), while any other second
candidate for a field is named in ``ColumnMapping.dropped`` before the import runs.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ACCOUNT_FIELDS: tuple[str, ...] = (
    "account_no", "name", "id_number", "phone", "principal", "interest", "late_fee",
    "other_fees", "overdue_days", "overdue_since", "due_date", "as_of", "address", "branch",
    "officer", "total", "product_type", "currency", "id_type",
)
"""The fields a column can map to; any other column goes to ``Account.extra``. ``total``
is the whole balance as the file states it (``Account.stated_total``)."""

PERSON_FIELDS: tuple[str, ...] = ("name", "id_number", "phone", "address")
"""The customer's own details: never taken from a column about someone else."""

ADDITIVE_FIELDS: tuple[str, ...] = ("interest", "late_fee", "other_fees")
"""Debt components that several columns may add up to (年费 + 分期手续费 + 其他费用)."""

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
    other_people: tuple[str, ...] = ()
    """Words that make a header about someone else (联系人, 配偶, 单位 …)."""
    variants: tuple[tuple[str, str], ...] = ()
    """``(written, standard)`` pairs replaced before matching (帳 → 账, 身分 → 身份)."""
    recognised: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Columns recognised but kept as extra attributes (客户号, 最低还款额, 账龄 …)."""
    generic: tuple[str, ...] = ()
    """Sub-headers that only mean "amount" (金额); their group header names the field."""
    _exact: dict[str, tuple[str, int]] = field(default_factory=dict, compare=False, repr=False)
    _kept: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name, synonyms in self.fields.items():
            if name not in self.known:
                raise ValueError(f"synonym table: unknown field {name!r}")
            for rank, syn in enumerate(synonyms):
                self._exact.setdefault(self.norm(syn), (name, rank))
        for name, synonyms in self.recognised.items():
            for syn in synonyms:
                self._kept.setdefault(self.norm(syn), name)
        object.__setattr__(self, "other_people",
                           tuple(self.norm(w) for w in self.other_people))
        object.__setattr__(self, "generic", tuple(self.norm(w) for w in self.generic))

    def norm(self, header: object) -> str:
        """:func:`normalise_header` with the variant spellings replaced."""
        s = normalise_header(header)
        for written, standard in self.variants:
            if written in s:
                s = s.replace(written, standard)
        return s

    def about_someone_else(self, header: object) -> bool:
        norm = self.norm(header)
        return any(w in norm for w in self.other_people)

    def recognised_as(self, header: object) -> str | None:
        """The kept-column name (``minimum_payment`` …) of a header, or None."""
        return self._kept.get(self.norm(header))

    def match(self, header: object) -> tuple[str | None, bool]:
        """``(field, sure)``: exact synonym → sure; a contained synonym or a near miss →
        unsure. A header about someone else never gives a field of :data:`PERSON_FIELDS`."""
        norm = self.norm(header)
        if not norm:
            return None, True
        other = any(w in norm for w in self.other_people)
        hit = self._exact.get(norm)
        if hit:
            if other and hit[0] in PERSON_FIELDS:
                return None, True
            return hit[0], True
        if norm in self._kept:
            return None, True
        best: tuple[int, str] | None = None
        for syn, (name, _rank) in self._exact.items():
            if other and name in PERSON_FIELDS:
                continue
            long_enough = len(syn) >= (4 if syn.isascii() else 2)
            if long_enough and syn in norm and (best is None or len(syn) > best[0]):
                best = (len(syn), name)
        if best is None:
            for syn, (name, _rank) in self._exact.items():
                if other and name in PERSON_FIELDS:
                    continue
                if _near_miss(norm, syn):
                    best = (len(syn), name)
                    break
        return (best[1], False) if best else (None, True)

    def rank(self, header: object) -> int:
        hit = self._exact.get(self.norm(header))
        return hit[1] if hit else 1000


def _near_miss(text: str, syn: str) -> bool:
    """One character missing, one added or two neighbours swapped (and, for Latin headers of
    six letters or more, one changed). Short synonyms never match this way."""
    if len(syn) < (6 if syn.isascii() else 3) or abs(len(text) - len(syn)) > 1 or text == syn:
        return False
    if len(text) == len(syn):
        diff = [i for i, (a, b) in enumerate(zip(text, syn, strict=True)) if a != b]
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            i = diff[0]
            return text[i] == syn[i + 1] and text[i + 1] == syn[i]
        return len(diff) == 1 and syn.isascii() and text.isascii()
    short, long_ = (text, syn) if len(text) < len(syn) else (syn, text)
    for i in range(len(long_)):
        if long_[:i] + long_[i + 1:] == short:
            return True
    return False


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
    return SynonymTable(
        fields, required, other_people=tuple(data.get("other_people", ())),
        variants=tuple((k, v) for k, v in data.get("variants", {}).items()),
        recognised={k: tuple(v) for k, v in data.get("recognised", {}).items()},
        generic=tuple(data.get("generic_subheaders", ())))


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
    """Header → field, or None for a column kept in ``extra``. Several headers may name one
    of :data:`ADDITIVE_FIELDS` (their amounts add up)."""
    unsure: tuple[str, ...]
    missing_required: tuple[str, ...]
    dropped: tuple[tuple[str, str, str], ...] = ()
    """``(header, field, header used instead)``: a second candidate for a field, kept as an
    extra column; the import reports it before it runs."""


def propose_mapping(headers: Sequence[str], table: SynonymTable,
                    required: Sequence[str] = (), *,
                    hints: Mapping[str, Sequence[str]] | None = None) -> ColumnMapping:
    """Map each header to a field. When two headers claim one field, the one with the
    better-ranked synonym wins and the other is left unmapped, marked unsure and listed in
    ``dropped``, except that sure claims on an additive field all map (they add up).

    ``hints`` gives other texts to try for a header when its own text names no field (a
    two-row header: the group and sub-header texts).
    """
    claims: dict[str, list[tuple[int, int, str]]] = {}
    unsure: list[str] = []
    for header in headers:
        if header.startswith("[") and header.endswith("]"):
            continue
        name, sure = table.match(header)
        for alternative in (hints or {}).get(header, ()):
            if name is not None and sure:
                break
            alt_name, alt_sure = table.match(alternative)
            if alt_name is not None and (name is None or alt_sure):
                name, sure = alt_name, alt_sure
        if name is None:
            continue
        if not sure:
            unsure.append(header)
        claims.setdefault(name, []).append((0 if sure else 1, table.rank(header), header))
    columns: dict[str, str | None] = dict.fromkeys(headers)
    dropped: list[tuple[str, str, str]] = []
    for name, candidates in claims.items():
        candidates.sort()
        winner = candidates[0][2]
        columns[winner] = name
        for s, _r, header in candidates[1:]:
            if name in ADDITIVE_FIELDS and s == 0:
                columns[header] = name
                continue
            dropped.append((header, name, winner))
            if header not in unsure:
                unsure.append(header)
    order = {h: i for i, h in enumerate(headers)}
    dropped.sort(key=lambda d: order[d[0]])
    return _finish(headers, columns, unsure, table, required, tuple(dropped))


def apply_override(base: ColumnMapping, override: dict[str, str | None], table: SynonymTable,
                   required: Sequence[str] = ()) -> ColumnMapping:
    """The mapping with the user's choices applied (header → field or None).

    A field chosen by the user is taken away from any other header, except an additive
    field, which adds up every column mapped to it. Raises ``ValueError`` naming an unknown
    field or header, or a non-additive field chosen for two headers.
    """
    columns = dict(base.columns)
    for header, name in override.items():
        if header not in columns:
            raise ValueError(header)
        if name is not None and name not in ACCOUNT_FIELDS:
            raise ValueError(name)
    for header, name in override.items():
        if name is not None and name not in ADDITIVE_FIELDS:
            for other, other_name in columns.items():
                if other_name == name and other not in override:
                    columns[other] = None
        columns[header] = name
    chosen = [name for name in columns.values() if name is not None]
    for name in chosen:
        if chosen.count(name) > 1 and name not in ADDITIVE_FIELDS:
            raise ValueError(name)
    unsure = [h for h in base.unsure if h not in override]
    dropped = tuple(d for d in base.dropped if d[0] not in override and columns.get(d[0]) is None
                    and columns.get(d[2]) == d[1])
    return _finish(base.headers, columns, unsure, table, required, dropped)


def _finish(headers: Sequence[str], columns: dict[str, str | None], unsure: list[str],
            table: SynonymTable, required: Sequence[str],
            dropped: tuple[tuple[str, str, str], ...] = ()) -> ColumnMapping:
    mapped = set(columns.values())
    need = list(dict.fromkeys([*table.required, *required]))
    if "total" in mapped:
        need = [f for f in need if f != "principal"]  # the total is the debt
    missing = tuple(f for f in need if f not in mapped)
    return ColumnMapping(tuple(headers), columns, tuple(unsure), missing, dropped)
