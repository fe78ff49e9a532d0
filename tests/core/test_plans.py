"""Repayment plans: every rule of the issue, one test each, plus reference schedules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from visitdesk.core.debt import DebtBreakdown
from visitdesk.core.errors import PlanError
from visitdesk.core.plans import (
    CustomInstalment,
    FeeMode,
    PlanKind,
    PlanTerms,
    Waiver,
    add_months,
    build_plan,
    instalment_cap,
)
from visitdesk.core.settings import Settings

SETTINGS = Settings()
START = date(2024, 1, 31)


def debt(principal="10000.00", interest="0.00", late_fee="0.00", other="0.00") -> DebtBreakdown:
    return DebtBreakdown("6222000000000001", D(principal), D(interest), D(late_fee), D(other),
                         as_of=date(2024, 1, 15), on=date(2024, 1, 15), overdue_days=45,
                         overdue_months=2)


def instalments(months=6, **kw) -> PlanTerms:
    return PlanTerms(PlanKind.INSTALMENTS, kw.pop("start", START), months=months, **kw)


def amounts(plan):
    return [r.amount for r in plan.schedule]


# --- reference cases -----------------------------------------------------------------------

def test_annuity_reference_ten_thousand_at_twelve_percent_over_six_months():
    plan = build_plan(instalments(6, fee_mode=FeeMode.ANNUITY, rate=D("0.12")), debt(), SETTINGS)
    assert amounts(plan) == [D("1725.48")] * 5 + [D("1725.51")]
    assert [r.fee for r in plan.schedule] == [D(x) for x in
                                               ("100.00", "83.75", "67.33", "50.75", "34.00", "17.08")]
    assert plan.total_payable == D("10352.91") and plan.total_fees == D("352.91")
    assert plan.schedule[-1].balance == 0


# Apache Fineract, fineract-e2e-tests-runner/src/test/resources/features/EMICalculation-Part1.feature
# (commit 80821e8a6890fab8b5a96d3a3b61c101469e5897), scenarios C3154 "EMI calculation with 360/30
# setup - integer" and C3155 "... - decimal": declining balance, equal instalments, interest per
# month = yearly rate / 12 on the balance, rounded to the cent each period, monthly from
# 1 January 2024. That is visitdesk's convention, so the schedules must match to the cent.
# (Fineract's "iterate" scenario C3165 re-balances the EMI and is deliberately not used.)
FINERACT_C3154 = [  # due, balance, principal, interest, due amount
    ("2024-02-01", "83.75", "16.25", "1.00", "17.25"),
    ("2024-03-01", "67.34", "16.41", "0.84", "17.25"),
    ("2024-04-01", "50.76", "16.58", "0.67", "17.25"),
    ("2024-05-01", "34.02", "16.74", "0.51", "17.25"),
    ("2024-06-01", "17.11", "16.91", "0.34", "17.25"),
    ("2024-07-01", "0.00", "17.11", "0.17", "17.28"),
]
FINERACT_C3155 = [
    ("2024-02-01", "83.66", "16.34", "0.79", "17.13"),
    ("2024-03-01", "67.19", "16.47", "0.66", "17.13"),
    ("2024-04-01", "50.59", "16.60", "0.53", "17.13"),
    ("2024-05-01", "33.86", "16.73", "0.40", "17.13"),
    ("2024-06-01", "17.00", "16.86", "0.27", "17.13"),
    ("2024-07-01", "0.00", "17.00", "0.13", "17.13"),
]


@pytest.mark.parametrize("rate, expected, total_interest", [
    ("0.12", FINERACT_C3154, "3.53"),
    ("0.094822", FINERACT_C3155, "2.78"),
])
def test_annuity_matches_fineract_published_360_30_schedules(rate, expected, total_interest):
    terms = instalments(6, start=date(2024, 1, 1), fee_mode=FeeMode.ANNUITY, rate=D(rate))
    plan = build_plan(terms, debt("100.00"), SETTINGS)
    got = [(r.due_date.isoformat(), str(r.balance), str(r.principal), str(r.fee), str(r.amount))
           for r in plan.schedule]
    assert got == expected
    assert plan.total_fees == D(total_interest)


def test_equal_principal_interest_on_declining_balance():
    plan = build_plan(instalments(4, fee_mode=FeeMode.EQUAL_PRINCIPAL, rate=D("0.12")),
                      debt("1000.00"), SETTINGS)
    assert [r.principal for r in plan.schedule] == [D("250.00")] * 4
    assert [r.fee for r in plan.schedule] == [D("10.00"), D("7.50"), D("5.00"), D("2.50")]
    assert plan.monthly_amount == D("260.00")
    assert plan.total_payable == D("1025.00")


def test_flat_monthly_fee_on_plan_principal_every_month():
    plan = build_plan(instalments(12, fee_mode=FeeMode.FLAT_MONTHLY, rate=D("0.006")),
                      debt("12000.00"), SETTINGS)
    assert {r.fee for r in plan.schedule} == {D("72.00")}
    assert {r.amount for r in plan.schedule} == {D("1072.00")}
    assert plan.total_fees == D("864.00") and plan.total_payable == D("12864.00")


def test_no_fee_plan_last_instalment_absorbs_rounding():
    plan = build_plan(instalments(3), debt("100.00"), SETTINGS)
    assert amounts(plan) == [D("33.33"), D("33.33"), D("33.34")]
    assert plan.total_fees == 0 and plan.total_payable == D("100.00")


def test_no_fee_rounding_up_is_taken_back_so_last_is_never_negative():
    plan = build_plan(instalments(60), debt("1.17"), SETTINGS)
    assert plan.total_payable == D("1.17")
    assert all(r.amount > 0 for r in plan.schedule)


# --- dates --------------------------------------------------------------------------------

def test_due_day_31_falls_on_last_day_of_shorter_months_and_returns():
    plan = build_plan(instalments(4, start=date(2024, 1, 15), first_due=date(2024, 1, 31)),
                      debt(), SETTINGS)
    assert [r.due_date for r in plan.schedule] == [
        date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]


def test_default_first_due_is_one_month_after_agreement_clamped():
    plan = build_plan(instalments(2, start=date(2023, 1, 31)), debt(), SETTINGS)
    assert [r.due_date for r in plan.schedule] == [date(2023, 2, 28), date(2023, 3, 31)]


def test_due_day_given_separately_from_first_due():
    plan = build_plan(instalments(3, start=date(2024, 1, 10), due_day=30), debt(), SETTINGS)
    assert [r.due_date for r in plan.schedule] == [
        date(2024, 2, 29), date(2024, 3, 30), date(2024, 4, 30)]


def test_due_day_earlier_in_month_than_agreement_gives_a_full_first_month():
    plan = build_plan(instalments(2, start=date(2024, 1, 20), due_day=5), debt(), SETTINGS)
    assert plan.schedule[0].due_date == date(2024, 3, 5)


def test_add_months_clamps_and_crosses_years():
    assert add_months(date(2024, 11, 30), 3, 31) == date(2025, 2, 28)
    assert add_months(date(2024, 12, 1), 1, 29) == date(2025, 1, 29)


# --- kinds -------------------------------------------------------------------------------

def test_lump_sum_is_due_on_agreement_date_by_default():
    plan = build_plan(PlanTerms(PlanKind.LUMP_SUM, START), debt("500", "20", "30", "5"), SETTINGS)
    (row,) = plan.schedule
    assert (row.n, row.due_date, row.amount, row.balance) == (1, START, D("555.00"), 0)


def test_lump_sum_with_approved_waiver_of_interest_and_fees():
    waiver = Waiver(interest=D("20"), fees=D("35"), approver="王主管", approval_ref="JM-2024-001",
                    approved_on=date(2024, 1, 30), reason="失业，困难")
    plan = build_plan(PlanTerms(PlanKind.LUMP_SUM, START, waiver=waiver),
                      debt("500", "20", "30", "5"), SETTINGS)
    assert plan.total_payable == D("500.00")
    assert plan.reductions == {"interest": D("20"), "late_fee": D("30"), "other_fees": D("5")}
    assert plan.agreement_problems() == ()
    assert plan.can_agree


def test_waiver_covering_whole_components_by_flag():
    d = debt("500", "20", "30", "5")
    waiver = Waiver.covering(d, interest=True, fees=True, approver="王", approval_ref="A",
                             approved_on=START, reason="困难")
    assert (waiver.interest, waiver.fees, waiver.principal) == (D("20"), D("35"), D("0"))
    plan = build_plan(PlanTerms(PlanKind.LUMP_SUM, START, waiver=waiver), d, SETTINGS)
    assert plan.total_payable == D("500.00") and plan.can_agree


def test_waiver_without_approval_can_be_drafted_but_not_agreed():
    plan = build_plan(PlanTerms(PlanKind.LUMP_SUM, START, waiver=Waiver(interest=D("20"))),
                      debt("500", "20"), SETTINGS)
    assert plan.total_payable == D("500.00")
    (problem,) = plan.agreement_problems()
    assert "审批人" in problem and "审批编号" in problem and "不能签订" in problem
    assert not plan.can_agree


def test_approval_dated_after_agreement_is_a_problem():
    waiver = Waiver(interest=D("20"), approver="王", approval_ref="1",
                    approved_on=date(2024, 2, 5), reason="困难")
    plan = build_plan(PlanTerms(PlanKind.LUMP_SUM, START, waiver=waiver), debt("500", "20"),
                      SETTINGS)
    assert any("晚于协议日期" in p for p in plan.agreement_problems())


def test_principal_waiver_only_when_settings_allow_it():
    terms = PlanTerms(PlanKind.LUMP_SUM, START, waiver=Waiver(principal=D("100")))
    with pytest.raises(PlanError, match="不允许减免本金"):
        build_plan(terms, debt("500"), SETTINGS)
    plan = build_plan(terms, debt("500"), Settings(allow_principal_waiver=True))
    assert plan.total_payable == D("400.00")


def test_waiver_larger_than_the_component_is_refused():
    with pytest.raises(PlanError, match="超过"):
        build_plan(PlanTerms(PlanKind.LUMP_SUM, START, waiver=Waiver(interest=D("21"))),
                   debt("500", "20"), SETTINGS)


def test_components_left_out_are_reductions_needing_approval():
    terms = instalments(2, components=("principal", "interest"))
    plan = build_plan(terms, debt("1000", "100", "60", "40"), SETTINGS)
    assert plan.settled == D("1100.00")
    assert plan.reductions == {"late_fee": D("60"), "other_fees": D("40")}
    assert plan.agreement_problems()


def test_principal_must_be_included():
    with pytest.raises(PlanError, match="本金必须"):
        build_plan(instalments(2, components=("interest",)), debt("1000", "100"), SETTINGS)


def test_down_payment_is_row_zero_on_agreement_date():
    plan = build_plan(instalments(3, down_payment=D("1000")), debt("10000"), SETTINGS)
    first = plan.schedule[0]
    assert (first.n, first.due_date, first.amount, first.balance) == (0, START, D("1000.00"),
                                                                      D("9000.00"))
    assert [r.amount for r in plan.instalments] == [D("3000.00")] * 3
    assert plan.financed == D("9000.00") and plan.total_payable == D("10000.00")


def test_down_payment_must_leave_something_to_instal():
    with pytest.raises(PlanError, match="首付款"):
        build_plan(instalments(3, down_payment=D("10000")), debt("10000"), SETTINGS)


def test_down_payment_needs_first_due_after_agreement_date():
    with pytest.raises(PlanError, match="须晚于"):
        build_plan(instalments(3, down_payment=D("100"), first_due=START), debt(), SETTINGS)


def test_deferral_pays_nothing_during_grace_then_lump_sum():
    plan = build_plan(PlanTerms(PlanKind.DEFERRAL, date(2024, 1, 31), grace_months=3),
                      debt("5000"), SETTINGS)
    (row,) = plan.schedule
    assert row.due_date == date(2024, 4, 30) and row.amount == D("5000.00")


def test_deferral_then_instalments():
    plan = build_plan(PlanTerms(PlanKind.DEFERRAL, date(2024, 3, 15), grace_months=2, months=3),
                      debt("3000"), SETTINGS)
    assert [r.due_date for r in plan.schedule] == [
        date(2024, 5, 15), date(2024, 6, 15), date(2024, 7, 15)]


def test_deferral_first_due_inside_grace_is_refused():
    terms = PlanTerms(PlanKind.DEFERRAL, START, grace_months=3, first_due=date(2024, 2, 15))
    with pytest.raises(PlanError, match="宽限期内"):
        build_plan(terms, debt(), SETTINGS)


def test_custom_schedule_adding_up_exactly():
    rows = (CustomInstalment(date(2024, 2, 10), D("300.00")),
            CustomInstalment(date(2024, 3, 1), D("700.50")))
    plan = build_plan(PlanTerms(PlanKind.CUSTOM, START, custom_rows=rows), debt("1000.50"),
                      SETTINGS)
    assert [(r.n, r.amount, r.balance) for r in plan.schedule] == [
        (1, D("300.00"), D("700.50")), (2, D("700.50"), D("0.00"))]


def test_custom_schedule_not_adding_up_says_the_difference():
    rows = (CustomInstalment(date(2024, 2, 10), D("300.00")),
            CustomInstalment(date(2024, 3, 1), D("600.00")))
    with pytest.raises(PlanError) as info:
        build_plan(PlanTerms(PlanKind.CUSTOM, START, custom_rows=rows), debt("1000.00"), SETTINGS)
    assert "900.00" in str(info.value) and "100.00" in str(info.value)


@pytest.mark.parametrize("rows, message", [
    (((date(2024, 3, 1), "500"), (date(2024, 3, 1), "500")), "严格递增"),
    (((date(2024, 3, 1), "500"), (date(2024, 2, 1), "500")), "严格递增"),
    (((date(2024, 1, 1), "500"), (date(2024, 3, 1), "500")), "早于协议日期"),
    (((date(2024, 2, 1), "0"), (date(2024, 3, 1), "1000")), "大于 0"),
    (((date(2024, 2, 1), "-5"), (date(2024, 3, 1), "1005")), "大于 0"),
    ((), "至少需要一期"),
])
def test_custom_schedule_rules(rows, message):
    custom = tuple(CustomInstalment(d, D(a)) for d, a in rows)
    with pytest.raises(PlanError, match=message):
        build_plan(PlanTerms(PlanKind.CUSTOM, START, custom_rows=custom), debt("1000"), SETTINGS)


# --- refusals ----------------------------------------------------------------------------

@pytest.mark.parametrize("terms, message", [
    (instalments(61), "1 到 60 期之间（当前 61 期）"),
    (instalments(0), "1 到 60 期之间"),
    (instalments(12, fee_mode=FeeMode.ANNUITY, rate=D("-0.01")), "不能为负数"),
    (instalments(12, fee_mode=FeeMode.ANNUITY, rate=D("12")), "须小于 100%"),
    (instalments(12, rate=D("0.01")), "收费方式为不收费"),
    (instalments(12, first_due=date(2024, 1, 30)), "早于协议日期 2024-01-31"),
    (instalments(12, due_day=32), "1 到 31"),
    (instalments(12, down_payment=D("-1")), "不能为负数"),
    (instalments(12, grace_months=2), "只适用于延期还款"),
    (PlanTerms(PlanKind.LUMP_SUM, START, months=12), "只有一期"),
    (PlanTerms(PlanKind.LUMP_SUM, START, down_payment=D("10")), "不设首付款"),
    (PlanTerms(PlanKind.LUMP_SUM, START, fee_mode=FeeMode.FLAT_MONTHLY), "不收取分期费用"),
    (PlanTerms(PlanKind.DEFERRAL, START), "宽限期须在 1 到 60"),
    (instalments(60, components=("principal", "bonus")), "未知"),
])
def test_invalid_terms_are_refused_saying_what_to_change(terms, message):
    with pytest.raises(PlanError) as info:
        build_plan(terms, debt(), SETTINGS)
    assert message in str(info.value)


def test_instalment_cap_is_a_setting():
    with pytest.raises(PlanError, match="1 到 36 期"):
        build_plan(instalments(48), debt(), Settings(instalment_cap=36))


def test_card_instalments_stop_at_sixty_whatever_the_setting():
    generous = Settings(instalment_cap=72)
    card = debt()
    assert card.product_type == "card"
    plan = build_plan(instalments(60), card, generous)
    assert len(plan.instalments) == 60 and plan.instalment_cap == 60 and plan.can_agree
    with pytest.raises(PlanError) as info:
        build_plan(instalments(61), card, generous)
    assert str(info.value) == "信用卡个性化分期最长 60 期（5 年），当前 61 期；请减少期数。"
    assert instalment_cap(generous, "card") == 60 and instalment_cap(SETTINGS, "card") == 60


def test_loan_instalments_follow_the_setting_beyond_sixty():
    generous = Settings(instalment_cap=72)
    loan = replace(debt(), product_type="loan")
    plan = build_plan(instalments(61), loan, generous)
    assert len(plan.instalments) == 61 and plan.instalment_cap == 72 and plan.can_agree
    with pytest.raises(PlanError, match="1 到 60 期"):
        build_plan(instalments(61), loan, SETTINGS)


def test_card_deferral_is_not_agreed_beyond_sixty_months_even_with_a_larger_setting():
    terms = PlanTerms(PlanKind.DEFERRAL, START, months=60, grace_months=3)
    plan = build_plan(terms, debt(), Settings(instalment_cap=72))
    assert not plan.can_agree
    assert "60 个月" in plan.agreement_problems()[0]


def test_amount_too_small_for_the_months_is_refused():
    with pytest.raises(PlanError, match="减少期数"):
        build_plan(instalments(60), debt("0.50"), SETTINGS)


def test_refusal_messages_in_english():
    from visitdesk import i18n

    i18n.set_language("en")
    with pytest.raises(PlanError, match="between 1 and 60 \\(got 61\\)"):
        build_plan(instalments(61), debt(), SETTINGS)


# --- JSON ------------------------------------------------------------------------------

def test_terms_round_trip_through_json():
    terms = PlanTerms(
        PlanKind.DEFERRAL, START, months=12, fee_mode=FeeMode.FLAT_MONTHLY, rate=D("0.006"),
        down_payment=D("500.00"), first_due=date(2024, 5, 31), due_day=31, grace_months=3,
        components=("principal", "interest"),
        waiver=Waiver(interest=D("10.00"), approver="王", approval_ref="A1",
                      approved_on=date(2024, 1, 30), reason="困难"),
    )
    assert PlanTerms.from_json(terms.to_json()) == terms
    custom = PlanTerms(PlanKind.CUSTOM, START,
                       custom_rows=(CustomInstalment(date(2024, 2, 1), D("10.00")),))
    assert PlanTerms.from_json(custom.to_json()) == custom


def test_malformed_terms_json_is_a_plan_error():
    with pytest.raises(PlanError):
        PlanTerms.from_json({"kind": "weekly", "start": "2024-01-01"})


def test_plan_json_has_documented_fields_with_money_strings():
    plan = build_plan(instalments(6, fee_mode=FeeMode.ANNUITY, rate=D("0.12")), debt(), SETTINGS)
    data = plan.to_json()
    assert data["total_payable"] == "10352.91" and data["total_fees"] == "352.91"
    assert data["schedule"][0] == {"n": 1, "due_date": "2024-02-29", "principal": "1625.48",
                                   "fee": "100.00", "amount": "1725.48", "balance": "8374.52"}
    assert data["total_payable_capitals"] == "人民币壹万零叁佰伍拾贰元玖角壹分"


def test_agreement_problems_in_a_given_language():
    plan = build_plan(PlanTerms(PlanKind.LUMP_SUM, START, waiver=Waiver(interest=D("20"))),
                      debt("500", "20"), SETTINGS)
    (problem,) = plan.agreement_problems("en")
    assert "approver, approval reference, approval date, reason" in problem
    assert "¥20.00" in problem


def test_plan_ending_beyond_the_cap_can_be_drafted_but_not_agreed():
    terms = PlanTerms(PlanKind.DEFERRAL, START, months=60, grace_months=6)
    plan = build_plan(terms, debt(), SETTINGS)
    assert plan.last_due == date(2029, 6, 30)
    (problem,) = plan.agreement_problems()
    assert "超出协议日期起 60 个月的期限（2029-01-31）" in problem
    # sixty instalments from one month after the agreement end exactly on the limit
    assert build_plan(instalments(60), debt(), SETTINGS).can_agree
