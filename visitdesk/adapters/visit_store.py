"""Visits in the case store: versioned records, the hash-chained audit log, crash recovery.

Every save is one transaction that writes the draft and its audit entries together, so the
log and the record can never disagree. A finalised (or signed) version is never edited: the
database refuses it (triggers installed here) and an amendment adds a new version that points
at the previous one. The window calls :meth:`VisitRepository.save_draft` on every edit
(debounced to at most a second) and records which draft is open, so that after a crash the
next start can offer to reopen it.
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from visitdesk.adapters.migrations import MIGRATIONS
from visitdesk.adapters.store import CaseStore, now_iso, split_sql
from visitdesk.core.accounts import Account
from visitdesk.core.audit import (
    DISCARDED,
    Anchor,
    AuditEntry,
    ChainReport,
    Problem,
    StoredVersion,
    canonical,
    chain,
    text_sha256,
    verify_chain,
    verify_records,
)
from visitdesk.core.errors import InputError, NotFound, StateError
from visitdesk.core.lexicon import LEXICON_FILE, Lexicon, load_lexicon
from visitdesk.core.limits import check_record
from visitdesk.core.playbook import Playbook, load_playbook
from visitdesk.core.settings import Settings
from visitdesk.core.validation import ValidationReport, validate
from visitdesk.core.visit import Amendment, Person, Signature, VisitRecord, changed_fields
from visitdesk.i18n import tr

GUARDED_TABLES = ("visit", "audit_log", "audit_head", "commitment", "payment", "contact",
                  "access_log", "account_tombstone", "attachment", "attachment_chunk")
"""Tables whose triggers ``audit verify`` checks against the migrations."""


def expected_triggers() -> dict[str, str]:
    """Name → SQL of every trigger the migrations leave on :data:`GUARDED_TABLES`."""
    found: dict[str, str] = {}
    for step in sorted(MIGRATIONS):
        for statement in split_sql(MIGRATIONS[step]):
            words = statement.split()
            if [w.upper() for w in words[:2]] == ["CREATE", "TRIGGER"]:
                found[words[2]] = _squeeze(statement)
            elif [w.upper() for w in words[:2]] == ["DROP", "TRIGGER"]:
                found.pop(words[-1], None)
    return found


def _squeeze(sql: str) -> str:
    return " ".join(sql.split())


PLAYBOOK_FILE = "playbook.json"
"""A bank's own playbook in the data folder replaces the bundled one."""


def bank_playbook(data_dir: Path | str) -> Playbook:
    """The playbook in force for a data folder: its ``playbook.json`` if present (checked on
    load like the bundled one), else the bundled playbook."""
    own = Path(data_dir) / PLAYBOOK_FILE
    return load_playbook(own if own.is_file() else None)


def bank_lexicon(data_dir: Path | str) -> Lexicon:
    """The bundled lexicon extended by ``conduct_lexicon.json`` in the data folder."""
    return load_lexicon(extra=Path(data_dir) / LEXICON_FILE)


