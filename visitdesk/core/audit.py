"""The audit log as a hash chain: each entry carries the hash of the one before it.

Every change to a visit record becomes one entry (who, when, visit, field, old value, new
value). An entry's ``hash`` is the SHA-256 of its canonical JSON (sorted keys, no spaces,
UTF-8) including ``prev_hash``, so changing an entry breaks its own hash, deleting or
reordering entries breaks the next entry's link, and removing the newest entries is caught by
comparing with the head the store keeps.

Entries also carry ``record_sha256``, the SHA-256 of the record version as stored after the
change, so that :func:`verify_records` can tell a record rewritten behind the program's back
from one the log explains, and signed documents carry the chain head at signing time
(:class:`Anchor`), so that a chain rewritten and re-hashed from some entry on is caught too
(docs/integrity.md). This module is pure; the store persists entries.
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
    record_sha256: str | None = None
    """SHA-256 of the version's stored JSON after this change (None in entries written before
    record hashes were logged; such entries hash as they always did)."""

    def body(self) -> dict[str, Any]:
        """Everything the hash covers."""
        body = {"seq": self.seq, "who": self.who, "when": self.when, "visit_id": self.visit_id,
                "version": self.version, "field": self.field, "old": self.old, "new": self.new,
                "prev_hash": self.prev_hash}
        if self.record_sha256 is not None:
            body["record_sha256"] = self.record_sha256
        return body

    def computed_hash(self) -> str:
        return entry_hash(self.body())

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash}


def entry_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def text_sha256(text: str) -> str:
    """SHA-256 of a stored text (a record version's canonical JSON) as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_entry(prev: AuditEntry | None, who: str, when: str, visit_id: str, version: int,
               field: str, old: Any, new: Any, record_sha256: str | None = None) -> AuditEntry:
    """The entry that follows ``prev`` (None for the first)."""
    unhashed = AuditEntry(prev.seq + 1 if prev else 1, who, when, visit_id, version, field,
                          old, new, prev.hash if prev else GENESIS, hash="",
                          record_sha256=record_sha256)
    return replace(unhashed, hash=unhashed.computed_hash())


def chain(prev: AuditEntry | None, who: str, when: str, visit_id: str, version: int,
          changes: Iterable[tuple[str, Any, Any]], record_sha256: str | None = None
          ) -> list[AuditEntry]:
    """Entries for several changes made at once, continuing after ``prev``; each carries
    ``record_sha256``, the hash of the version once all of them are applied."""
    out: list[AuditEntry] = []
    for field, old, new in changes:
        prev = make_entry(prev, who, when, visit_id, version, field, old, new, record_sha256)
        out.append(prev)
    return out


@dataclass(frozen=True)
class Problem:
    """One thing found wrong by ``audit verify``; ``reason`` is a stable code (docs/cli.md)."""

    reason: str
    seq: int | None = None
    visit_id: str | None = None
    version: int | None = None
    file: str | None = None
    """The signed document it was found through, if any."""
    detail: str = ""
    """A trigger's name, or another short pointer; never personal data."""

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "seq": self.seq, "visit_id": self.visit_id,
                "version": self.version, "file": self.file, "detail": self.detail or None}


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    broken_at: int | None = None
    """``seq`` of the first entry found wrong (or expected but missing)."""
    reason: str = ""
    """``changed``, ``link``, ``missing``, ``order`` or ``truncated`` for the chain itself;
    the record and document checks add the reasons of :class:`Problem`."""
    problems: tuple[Problem, ...] = ()
    """Everything found wrong (the chain's own break first); empty when ``ok``."""
    documents: int = 0
    """Signed documents whose anchors were checked."""


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


@dataclass(frozen=True)
class StoredVersion:
    """One row of the visit table as ``audit verify`` sees it."""

    visit_id: str
    version: int
    state: str
    """The row's ``state`` column."""
    sha256: str
    """SHA-256 of the row's stored JSON."""
    consistent: bool = True
    """The JSON's own id, version and state equal the row's columns."""


@dataclass(frozen=True)
class Anchor:
    """What a signed document says about the store at the moment it was signed."""

    file: str
    visit_id: str
    version: int
    record_sha256: str
    """SHA-256 of the signed version's JSON (as it is stored once marked signed)."""
    head_seq: int
    head_hash: str
    """The audit chain's newest entry when the document was signed (0 and "" for none)."""


DISCARDED = "discarded"
"""The audit field of the entry that records a draft version discarded by the officer."""


def verify_records(entries: Sequence[AuditEntry], versions: Sequence[StoredVersion],
                   anchors: Sequence[Anchor] = ()) -> list[Problem]:
    """What the stored versions and the signed documents say against the chain.

    * every stored version must appear in the chain (``unlogged_version``: a version added
      behind the program's back), and its hash must be the one the chain logged last for it
      (``record_changed``; ``signed_record_changed`` for a signed version);
    * every version the chain names must still be stored (``version_deleted``), unless its
      last entry records that the draft was discarded;
    * a log without entries while versions are stored (``log_deleted``);
    * each document's record hash must be its stored version's (``signed_record_changed``),
      and the chain head it carries must still be in the chain (``rechained`` when that entry's
      hash differs, ``head_moved`` when the chain is now shorter than the document saw: its
      newest entries were removed and the stored head moved back with them).
    """
    problems: list[Problem] = []
    if versions and not entries:
        return [Problem("log_deleted")]
    logged: dict[tuple[str, int], AuditEntry] = {}
    hashes: dict[tuple[str, int], str | None] = {}
    for e in entries:
        key = (e.visit_id, e.version)
        logged[key] = e
        if e.record_sha256 is not None or key not in hashes:
            hashes[key] = e.record_sha256
    stored = {(v.visit_id, v.version): v for v in versions}
    for key, v in sorted(stored.items()):
        if key not in logged:
            problems.append(Problem("unlogged_version", visit_id=v.visit_id, version=v.version))
            continue
        expected = hashes.get(key)
        if not v.consistent or (expected is not None and expected != v.sha256):
            reason = "signed_record_changed" if v.state == "signed" else "record_changed"
            problems.append(Problem(reason, seq=logged[key].seq, visit_id=v.visit_id,
                                    version=v.version))
    for key, e in sorted(logged.items()):
        # a draft discarded through the program is gone on purpose: its last entry says so
        if key not in stored and e.field != DISCARDED:
            problems.append(Problem("version_deleted", seq=e.seq, visit_id=key[0],
                                    version=key[1]))
    by_seq = {e.seq: e for e in entries}
    last_seq = entries[-1].seq if entries else 0
    for a in anchors:
        seen = stored.get((a.visit_id, a.version))
        if seen is None:
            problems.append(Problem("version_deleted", visit_id=a.visit_id, version=a.version,
                                    file=a.file))
        elif seen.sha256 != a.record_sha256:
            problems.append(Problem("signed_record_changed", visit_id=a.visit_id,
                                    version=a.version, file=a.file))
        if a.head_seq > last_seq:
            problems.append(Problem("head_moved", seq=a.head_seq, file=a.file))
        elif a.head_seq and by_seq.get(a.head_seq) is not None \
                and by_seq[a.head_seq].hash != a.head_hash:
            problems.append(Problem("rechained", seq=a.head_seq, file=a.file))
    return problems
