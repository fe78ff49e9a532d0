"""The accounts window: table, search, filters, detail pane, plug-in slots, drop to import."""

from __future__ import annotations

import argparse
import sys
import types
from dataclasses import replace
from decimal import Decimal

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QLabel, QWidget
from ui_testdata import account, synth_accounts

from visitdesk.adapters.settings_store import load_settings, save_settings
from visitdesk.adapters.store import BatchInfo, CaseStore
from visitdesk.cli import Context
from visitdesk.core.settings import Settings
from visitdesk.ui import main_window as mw
from visitdesk.ui.accounts_model import COLUMN_KEYS


def _store_with(data_dir, accounts):
    store = CaseStore(data_dir)
    store.upsert_accounts(accounts, BatchInfo("客户清单.xlsx", "0" * 64, "逾期客户", 0))
    return store


@pytest.fixture
def ctx(data_dir):
    save_settings(data_dir, Settings(bank_name="示例银行", officer_name="李明", staff_no="D1"))
    accounts = [
        account("6222000000000001", "张伟", principal="500.00", days=5, branch="朝阳支行",
                interest=Decimal("12.30"), extra={"五级分类": "关注"}),
        account("6222000000000002", "李娜", principal="12000.50", days=45, branch="浦东支行",
                phone="13933334444"),
        account("6222000000000003", "王芳", principal="3000.00", days=200, branch="朝阳支行"),
    ]
    c = Context(data_dir, argparse.Namespace())
    c.store = _store_with(data_dir, accounts)
    c._closers.append(c.store)
    c.settings = load_settings(data_dir)
    yield c
    c.close()


@pytest.fixture
def window(qtbot, ctx):
    w = mw.MainWindow(ctx)
    qtbot.addWidget(w)
    w.reload_accounts(background=False)
    w.show()
    return w


def test_window_lists_stored_accounts_and_shows_the_first_in_detail(window):
    assert window.model.rowCount() == 3
    assert window.detail.values["name"].text() == "张伟"
    assert window.detail.values["total"].text() == "¥512.30"
    assert window.detail.values["file"].text() == "客户清单.xlsx"
    assert window.detail.values["sheet"].text() == "逾期客户"
    assert window.detail.values["row"].text() == "3"
    assert window.detail.extra_form.rowCount() == 1
    assert window.count_label.text() == "共 3 个账户"


def test_background_reload_builds_the_table_off_the_ui_thread(qtbot, ctx):
    w = mw.MainWindow(ctx)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.accounts_loaded, timeout=10_000) as blocker:
        w.reload_accounts()
    assert blocker.args == [3]
    assert w.model.rowCount() == 3


def test_typing_in_search_filters_the_table_and_updates_the_count(window, qtbot):
    window.search.setText("李娜")  # QTest cannot type CJK; setText fires textChanged alike
    assert window.model.rowCount() == 1
    assert window.detail.values["name"].text() == "李娜"
    assert window.count_label.text() == "显示 1 / 共 3 个账户"
    window.search.clear()
    assert window.model.rowCount() == 3


def test_branch_and_bucket_filters(window):
    window.branch_filter.setCurrentIndex(window.branch_filter.findData("朝阳支行"))
    assert window.model.rowCount() == 2
    window.bucket_filter.setCurrentIndex(window.bucket_filter.findData("M6+"))
    assert window.model.rowCount() == 1
    assert window.model.account_at(0).name == "王芳"


def test_detail_follows_the_selection_and_survives_sorting(window):
    window.table.selectRow(1)
    assert window.detail.values["name"].text() == "李娜"
    window.table.sortByColumn(COLUMN_KEYS.index("principal"), Qt.SortOrder.DescendingOrder)
    assert window.model.account_at(0).name == "李娜"
    assert window.table.currentIndex().row() == 0
    assert window.detail.values["name"].text() == "李娜"


def test_filtering_out_the_shown_account_clears_the_detail(window, qtbot):
    window.table.selectRow(0)
    qtbot.keyClicks(window.search, "zzz-none")
    assert window.model.rowCount() == 0
    assert window.detail.account is None
    assert window.detail.empty.isVisible()


def test_ctrl_f_focuses_search_and_enter_in_table_opens_detail(window, qtbot):
    window.activateWindow()
    window.table.setFocus()
    window.act_find.trigger()
    assert window.search.hasFocus()
    window.detail_tabs.setCurrentIndex(window.plan_tab_index)
    window.table.setFocus()
    window.table.selectRow(2)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    assert window.detail_tabs.currentIndex() == 0
    assert window.detail.values["name"].text() == "王芳"


def test_import_action_has_ctrl_o(window):
    assert window.act_import.shortcut().toString() == "Ctrl+O"


def test_plan_tab_shows_placeholder_when_calculator_missing(window, monkeypatch):
    monkeypatch.setattr(mw, "PLAN_MODULE", "visitdesk.ui.no_such_plan_module")
    window.detail_tabs.setCurrentIndex(window.plan_tab_index)
    labels = window.plan_slot.findChildren(QLabel)
    assert labels and "尚未安装" in labels[0].text()


