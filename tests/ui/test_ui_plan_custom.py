"""The plan calculator's custom-schedule editor and the waiver editing, end to end."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from plan_ui_testdata import START, account, new_calculator, use_bundled_font
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QAbstractItemView, QDateEdit, QLineEdit

from visitdesk.core.plans import CustomInstalment, PlanKind, PlanTerms, Waiver
from visitdesk.core.settings import Settings
from visitdesk.ui.plan_calculator import (
    CustomRowsModel,
    PlanCalculator,
    parse_money_text,
)

DATE, AMOUNT = CustomRowsModel.DATE_COLUMN, CustomRowsModel.AMOUNT_COLUMN


@pytest.fixture(autouse=True)
def _font(qapp):
    use_bundled_font(qapp)


def rows(*pairs: tuple[str, str]) -> tuple[CustomInstalment, ...]:
    return tuple(CustomInstalment(date.fromisoformat(d), D(a)) for d, a in pairs)


@pytest.fixture
def calc(qtbot):
    return new_calculator(qtbot)


@pytest.fixture
def empty_custom(calc):
    calc.set_terms(PlanTerms(PlanKind.CUSTOM, START))
    return calc


def test_custom_rows_model_passes_qtmodeltester(calc, qtmodeltester):
    calc.set_terms(PlanTerms(PlanKind.CUSTOM, START, custom_rows=rows(
        ("2024-02-29", "4000.00"), ("2024-03-31", "6000.00"))))
    qtmodeltester.check(calc.custom_model)
    assert calc.custom_model.headerData(1, Qt.Orientation.Vertical) == "2"
    calc.custom_model.insertRows(1, 2)
    calc.custom_model.removeRows(0, 1)
    qtmodeltester.check(calc.custom_model)


def test_custom_box_shows_only_for_custom_plans_and_starts_from_the_current_plan(calc, qtbot):
    calc.set_terms(PlanTerms(PlanKind.INSTALMENTS, START, months=3))
    assert calc.custom_box.isHidden()
    with qtbot.waitSignal(calc.planChanged) as blocker:
        calc.kind_combo.setCurrentIndex(calc.kind_combo.findData("custom"))
    assert not calc.custom_box.isHidden()
    plan = blocker.args[0]
    assert plan.terms.kind is PlanKind.CUSTOM
    assert [(r.due_date.isoformat(), r.amount) for r in plan.schedule] == [
        ("2024-02-29", D("3333.33")), ("2024-03-31", D("3333.33")),
        ("2024-04-30", D("3333.34"))]
    assert calc.custom_model.rowCount() == 3
    assert "尚差 ¥0.00" in calc.custom_totals_label.text()
    assert not calc.months_spin.isEnabled() and not calc.due_day_spin.isEnabled()
    assert not calc.first_due_check.isEnabled()


def test_adding_rows_and_entering_amounts_updates_the_running_line(empty_custom, qtbot):
    calc = empty_custom
    model = calc.custom_model
    assert calc.plan() is None and "至少需要一期" in calc.custom_message_label.text()
    with qtbot.waitSignal(calc.planChanged):
        calc.custom_add_button.click()
    # the first row falls a month after the agreement date and takes the whole amount
    assert model.rows() == rows(("2024-02-29", "10000.00"))
    assert calc.plan() is not None
    with qtbot.waitSignal(calc.planChanged) as blocker:
        assert model.setData(model.index(0, AMOUNT), "4000")
    assert blocker.args[0] is None
    assert calc.custom_totals_label.text() == "已录入 ¥4,000.00　应还 ¥10,000.00　尚差 ¥6,000.00"
    assert "相差 6,000.00" in calc.custom_message_label.text()
    assert calc.message_label.property("level") == "error"
    with qtbot.waitSignal(calc.planChanged) as blocker:
        calc.custom_add_button.click()
    assert model.rows() == rows(("2024-02-29", "4000.00"), ("2024-03-29", "6000.00"))
    plan = blocker.args[0]
    assert plan.total_payable == D("10000.00") and plan.schedule[-1].balance == 0
    assert calc.custom_message_label.text() == "" and calc.months_spin.value() == 2
    assert calc.schedule_model.rowCount() == 2


def test_invalid_date_order_shows_the_engine_message_inline(calc, qtbot):
    calc.set_terms(PlanTerms(PlanKind.CUSTOM, START, custom_rows=rows(
        ("2024-02-29", "4000.00"), ("2024-03-31", "6000.00"))))
    assert calc.plan() is not None
    model = calc.custom_model
    with qtbot.waitSignal(calc.planChanged) as blocker:
        model.setData(model.index(1, DATE), QDate(2024, 2, 10))
    assert blocker.args[0] is None
    message = "第 2 期的日期 2024-02-10 不晚于上一期（2024-02-29）；各期日期须严格递增。"
    assert calc.custom_message_label.text() == message
    assert not calc.custom_message_label.isHidden()
    assert calc.message_label.text() == message
    assert calc.schedule_model.rowCount() == 0


def test_fill_remainder_puts_the_difference_into_the_last_row(calc, qtbot):
    calc.set_terms(PlanTerms(PlanKind.CUSTOM, START, down_payment=D("1000"), custom_rows=rows(
        ("2024-02-29", "3000.00"), ("2024-03-31", "2000.00"))))
    assert "尚差 ¥4,000.00" in calc.custom_totals_label.text()
    assert calc.custom_fill_button.isEnabled()
    with qtbot.waitSignal(calc.planChanged) as blocker:
        calc.custom_fill_button.click()
    plan = blocker.args[0]
    assert calc.custom_model.rows()[-1].amount == D("6000.00")
    assert [r.amount for r in plan.schedule] == [D("1000"), D("3000.00"), D("6000.00")]
    assert not calc.custom_fill_button.isEnabled()
    assert "尚差 ¥0.00" in calc.custom_totals_label.text()


def test_fill_remainder_lowers_the_last_row_or_says_why_it_cannot(calc):
    calc.set_terms(PlanTerms(PlanKind.CUSTOM, START, custom_rows=rows(
        ("2024-02-29", "9000.00"), ("2024-03-31", "2000.00"))))
    assert "尚差 -¥1,000.00" in calc.custom_totals_label.text()
    calc.custom_fill_button.click()
    assert calc.custom_model.rows()[-1].amount == D("1000.00") and calc.plan() is not None
    calc.custom_model.setData(calc.custom_model.index(0, AMOUNT), "12000")
    calc.custom_fill_button.click()
    assert calc.custom_model.rows()[-1].amount == D("1000.00")
    assert "多录入了 ¥3,000.00，超过最后一期金额 ¥1,000.00" in calc.custom_message_label.text()


def test_keyboard_insert_enter_and_delete(empty_custom, qtbot):
    calc = empty_custom
    calc.show()
    view, model = calc.custom_view, calc.custom_model
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Insert)
    assert model.rowCount() == 1 and view.currentIndex().column() == AMOUNT
    model.setData(model.index(0, AMOUNT), "2500")
    qtbot.keyClick(view, Qt.Key.Key_Insert)
    assert model.rowCount() == 2 and model.rows()[1].amount == D("7500.00")
    # Enter edits the current cell: type a new amount, Enter commits it
    view.setCurrentIndex(model.index(1, AMOUNT))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert view.state() == QAbstractItemView.State.EditingState
    editor = view.indexWidget(model.index(1, AMOUNT))
    assert isinstance(editor, QLineEdit)
    qtbot.keyClicks(editor, "7000.5")
    with qtbot.waitSignal(calc.planChanged):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert model.rows()[1].amount == D("7000.50")
    assert "尚差 ¥499.50" in calc.custom_totals_label.text()
    # Delete removes the current row
    view.setFocus()
    view.setCurrentIndex(model.index(0, DATE))
    with qtbot.waitSignal(calc.planChanged):
        qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert model.rows() == rows(("2024-03-29", "7000.50"))


def test_date_editor_edits_the_due_date(calc, qtbot):
    calc.set_terms(PlanTerms(PlanKind.CUSTOM, START, custom_rows=rows(
        ("2024-02-29", "4000.00"), ("2024-03-31", "6000.00"))))
    calc.show()
    view, model = calc.custom_view, calc.custom_model
    view.setCurrentIndex(model.index(1, DATE))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Enter)
    editor = view.indexWidget(model.index(1, DATE))
    assert isinstance(editor, QDateEdit) and editor.displayFormat() == "yyyy-MM-dd"
    assert editor.date() == QDate(2024, 3, 31)
    editor.setDate(QDate(2024, 4, 15))
    with qtbot.waitSignal(calc.planChanged) as blocker:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert blocker.args[0].last_due == date(2024, 4, 15)
    assert model.index(1, DATE).data() == "2024-04-15"


def test_money_editor_takes_decimal_text_only(calc, qtbot):
    calc.set_terms(PlanTerms(PlanKind.CUSTOM, START, custom_rows=rows(
        ("2024-02-29", "10000.00"))))
    calc.show()
    view, model = calc.custom_view, calc.custom_model
    view.edit(model.index(0, AMOUNT))
    editor = view.indexWidget(model.index(0, AMOUNT))
    editor.clear()
    qtbot.keyClicks(editor, "1a2,3.456")
    assert editor.text() == "123.45"
    index = model.index(0, AMOUNT)
    for bad in (12.5, "abc", "-5", "1.234", "", ".", D("1.001"), None):
        assert not model.setData(index, bad), bad
    assert model.rows()[0].amount == D("10000.00")
    assert model.setData(index, D("12.5")) and model.rows()[0].amount == D("12.50")
    assert parse_money_text(" 1200.5 ") == D("1200.50")


def test_remove_button_and_round_trip(calc):
    terms = PlanTerms(PlanKind.CUSTOM, START, down_payment=D("1000.00"), custom_rows=rows(
        ("2024-02-29", "4000.00"), ("2024-03-31", "5000.00")))
    calc.set_terms(terms)
    assert calc.terms() == terms and calc.plan() is not None
    calc.custom_view.setCurrentIndex(calc.custom_model.index(0, DATE))
    calc.custom_remove_button.click()
    assert calc.custom_model.rows() == rows(("2024-03-31", "5000.00"))
    assert "相差 4,000.00" in calc.error()


def test_waiver_lowers_the_custom_total(qtbot):
    widget = PlanCalculator()
    qtbot.addWidget(widget)
    widget.set_account(account(interest=D("300.00")), Settings(), on=START)
    widget.set_terms(PlanTerms(PlanKind.CUSTOM, START, custom_rows=rows(
        ("2024-02-29", "10000.00"))))
    assert "应还 ¥10,300.00" in widget.custom_totals_label.text()
    widget.waiver_box.setChecked(True)
    widget.waive_interest_edit.setText("300")
    assert "应还 ¥10,000.00　尚差 ¥0.00" in widget.custom_totals_label.text()
    assert widget.plan() is not None and not widget.plan().can_agree


def test_principal_waiver_end_to_end_when_the_bank_allows_it(qtbot):
    widget = PlanCalculator()
    qtbot.addWidget(widget)
    widget.set_account(account(interest=D("300.00")), Settings(allow_principal_waiver=True),
                       on=START)
    widget.set_terms(PlanTerms(PlanKind.LUMP_SUM, START))
    widget.waiver_box.setChecked(True)
    widget.waive_principal_edit.setText("1000")
    widget.waive_interest_edit.setText("300")
    plan = widget.plan()
    assert plan.total_payable == D("9000.00")
    assert plan.reductions == {"interest": D("300.00"), "principal": D("1000")}
    assert "缺少审批人、审批编号、审批日期、减免原因" in widget.message_label.text()
    widget.approver_edit.setText("李主管")
    widget.approval_ref_edit.setText("JM-7")
    widget.reason_edit.setText("重病")
    widget.approved_check.setChecked(True)
    widget.approved_on_edit.setDate(QDate(2024, 2, 1))  # after the agreement date
    assert "晚于协议日期" in widget.message_label.text()
    with qtbot.waitSignal(widget.planChanged) as blocker:
        widget.approved_on_edit.setDate(QDate(2024, 1, 30))
    assert blocker.args[0].can_agree
    assert blocker.args[0].terms.waiver == Waiver(
        interest=D("300"), principal=D("1000"), approver="李主管", approval_ref="JM-7",
        approved_on=date(2024, 1, 30), reason="重病")
    assert widget.message_label.property("level") == "ok"


def test_stored_principal_waiver_is_refused_when_settings_forbid_it(calc):
    calc.set_terms(PlanTerms(PlanKind.LUMP_SUM, START, waiver=Waiver(principal=D("500"))))
    assert calc.plan() is None and "不允许减免本金" in calc.message_label.text()
    assert calc.waive_principal_edit.isEnabled()  # so that the officer can clear it
    calc.waive_principal_edit.clear()
    assert calc.plan() is not None and not calc.waive_principal_edit.isEnabled()


def test_custom_plan_chosen_after_a_fee_mode_is_not_blocked_by_the_disabled_fee(calc, qtbot):
    """Walk-through bug: instalments with a monthly fee, then "custom": the fee controls are
    disabled for custom rows, so the leftover fee mode must not make the plan invalid."""
    from visitdesk.core.plans import FeeMode

    calc.kind_combo.setCurrentIndex(calc.kind_combo.findData(PlanKind.INSTALMENTS.value))
    calc.fee_combo.setCurrentIndex(calc.fee_combo.findData(FeeMode.FLAT_MONTHLY.value))
    calc.rate_edit.setText("0.6")
    calc.kind_combo.setCurrentIndex(calc.kind_combo.findData(PlanKind.CUSTOM.value))
    assert not calc.fee_combo.isEnabled()
    calc.custom_fill_button.click()
    terms = calc.terms()
    assert terms is not None and terms.fee_mode is FeeMode.NONE and terms.rate == 0
    assert calc.plan() is not None
    assert "不收费" not in calc.custom_message_label.text()
    assert "不收费" not in calc.message_label.text()


def test_custom_rows_and_waiver_do_not_force_the_window_taller_than_a_laptop_screen(calc):
    """Walk-through bug: with the custom-rows editor and the waiver both shown the calculator's
    minimum height grew past 900 pixels, so the main window was pushed taller than a
    768-pixel screen; the editor column now scrolls instead."""
    calc.kind_combo.setCurrentIndex(calc.kind_combo.findData(PlanKind.CUSTOM.value))
    calc.waiver_box.setChecked(True)
    calc.custom_add_button.click()
    calc.custom_add_button.click()
    assert calc.custom_box.isVisibleTo(calc)
    assert calc.minimumSizeHint().height() <= 700
