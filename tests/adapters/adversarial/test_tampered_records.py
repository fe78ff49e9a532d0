"""An attacker with the database file and a plain SQLite tool: what the store refuses, and
what ``audit verify`` reports when the refusal is taken away (docs/integrity.md).

Each attack is written out here against a real store; the attacker drops the protective
triggers, does the damage and puts the triggers back exactly as they were, so that each test
shows the one reason its own attack is caught by.
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from visit_testdata import complete_record, seeded_store, settings

from visitdesk.__main__ import main
from visitdesk.adapters.pdf.samples import signature_png
from visitdesk.adapters.settings_store import save_settings
from visitdesk.adapters.store import CaseStore
from visitdesk.adapters.visit_store import VisitRepository, expected_triggers
from visitdesk.cli import EXIT_REFUSED
from visitdesk.core.audit import AuditEntry, canonical, make_entry, text_sha256
from visitdesk.core.visit import Person, Signature

PASS = "quiet-harbor-52"


@pytest.fixture
def desk(data_dir):
    """A store with one signed visit (V000001) and one finalised one (V000002)."""
    save_settings(data_dir, settings())
    store, acc = seeded_store(data_dir)
    repo = VisitRepository(store, settings=settings())
    for _ in range(2):
        record = repo.create(acc.account_no, Person("李明", "A1023"), "李明",
                             record=complete_record(acc.account_no))
        repo.finalise(record.id, "李明")
    png = base64.b64encode(signature_png(2)).decode()
    repo.mark_signed("V000001", "李明", officer=Signature(png, datetime(2026, 11, 20, 11)))
    assert repo.verify_audit().ok
    yield repo
    store.close()


@contextmanager
def attacker(repo: VisitRepository) -> Iterator[sqlite3.Connection]:
    """The store as a plain SQLite tool opens it, guards lifted for the attack and put back
    word for word afterwards."""
    conn = sqlite3.connect(repo.store.path, isolation_level=None)
    saved = conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'").fetchall()
    for name, _ in saved:
        conn.execute(f"DROP TRIGGER {name}")
    try:
        yield conn
    finally:
        for _, sql in saved:
            conn.execute(sql)
        conn.close()


def reasons(repo: VisitRepository, anchors=()) -> list[str]:
    return [p.reason for p in repo.verify_audit(anchors).problems]


def _entries(conn: sqlite3.Connection) -> list[AuditEntry]:
    rows = conn.execute("SELECT seq, who, at, visit_id, version, field, old, new, prev_hash,"
                        " hash, record_sha256 FROM audit_log ORDER BY seq").fetchall()
    return [AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), json.loads(r[7]),
                       r[8], r[9], r[10]) for r in rows]


# --- the store refuses -------------------------------------------------------------------------

def test_a_finalised_version_cannot_be_edited_by_marking_it_signed_in_the_same_statement(desk):
    with pytest.raises(sqlite3.IntegrityError):
        desk.conn.execute("UPDATE visit SET state='signed', outcome='paid_in_full',"
                          " record=json_set(record, '$.state', 'signed', '$.outcome',"
                          " 'paid_in_full') WHERE id='V000002'")
    with pytest.raises(sqlite3.IntegrityError):
        desk.conn.execute("UPDATE visit SET state='signed', record=json_set(record, '$.state',"
                          " 'signed', '$.answers', json('{}')) WHERE id='V000002'")
    assert desk.get("V000002").state == "finalised"


@pytest.mark.parametrize("statement", [
    "UPDATE visit SET updated_at='2000-01-01' WHERE id='V000001'",
    "UPDATE visit SET state='signed' WHERE id='V000001'",
    "UPDATE visit SET record=json_set(record, '$.signatures', json('{}')) WHERE id='V000001'",
    "UPDATE visit SET state='draft' WHERE id='V000001'",
    "UPDATE visit SET state='finalised' WHERE id='V000002'",
    "DELETE FROM visit WHERE id='V000001'",
    "DELETE FROM visit WHERE id='V000002'",
    "INSERT INTO visit(id, version, account_no, state, record, created_at, updated_at)"
    " SELECT id, 2, account_no, 'signed', record, created_at, updated_at FROM visit"
    " WHERE id='V000001'",
    "UPDATE audit_log SET who='x' WHERE seq=1",
    "DELETE FROM audit_log WHERE seq=(SELECT MAX(seq) FROM audit_log)",
    "UPDATE audit_head SET seq=seq-1",
    "DELETE FROM audit_head",
])
def test_the_store_refuses_every_edit_of_a_locked_version_or_the_log(desk, statement):
    before = desk.verify_audit()
    with pytest.raises(sqlite3.IntegrityError):
        desk.conn.execute(statement)
    assert desk.verify_audit() == before


def test_a_draft_cannot_jump_to_signed(desk):
    draft = desk.amend("V000002", "更正", "李明")
    with pytest.raises(sqlite3.IntegrityError):
        desk.conn.execute("UPDATE visit SET state='signed' WHERE id=? AND version=?",
                          (draft.id, draft.version))


# --- audit verify reports, each attack with its own reason -------------------------------------

def test_a_dropped_trigger_is_reported_and_not_quietly_recreated(desk):
    desk.conn.execute("DROP TRIGGER visit_locked")
    assert reasons(desk) == ["trigger_missing"]
    desk.store.close()
    reopened = VisitRepository(CaseStore(Path(desk.store.path).parent))
    assert [(p.reason, p.detail) for p in reopened.verify_audit().problems] == [
        ("trigger_missing", "visit_locked")]
    reopened.store.close()


def test_an_altered_or_added_trigger_is_reported(desk):
    desk.conn.execute("DROP TRIGGER visit_no_delete")
    desk.conn.execute("CREATE TRIGGER visit_no_delete BEFORE DELETE ON visit WHEN 0"
                      " BEGIN SELECT 1; END")
    desk.conn.execute("CREATE TRIGGER helper AFTER INSERT ON audit_log BEGIN SELECT 1; END")
    assert [(p.reason, p.detail) for p in desk.verify_audit().problems] == [
        ("trigger_altered", "visit_no_delete"), ("trigger_unexpected", "helper")]
    assert set(expected_triggers()) >= {"visit_locked", "visit_no_delete", "audit_no_update"}


def test_a_forged_newer_version_is_reported(desk):
    with attacker(desk) as conn:
        conn.execute("INSERT INTO visit SELECT id, 2, account_no, 'draft', json_set(record,"
                     " '$.version', 2, '$.state', 'draft'), officer, outcome, visit_date,"
                     " created_at, updated_at, NULL, NULL FROM visit WHERE id='V000002'")
    assert reasons(desk) == ["unlogged_version"]


def test_a_rewritten_signed_record_is_reported(desk):
    with attacker(desk) as conn:
        conn.execute("UPDATE visit SET record=json_set(record, '$.outcome', 'refused_to_pay')"
                     " WHERE id='V000001'")
    problems = desk.verify_audit().problems
    assert [(p.reason, p.visit_id, p.version) for p in problems] == [
        ("signed_record_changed", "V000001", 1)]


def test_a_rewritten_finalised_record_is_reported(desk):
    with attacker(desk) as conn:
        conn.execute("UPDATE visit SET record=json_set(record, '$.outcome', 'refused_to_pay')"
                     " WHERE id='V000002'")
    assert reasons(desk) == ["record_changed"]


def test_a_state_column_changed_under_the_json_is_reported(desk):
    with attacker(desk) as conn:
        conn.execute("UPDATE visit SET state='draft' WHERE id='V000002'")
    assert reasons(desk) == ["record_changed"]


def test_deleted_newest_entries_with_the_head_moved_back_are_reported(desk):
    with attacker(desk) as conn:
        last = _entries(conn)
        keep = next(e for e in reversed(last) if e.visit_id != "V000001")
        conn.execute("DELETE FROM audit_log WHERE seq > ?", (keep.seq,))
        conn.execute("UPDATE audit_head SET seq=?, hash=?", (keep.seq, keep.hash))
    # the chain alone looks whole; the signed version's hash is no longer the one logged
    assert reasons(desk) == ["signed_record_changed"]


def test_a_deleted_log_is_reported_while_records_exist(desk):
    with attacker(desk) as conn:
        conn.execute("DELETE FROM audit_log")
        conn.execute("DELETE FROM audit_head")
    assert reasons(desk) == ["log_deleted"]


def test_a_deleted_draft_version_is_reported(desk):
    draft = desk.amend("V000002", "更正", "李明")
    desk.conn.execute("DELETE FROM visit WHERE id=? AND version=?", (draft.id, draft.version))
    assert reasons(desk) == ["version_deleted"]


def test_the_newest_entry_rewritten_with_a_recomputed_hash_is_caught_by_the_stored_head(desk):
    with attacker(desk) as conn:
        entries = _entries(conn)
        newest = entries[-1]
        forged = make_entry(entries[-2], "someone else", newest.when, newest.visit_id,
                            newest.version, newest.field, newest.old, newest.new,
                            newest.record_sha256)
        conn.execute("UPDATE audit_log SET who=?, hash=? WHERE seq=?",
                     (forged.who, forged.hash, newest.seq))
    report = desk.verify_audit()
    assert (report.reason, report.broken_at) == ("changed", newest.seq)


def test_a_rewritten_and_rechained_log_is_caught_only_by_a_signed_document(desk, data_dir,
                                                                          capsys):
    """Rewrite an early entry, re-hash every later one and move the head: the store alone
    cannot tell; the chain head a signed document carries can."""
    assert main(["cert", "create", "--name", "李明", "--passphrase-file",
                 str(_passfile(data_dir))]) == 0
    assert main(["visit", "sign", "V000002", "--passphrase-file", str(_passfile(data_dir))]) == 0
    capsys.readouterr()
    archive = data_dir.parent / "archive"
    shutil.copytree(data_dir / "documents", archive)
    with attacker(desk) as conn:
        entries = _entries(conn)
        prev = None
        rewritten = []
        for e in entries:
            who = "someone else" if e.seq == 2 else e.who
            prev = make_entry(prev, who, e.when, e.visit_id, e.version, e.field, e.old, e.new,
                              e.record_sha256)
            rewritten.append(prev)
        conn.execute("DELETE FROM audit_log")
        conn.executemany("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                         [(e.seq, e.who, e.when, e.visit_id, e.version, e.field,
                           canonical(e.old), canonical(e.new), e.prev_hash, e.hash,
                           e.record_sha256) for e in rewritten])
        conn.execute("UPDATE audit_head SET seq=?, hash=?", (prev.seq, prev.hash))
    assert desk.verify_audit().ok  # nothing inside the store disagrees any more
    shutil.rmtree(data_dir / "documents")  # and the copies beside it are gone too
    code = main(["audit", "verify", "--documents", str(archive), "--json"])
    out = capsys.readouterr()
    report = json.loads(out.out)
    assert code == EXIT_REFUSED and report["reason"] == "rechained"
    assert report["documents"] >= 1 and report["problems"][0]["file"].startswith(str(archive))
    assert "重新计算" in out.err


def test_removed_newest_entries_are_caught_by_a_signed_document(desk, data_dir, capsys):
    assert main(["cert", "create", "--name", "李明", "--passphrase-file",
                 str(_passfile(data_dir))]) == 0
    assert main(["visit", "sign", "V000002", "--passphrase-file", str(_passfile(data_dir))]) == 0
    capsys.readouterr()
    with attacker(desk) as conn:
        entries = _entries(conn)
        # everything from finalising V000002 on goes, the head moved back with it
        cut = next(e for e in entries if e.visit_id == "V000002" and e.field == "state"
                   and e.new == "finalised").seq - 1
        keep = entries[cut - 1]
        conn.execute("DELETE FROM audit_log WHERE seq > ?", (cut,))
        conn.execute("UPDATE audit_head SET seq=?, hash=?", (keep.seq, keep.hash))
    code = main(["audit", "verify", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == EXIT_REFUSED
    assert {"head_moved", "signed_record_changed"} <= {p["reason"] for p in report["problems"]}


def test_signed_documents_carry_the_record_hash_and_the_chain_head(desk, data_dir, capsys):
    from visitdesk.adapters.documents import DOCUMENTS_FOLDER, document_anchors

    head = desk.audit_head()
    assert main(["cert", "create", "--name", "李明", "--passphrase-file",
                 str(_passfile(data_dir))]) == 0
    assert main(["visit", "sign", "V000002", "--passphrase-file", str(_passfile(data_dir))]) == 0
    anchors, problems = document_anchors([data_dir / DOCUMENTS_FOLDER])
    assert problems == [] and len(anchors) >= 1
    stored = desk.conn.execute("SELECT record FROM visit WHERE id='V000002'").fetchone()[0]
    assert {(a.visit_id, a.version, a.record_sha256, a.head_seq, a.head_hash)
            for a in anchors} == {("V000002", 1, text_sha256(stored), *head)}
    assert main(["audit", "verify"]) == 0
    assert "1 份已签名文件" in capsys.readouterr().out or len(anchors) > 1


def test_a_changed_signed_document_is_reported(desk, data_dir, capsys):
    assert main(["cert", "create", "--name", "李明", "--passphrase-file",
                 str(_passfile(data_dir))]) == 0
    assert main(["visit", "sign", "V000002", "--passphrase-file", str(_passfile(data_dir))]) == 0
    path = next((data_dir / "documents").rglob("*summary-signed.pdf"))
    data = path.read_bytes()
    path.write_bytes(data.replace(b"/Creator (visitdesk)", b"/Creator (visitdeSk)", 1))
    capsys.readouterr()
    assert main(["audit", "verify", "--json"]) == EXIT_REFUSED
    report = json.loads(capsys.readouterr().out)
    assert [(p["reason"], p["visit_id"]) for p in report["problems"]] == [
        ("document_modified", "V000002")]


def test_a_store_from_before_record_hashes_gets_a_baseline_once(data_dir):
    store, acc = seeded_store(data_dir)
    repo = VisitRepository(store)
    record = repo.create(acc.account_no, Person("李明"), "李明")
    # as an older visitdesk left it: entries without record hashes, baseline still to do
    with attacker(repo) as conn:
        prev = None
        for e in _entries(conn):
            prev = make_entry(prev, e.who, e.when, e.visit_id, e.version, e.field, e.old, e.new)
            conn.execute("UPDATE audit_log SET hash=?, prev_hash=?, record_sha256=NULL"
                         " WHERE seq=?", (prev.hash, prev.prev_hash, e.seq))
        conn.execute("UPDATE audit_head SET seq=?, hash=?", (prev.seq, prev.hash))
        conn.execute("UPDATE record_hash_baseline SET pending=1")
    count = len(repo.audit_entries())
    again = VisitRepository(store)
    assert [e.field for e in again.audit_entries()[count:]] == ["record_sha256"]
    assert again.verify_audit().ok
    VisitRepository(store)
    assert len(again.audit_entries()) == count + 1
    with attacker(again) as conn:
        conn.execute("UPDATE visit SET record=json_set(record, '$.notes', 'x')"
                     " WHERE id=?", (record.id,))
    assert reasons(again) == ["record_changed"]
    store.close()


def _passfile(data_dir: Path) -> Path:
    path = data_dir.parent / "pass.txt"
    path.write_text(PASS + "\n", encoding="utf-8")
    return path


def test_the_hash_printed_on_the_signed_summary_is_the_one_the_chain_logged(desk, data_dir):
    from docs_helpers import flat, pdf_text

    assert main(["cert", "create", "--name", "李明", "--passphrase-file",
                 str(_passfile(data_dir))]) == 0
    assert main(["visit", "sign", "V000002", "--passphrase-file", str(_passfile(data_dir))]) == 0
    stored = desk.conn.execute("SELECT record FROM visit WHERE id='V000002'").fetchone()[0]
    logged = desk.audit_entries("V000002")[-1].record_sha256
    assert logged == text_sha256(stored)
    summary = next((data_dir / "documents").rglob("*summary-signed.pdf"))
    assert logged in flat(pdf_text(summary.read_bytes()))


def test_audit_verify_with_a_missing_documents_folder_is_not_found(desk, data_dir, capsys):
    from visitdesk.cli import EXIT_NOT_FOUND

    code = main(["audit", "verify", "--documents", str(data_dir.parent / "nowhere")])
    assert code == EXIT_NOT_FOUND and "nowhere" in capsys.readouterr().err
