"""The plan calculator widget: one test per user path, models checked by qtmodeltester."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from plan_ui_testdata import START, account, new_calculator, use_bundled_font
from PySide6.QtCore import QDate, Qt

from visitdesk.core.plans import FeeMode, Plan, PlanKind, PlanTerms, Waiver
from visitdesk.core.settings import Settings
from visitdesk.ui.plan_calculator import PlanCalculator


@pytest.fixture(autouse=True)
def _font(qapp):
    use_bundled_font(qapp)


@pytest.fixture
def calc(qtbot):
    return new_calculator(qtbot)


def test_models_pass_qtmodeltester(calc, qtmodeltester):
    calc.set_terms(PlanTerms(PlanKind.INSTALMENTS, START, months=6))
    qtmodeltester.check(calc.options_model)
    qtmodeltester.check(calc.schedule_model)


def test_options_table_lists_standard_options(calc):
    model = calc.options_model
    assert model.rowCount() == 6
    labels = [model.index(r, 0).data() for r in range(6)]
    assert labels[0] == "一次性结清" and labels[1] == "分 12 期" and labels[-1].startswith("延期")
    assert model.index(1, 1).data() == "¥833.33"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "每期金额"


def test_editing_months_and_fee_updates_the_schedule_live(calc, qtbot):
    calc.set_terms(PlanTerms(PlanKind.INSTALMENTS, START, months=12))
    with qtbot.waitSignal(calc.planChanged) as blocker:
        calc.months_spin.setValue(6)
    assert isinstance(blocker.args[0], Plan) and len(blocker.args[0].schedule) == 6
    calc.fee_combo.setCurrentIndex(calc.fee_combo.findData("annuity"))
    with qtbot.waitSignal(calc.planChanged) as blocker:
        calc.rate_edit.setText("12")
    plan = blocker.args[0]
    assert [r.amount for r in plan.schedule] == [D("1725.48")] * 5 + [D("1725.51")]
    model = calc.schedule_model
    assert model.rowCount() == 6
    assert model.index(5, 4).data() == "1,725.51" and model.index(5, 5).data() == "0.00"
    assert "¥10,352.91" in calc.totals_label.text()
    assert "人民币壹万零叁佰伍拾贰元玖角壹分" in calc.totals_label.text()


def test_invalid_terms_show_the_message_and_emit_none(calc, qtbot):
    calc.set_terms(PlanTerms(PlanKind.INSTALMENTS, START, months=12))
    calc.first_due_check.setChecked(True)
    with qtbot.waitSignal(calc.planChanged) as blocker:
        calc.first_due_edit.setDate(QDate(2024, 1, 1))
    assert blocker.args[0] is None
    assert calc.plan() is None and calc.schedule_model.rowCount() == 0
    assert "早于协议日期" in calc.message_label.text()
    assert calc.message_label.property("level") == "error"


def test_set_terms_round_trips_through_the_editor(calc):
    terms = PlanTerms(
        PlanKind.DEFERRAL, START, months=6, fee_mode=FeeMode.FLAT_MONTHLY, rate=D("0.006"),
        down_payment=D("500.00"), first_due=date(2024, 5, 31), due_day=31, grace_months=3,
        components=("principal", "interest"),
        waiver=Waiver(interest=D("0"), approver="李", approval_ref="A-1",
                      approved_on=date(2024, 1, 30), reason="困难"),
    )
    calc.set_terms(terms)
    assert calc.terms() == terms
    assert calc.plan() is not None


def test_waiver_without_approval_is_drafted_with_a_warning(qtbot):
    widget = PlanCalculator()
    qtbot.addWidget(widget)
    widget.set_account(account(interest=D("300.00")), Settings(), on=START)
    widget.set_terms(PlanTerms(PlanKind.LUMP_SUM, START))
    widget.waiver_box.setChecked(True)
    with qtbot.waitSignal(widget.planChanged) as blocker:
        widget.waive_interest_edit.setText("300")
    plan = blocker.args[0]
    assert plan.total_payable == D("10000.00") and not plan.can_agree
    assert widget.message_label.property("level") == "warning"
    assert "不能签订" in widget.message_label.text()
    widget.approver_edit.setText("李主管")
    widget.approval_ref_edit.setText("JM-1")
    widget.reason_edit.setText("困难")
    with qtbot.waitSignal(widget.planChanged) as blocker:
        widget.approved_check.setChecked(True)
    assert blocker.args[0].can_agree
    assert widget.message_label.property("level") == "ok"


def test_principal_waiver_field_follows_the_setting(qtbot):
    widget = PlanCalculator()
    qtbot.addWidget(widget)
    widget.set_account(account(), Settings(), on=START)
    assert not widget.waive_principal_edit.isEnabled()
    widget.set_account(account(), Settings(allow_principal_waiver=True), on=START)
    assert widget.waive_principal_edit.isEnabled()


def test_choosing_an_option_loads_it_into_the_editor(calc, qtbot):
    calc.options_view.selectRow(2)  # 24 months
    with qtbot.waitSignal(calc.planChanged) as blocker:
        calc.use_option_button.click()
    assert blocker.args[0].terms.months == 24
    assert calc.months_spin.value() == 24
    assert calc.kind_combo.currentData() == "instalments"


def test_affordability_inputs_show_result_and_can_use_the_plan(calc, qtbot):
    calc.income_edit.setText("8000")
    calc.expenses_edit.setText("3000")
    calc.other_debts_edit.setText("1000")
    assert "最短可行方案为分 5 期" in calc.afford_label.text()
    assert calc.use_afford_button.isEnabled()
    with qtbot.waitSignal(calc.planChanged) as blocker:
        calc.use_afford_button.click()
    assert blocker.args[0].terms.months == 5


def test_affordability_says_when_nothing_fits(calc):
    calc.income_edit.setText("2000")
    calc.expenses_edit.setText("1900")
    assert "没有可负担的分期方案" in calc.afford_label.text()
    assert not calc.use_afford_button.isEnabled()


def test_projection_shown_when_rates_configured(qtbot):
    widget = PlanCalculator()
    qtbot.addWidget(widget)
    widget.set_account(account(principal=D("12000.00"), as_of=date(2024, 3, 1)),
                       Settings(daily_interest_rate=D("0.0005")), on=date(2024, 3, 8))
    assert "本金 12,000.00 × 日利率 0.05% × 7 天 = 42.00" in widget.debt_label.text()
    assert widget.debt().total == D("12042.00")


def test_without_account_nothing_is_computed(qtbot):
    widget = PlanCalculator()
    qtbot.addWidget(widget)
    assert widget.plan() is None and widget.options_model.rowCount() == 0
    assert widget.debt_label.text() == "未选择账户。"


def test_widget_grab_renders(calc, tmp_path):
    calc.resize(1400, 800)
    calc.show()
    path = tmp_path / "calc.png"
    assert calc.grab().save(str(path))
    assert path.stat().st_size > 10_000


def test_another_account_resets_the_editor(calc):
    calc.set_terms(PlanTerms(PlanKind.LUMP_SUM, START, waiver=Waiver(interest=D("0"))))
    calc.income_edit.setText("5000")
    calc.set_account(account(account_no="6222000000000002"), Settings(), on=START)
    assert calc.kind_combo.currentData() == "instalments" and calc.months_spin.value() == 12
    assert not calc.waiver_box.isChecked() and calc.income_edit.text() == ""
    assert calc.plan() is not None and calc.plan().debt.account_no == "6222000000000002"
    # the same account again keeps what the officer entered
    calc.months_spin.setValue(24)
    calc.set_account(account(account_no="6222000000000002"), Settings(), on=START)
    assert calc.months_spin.value() == 24


def test_english_calculator_in_a_narrow_pane_keeps_amounts_readable(qtbot):
    """Walk-through bug: beside the accounts table the English editor column (one row of
    four component boxes, three waiver amounts side by side) took the schedule's room, and
    once narrowed the waiver amounts were squeezed to "…"."""
    from visitdesk import i18n

    i18n.set_language("en")
    widget = PlanCalculator()
    qtbot.addWidget(widget)
    widget.set_account(account(), Settings())
    editor = widget.waiver_box.parentWidget()
    assert editor.minimumSizeHint().width() <= 400
    widget.resize(925, 800)
    widget.show()
    widget.waiver_box.setChecked(True)
    qtbot.wait(20)
    need = widget.fontMetrics().horizontalAdvance("000,000.00")
    for edit in (widget.waive_interest_edit, widget.waive_fees_edit,
                 widget.waive_principal_edit):
        assert edit.width() >= need


def test_months_stop_at_sixty_for_a_card_and_follow_the_setting_for_a_loan(calc):
    generous = Settings(instalment_cap=72)
    calc.set_account(account(product_type="card"), generous, on=START)
    assert calc.months_spin.maximum() == 60
    calc.set_account(account(account_no="6222000000000002", product_type="loan"), generous,
                     on=START)
    assert calc.months_spin.maximum() == 72
