"""The visit window, driven as an officer would: one test per user path, dialogs patched."""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest
import visit_testdata as vt
from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from visitdesk.adapters.store import CaseStore
from visitdesk.adapters.visit_store import VisitRepository
from visitdesk.ui import visit as visit_ui
from visitdesk.ui.visit.editors import (
    ChoiceEditor,
    DateEditor,
    LongTextEditor,
    MoneyEditor,
    MultiChoiceEditor,
    NumberEditor,
    TextEditor,
    TimeEditor,
    YesNoEditor,
)
from visitdesk.ui.visit.pages import ConductPage, SituationPage

ROOT = Path(__file__).resolve().parents[2]

CHOICES = {
    "customer_mood": "calm",
    "willing_to_talk": "yes",
    "figures_accepted": "accepts",
    "options_offered": ["lump_sum"],
    "default_reason": "income_drop",
    "customer_position": ["can_pay_part", "asks_more_time"],
    "plan_delivery": "handed_over",
    "decision": "in_plan",
    "consequences_explained": ["credit_record", "future_credit"],
}


def open_window(qtbot, ctx, acc):
    window = visit_ui.open_visit(None, ctx, acc)
    assert window is not None
    # closed (and deleted) by the env fixture
    return window


def fill(editor, value) -> None:
    """Answer one field through its widget, as a user would."""
    if isinstance(editor, YesNoEditor):
        (editor.yes if value else editor.no).click()
    elif isinstance(editor, ChoiceEditor):
        editor.combo.setCurrentIndex(editor.combo.findData(value))
    elif isinstance(editor, MultiChoiceEditor):
        for oid in value:
            editor.checks[oid].click()
    elif isinstance(editor, DateEditor):
        d = date.fromisoformat(value)
        editor.edit.setDate(QDate(d.year, d.month, d.day))
    elif isinstance(editor, (TextEditor, MoneyEditor, NumberEditor, TimeEditor)):
        editor.edit.setText(value)
    elif isinstance(editor, LongTextEditor):
        editor.edit.setPlainText(value)
    else:  # pragma: no cover
        raise AssertionError(type(editor))


def default_answer(editor):
    f = editor.field
    if f.id in CHOICES:
        return CHOICES[f.id]
    return {
        "yes_no": True,
        "single_choice": f.options[0].id if f.options else None,
        "multi_choice": [f.options[0].id] if f.options else [],
        "text": "已记录",
        "long_text": "客户说明了情况，态度平和。",
        "money": "800.00",
        "date": "2026-11-27",
        "time": "10:45",
        "number": "1",
    }[f.type]


def fill_form(page) -> None:
    """Answer every required field that is shown on a stage or situation page."""
    for fid, editor in page.form.editors.items():
        if editor.field.required and page.form.is_shown(fid):
            fill(editor, default_answer(editor))


def set_moment(edit, hour: int, minute: int) -> None:
    edit.edit.setDateTime(QDateTime(QDate(2026, 11, 20), QTime(hour, minute)))


def fill_facts(window) -> None:
    facts = window.page_by_key["facts"]
    set_moment(facts.moments["actual_start"], 10, 5)
    set_moment(facts.moments["actual_end"], 10, 50)
    fill(facts.met, "customer")
    fill(facts.identity, "id_card")
    fill(facts.recording_told, True)
    facts.recording_reference.setText("DSJ-07 20261120-1005")
    fill(facts.others_present, False)


def problem_items(window):
    return [window.problems.topLevelItem(i) for i in range(window.problems.topLevelItemCount())]