def test_plan_tab_embeds_calculator_and_passes_account_and_settings(window, monkeypatch):
    calls = []

    class FakeCalculator(QWidget):
        def set_account(self, acc, settings):
            calls.append((acc.name, settings.bank_name))

    fake = types.ModuleType("fake_plan_calculator")
    fake.PlanCalculator = FakeCalculator
    monkeypatch.setitem(sys.modules, "fake_plan_calculator", fake)
    monkeypatch.setattr(mw, "PLAN_MODULE", "fake_plan_calculator")
    window.detail_tabs.setCurrentIndex(window.plan_tab_index)
    assert isinstance(window._plan_widget, FakeCalculator)
    window.table.selectRow(1)
    assert calls[0] == ("张伟", "示例银行")
    assert calls[-1] == ("李娜", "示例银行")


def test_visit_action_disabled_without_hook_and_calls_it_when_present(window, monkeypatch):
    monkeypatch.setattr(mw, "VISIT_MODULE", "visitdesk.ui.no_such_visit_module")
    window.table.selectRow(2)
    assert not window.act_visit.isEnabled()
    opened = []
    fake = types.ModuleType("fake_visit")
    fake.open_visit = lambda parent, ctx, acc: opened.append((parent, ctx, acc.account_no))
    monkeypatch.setitem(sys.modules, "fake_visit", fake)
    monkeypatch.setattr(mw, "VISIT_MODULE", "fake_visit")
    window.table.selectRow(1)
    assert window.act_visit.isEnabled()
    window.act_visit.trigger()
    assert opened == [(window, window.ctx, "6222000000000002")]


def test_dropping_a_file_opens_the_import_dialog_with_it(window, qtbot, tmp_path, monkeypatch):
    dropped = tmp_path / "客户清单.xlsx"
    dropped.write_bytes(b"x")
    opened = []
    monkeypatch.setattr(window, "open_import", lambda path=None: opened.append(path))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    event = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: bool(opened))
    assert opened == [str(dropped)]


def test_switch_language_saves_setting_and_calls_rebuild_hook(ctx, qtbot, data_dir):
    seen = []
    w = mw.MainWindow(ctx, on_language=seen.append)
    qtbot.addWidget(w)
    w.language_actions["en"].trigger()
    assert seen == ["en"]
    assert load_settings(data_dir).language == "en"


def test_about_shows_version(window, monkeypatch):
    shown = []
    monkeypatch.setattr(mw.QMessageBox, "about", lambda parent, title, text: shown.append(text))
    window.act_about.trigger()
    from visitdesk import __version__

    assert __version__ in shown[0]


def test_settings_saved_from_window_update_the_context(window, monkeypatch, data_dir):
    from visitdesk.ui import settings_page

    def fake_exec(dialog):
        dialog.saved = replace(window.ctx.settings, branch="新网点")
        return 1

    monkeypatch.setattr(settings_page.SettingsDialog, "exec", fake_exec)
    window.act_settings.trigger()
    assert window.ctx.settings.branch == "新网点"


def test_window_stays_usable_with_many_accounts(qtbot, data_dir):
    c = Context(data_dir, argparse.Namespace())
    c.store = _store_with(data_dir, synth_accounts(3000))
    c._closers.append(c.store)
    c.settings = Settings()
    w = mw.MainWindow(c)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.accounts_loaded, timeout=20_000):
        w.reload_accounts()
    assert w.model.rowCount() == 3000
    assert w.branch_filter.count() > 2
    c.close()


def test_window_reloads_its_table_after_an_import_stored_accounts(window, qtbot, monkeypatch):
    from visitdesk.ui import import_dialog

    def fake_exec(dialog):
        with CaseStore(window.ctx.data_dir) as store:
            store.upsert_accounts(synth_accounts(5), BatchInfo("新.xlsx", "2" * 64, "S", 0))
        dialog.store_changed = True
        return 1

    monkeypatch.setattr(import_dialog.ImportDialog, "exec", fake_exec)
    with qtbot.waitSignal(window.accounts_loaded, timeout=10_000) as blocker:
        window.act_import.trigger()
    assert blocker.args == [8]
    assert window.model.rowCount() == 8


def test_plan_tab_widens_the_detail_pane_and_gives_the_table_its_width_back(window, qtbot):
    """Walk-through bug: the three-pane plan calculator was squeezed into the narrow detail
    pane (options and schedule columns cut off)."""
    window.resize(1400, 850)
    qtbot.waitUntil(lambda: window.splitter.sizes()[0] > 0)
    before = window.splitter.sizes()
    window.detail_tabs.setCurrentIndex(window.plan_tab_index)
    table, detail = window.splitter.sizes()
    assert detail >= 0.6 * (table + detail)
    assert window.search.width() >= window.search.fontMetrics().averageCharWidth() * 16
    window.detail_tabs.setCurrentIndex(0)
    after = window.splitter.sizes()
    assert abs(after[0] - before[0]) <= 2 and abs(after[1] - before[1]) <= 2


def test_english_column_headers_are_not_cut_off(ctx, qtbot):
    """Walk-through bug: "Days overdue" was clipped to "ays overdu" in English."""
    from visitdesk import i18n

    i18n.set_language("en")
    w = mw.MainWindow(ctx)
    qtbot.addWidget(w)
    hh = w.table.horizontalHeader()
    for col in range(w.model.columnCount()):
        assert w.table.columnWidth(col) >= hh.sectionSizeHint(col), w.model.headerData(
            col, Qt.Orientation.Horizontal)