class FinaliseRefused(InputError):
    """The rules block finalising; ``report`` says which."""

    def __init__(self, message: str, report: ValidationReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class VisitSummary:
    """One line of the visits list (the newest version of each visit)."""

    id: str
    version: int
    account_no: str
    state: str
    officer: str
    outcome: str | None
    visit_date: str | None
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class SaveResult:
    record: VisitRecord
    changes: int
    """Audit entries written (0: nothing had changed, nothing was written)."""
    saved_at: str


@dataclass(frozen=True)
class OpenDraft:
    visit_id: str
    version: int
    opened_at: str


_BLANK_OFFICER = Person("")
_NEWEST_VERSIONS = (" FROM visit v"
                    " WHERE v.version = (SELECT MAX(version) FROM visit w WHERE w.id = v.id)")
"""The newest version of each visit (``v``)."""
_AUDIT_COLUMNS = ("seq, who, at, visit_id, version, field, old, new, prev_hash, hash,"
                  " record_sha256")
"""An audit row's columns, in :func:`_entry`'s order."""


class VisitRepository:
    """Visits of one :class:`CaseStore`. Playbook and settings feed validation on finalise."""

    def __init__(self, store: CaseStore, playbook: Playbook | None = None,
                 settings: Settings | None = None, lexicon: Lexicon | None = None) -> None:
        self.store = store
        self.conn: sqlite3.Connection = store.conn
        self._playbook = playbook
        self.settings = settings or Settings()
        self._lexicon = lexicon
        self._log_baseline()

    @property
    def playbook(self) -> Playbook:
        if self._playbook is None:
            self._playbook = bank_playbook(Path(self.store.path).parent)
        return self._playbook

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = bank_lexicon(Path(self.store.path).parent)
        return self._lexicon

    # --- reading --------------------------------------------------------------------------
    def get(self, visit_id: str, version: int | None = None) -> VisitRecord:
        """A version of a visit (default: the newest). Raises :class:`NotFound`."""
        if version is None:
            row = self.conn.execute(
                "SELECT record FROM visit WHERE id=? ORDER BY version DESC LIMIT 1", (visit_id,)
            ).fetchone()
        else:
            row = self.conn.execute("SELECT record FROM visit WHERE id=? AND version=?",
                                    (visit_id, version)).fetchone()
        if row is None:
            if version is not None and self.conn.execute(
                    "SELECT 1 FROM visit WHERE id=? LIMIT 1", (visit_id,)).fetchone():
                raise NotFound(tr("visit.error.version_not_found", id=visit_id,
                                  version=version))
            raise NotFound(tr("visit.error.not_found", id=visit_id, version=""))
        return VisitRecord.from_json(json.loads(row[0]))

    def stored_sha256(self, visit_id: str, version: int) -> str | None:
        """SHA-256 of a version's stored JSON, as the audit log records it."""
        row = self.conn.execute("SELECT record FROM visit WHERE id=? AND version=?",
                                (visit_id, version)).fetchone()
        return text_sha256(row[0]) if row else None

    def versions(self, visit_id: str) -> builtins.list[VisitRecord]:
        rows = self.conn.execute("SELECT record FROM visit WHERE id=? ORDER BY version",
                                 (visit_id,)).fetchall()
        if not rows:
            raise NotFound(tr("visit.error.not_found", id=visit_id, version=""))
        return [VisitRecord.from_json(json.loads(r[0])) for r in rows]

    def list(self, account_no: str | None = None) -> list[VisitSummary]:
        """The newest version of every visit, oldest visit first."""
        sql = ("SELECT v.id, v.version, v.account_no, v.state, v.officer, v.outcome,"
               " v.visit_date, v.updated_at" + _NEWEST_VERSIONS)
        params: tuple[Any, ...] = ()
        if account_no is not None:
            sql += " AND v.account_no = ?"
            params = (account_no,)
        rows = self.conn.execute(sql + " ORDER BY v.id", params).fetchall()
        return [VisitSummary(*r) for r in rows]

    def account_for(self, record: VisitRecord) -> Account | None:
        return self.store.account(record.account_no)

    def validate(self, record: VisitRecord) -> ValidationReport:
        return validate(record, self.playbook, self.settings, self.account_for(record),
                        self.lexicon)

    # --- writing --------------------------------------------------------------------------
    def create(self, account_no: str, officer: Person, who: str | None = None, *,
               record: VisitRecord | None = None, **fields: Any) -> VisitRecord:
        """Start a draft for ``account_no`` (which must exist); returns it with its id.

        ``record`` (e.g. read from ``--answers``) or keyword fields give initial content.
        """
        if self.store.account(account_no) is None:
            raise NotFound(tr("cli.error.account_not_found", account_no=account_no))
        base = record or VisitRecord(account_no=account_no, officer=officer)
        base = dataclasses.replace(base, account_no=account_no,
                                   officer=base.officer if base.officer.name else officer,
                                   version=1, state="draft", signatures={}, amendment=None,
                                   **fields)
        who = who or base.officer.name
        check_record(base.to_json())
        stamp = now_iso()
        with self.store.transaction() as c:
            # the audit log remembers discarded drafts: their numbers are never given again
            number = c.execute(
                "SELECT COALESCE(MAX(n), 0) FROM (SELECT CAST(SUBSTR(id, 2) AS INTEGER) AS n"
                " FROM visit UNION ALL SELECT CAST(SUBSTR(visit_id, 2) AS INTEGER)"
                " FROM audit_log)"
            ).fetchone()[0] + 1
            new = dataclasses.replace(base, id=f"V{number:06d}")
            self._insert(c, new, stamp)
            blank = VisitRecord(account_no=account_no, officer=_BLANK_OFFICER, id=new.id)
            changes = [("created", None, {"account_no": account_no})]
            changes += changed_fields(blank.to_json(), new.to_json())
            self._append_audit(c, who, stamp, new, changes)
        return new

    def save_draft(self, record: VisitRecord, who: str) -> SaveResult:
        """Store the draft's current content; changed fields go to the audit log in the same
        transaction. Nothing is written when nothing changed. A record beyond the limits of
        :mod:`visitdesk.core.limits` is refused (:class:`InputError` naming the field)."""
        check_record(record.to_json())
        stamp = now_iso()
        with self.store.transaction() as c:
            row = c.execute(
                "SELECT version, state, record FROM visit WHERE id=?"
                " ORDER BY version DESC LIMIT 1", (record.id,)).fetchone()
            if row is None:
                raise NotFound(tr("visit.error.not_found", id=record.id, version=""))
            version, state, stored_json = row
            if version != record.version or state != "draft":
                raise StateError(tr("visit.error.not_draft", id=record.id,
                                    version=record.version,
                                    state=tr(f"visit.state.{state}")
                                    if version == record.version else tr("visit.state.old")))
            stored = json.loads(stored_json)
            new = dataclasses.replace(record, state="draft",
                                      amendment=VisitRecord.from_json(stored).amendment)
            changes = changed_fields(stored, new.to_json())
            if changes:
                self._update(c, new, stamp)
                self._append_audit(c, who, stamp, new, changes)
        return SaveResult(new, len(changes), stamp)

    def finalise(self, visit_id: str, who: str) -> VisitRecord:
        """Lock the newest version after validating it; raises :class:`FinaliseRefused`
        (with the report) when errors remain or warnings are not acknowledged.

        The draft is read, validated and locked in one transaction, so an edit saved a moment
        before (by the window's autosave or another process) is either in the locked record
        or refused afterwards as an edit of a finalised version, never lost in between."""
        self.get(visit_id)  # NotFound before taking the write lock
        stamp = now_iso()
        with self.store.transaction() as c:
            row = c.execute("SELECT record FROM visit WHERE id=? ORDER BY version DESC LIMIT 1",
                            (visit_id,)).fetchone()
            record = VisitRecord.from_json(json.loads(row[0]))
            if record.state != "draft":
                raise StateError(tr("visit.error.not_draft", id=record.id,
                                    version=record.version,
                                    state=tr(f"visit.state.{record.state}")))
            report = self.validate(record)
            if not report.can_finalise:
                raise FinaliseRefused(
                    tr("visit.error.finalise_blocked", id=visit_id, errors=len(report.errors),
                       warnings=len(report.unacknowledged)), report)
            final = dataclasses.replace(record, state="finalised")
            c.execute("UPDATE visit SET state='finalised', record=?, updated_at=?,"
                      " finalised_at=?, finalised_by=? WHERE id=? AND version=? AND state='draft'",
                      (canonical(final.to_json()), stamp, stamp, who, visit_id, record.version))
            self._append_audit(c, who, stamp, final, [("state", "draft", "finalised")])
            c.execute("DELETE FROM open_draft WHERE visit_id=? AND version=?",
                      (visit_id, record.version))
        return final

    def amend(self, visit_id: str, reason: str, who: str) -> VisitRecord:
        """A new draft version of a finalised (or signed) visit; the old one stays as it was."""
        if not reason.strip():
            raise InputError(tr("visit.error.amend_reason"))
        record = self.get(visit_id)
        if record.state == "draft":
            raise StateError(tr("visit.error.amend_draft", id=visit_id))
        new = dataclasses.replace(record, version=record.version + 1, state="draft",
                                  signatures={}, warnings_acknowledged=(),
                                  amendment=Amendment(reason.strip(), record.version))
        stamp = now_iso()
        with self.store.transaction() as c:
            self._insert(c, new, stamp)
            self._append_audit(c, who, stamp, new,
                               [("amendment", None, new.amendment.to_json()
                                 if new.amendment else None)])
        return new

    def discard_draft(self, visit_id: str, who: str) -> VisitRecord | None:
        """Delete the newest version when it is a draft (started by mistake); the audit log
        keeps an entry saying so. Returns the version that is now the newest (the finalised
        one an amendment draft was made from), or None when the whole visit is gone."""
        record = self.get(visit_id)
        if record.state != "draft":
            raise StateError(tr("visit.error.not_draft", id=record.id, version=record.version,
                                state=tr(f"visit.state.{record.state}")))
        stamp = now_iso()
        with self.store.transaction() as c:
            c.execute("DELETE FROM visit WHERE id=? AND version=? AND state='draft'",
                      (visit_id, record.version))
            c.execute("DELETE FROM open_draft WHERE visit_id=?", (visit_id,))
            # the entry keeps the discarded content's hash: what was thrown away is named
            self._append_audit(c, who, stamp, None, [(DISCARDED, "draft", None)],
                               key=(visit_id, record.version,
                                    text_sha256(canonical(record.to_json()))))
        try:
            return self.get(visit_id)
        except NotFound:
            return None

    def mark_signed(self, visit_id: str, who: str, *, officer: Signature | None = None,
                    customer: Signature | None = None, version: int | None = None,
                    expected_sha256: str | None = None) -> VisitRecord:
        """Attach drawn signatures to a finalised version and mark it signed (once: a signed
        version never changes). ``expected_sha256`` is the hash of the signed version the
        documents were made from; the version is re-read in the transaction and refused if it
        would differ."""
        self.get(visit_id, version)  # NotFound before taking the write lock
        stamp = now_iso()
        with self.store.transaction() as c:
            if version is None:
                row = c.execute("SELECT record FROM visit WHERE id=? ORDER BY version DESC"
                                " LIMIT 1", (visit_id,)).fetchone()
            else:
                row = c.execute("SELECT record FROM visit WHERE id=? AND version=?",
                                (visit_id, version)).fetchone()
            record = VisitRecord.from_json(json.loads(row[0]))
            if record.state == "signed":
                raise StateError(tr("docs.error.already_signed", id=visit_id,
                                    version=record.version))
            if record.state != "finalised":
                raise StateError(tr("visit.error.sign_draft", id=visit_id))
            signed = signed_version(record, officer, customer)
            text = canonical(signed.to_json())
            if expected_sha256 is not None and text_sha256(text) != expected_sha256:
                raise StateError(tr("integrity.error.changed_while_signing", id=visit_id))
            c.execute("UPDATE visit SET state='signed', record=?, updated_at=? WHERE id=? AND"
                      " version=?", (text, stamp, visit_id, record.version))
            changes = changed_fields(record.to_json(), signed.to_json())
            # the images themselves are in the record; the log keeps who signed and when
            logged = [(f, o, (n[:16] + "…") if isinstance(n, str) and f.endswith("png_base64")
                       else n) for f, o, n in changes]
            self._append_audit(c, who, stamp, signed, logged)
        return signed

    # --- crash recovery -------------------------------------------------------------------
    def mark_open(self, visit_id: str, version: int) -> None:
        """Record that the window has this draft open (cleared by :meth:`mark_closed`)."""
        with self.store.transaction() as c:
            c.execute("INSERT INTO open_draft(id, visit_id, version, opened_at) VALUES (1,?,?,?)"
                      " ON CONFLICT(id) DO UPDATE SET visit_id=excluded.visit_id,"
                      " version=excluded.version, opened_at=excluded.opened_at",
                      (visit_id, version, now_iso()))

    def mark_closed(self, visit_id: str | None = None) -> None:
        """The draft was closed cleanly (any draft when ``visit_id`` is None)."""
        with self.store.transaction() as c:
            if visit_id is None:
                c.execute("DELETE FROM open_draft")
            else:
                c.execute("DELETE FROM open_draft WHERE visit_id=?", (visit_id,))

    def open_draft_marker(self) -> OpenDraft | None:
        """The draft left open by a session that did not close cleanly, if it is still a
        draft; the next start offers to reopen it."""
        row = self.conn.execute("SELECT visit_id, version, opened_at FROM open_draft").fetchone()
        if row is None:
            return None
        state = self.conn.execute("SELECT state FROM visit WHERE id=? AND version=?",
                                  (row[0], row[1])).fetchone()
        if state is None or state[0] != "draft":
            return None
        return OpenDraft(*row)

    # --- audit ----------------------------------------------------------------------------
    def audit_entries(self, visit_id: str | None = None) -> builtins.list[AuditEntry]:
        sql = f"SELECT {_AUDIT_COLUMNS} FROM audit_log"
        params: tuple[Any, ...] = ()
        if visit_id is not None:
            sql += " WHERE visit_id=?"
            params = (visit_id,)
        return [_entry(r) for r in self.conn.execute(sql + " ORDER BY rowid", params)]

    def audit_head(self) -> tuple[int, str]:
        """``(seq, hash)`` of the newest audit entry (``(0, "")`` while the log is empty)."""
        head = self.conn.execute("SELECT seq, hash FROM audit_head WHERE id=1").fetchone()
        return (head[0], head[1]) if head else (0, "")

    def verify_audit(self, anchors: Sequence[Anchor] = (),
                     found: Sequence[Problem] = ()) -> ChainReport:
        """The chain, the stored versions against it, the protective triggers and the
        anchors of signed documents (see :func:`visitdesk.core.audit.verify_records`);
        ``found`` adds problems seen while reading the documents."""
        with self.store.snapshot():
            entries = self.audit_entries()
            chain_report = verify_chain(entries, self.audit_head())
            versions = [
                StoredVersion(id_, version, state, text_sha256(text),
                              _consistent(text, id_, version, state))
                for id_, version, state, text in self.conn.execute(
                    "SELECT id, version, state, record FROM visit ORDER BY id, version")]
            triggers = self._trigger_problems()
        problems: list[Problem] = []
        if not chain_report.ok:
            problems.append(Problem(chain_report.reason, seq=chain_report.broken_at))
        problems += triggers
        problems += verify_records(entries, versions, anchors)
        problems += found
        if not problems:
            return ChainReport(True, len(entries), documents=len(anchors))
        first = problems[0]
        return ChainReport(False, len(entries), first.seq, first.reason, tuple(problems),
                           len(anchors))

    def _trigger_problems(self) -> builtins.list[Problem]:
        expected = expected_triggers()
        marks = ",".join("?" * len(GUARDED_TABLES))
        present = {name: _squeeze(sql or "") for name, sql in self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='trigger' AND"
            f" tbl_name IN ({marks})", GUARDED_TABLES)}
        problems = []
        for name, sql in sorted(expected.items()):
            if name not in present:
                problems.append(Problem("trigger_missing", detail=name))
            elif present[name] != sql:
                problems.append(Problem("trigger_altered", detail=name))
        problems += [Problem("trigger_unexpected", detail=name)
                     for name in sorted(set(present) - set(expected))]
        return problems

    def _log_baseline(self) -> None:
        """Once, after the store gained record hashes: log the hash of every version whose
        newest audit entry has none, so later rewrites of those versions are caught too."""
        row = self.conn.execute("SELECT pending FROM record_hash_baseline WHERE id=1").fetchone()
        if not row or not row[0]:
            return
        with self.store.transaction() as c:
            if not c.execute("SELECT pending FROM record_hash_baseline WHERE id=1").fetchone()[0]:
                return
            stamp = now_iso()
            for id_, version, text in c.execute(
                    "SELECT id, version, record FROM visit v WHERE NOT EXISTS (SELECT 1 FROM"
                    " audit_log a WHERE a.visit_id = v.id AND a.version = v.version AND"
                    " a.record_sha256 IS NOT NULL) ORDER BY id, version").fetchall():
                self._append_audit(c, "visitdesk", stamp, None,
                                   [("record_sha256", None, text_sha256(text))],
                                   key=(id_, version, text_sha256(text)))
            c.execute("UPDATE record_hash_baseline SET pending=0 WHERE id=1")

    # --- plumbing -------------------------------------------------------------------------
    def _insert(self, c: sqlite3.Connection, record: VisitRecord, stamp: str) -> None:
        c.execute(
            "INSERT INTO visit(id, version, account_no, state, record, officer, outcome,"
            " visit_date, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (record.id, record.version, record.account_no, record.state,
             canonical(record.to_json()), record.officer.name, record.outcome,
             _day(record.start), stamp, stamp))

    def _update(self, c: sqlite3.Connection, record: VisitRecord, stamp: str) -> None:
        c.execute(
            "UPDATE visit SET record=?, officer=?, outcome=?, visit_date=?, updated_at=?"
            " WHERE id=? AND version=? AND state='draft'",
            (canonical(record.to_json()), record.officer.name, record.outcome,
             _day(record.start), stamp, record.id, record.version))

    def _append_audit(self, c: sqlite3.Connection, who: str, stamp: str,
                      record: VisitRecord | None, changes: builtins.list[tuple[str, Any, Any]],
                      key: tuple[str, int, str] | None = None) -> None:
        """Chain ``changes`` of ``record`` (as now stored; or of ``key``: id, version and
        hash) after the newest entry."""
        if record is not None:
            key = (record.id, record.version, text_sha256(canonical(record.to_json())))
        assert key is not None
        visit_id, version, digest = key
        last = c.execute(f"SELECT {_AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT 1"
                         ).fetchone()
        entries = chain(_entry(last) if last else None, who, stamp, visit_id, version, changes,
                        digest)
        c.executemany(
            f"INSERT INTO audit_log({_AUDIT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [(e.seq, e.who, e.when, e.visit_id, e.version, e.field, canonical(e.old),
              canonical(e.new), e.prev_hash, e.hash, e.record_sha256) for e in entries])
        if entries:
            c.execute("INSERT INTO audit_head(id, seq, hash) VALUES (1,?,?) ON CONFLICT(id)"
                      " DO UPDATE SET seq=excluded.seq, hash=excluded.hash",
                      (entries[-1].seq, entries[-1].hash))

    def iter_records(self) -> Iterator[VisitRecord]:
        """The newest version of every visit, as records (in the order of :meth:`list`)."""
        rows = self.conn.execute("SELECT v.record" + _NEWEST_VERSIONS + " ORDER BY v.id").fetchall()
        for (record,) in rows:
            yield VisitRecord.from_json(json.loads(record))


def _day(moment: datetime | None) -> str | None:
    return moment.date().isoformat() if moment else None


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), json.loads(r[7]),
                      r[8], r[9], r[10])


def _consistent(text: str, visit_id: str, version: int, state: str) -> bool:
    """The stored JSON names the row it is stored in (id, version, state)."""
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and (data.get("id"), data.get("version"),
                                       data.get("state")) == (visit_id, version, state)


def signed_version(record: VisitRecord, officer: Signature | None = None,
                   customer: Signature | None = None) -> VisitRecord:
    """``record`` as it is stored once signed, with the drawn signatures given added."""
    signatures = dict(record.signatures)
    if officer is not None:
        signatures["officer"] = officer
    if customer is not None:
        signatures["customer"] = customer
    return dataclasses.replace(record, state="signed", signatures=signatures)
