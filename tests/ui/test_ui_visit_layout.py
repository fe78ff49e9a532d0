"""A form that reads well at the door: at 1280×720, in both languages, no label, button or
problems-panel location is cut off, and a new visit starts with neutral "to fill" items."""

from __future__ import annotations

import pytest
import visit_testdata as vt
from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea, QWidget

from visitdesk import i18n
from visitdesk.ui import visit as visit_ui
from visitdesk.ui.visit.window import ROLE_KEY


def cut_off(window: QWidget) -> list[str]:
    """Texts shown in less room than they need: a label's or button's required size is
    compared with the geometry it was given (a wrapped label: the height for its width)."""
    found = []
    for label in window.findChildren(QLabel):
        if not label.isVisible() or not label.text():
            continue
        if label.wordWrap():
            if label.heightForWidth(label.width()) > label.height() + 1:
                found.append(f"wrapped label {label.text()!r}: {label.size().toTuple()}")
        elif label.sizeHint().width() > label.width() + 1:
            found.append(f"label {label.text()!r}: {label.width()} < {label.sizeHint().width()}")
    for button in window.findChildren(QAbstractButton):
        if button.isVisible() and button.text() and button.sizeHint().width() > button.width() + 1:
            found.append(f"button {button.text()!r}: {button.width()}")
    for area in window.findChildren(QScrollArea):  # a form wider than its pane is cut off
        bar = area.horizontalScrollBar()
        if area.isVisible() and bar.isVisible() and bar.maximum() > 0:
            found.append(f"form scrolls sideways by {bar.maximum()} px")
    tree = window.problems
    width = tree.header().sectionSize(1)
    metrics = tree.fontMetrics()
    for i in range(tree.topLevelItemCount()):
        for line in tree.topLevelItem(i).text(1).splitlines():
            if metrics.horizontalAdvance(line) > width:
                found.append(f"problem location {line!r}")
    return found


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_no_text_is_cut_off_on_any_page_at_1280_by_720(qtbot, env, lang):
    i18n.set_language(lang)
    ctx, acc = env
    window = visit_ui.open_visit(None, ctx, acc)
    window.resize(1280, 720)
    qtbot.waitExposed(window)
    qtbot.wait(50)  # the problems panel takes its height after the first show
    problems = []
    pages = 0
    for row in range(window.navigator.count()):
        key = window.navigator.item(row).data(ROLE_KEY)
        if not key:
            continue
        window.show_page(key)
        qtbot.wait(5)
        pages += 1
        problems += [f"{key}: {p}" for p in cut_off(window)]
    assert pages == len(window.pages)
    assert problems == []


def test_a_new_visit_starts_with_neutral_items_to_fill_not_errors(qtbot, env):
    ctx, acc = env
    window = visit_ui.open_visit(None, ctx, acc)
    levels = {window.problems.topLevelItem(i).text(0)
              for i in range(window.problems.topLevelItemCount())}
    assert levels == {"待填写"}
    assert "待填写" in window.problems_dock.windowTitle()
    assert "0 个错误" in window.problems_dock.windowTitle()
    assert window.status_of("facts") == "not_started"
    # once the officer tries to finalise, what is missing blocks it: errors
    window.finalise_tried = True
    window.revalidate()
    levels = {window.problems.topLevelItem(i).text(0)
              for i in range(window.problems.topLevelItemCount())}
    assert "错误" in levels and "待填写" not in levels


def test_a_locked_record_reads_as_text_and_keeps_its_actions(qtbot, env):
    from visitdesk.adapters.visit_store import VisitRepository

    ctx, acc = env
    repo = VisitRepository(ctx.store, settings=ctx.settings)
    record = vt.complete_record(acc.account_no)
    created = repo.create(acc.account_no, record.officer, record=record)
    repo.finalise(created.id, "李明")
    window = visit_ui.open_record(None, ctx, created.id)
    window.show_page("stage:opening")
    assert window.stack.currentWidget() is window.read_view
    text = window.read_view.toPlainText()
    stage = window.playbook.stages[0]
    assert stage.title.get() in text and stage.fields[0].label.get() in text
    assert not window.problems_dock.isVisible()
    window.show_page("finish")  # the actions stay where they are
    assert window.stack.currentWidget() is window.finish_page
    assert window.finish_page.amend_button.isVisible()
