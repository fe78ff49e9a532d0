"""Options side by side and affordability."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from visitdesk.core.debt import DebtBreakdown
from visitdesk.core.errors import InputError
from visitdesk.core.options import affordability, option_months, plan_options
from visitdesk.core.plans import FeeMode, PlanKind
from visitdesk.core.settings import Settings

START = date(2024, 3, 1)


def debt(principal="12000.00", interest="600.00") -> DebtBreakdown:
    return DebtBreakdown("1", D(principal), D(interest), D("0"), D("0"), START, START, 40, 2)


def test_options_side_by_side_lump_sum_12_24_36_60_and_deferral():
    options = plan_options(debt(), Settings(), START)
    assert [o.key for o in options] == ["lump-sum", "instalments-12", "instalments-24",
                                        "instalments-36", "instalments-60", "deferral-3"]
    by_key = {o.key: o for o in options}
    assert by_key["lump-sum"].monthly_amount == D("12600.00")
    assert by_key["instalments-12"].monthly_amount == D("1050.00")
    assert by_key["instalments-60"].monthly_amount == D("210.00")
    assert all(o.total_payable == D("12600.00") and o.total_fees == 0 for o in options)
    deferral = by_key["deferral-3"]
    assert deferral.plan.schedule[0].due_date == date(2024, 6, 1)
    assert [o.label for o in options][:2] == ["一次性结清", "分 12 期"]
    assert deferral.label == "延期 3 个月后一次还清"


def test_options_with_a_fee_show_total_fees():
    options = plan_options(debt(), Settings(), START, fee_mode=FeeMode.FLAT_MONTHLY,
                           rate=D("0.006"))
    twelve = options[1]
    assert twelve.total_fees == D("75.60") * 12
    assert twelve.total_payable == D("12600.00") + D("907.20")
    assert options[0].total_fees == 0  # a lump sum never carries the plan fee


def test_option_lengths_follow_the_cap():
    assert option_months(Settings()) == (12, 24, 36, 60)
    assert option_months(Settings(instalment_cap=48)) == (12, 24, 36, 48)
    assert option_months(Settings(instalment_cap=6)) == (6,)


def test_an_option_that_cannot_be_built_carries_its_reason():
    options = plan_options(debt("0.30", "0"), Settings(), START)
    sixty = [o for o in options if o.key == "instalments-60"][0]
    assert sixty.plan is None and "减少期数" in sixty.problem
    assert sixty.monthly_amount is None


def test_affordability_largest_payment_is_share_of_disposable_income():
    a = affordability(D("8000"), D("3000"), D("1000"), D("0.5"))
    assert a.disposable == D("4000.00") and a.max_payment == D("2000.00")
    assert a.message() == "每月最多可负担还款 ¥2,000.00。"


def test_affordability_finds_the_shortest_plan_that_fits():
    a = affordability(D("8000"), D("3000"), D("1000"), D("0.5"), debt=debt(),
                      settings=Settings(), start=START)
    # 12,600 / 7 = 1,800.00 fits 2,000; 6 months would need 2,100
    assert a.fits and a.months == 7
    assert a.plan.terms.kind is PlanKind.INSTALMENTS
    assert "最短可行方案为分 7 期" in a.message()


def test_affordability_lump_sum_when_total_fits():
    a = affordability(D("50000"), D("3000"), D("0"), D("0.5"), debt=debt(), start=START)
    assert a.months == 0 and "一次性结清" in a.message()


def test_affordability_says_plainly_when_no_plan_fits_and_suggests_deferral():
    a = affordability(D("3000"), D("2700"), D("0"), D("0.5"), debt=debt(), start=START)
    assert a.max_payment == D("150.00")
    assert not a.fits and a.months is None
    message = a.message()
    assert "即使分 60 期" in message and "¥210.00" in message
    assert "延期还款" in message and "上报主管" in message


def test_affordability_with_nothing_disposable():
    a = affordability(D("3000"), D("3000"), D("500"), D("0.5"), debt=debt(), start=START)
    assert a.max_payment == 0 and not a.fits
    assert "没有可支配余额" in a.message() and "延期还款" in a.message()


def test_affordability_uses_the_settings_share_and_cap():
    s = Settings(affordability_share=D("0.3"), instalment_cap=24)
    a = affordability(D("10000"), D("5000"), D("0"), s.affordability_share, debt=debt(),
                      settings=s, start=START)
    assert a.max_payment == D("1500.00")
    assert a.months == 9  # 12,600 / 9 = 1,400
    b = affordability(D("3000"), D("2000"), D("0"), s.affordability_share, debt=debt(),
                      settings=s, start=START)
    assert not b.fits and "即使分 24 期" in b.message()


@pytest.mark.parametrize("args", [
    (D("-1"), D("0"), D("0"), D("0.5")),
    (D("1"), D("-1"), D("0"), D("0.5")),
    (D("1"), D("0"), D("0"), D("0")),
    (D("1"), D("0"), D("0"), D("1.5")),
])
def test_affordability_refuses_negative_inputs_and_bad_share(args):
    with pytest.raises(InputError):
        affordability(*args)


def test_labels_and_messages_in_a_given_language():
    options = plan_options(debt(), Settings(), START)
    assert options[1].label_in("en") == "12 instalments"
    a = affordability(D("3000"), D("2700"), D("0"), D("0.5"), debt=debt(), start=START)
    assert "no plan fits" in a.message("en") and "deferral" in a.message("en")
