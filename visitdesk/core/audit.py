"""The audit log as a hash chain: each entry carries the hash of the one before it.

Every change to a visit record becomes one entry (who, when, visit, field, old value, new
value). An entry's ``hash`` is the SHA-256 of its canonical JSON (sorted keys, no spaces,
UTF-8) including ``prev_hash``, so changing an entry breaks its own hash, deleting or
reordering entries breaks the next entry's link, and removing the newest entries is caught by
comparing with the head the store keeps. This module is pure; the store persists entries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

GENESIS = "0" * 64
"""``prev_hash`` of the first entry."""


def canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    """1, 2, 3… without gaps, in the order the changes were made."""
    who: str
    when: str
    """ISO date-time with offset."""
    visit_id: str
    version: int
    field: str
    """Dotted key of the record's JSON form (``answers.opening.showed_work_id``) or an
    action (``state``)."""
    old: Any
    new: Any
    prev_hash: str
    hash: str

    def body(self) -> dict[str, Any]:
        """Everything the hash covers."""
        return {"seq": self.seq, "who": self.who, "when": self.when, "visit_id": self.visit_id,
                "version": self.version, "field": self.field, "old": self.old, "new": self.new,
                "prev_hash": self.prev_hash}

    def computed_hash(self) -> str:
        return entry_hash(self.body())

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash}


def entry_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def make_entry(prev: AuditEntry | None, who: str, when: str, visit_id: str, version: int,
               field: str, old: Any, new: Any) -> AuditEntry:
    """The entry that follows ``prev`` (None for the first)."""
    unhashed = AuditEntry(prev.seq + 1 if prev else 1, who, when, visit_id, version, field,
                          old, new, prev.hash if prev else GENESIS, hash="")
    return replace(unhashed, hash=unhashed.computed_hash())


def chain(prev: AuditEntry | None, who: str, when: str, visit_id: str, version: int,
          changes: Iterable[tuple[str, Any, Any]]) -> list[AuditEntry]:
    """Entries for several changes made at once, continuing after ``prev``."""
    out: list[AuditEntry] = []
    for field, old, new in changes:
        prev = make_entry(prev, who, when, visit_id, version, field, old, new)
        out.append(prev)
    return out


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    broken_at: int | None = None
    """``seq`` of the first entry found wrong (or expected but missing)."""
    reason: str = ""
    """``changed``, ``link``, ``missing``, ``order`` or ``truncated``."""


def verify_chain(entries: Sequence[AuditEntry], head: tuple[int, str] | None = None
                 ) -> ChainReport:
    """Check entries in storage order.

    ``head`` is ``(seq, hash)`` of the newest entry as recorded separately by the store; when
    given, entries removed from the end are detected too.
    """
    prev_hash = GENESIS
    expected_seq = 1
    for e in entries:
        if e.seq != expected_seq:
            reason = "missing" if e.seq > expected_seq else "order"
            return ChainReport(False, len(entries), expected_seq, reason)
        if e.computed_hash() != e.hash:
            return ChainReport(False, len(entries), e.seq, "changed")
        if e.prev_hash != prev_hash:
            return ChainReport(False, len(entries), e.seq, "link")
        prev_hash = e.hash
        expected_seq += 1
    if head is not None:
        head_seq, head_hash = head
        if head_seq != expected_seq - 1:
            return ChainReport(False, len(entries), expected_seq, "truncated")
        if head_seq and head_hash != prev_hash:
            return ChainReport(False, len(entries), head_seq, "changed")
    return ChainReport(True, len(entries))
