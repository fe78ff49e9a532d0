"""The window refuses a customer document while the bank's hotline is not set, and says why."""

from __future__ import annotations

import argparse

import pytest
from PySide6.QtWidgets import QWidget

from visitdesk.adapters.pdf.samples import sample_account, sample_record, sample_settings
from visitdesk.adapters.settings_store import save_settings
from visitdesk.adapters.store import BatchInfo, CaseStore
from visitdesk.adapters.visit_store import VisitRepository
from visitdesk.cli import Context
from visitdesk.core.visit import Person
from visitdesk.ui import documents as docui

ACCOUNT = sample_account()
MESSAGE = ("尚未设置银行客服热线：给客户的告知书和协议必须写明客户联系银行、提出异议和投诉的电话。"
           "请先在“设置”中填写“银行客服热线”。")


@pytest.fixture
def ctx(data_dir):
    """A finalised visit V000001 with a plan, in a data folder whose hotline is empty."""
    settings = sample_settings(bank_hotline="")
    save_settings(data_dir, settings)
    with CaseStore(data_dir) as store:
        store.upsert_accounts([ACCOUNT], BatchInfo("a.xlsx", "h", "S", 0))
        repo = VisitRepository(store, settings=settings)
        record = sample_record(ACCOUNT, signed=False, state="draft")
        visit = repo.create(ACCOUNT.account_no, Person("李明", "A1023"), record=record)
        repo.finalise(visit.id, "李明")
    c = Context(data_dir, argparse.Namespace())
    yield c
    c.close()


def test_handout_preview_without_the_hotline_shows_why_in_the_window(qtbot, ctx, monkeypatch):
    shown = []
    monkeypatch.setattr(docui.QMessageBox, "warning", lambda *a: shown.append(a[2]))
    parent = QWidget()
    qtbot.addWidget(parent)
    task = docui.preview_visit_document(parent, ctx, "V000001", "handout")
    with qtbot.waitSignal(task.failed, timeout=20_000) as blocker:
        pass
    assert blocker.args == [MESSAGE]
    assert shown == [MESSAGE]


def test_summary_preview_needs_no_hotline(qtbot, ctx):
    task = docui.preview_visit_document(None, ctx, "V000001", "summary")
    with qtbot.waitSignal(task.finished, timeout=20_000) as blocker:
        pass
    assert blocker.args[0].startswith(b"%PDF")
