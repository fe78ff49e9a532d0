"""A window that remembers and helps: layouts come back, recent workbooks are offered, and a
language switch reaches every open window."""

from __future__ import annotations

import argparse

import pytest
import visit_testdata as vt
from PySide6.QtCore import Qt

from visitdesk import i18n
from visitdesk.cli import Context
from visitdesk.ui import visit as visit_ui
from visitdesk.ui.main_window import MainWindow


@pytest.fixture
def ctx(qtbot, data_dir):
    store, acc = vt.seeded_store(data_dir)
    c = Context(data_dir, argparse.Namespace())
    c.store = store  # type: ignore[misc]
    c.settings = vt.settings()  # type: ignore[misc]
    c.acc = acc  # type: ignore[attr-defined]
    yield c
    for window in visit_ui.open_windows():
        window.close()
    visit_ui._windows.clear()
    store.close()


def test_main_window_size_splitter_and_column_widths_come_back(qtbot, ctx):
    first = MainWindow(ctx)
    qtbot.addWidget(first)
    first.show()
    first.resize(777, 555)  # within the offscreen screen (800×600), which Qt clamps to
    first.splitter.setSizes([480, 290])
    first.table.setColumnWidth(0, 187)
    wanted = (first.size().toTuple(), first.splitter.sizes(), first.table.columnWidth(0))
    first.close()
    again = MainWindow(ctx)
    qtbot.addWidget(again)
    again.show()
    assert (again.size().toTuple(), again.splitter.sizes(), again.table.columnWidth(0)) == wanted


def test_visit_window_layout_comes_back(qtbot, ctx):
    window = visit_ui.open_visit(None, ctx, ctx.acc)
    window.resize(790, 590)
    window.split.setSizes([300, 480])
    sizes = window.split.sizes()
    window.close()
    again = visit_ui.open_visit(None, ctx, ctx.acc)
    assert again.size().toTuple() == (790, 590)
    assert again.split.sizes() == sizes


def test_recent_workbooks_are_offered_in_the_file_menu_newest_first(qtbot, ctx, tmp_path):
    main = MainWindow(ctx)
    qtbot.addWidget(main)
    main._fill_recent()
    assert [a.isEnabled() for a in main.recent_menu.actions()] == [False]  # says none yet
    books = []
    for name in ("一月.xlsx", "二月.xlsx"):
        path = tmp_path / name
        path.write_bytes(b"x")
        books.append(path)
        main._remember_workbook(path)
    main._fill_recent()
    texts = [a.text() for a in main.recent_menu.actions()]
    assert texts == ["&1 二月.xlsx", "&2 一月.xlsx"]
    opened = []
    main.open_import = lambda p=None: opened.append(p)  # the import dialog itself is tested
    main.recent_menu.actions()[1].trigger()
    assert opened == [str(books[0].resolve())]


def test_language_switch_reaches_an_open_visit_window(qtbot, ctx):
    window = visit_ui.open_visit(None, ctx, ctx.acc)
    window.show_page("finish")
    window.page_by_key["finish"].notes.setPlainText("门口谈话")
    i18n.set_language("en")
    [new] = visit_ui.rebuild_windows(None, ctx)
    assert new is not window
    assert new.navigator.currentItem().data(Qt.ItemDataRole.UserRole) == "finish"
    assert "Finalise" in new.finish_page.finalise_button.text()
    assert new.record.notes == "门口谈话"  # nothing typed was lost
    assert visit_ui.open_windows() == [new]


