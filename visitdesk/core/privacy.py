"""Which identifiers are shown where: the bank's masking choices and the access log's entries.

Lists, search results, multi-account briefing pages and exports show an account's ID and phone
number masked unless the bank's settings say otherwise (``Settings.mask_list``,
``mask_detail``, ``mask_briefing``, ``mask_export``). Revealing one account's identifiers is
an access, recorded as a hash-chained entry (who, when, which account, which fields, why).
Pure functions; ``adapters.access_log`` persists the entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from visitdesk.core.audit import GENESIS, canonical
from visitdesk.core.masking import mask_id_number, mask_phone

MASKABLE_FIELDS: tuple[str, ...] = ("id_number", "phone")
"""Account fields the bank may have masked."""
MASK_PLACES: tuple[str, ...] = ("list", "detail", "briefing", "export")
"""Where masking applies: the accounts table and its search results; the account's detail
(with a "show" action); the briefing's multi-account pages; exports (``accounts --json``)."""

def mask_field(field: str, value: str, id_type: str = "resident_id") -> str:
    """``value`` of account ``field`` masked (a field that is not maskable comes back as is);
    ``id_type``: the kind of ID number (``Account.id_type``), which decides how it is masked."""
    if not value:
        return value
    if field == "id_number":
        return mask_id_number(value, id_type)
    if field == "phone":
        return mask_phone(value)
    return value


def masked_json(account_json: dict[str, Any], fields: Collection[str]) -> dict[str, Any]:
    """An account's JSON with ``fields`` masked (same keys, same types)."""
    out = dict(account_json)
    for field in fields:
        if isinstance(out.get(field), str):
            out[field] = mask_field(field, out[field], out.get("id_type") or "resident_id")
    return out


def valid_fields(fields: Sequence[str]) -> tuple[str, ...]:
    """The maskable fields among ``fields`` (a setting may hold stray names)."""
    return tuple(f for f in fields if f in MASKABLE_FIELDS)


@dataclass(frozen=True)
class AccessEntry:
    """One reveal of full identifiers: kept in an append-only, hash-chained log."""

    seq: int
    who: str
    when: str
    """ISO date-time with offset."""
    account_no: str
    """The account revealed, or ``*`` for an unmasked export of every account."""
    fields: tuple[str, ...]
    purpose: str
    """``detail`` (the window's "show"), ``export`` (``accounts --json --unmasked``) …"""
    prev_hash: str
    hash: str

    def body(self) -> dict[str, Any]:
        return {"seq": self.seq, "who": self.who, "when": self.when,
                "account_no": self.account_no, "fields": list(self.fields),
                "purpose": self.purpose, "prev_hash": self.prev_hash}

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash}


def access_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def next_access(prev: AccessEntry | None, who: str, when: str, account_no: str,
                fields: Sequence[str], purpose: str) -> AccessEntry:
    seq = prev.seq + 1 if prev else 1
    prev_hash = prev.hash if prev else GENESIS
    draft = AccessEntry(seq, who, when, account_no, tuple(fields), purpose, prev_hash, "")
    return AccessEntry(seq, who, when, account_no, tuple(fields), purpose, prev_hash,
                       access_hash(draft.body()))


def verify_access(entries: Sequence[AccessEntry]) -> int | None:
    """``seq`` of the first entry whose hash or link is wrong; ``None`` when intact."""
    prev_hash = GENESIS
    for n, entry in enumerate(entries, start=1):
        if (entry.seq != n or entry.prev_hash != prev_hash
                or access_hash(entry.body()) != entry.hash):
            return entry.seq
        prev_hash = entry.hash
    return None
