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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from visitdesk.adapters.store import CaseStore, now_iso
from visitdesk.core.accounts import Account
from visitdesk.core.audit import AuditEntry, ChainReport, canonical, chain, verify_chain
from visitdesk.core.errors import InputError, NotFound, StateError
from visitdesk.core.lexicon import LEXICON_FILE, Lexicon, load_lexicon
from visitdesk.core.playbook import Playbook, load_playbook
from visitdesk.core.settings import Settings
from visitdesk.core.validation import ValidationReport, validate
from visitdesk.core.visit import Amendment, Person, Signature, VisitRecord, changed_fields
from visitdesk.i18n import tr

_GUARDS = (
    """CREATE TRIGGER IF NOT EXISTS visit_locked BEFORE UPDATE ON visit
    WHEN OLD.state <> 'draft' AND NOT (NEW.state = 'signed' AND OLD.id = NEW.id
        AND OLD.version = NEW.version)
    BEGIN SELECT RAISE(ABORT, 'a finalised visit version is never edited'); END""",
    """CREATE TRIGGER IF NOT EXISTS visit_no_delete BEFORE DELETE ON visit
    WHEN OLD.state <> 'draft'
    BEGIN SELECT RAISE(ABORT, 'a finalised visit version is never deleted'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
)


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
_AUDIT_COLUMNS = "seq, who, at, visit_id, version, field, old, new, prev_hash, hash"
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
        for statement in _GUARDS:
            self.conn.execute(statement)

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
        stamp = now_iso()
        with self.store.transaction() as c:
            number = c.execute(
                "SELECT COALESCE(MAX(CAST(SUBSTR(id, 2) AS INTEGER)), 0) FROM visit"
            ).fetchone()[0] + 1
            new = dataclasses.replace(base, id=f"V{number:06d}")
            self._insert(c, new, stamp)
            blank = VisitRecord(account_no=account_no, officer=_BLANK_OFFICER, id=new.id)
            changes = [("created", None, {"account_no": account_no})]
            changes += changed_fields(blank.to_json(), new.to_json())
            self._append_audit(c, who, stamp, new.id, new.version, changes)
        return new

    def save_draft(self, record: VisitRecord, who: str) -> SaveResult:
        """Store the draft's current content; changed fields go to the audit log in the same
        transaction. Nothing is written when nothing changed."""
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
                self._append_audit(c, who, stamp, new.id, new.version, changes)
        return SaveResult(new, len(changes), stamp)

    def finalise(self, visit_id: str, who: str) -> VisitRecord:
        """Lock the newest version after validating it; raises :class:`FinaliseRefused`
        (with the report) when errors remain or warnings are not acknowledged."""
        record = self.get(visit_id)
        if record.state != "draft":
            raise StateError(tr("visit.error.not_draft", id=record.id, version=record.version,
                                state=tr(f"visit.state.{record.state}")))
        report = self.validate(record)
        if not report.can_finalise:
            raise FinaliseRefused(
                tr("visit.error.finalise_blocked", id=visit_id, errors=len(report.errors),
                   warnings=len(report.unacknowledged)), report)
        stamp = now_iso()
        final = dataclasses.replace(record, state="finalised")
        with self.store.transaction() as c:
            c.execute("UPDATE visit SET state='finalised', record=?, updated_at=?,"
                      " finalised_at=?, finalised_by=? WHERE id=? AND version=? AND state='draft'",
                      (canonical(final.to_json()), stamp, stamp, who, visit_id, record.version))
            self._append_audit(c, who, stamp, visit_id, record.version,
                               [("state", "draft", "finalised")])
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
            self._append_audit(c, who, stamp, visit_id, new.version,
                               [("amendment", None, new.amendment.to_json()
                                 if new.amendment else None)])
        return new

    def mark_signed(self, visit_id: str, who: str, *, officer: Signature | None = None,
                    customer: Signature | None = None,
                    version: int | None = None) -> VisitRecord:
        """Attach drawn signatures to a finalised version and mark it signed."""
        record = self.get(visit_id, version)
        if record.state not in ("finalised", "signed"):
            raise StateError(tr("visit.error.sign_draft", id=visit_id))
        signatures = dict(record.signatures)
        if officer is not None:
            signatures["officer"] = officer
        if customer is not None:
            signatures["customer"] = customer
        signed = dataclasses.replace(record, state="signed", signatures=signatures)
        stamp = now_iso()
        changes = changed_fields(record.to_json(), signed.to_json())
        with self.store.transaction() as c:
            c.execute("UPDATE visit SET state='signed', record=?, updated_at=? WHERE id=? AND"
                      " version=?", (canonical(signed.to_json()), stamp, visit_id,
                                     record.version))
            # the images themselves are in the record; the log keeps who signed and when
            logged = [(f, o, (n[:16] + "…") if isinstance(n, str) and f.endswith("png_base64")
                       else n) for f, o, n in changes]
            self._append_audit(c, who, stamp, visit_id, record.version, logged)
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

    def verify_audit(self) -> ChainReport:
        head = self.conn.execute("SELECT seq, hash FROM audit_head WHERE id=1").fetchone()
        return verify_chain(self.audit_entries(), (head[0], head[1]) if head else (0, ""))

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

    def _append_audit(self, c: sqlite3.Connection, who: str, stamp: str, visit_id: str,
                      version: int, changes: builtins.list[tuple[str, Any, Any]]) -> None:
        last = c.execute(f"SELECT {_AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT 1"
                         ).fetchone()
        entries = chain(_entry(last) if last else None, who, stamp, visit_id, version, changes)
        c.executemany(
            f"INSERT INTO audit_log({_AUDIT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(e.seq, e.who, e.when, e.visit_id, e.version, e.field, canonical(e.old),
              canonical(e.new), e.prev_hash, e.hash) for e in entries])
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
                      r[8], r[9])