def test_f1_opens_the_manual_at_each_windows_section_in_its_language(qtbot, ctx):
    from visitdesk.ui import help as help_ui
    from visitdesk.ui.records import VisitsWindow

    main = MainWindow(ctx)
    qtbot.addWidget(main)
    main.act_manual.trigger()
    manual = help_ui._shown["help"]
    assert manual.section == "import" and "导入" in manual.text.toPlainText()
    visit = visit_ui.open_visit(main, ctx, ctx.acc)
    [f1] = [a for a in visit.actions() if a.shortcut().toString() == "F1"]
    f1.trigger()
    assert manual.section == "visit"
    visits = VisitsWindow(ctx)
    qtbot.addWidget(visits)
    [f1] = [a for a in visits.actions() if a.shortcut().toString() == "F1"]
    f1.trigger()
    assert manual.section == "visit"
    manual.show_section("data")
    text = manual.text.toPlainText()
    assert str(ctx.data_dir.resolve()) in text and "visitdesk.log" in text
    i18n.set_language("en")
    english = help_ui.HelpWindow(ctx)
    qtbot.addWidget(english)
    english.show_section("sign")
    assert "agreement" in english.text.toPlainText()
    manual.close()


def test_about_box_names_version_folders_and_support_contact(qtbot, ctx, monkeypatch):
    from dataclasses import replace

    from PySide6.QtWidgets import QMessageBox

    from visitdesk import __version__

    shown = []
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda _p, _t, text: shown.append(text)))
    ctx.settings = replace(ctx.settings, support_contact="信息科技部 027-8888 0000")
    main = MainWindow(ctx)
    qtbot.addWidget(main)
    main.act_about.trigger()
    assert __version__ in shown[0] and str(ctx.data_dir.resolve()) in shown[0]
    assert "信息科技部 027-8888 0000" in shown[0]


def test_main_actions_have_shortcuts_shown_in_their_menus(qtbot, ctx):
    main = MainWindow(ctx)
    qtbot.addWidget(main)
    keys = {a.text(): a.shortcut().toString() for m in main.menuBar().actions() if m.menu()
            for a in m.menu().actions()}
    assert keys[main.act_visit.text()] == "Ctrl+N"
    assert keys[main.act_settings.text()] == "Ctrl+,"
    assert keys[main.document_actions.act_briefing.text()] == "Ctrl+B"
    visit = visit_ui.open_visit(main, ctx, ctx.acc)
    record_menu = visit.menuBar().actions()[0].menu()
    shortcuts = {a.text(): a.shortcut().toString() for a in record_menu.actions()}
    assert shortcuts[visit.record_actions["sign"].text()] == "Ctrl+Shift+S"
    assert shortcuts[visit.record_actions["print"].text()] == "Ctrl+P"
    # a shortcut does nothing its button would not: signing a draft is not possible
    calls = []
    visit.finish_page.sign_button.clicked.connect(lambda: calls.append(1))
    visit.record_actions["sign"].trigger()
    assert calls == []


def test_an_empty_store_says_to_import_a_workbook_or_drop_it(qtbot, data_dir):
    c = Context(data_dir, argparse.Namespace())
    main = MainWindow(c)
    qtbot.addWidget(main)
    main.show()
    main.reload_accounts(background=False)
    assert main.empty_label.isVisible() and not main.table.isVisible()
    assert "导入" in main.empty_label.text() and "拖到这里" in main.empty_label.text()
    c.close()


def test_one_word_for_warnings_everywhere_in_chinese():
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "resources" / "i18n" / "zh_CN"
    for path in folder.glob("*.json"):
        texts = json.loads(path.read_text(encoding="utf-8")).values()
        assert not [t for t in texts if "警告" in t], path.name


def test_visits_list_and_manual_remember_their_size_and_columns(qtbot, ctx):
    from visitdesk.ui.help import HelpWindow
    from visitdesk.ui.records import VisitsWindow

    visits = VisitsWindow(ctx)
    qtbot.addWidget(visits)
    visits.show()
    visits.resize(701, 433)
    visits.table.setColumnWidth(2, 155)
    visits.reject()
    again = VisitsWindow(ctx)
    qtbot.addWidget(again)
    again.show()
    assert again.size().toTuple() == (701, 433) and again.table.columnWidth(2) == 155
    manual = HelpWindow(ctx)
    qtbot.addWidget(manual)
    manual.show()
    manual.resize(640, 420)
    manual.reject()
    reopened = HelpWindow(ctx)
    qtbot.addWidget(reopened)
    reopened.show()
    assert reopened.size().toTuple() == (640, 420)
