"""The audit hash chain: intact chains verify; changed, deleted and reordered entries do not."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st
from visit_testdata import complete_record, seeded_store

from visitdesk.adapters.visit_store import VisitRepository
from visitdesk.core.audit import GENESIS, chain, make_entry, verify_chain
from visitdesk.core.visit import Person, with_answer


def _entries(n: int = 5):
    return chain(None, "李明", "2026-11-20T10:00:00+08:00", "V000001", 1,
                 [(f"answers.opening.f{i}", None, i) for i in range(n)])


def test_entries_link_to_the_previous_hash():
    entries = _entries()
    assert entries[0].prev_hash == GENESIS and entries[0].seq == 1
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert verify_chain(entries).ok


def test_changed_value_is_caught_at_that_entry():
    entries = _entries()
    entries[2] = dataclasses.replace(entries[2], new="tampered")
    report = verify_chain(entries)
    assert (report.ok, report.broken_at, report.reason) == (False, 3, "changed")


def test_changed_entry_with_recomputed_hash_breaks_the_next_link():
    entries = _entries()
    forged = make_entry(entries[1], "someone", entries[2].when, "V000001", 1, "x", None, 1)
    entries[2] = forged
    report = verify_chain(entries)
    assert (report.broken_at, report.reason) == (4, "link")


def test_deleted_entry_is_caught():
    entries = _entries()
    del entries[1]
    report = verify_chain(entries)
    assert (report.ok, report.broken_at, report.reason) == (False, 2, "missing")


def test_reordered_entries_are_caught():
    entries = _entries()
    entries[1], entries[2] = entries[2], entries[1]
    assert not verify_chain(entries).ok


def test_removed_newest_entries_are_caught_with_the_head():
    entries = _entries()
    head = (entries[-1].seq, entries[-1].hash)
    assert verify_chain(entries, head).ok
    report = verify_chain(entries[:-2], head)
    assert (report.ok, report.reason) == (False, "truncated")


# --- in the case store --------------------------------------------------------------------
@pytest.fixture
def repo(data_dir):
    store, acc = seeded_store(data_dir)
    repo = VisitRepository(store)
    record = repo.create(acc.account_no, Person("李明", "A1023"), "李明")
    record = with_answer(record, "opening", "showed_work_id", True)
    repo.save_draft(record, "李明")
    repo.save_draft(with_answer(record, "opening", "showed_work_id", False), "李明")
    yield repo
    store.close()


def _raw(repo) -> sqlite3.Connection:
    """Open the file as an attacker with a plain SQLite tool would (guards dropped)."""
    conn = sqlite3.connect(repo.store.path, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    return conn


def test_store_keeps_every_change_with_old_and_new_value(repo):
    entries = repo.audit_entries()
    last = entries[-1]
    assert (last.field, last.old, last.new, last.who) == (
        "answers.opening.showed_work_id", True, False, "李明")
    assert repo.verify_audit().ok


def test_the_store_refuses_to_edit_or_delete_audit_entries(repo):
    with pytest.raises(sqlite3.IntegrityError):
        repo.conn.execute("UPDATE audit_log SET new='1' WHERE seq=1")
    with pytest.raises(sqlite3.IntegrityError):
        repo.conn.execute("DELETE FROM audit_log WHERE seq=1")


def test_changed_row_in_the_store_is_caught(repo):
    seq = repo.audit_entries()[-1].seq
    conn = _raw(repo)
    conn.execute("UPDATE audit_log SET new='true' WHERE seq=?", (seq,))
    conn.close()
    report = repo.verify_audit()
    assert (report.ok, report.broken_at, report.reason) == (False, seq, "changed")


def test_deleted_row_in_the_store_is_caught(repo):
    conn = _raw(repo)
    conn.execute("DELETE FROM audit_log WHERE seq=2")
    conn.close()
    report = repo.verify_audit()
    assert (report.ok, report.broken_at, report.reason) == (False, 2, "missing")


def test_deleted_newest_row_in_the_store_is_caught(repo):
    last = repo.audit_entries()[-1].seq
    conn = _raw(repo)
    conn.execute("DELETE FROM audit_log WHERE seq=?", (last,))
    conn.close()
    assert repo.verify_audit().reason == "truncated"


def test_complete_visit_lifecycle_keeps_the_chain_intact(data_dir):
    store, acc = seeded_store(data_dir)
    repo = VisitRepository(store)
    record = repo.create(acc.account_no, Person("李明"), "李明",
                         record=complete_record(acc.account_no))
    repo.finalise(record.id, "李明")
    repo.amend(record.id, "更正跟进日期", "李明")
    assert repo.verify_audit().ok
    assert {e.field for e in repo.audit_entries(record.id)} >= {"created", "state", "amendment"}
    store.close()


@given(st.integers(0, 7), st.sampled_from(["who", "when", "field", "old", "new", "version"]),
       st.text(min_size=1, max_size=5))
def test_any_single_changed_value_is_caught(index, name, junk):
    entries = _entries(8)
    original = getattr(entries[index], name)
    value = original + 1 if isinstance(original, int) else f"{original}{junk}"
    entries[index] = dataclasses.replace(entries[index], **{name: value})
    report = verify_chain(entries)
    assert not report.ok and report.broken_at == index + 1
