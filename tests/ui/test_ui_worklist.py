"""The worklist beside the accounts table and the account's history beside its detail."""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal

import pytest
from visit_testdata import complete_record, seeded_store, settings

from visitdesk.adapters.collection_store import CollectionStore
from visitdesk.adapters.settings_store import load_settings, save_settings
from visitdesk.adapters.visit_store import VisitRepository
from visitdesk.cli import Context
from visitdesk.core.visit import Person
from visitdesk.ui import main_window as mw

SIX = {"kind": "instalments", "start": "2026-11-20", "months": 6, "fee_mode": "none",
       "rate": "0", "down_payment": "0.00", "first_due": "2026-12-20", "due_day": 20,
       "grace_months": 0, "components": ["principal", "interest", "late_fee", "other_fees"],
       "waiver": None, "custom_rows": []}


@pytest.fixture
def window(qtbot, data_dir):
    save_settings(data_dir, settings())
    store, acc = seeded_store(data_dir)
    repo = VisitRepository(store, settings=settings())
    record = repo.create(acc.account_no, Person("李明", "A1023"),
                         record=complete_record(acc.account_no, plan=SIX))
    repo.finalise(record.id, "李明")
    collection = CollectionStore(store, settings())
    collection.refresh()
    collection.add_payment(acc.account_no, Decimal("100.00"), date(2026, 12, 1), "柜台还款",
                           "李明")
    ctx = Context(data_dir, argparse.Namespace())
    ctx.store = store
    ctx._closers.append(store)
    ctx.settings = load_settings(data_dir)
    w = mw.MainWindow(ctx)
    qtbot.addWidget(w)
    w.reload_accounts(background=False)
    w.resize(1280, 720)
    w.show()
    yield w, acc
    ctx.close()


def _open_worklist(qtbot, w, day):
    w.left_tabs.setCurrentIndex(w.worklist_tab_index)
    page = w.worklist_page
    page.day.setDate(day)
    wanted = date(day.year(), day.month(), day.day())
    qtbot.waitUntil(lambda: page.shown_day == wanted, timeout=15_000)
    return page


def test_worklist_lists_the_broken_plan_and_opens_the_account_with_its_history(qtbot, window):
    from PySide6.QtCore import QDate

    w, acc = window
    page = _open_worklist(qtbot, w, QDate(2027, 2, 24))
    assert page.model.rowCount() == 1
    reasons = page.model.index(0, 2).data()
    assert reasons.startswith("还款安排已违约") and "约定的跟进日期已到" in reasons
    assert page.model.index(0, 1).data() == acc.name
    assert "上门" in page.model.index(0, 3).data()
    page._chosen(page.model.index(0, 0))
    assert w.left_tabs.currentIndex() == 0
    assert w.current_account().account_no == acc.account_no
    assert w.detail_tabs.currentIndex() == w.timeline_tab_index
    texts = [w.timeline.model.index(r, 2).data() for r in range(w.timeline.model.rowCount())]
    kinds = [w.timeline.model.index(r, 1).data() for r in range(w.timeline.model.rowCount())]
    assert kinds.count("应还") == 6 and "上门" in kinds and "导入" in kinds
    assert any("收到还款 100.00 元" in t for t in texts)
    assert kinds[0] == "应还"  # newest first: the last instalment is due in May 2027
    # judged on the worklist's day: the badge and the statuses say the plan is broken
    assert "还款安排已违约" in w.timeline.badges.text()
    assert any("未还" in t for t in texts)


def test_an_empty_day_says_so(qtbot, window):
    from PySide6.QtCore import QDate

    w, acc = window
    page = _open_worklist(qtbot, w, QDate(2026, 11, 21))
    assert page.model.rowCount() == 0
    assert page.status.text() == "这一天没有需要处理的账户。"

