"""Visits in the case store: versions, locking, amendments, signing and crash recovery."""

from __future__ import annotations

import base64
import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime

import pytest
from visit_testdata import ROOT, complete_record, seeded_store, settings

from visitdesk.adapters.store import CaseStore
from visitdesk.adapters.visit_store import FinaliseRefused, VisitRepository
from visitdesk.core.errors import InputError, NotFound, StateError
from visitdesk.core.visit import Person, Signature, with_answer


@pytest.fixture
def env(data_dir):
    store, acc = seeded_store(data_dir)
    repo = VisitRepository(store, settings=settings())
    yield repo, acc
    store.close()


def test_create_assigns_ids_and_needs_an_existing_account(env):
    repo, acc = env
    first = repo.create(acc.account_no, Person("李明", "A1023"))
    second = repo.create(acc.account_no, Person("李明", "A1023"))
    assert (first.id, second.id) == ("V000001", "V000002")
    assert repo.get(first.id).state == "draft"
    with pytest.raises(NotFound):
        repo.create("0000", Person("李明"))


def test_save_draft_writes_only_changed_fields_to_the_log(env):
    repo, acc = env
    record = repo.create(acc.account_no, Person("李明"))
    before = len(repo.audit_entries())
    record = with_answer(record, "opening", "customer_mood", "calm")
    result = repo.save_draft(record, "李明")
    assert result.changes == 1
    assert repo.get(record.id).answer("opening", "customer_mood") == "calm"
    assert repo.save_draft(record, "李明").changes == 0
    assert len(repo.audit_entries()) == before + 1


def test_save_draft_is_fast_enough_for_every_edit(env):
    repo, acc = env
    record = repo.create(acc.account_no, Person("李明"), record=complete_record(acc.account_no))
    started = time.perf_counter()
    for i in range(20):
        record = with_answer(record, "listening", "customer_proposal", f"提议 {i}")
        repo.save_draft(record, "李明")
    per_save = (time.perf_counter() - started) / 20
    assert per_save < 0.2, per_save


def test_finalise_refuses_with_the_report_and_leaves_the_draft(env):
    repo, acc = env
    record = repo.create(acc.account_no, Person("李明"))
    with pytest.raises(FinaliseRefused) as info:
        repo.finalise(record.id, "李明")
    assert "stages.opening.showed_work_id" in {i.location for i in info.value.report.errors}
    assert repo.get(record.id).state == "draft"


def test_finalised_version_is_never_edited(env):
    repo, acc = env
    record = repo.create(acc.account_no, Person("李明"), record=complete_record(acc.account_no))
    final = repo.finalise(record.id, "李明")
    assert final.state == "finalised"
    with pytest.raises(StateError):
        repo.save_draft(with_answer(record, "opening", "customer_mood", "calm"), "李明")
    with pytest.raises(StateError):
        with_answer(final, "opening", "customer_mood", "calm")
    with pytest.raises(sqlite3.IntegrityError):
        repo.conn.execute("UPDATE visit SET record='{}' WHERE id=?", (record.id,))


def test_amendment_is_a_new_version_and_both_stay_readable(env):
    repo, acc = env
    record = repo.create(acc.account_no, Person("李明"), record=complete_record(acc.account_no))
    repo.finalise(record.id, "李明")
    with pytest.raises(InputError):
        repo.amend(record.id, "  ", "李明")
    amended = repo.amend(record.id, "客户来电更正收入", "李明")
    assert (amended.version, amended.state) == (2, "draft")
    assert amended.amendment.previous_version == 1
    amended = with_answer(amended, "listening", "monthly_income", "7000.00")
    repo.save_draft(amended, "李明")
    assert repo.get(record.id, 1).answer("listening", "monthly_income") == "6500.00"
    assert repo.get(record.id).answer("listening", "monthly_income") == "7000.00"
    assert [v.version for v in repo.versions(record.id)] == [1, 2]
    assert repo.list()[0].version == 2
    with pytest.raises(StateError):
        repo.save_draft(repo.get(record.id, 1), "李明")


def test_mark_signed_attaches_signatures_to_a_finalised_version(env):
    repo, acc = env
    record = repo.create(acc.account_no, Person("李明"), record=complete_record(acc.account_no))
    with pytest.raises(StateError):
        repo.mark_signed(record.id, "李明", officer=Signature("AAAA", datetime(2026, 11, 20)))
    repo.finalise(record.id, "李明")
    png = base64.b64encode(b"\x89PNG fake").decode()
    signed = repo.mark_signed(record.id, "李明",
                              officer=Signature(png, datetime(2026, 11, 20, 11, 0)),
                              customer=Signature(png, datetime(2026, 11, 20, 11, 1)))
    assert signed.state == "signed"
    stored = repo.get(record.id)
    assert stored.signatures["customer"].png_base64 == png
    assert repo.verify_audit().ok


def test_open_draft_marker_is_cleared_on_clean_close(env):
    repo, acc = env
    record = repo.create(acc.account_no, Person("李明"))
    repo.mark_open(record.id, record.version)
    assert repo.open_draft_marker().visit_id == record.id
    repo.mark_closed(record.id)
    assert repo.open_draft_marker() is None


def test_open_draft_marker_ignores_a_draft_finalised_since(env):
    repo, acc = env
    record = repo.create(acc.account_no, Person("李明"), record=complete_record(acc.account_no))
    repo.mark_open(record.id, 1)
    repo.finalise(record.id, "李明")
    assert repo.open_draft_marker() is None


CHILD = textwrap.dedent("""
    import sys, time
    from visitdesk.adapters.store import CaseStore
    from visitdesk.adapters.visit_store import VisitRepository
    from visitdesk.core.visit import with_answer
    store = CaseStore(sys.argv[1])
    repo = VisitRepository(store)
    record = repo.get(sys.argv[2])
    repo.mark_open(record.id, record.version)
    record = with_answer(record, "listening", "customer_proposal", "每月还八百元")
    repo.save_draft(record, "李明")
    print("saved", flush=True)
    time.sleep(60)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_edit_survives_sigkill_and_the_open_draft_is_offered(data_dir):
    store, acc = seeded_store(data_dir)
    record = VisitRepository(store).create(acc.account_no, Person("李明"))
    store.close()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(data_dir), record.id],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout.readline().strip() == "saved"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
    with CaseStore(data_dir) as reopened:
        repo = VisitRepository(reopened)
        marker = repo.open_draft_marker()
        assert marker is not None and marker.visit_id == record.id
        recovered = repo.get(marker.visit_id)
        assert recovered.answer("listening", "customer_proposal") == "每月还八百元"
        assert repo.verify_audit().ok


def test_record_json_round_trips_through_the_store(env):
    repo, acc = env
    original = complete_record(acc.account_no)
    record = repo.create(acc.account_no, Person("李明"), record=original)
    assert repo.get(record.id) == dataclasses.replace(original, id=record.id)