def click_problem(qtbot, window, location: str) -> None:
    item = next(
        i for i in problem_items(window) if i.data(0, Qt.ItemDataRole.UserRole + 1) == location
    )
    rect = window.problems.visualItemRect(item)
    window.problems.scrollToItem(item)
    rect = window.problems.visualItemRect(item)
    qtbot.mouseClick(window.problems.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


# --- the whole visit ----------------------------------------------------------------------
def test_whole_visit_blocked_by_missing_conduct_then_fixed_and_finalised(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    window.activateWindow()
    assert window.status_of("stage:opening") == "not_started"
    assert "未开始" in window.navigator.item(window._row_of("stage:opening")).text()

    fill_facts(window)
    for stage in window.playbook.stages:
        page = window.show_page(f"stage:{stage.id}")
        assert window.stack.currentWidget() is page
        fill_form(page)
        window.revalidate()
        assert window.status_of(f"stage:{stage.id}") == "complete", stage.id

    # the listening stage's answer "asks for more time" raised the situation and said so
    assert window.record.situations["more_time"].opened_by == "trigger"
    assert window.notice.isVisible() and "客户要求延期" in window.notice.label.text()
    more_time = window.page_by_key["situation:more_time"]
    nav_text = window.navigator.item(window._row_of("situation:more_time")).text()
    assert "已出现" in nav_text
    window.notice.go_button.click()
    assert window.stack.currentWidget() is more_time
    assert more_time.form.isEnabled()
    guidance = window.playbook.situation("more_time").guidance
    assert len(more_time.points.texts()) == len(guidance) > 0
    fill_form(more_time)

    conduct: ConductPage = window.show_page("conduct")  # type: ignore[assignment]
    for item_id, check in conduct.checks.items():
        if item_id != "identity_shown":
            check.click()
    finish = window.show_page("finish")
    fill(finish.outcome, "promised_to_pay")
    finish.follow_date.setDate(QDate(2026, 11, 27))
    fill(finish.channel, "sms")

    # finalise is blocked and says why
    finish.finalise_button.click()
    assert dialogs.kinds() == ["warning"]
    assert "行为规范" in dialogs.shown[0][2]
    locations = [i.data(0, Qt.ItemDataRole.UserRole + 1) for i in problem_items(window)]
    assert locations == ["conduct.identity_shown"]
    assert window.status_of("conduct") == "problems"
    assert "有问题" in window.navigator.item(window._row_of("conduct")).text()
    repo = VisitRepository(CaseStore(ctx.data_dir))
    assert repo.get(window.record.id).state == "draft"

    # the problem leads to the unticked item
    window.show_page("stage:opening")
    click_problem(qtbot, window, "conduct.identity_shown")
    assert window.stack.currentWidget() is conduct
    target = conduct.checks["identity_shown"]
    qtbot.waitUntil(lambda: window.focusWidget() is target, timeout=1000)

    target.click()
    window.revalidate()
    assert window.status_of("conduct") == "complete"
    assert window.finalise() is True
    assert repo.get(window.record.id).state == "finalised"
    assert not conduct.checks["privacy_kept"].isEnabled()
    assert window.locked_banner.isVisible()
    assert window.problems.topLevelItemCount() == 0
    repo.store.close()


def test_opening_the_account_again_resumes_its_draft(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    visit_id = window.record.id
    window.page_by_key["facts"].new_address.setText("新址：示例路 9 号")
    window.close()
    again = open_window(qtbot, ctx, acc)
    assert again.record.id == visit_id
    assert again.page_by_key["facts"].new_address.text() == "新址：示例路 9 号"
    assert len(VisitRepository(ctx.store).list(acc.account_no)) == 1


def test_situation_can_be_opened_by_hand_and_shows_its_guidance(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    page: SituationPage = window.show_page("situation:upset")  # type: ignore[assignment]
    assert window.status_of("situation:upset") == "not_raised"
    assert not page.form.isEnabled()
    assert page.points.texts()  # the guidance is readable before opening
    page.open_button.click()
    assert window.record.situations["upset"].opened_by == "officer"
    assert page.form.isEnabled()
    window.revalidate()
    assert window.status_of("situation:upset") == "not_started"
    assert any(
        i.data(0, Qt.ItemDataRole.UserRole + 1).startswith("situations.upset.")
        for i in problem_items(window)
    )
    page.close_button.click()
    assert "upset" not in window.record.situations


def test_talking_points_show_the_accounts_figures(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    page = window.show_page("stage:debt_details")
    text = "\n".join(page.points.texts())
    from visitdesk.core.speech import money_words

    assert f"本金{money_words(acc.principal, 'zh_CN')}" in text
    assert str(acc.overdue_days) in text
    opening = window.show_page("stage:opening")
    assert "示例银行" in "\n".join(opening.points.texts()) and acc.name in "\n".join(
        opening.points.texts()
    )


# --- autosave -----------------------------------------------------------------------------
def test_every_edit_reaches_the_store_within_a_second(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    other = VisitRepository(CaseStore(ctx.data_dir))  # a second connection reads the file
    page = window.show_page("stage:listening")
    editor = page.form.editors["customer_proposal"]
    started = time.monotonic()
    qtbot.keyClicks(editor.edit, "1000 a month")  # QTest types ASCII only
    qtbot.waitUntil(
        lambda: (
            other.get(window.record.id).answer("listening", "customer_proposal") == "1000 a month"
        ),
        timeout=1500,
    )
    assert time.monotonic() - started < 1.5
    assert window.save_label.text().startswith("已自动保存 ")
    money = page.form.editors["monthly_income"]
    qtbot.keyClicks(money.edit, "6500.5")
    qtbot.waitUntil(
        lambda: other.get(window.record.id).answer("listening", "monthly_income") == "6500.50",
        timeout=1500,
    )
    other.store.close()


def test_closing_flushes_the_last_edit_and_clears_the_open_marker(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    repo = VisitRepository(ctx.store)
    assert repo.open_draft_marker() is not None
    window.page_by_key["finish"].notes.setPlainText("客户下周出差")
    window.close()  # before the autosave timer fired
    assert repo.get(window.record.id).notes == "客户下周出差"
    assert repo.open_draft_marker() is None


def test_money_field_refuses_text_that_is_not_an_amount(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    editor = window.show_page("stage:listening").form.editors["monthly_income"]
    qtbot.keyClicks(editor.edit, "12a3.456")  # the validator drops what is not an amount
    assert editor.edit.text() == "123.45"
    assert window.record.answer("listening", "monthly_income") == "123.45"


# --- conditions ---------------------------------------------------------------------------
def test_conditional_fields_appear_and_disappear_with_the_answer(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    page = window.show_page("stage:opening")
    assert not page.form.is_shown("preferred_time")
    fill(page.form.editors["willing_to_talk"], "later")
    assert page.form.is_shown("preferred_time")
    fill(page.form.editors["willing_to_talk"], "yes")
    assert not page.form.is_shown("preferred_time")

    options = window.show_page("stage:repayment_options")
    assert not options.form.is_shown("other_option")
    options.form.editors["options_offered"].checks["other"].click()
    assert options.form.is_shown("other_option")

    facts = window.show_page("facts")
    assert not facts.is_shown("others_who")
    fill(facts.met, "customer")
    fill(facts.others_present, True)
    assert facts.is_shown("others_who") and facts.is_shown("consent.discuss_with_others_present")
    fill(facts.others_present, False)
    assert not facts.is_shown("others_who")


def test_trigger_answer_opens_the_dispute_situation_and_tells_the_officer(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    page = window.show_page("stage:debt_details")
    assert not window.notice.isVisible()
    fill(page.form.editors["figures_accepted"], "disputes")
    assert "dispute" in window.record.situations
    assert window.notice.isVisible() and "客户否认欠款" in window.notice.label.text()
    assert window.status_of("situation:dispute") != "not_raised"


# --- finalised records, amendments, keyboard ----------------------------------------------
def test_finalised_record_is_read_only_and_amend_makes_a_new_version(
    qtbot, env, dialogs, monkeypatch
):
    ctx, acc = env
    repo = VisitRepository(ctx.store, settings=ctx.settings)
    created = repo.create(
        acc.account_no,
        vt.complete_record(acc.account_no).officer,
        record=vt.complete_record(acc.account_no),
    )
    repo.finalise(created.id, "李明")
    dialogs.exec_answer = QMessageBox.StandardButton.No  # "view the record"
    window = open_window(qtbot, ctx, acc)
    assert window.record.state == "finalised"
    facts = window.page_by_key["facts"]
    assert not facts._inner.isEnabled()
    finish = window.page_by_key["finish"]
    assert not finish.amend_button.isHidden() and finish.finalise_button.isHidden()
    monkeypatch.setattr(
        QInputDialog, "getMultiLineText", staticmethod(lambda *a, **k: ("地址录入有误，更正", True))
    )
    assert dialogs.kinds() == ["exec"] and created.id in dialogs.shown[0][2]
    finish.amend_button.click()
    assert window.record.version == 2 and window.record.editable
    assert window.record.amendment.reason == "地址录入有误，更正"
    assert finish.amend_button.isHidden() and not finish.finalise_button.isHidden()
    assert facts._inner.isEnabled()
    assert [r.version for r in repo.versions(created.id)] == [1, 2]
    assert repo.get(created.id, 1).state == "finalised"


def test_keyboard_moves_between_stages(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    window.show_page("stage:opening")
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClick(window.navigator, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page().key == "stage:debt_details"
    qtbot.keyClick(window.navigator, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert window.current_page().key == "stage:opening"
    qtbot.keyClick(window.navigator, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert window.current_page().key == "facts"  # section headers are skipped
    # from inside a page too (window shortcuts)
    window.show_page("stage:listening")
    editor = window.current_page().form.editors["customer_proposal"].edit
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus, timeout=1000)
    qtbot.keyClick(editor, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page().key == "stage:reaffirm"


# --- crash recovery -----------------------------------------------------------------------
CHILD = textwrap.dedent("""
    import argparse, os, sys, time
    sys.path[:0] = [{root!r}, {tests!r}]
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from pathlib import Path
    from visitdesk.ui.app import application
    app = application()
    import visit_testdata as vt
    from visitdesk.adapters.store import CaseStore
    from visitdesk.cli import Context
    from visitdesk.ui.visit import open_visit
    data = Path({data!r})
    ctx = Context(data, argparse.Namespace())
    ctx.store = CaseStore(data)
    ctx.settings = vt.settings()
    acc = ctx.store.account({account!r})
    window = open_visit(None, ctx, acc)
    window.page_by_key["facts"].new_address.setText("崩溃前输入的地址")
    window.on_saved.append(lambda _t: print("SAVED", window.record.id, flush=True))
    while True:
        app.processEvents()
        time.sleep(0.01)
""")


def test_after_an_unclean_stop_the_next_start_offers_to_reopen_the_draft(qtbot, env, dialogs):
    ctx, acc = env
    script = CHILD.format(
        root=str(ROOT), tests=str(ROOT / "tests"), data=str(ctx.data_dir), account=acc.account_no
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        line = child.stdout.readline()
        assert line.startswith("SAVED"), line
        visit_id = line.split()[1]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    dialogs.answer = QMessageBox.StandardButton.Yes
    window = visit_ui.offer_recovery(None, ctx)
    assert window is not None
    # closed (and deleted) by the env fixture
    assert dialogs.kinds() == ["question"] and visit_id in dialogs.shown[0][2]
    assert window.record.id == visit_id
    assert window.page_by_key["facts"].new_address.text() == "崩溃前输入的地址"


def test_no_recovery_offer_after_a_clean_close(qtbot, env, dialogs):
    ctx, acc = env
    open_window(qtbot, ctx, acc).close()
    assert visit_ui.offer_recovery(None, ctx) is None
    assert dialogs.shown == []


def test_declining_recovery_is_not_asked_again(qtbot, env, dialogs):
    ctx, acc = env
    repo = VisitRepository(ctx.store)
    record = repo.create(acc.account_no, vt.complete_record(acc.account_no).officer)
    repo.mark_open(record.id, record.version)
    dialogs.answer = QMessageBox.StandardButton.No
    assert visit_ui.offer_recovery(None, ctx) is None
    assert visit_ui.offer_recovery(None, ctx) is None
    assert dialogs.kinds() == ["question"]


def fill_complete_visit(window) -> None:
    """Everything a finalisable visit needs, through the widgets."""
    fill_facts(window)
    for stage in window.playbook.stages:
        fill_form(window.show_page(f"stage:{stage.id}"))
    for sid in window.record.situations:
        fill_form(window.show_page(f"situation:{sid}"))
    for check in window.page_by_key["conduct"].checks.values():
        check.click()
    finish = window.show_page("finish")
    fill(finish.outcome, "promised_to_pay")
    finish.follow_date.setDate(QDate(2026, 11, 27))
    fill(finish.channel, "sms")


def test_screened_phrase_is_a_warning_that_blocks_until_acknowledged(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    fill_complete_visit(window)
    proposal = window.page_by_key["stage:listening"].form.editors["customer_proposal"]
    proposal.edit.setPlainText("外勤人员说：“再不还就通知你单位。”")  # quoted: not his own words
    window.revalidate()
    rows = [(i.text(0), i.data(0, Qt.ItemDataRole.UserRole + 1)) for i in problem_items(window)]
    assert rows == [("提醒", "stages.listening.customer_proposal")]
    assert "通知你单位" in problem_items(window)[0].text(2)
    assert window.finalise() is False
    assert "1 个提醒" in dialogs.shown[-1][2]

    finish = window.show_page("finish")
    ((key, check),) = finish.warning_checks.items()
    assert "通知你单位" in check.accessibleDescription()
    check.click()  # without a reason the tick does not stand
    assert not check.isChecked() and window.record.warnings_acknowledged == ()
    assert finish.state_label.text() == "请先写明理由，再勾选“我已知悉”。"
    finish.ack_reasons[key].setText("照录客户转述的原话")
    check.click()
    assert window.record.warnings_acknowledged == (key,)
    ack = window.record.acknowledgements[key]
    assert ack.reason == "照录客户转述的原话" and ack.by.startswith(window.record.officer.name)
    window.revalidate()
    assert problem_items(window)[0].text(0) == "提醒（已确认）"
    assert window.finalise() is True


def test_plan_page_records_the_calculators_plan_and_the_agreement(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    fill_facts(window)  # the visit is on 2026-11-20
    page = window.show_page("plan")
    calc = page.calculator
    assert calc.start_edit.date() == QDate(2026, 11, 20)
    assert window.record.plan is None  # showing the calculator records nothing
    calc.months_spin.setValue(6)
    assert window.record.plan["months"] == 6
    assert window.record.plan["start"] == "2026-11-20"
    page.agreed.click()
    assert window.record.plan_agreed
    window.revalidate()
    assert "6 期" in page.summary.text()
    page.clear_button.click()
    assert window.record.plan is None and not window.record.plan_agreed


def test_main_window_action_opens_the_visit_window_for_the_selected_account(
    qtbot, data_dir, dialogs
):
    from visitdesk.adapters.settings_store import save_settings
    from visitdesk.ui.app import create_main_window

    store, acc = vt.seeded_store(data_dir)
    store.close()
    save_settings(data_dir, vt.settings())
    main = create_main_window(argparse.Namespace(data_dir=str(data_dir), demo=False, lang=None))
    qtbot.addWidget(main)
    try:
        assert main.select_account(acc.account_no)
        assert main.act_visit.isEnabled()
        main.act_visit.trigger()
        (window,) = visit_ui.open_windows()
        assert window.account.account_no == acc.account_no and window.record.editable
        main.act_visit.trigger()  # the same account again: the same window, no second draft
        assert visit_ui.open_windows() == [window]
        window.close()
    finally:
        visit_ui._windows.clear()
        main.ctx.close()


def test_closing_one_of_two_visit_windows_keeps_the_other_draft_recoverable(qtbot, env, dialogs):
    from visitdesk.adapters.store import BatchInfo

    ctx, acc = env
    other = vt.account(seed=8)
    ctx.store.upsert_accounts([other], BatchInfo("more.xlsx", "1" * 64, "Sheet1", 0))
    first = open_window(qtbot, ctx, acc)
    second = open_window(qtbot, ctx, other)
    repo = VisitRepository(ctx.store)
    assert repo.open_draft_marker().visit_id == second.record.id
    second.close()
    assert repo.open_draft_marker().visit_id == first.record.id


def test_problems_panel_updates_by_itself_shortly_after_an_edit(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)

    def locations():
        return {i.data(0, Qt.ItemDataRole.UserRole + 1) for i in problem_items(window)}

    assert "met" in locations()
    fill(window.page_by_key["facts"].met, "customer")
    qtbot.waitUntil(lambda: "met" not in locations(), timeout=1000)
    assert "identity_method" in locations()  # the rule that follows from the answer


def test_sign_button_calls_the_documents_hook_and_shows_the_signed_state(qtbot, env, dialogs,
                                                                       monkeypatch):
    from datetime import datetime

    from visitdesk.core.visit import Signature
    from visitdesk.ui import documents

    ctx, acc = env
    repo = VisitRepository(ctx.store, settings=ctx.settings)
    record = vt.complete_record(acc.account_no)
    created = repo.create(acc.account_no, record.officer, record=record)
    window = open_window(qtbot, ctx, acc)
    finish = window.show_page("finish")
    assert not finish.sign_button.isEnabled()  # a draft is not signed
    assert window.finalise() is True
    window.revalidate()
    assert finish.sign_button.isEnabled() and finish.print_button.isEnabled()

    calls = []

    def fake_sign(parent, ctx_, visit):
        calls.append((parent, visit.id, visit.state))
        repo.mark_signed(visit.id, "李明", officer=Signature("iVBORw0KGgo=", datetime.now()))

    monkeypatch.setattr(documents, "sign_visit", fake_sign)
    finish.sign_button.click()
    assert calls == [(window, created.id, "finalised")]
    assert window.record.state == "signed"
    assert "已签名" in window.locked_banner.text()


def test_a_resumed_draft_opens_at_the_first_page_that_needs_work(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    assert window.current_page().key == "facts"
    fill_facts(window)
    fill_form(window.page_by_key["stage:opening"])
    window.close()
    again = open_window(qtbot, ctx, acc)
    assert again.current_page().key == "stage:debt_details"


def test_problems_panel_shows_whole_locations_in_english(qtbot, env, dialogs):
    """Walk-through bug: in English the "where" column was cut to "Conduct checklist · No
    threats or …"; it now widens to its longest entry (up to 45 % of the panel)."""
    from visitdesk import i18n

    i18n.set_language("en")
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    window.resize(1400, 900)
    window.show()
    qtbot.waitUntil(lambda: window.problems.viewport().width() > 600)
    window.revalidate()
    assert window.problems.topLevelItemCount() > 0
    wanted = window.problems.sizeHintForColumn(1)
    width = window.problems.header().sectionSize(1)
    assert wanted > 260  # the English labels are longer than the old fixed width
    assert width >= min(wanted, int(window.problems.viewport().width() * 0.45))


def test_opening_a_situation_by_hand_does_not_claim_an_answer_raised_it(qtbot, env, dialogs):
    """Walk-through bug: "根据刚才的回答，已打开特殊情况…" appeared when the officer opened a
    situation by hand; the notice is for situations an answer raised."""
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    page: SituationPage = window.show_page("situation:upset")  # type: ignore[assignment]
    page.open_button.click()
    assert window.record.situations["upset"].opened_by == "officer"
    assert not window.notice.isVisible()
    assert "根据刚才的回答" not in window.statusBar().currentMessage()
    # an answer that raises a situation still announces it
    stage = window.show_page("stage:debt_details")
    fill(stage.form.editors["figures_accepted"], "disputes")
    assert window.notice.isVisible() and "客户否认欠款" in window.notice.label.text()


def test_withdrawing_a_situation_by_mistake_can_be_undone(qtbot, env, dialogs):
    """Walk-through: "撤销此情况" dropped every answer of the situation with no way back;
    recording it again now restores what was filled in."""
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    page: SituationPage = window.show_page("situation:upset")  # type: ignore[assignment]
    page.open_button.click()
    fill_form(page)
    filled = dict(window.record.situations["upset"].answers)
    assert filled
    page.close_button.click()
    assert "upset" not in window.record.situations
    window.revalidate()
    assert "记录此情况" in page.state_label.text() and "恢复" in page.state_label.text()
    page.open_button.click()
    assert window.record.situations["upset"].answers == filled
    assert window.record.situations["upset"].opened_by == "officer"
    editor = next(e for e in page.form.editors.values() if e.field.type == "long_text")
    assert editor.edit.toPlainText() == filled[editor.field.id]


def test_clearing_an_agreed_plan_asks_first_and_keeps_it_on_no(qtbot, env, dialogs):
    """Walk-through: one click on "不记录方案" threw away an agreed plan (with its waiver
    approval data); it now asks, and "No" keeps the plan and the agreement."""
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    fill_facts(window)
    page = window.show_page("plan")
    page.calculator.months_spin.setValue(6)
    page.agreed.click()
    assert window.record.plan_agreed
    window.revalidate()  # as the validation timer does: the button follows the record
    dialogs.answer = QMessageBox.StandardButton.No
    page.clear_button.click()
    assert dialogs.kinds() == ["question"]
    assert window.record.plan["months"] == 6 and window.record.plan_agreed
    dialogs.answer = QMessageBox.StandardButton.Yes
    page.clear_button.click()
    assert window.record.plan is None and not window.record.plan_agreed


def test_starting_a_visit_without_officer_offers_settings_then_starts(qtbot, env, dialogs):
    ctx, acc = env
    ctx.settings = dataclasses.replace(ctx.settings, officer_name="", staff_no="")

    class Parent(QWidget):
        def show_first_run(self) -> None:  # the main window's first-run page, filled in
            ctx.settings = dataclasses.replace(ctx.settings, officer_name="周敏", staff_no="C7")

    parent = Parent()
    qtbot.addWidget(parent)
    window = visit_ui.open_visit(parent, ctx, acc)
    assert dialogs.kinds() == ["question"] and "设置" in dialogs.shown[0][2]
    assert window is not None and window.record.officer.name == "周敏"


def test_declining_settings_starts_no_visit(qtbot, env, dialogs):
    ctx, acc = env
    ctx.settings = dataclasses.replace(ctx.settings, officer_name="")
    dialogs.answer = QMessageBox.StandardButton.No
    parent = QWidget()
    parent.show_first_run = lambda: pytest.fail("settings opened after No")  # type: ignore[attr-defined]
    qtbot.addWidget(parent)
    assert visit_ui.open_visit(parent, ctx, acc) is None
    assert VisitRepository(ctx.store, settings=ctx.settings).list() == []


def test_facts_page_asks_whether_the_debt_was_discussed_with_someone_else(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    facts = window.page_by_key["facts"]
    fill(facts.met, "customer")
    assert not facts.is_shown("debt_discussed") and facts.is_shown("recording_told")
    assert not facts.is_shown("recording_reference")
    fill(facts.recording_told, True)
    assert facts.is_shown("recording_reference")
    fill(facts.met, "nobody")
    assert window.record.situations["nobody_home"].opened_by == "trigger"
    fill(facts.met, "family_member")
    assert facts.is_shown("debt_discussed") and not facts.is_shown("identity_method")
    fill(facts.debt_discussed_met, True)
    assert window.record.debt_discussed is True
    window.revalidate()
    assert "debt_discussed" in {i.location for i in window.report.errors
                                if i.code == "disclosure"}


def test_plan_page_asks_for_the_verification_reference_and_who_verified(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    page = window.show_page("plan")
    window.apply(lambda r: dataclasses.replace(r, outcome="disputes"))
    window.revalidate()
    assert page.dispute_verified.isVisibleTo(page) and not page.dispute_row.isVisibleTo(page)
    page.dispute_verified.click()
    window.revalidate()
    assert page.dispute_row.isVisibleTo(page)
    page.dispute_reference.setText("HC20261121-0042")
    page.dispute_verified_by.setText("客服部 周敏")
    assert (window.record.dispute_reference, window.record.dispute_verified_by) == (
        "HC20261121-0042", "客服部 周敏")


def test_the_officers_own_threat_needs_a_supervisor_to_acknowledge_it(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    fill_complete_visit(window)
    proposal = window.page_by_key["stage:listening"].form.editors["customer_proposal"]
    proposal.edit.setPlainText("告诉他再不还就通知你单位领导。")  # unquoted: the officer's words
    window.revalidate()
    finish = window.show_page("finish")
    ((key, check),) = finish.warning_checks.items()
    supervisor = finish.ack_supervisors[key]
    finish.ack_reasons[key].setText("客户要求把原话记下")
    check.click()  # a reason is not enough: no supervisor named
    assert not check.isChecked() and window.record.warnings_acknowledged == ()
    assert "主管" in finish.state_label.text()
    supervisor.setText(window.record.officer.name)  # the officer is no supervisor
    check.click()
    window.revalidate()
    assert not check.isChecked()  # the acknowledgement does not stand
    assert window.finalise() is False
    supervisor.setText("赵主管（S01）")
    check.click()
    window.revalidate()
    assert check.isChecked()
    assert window.record.acknowledgements[key].by == "赵主管（S01）"
    assert window.finalise() is True
