"""Debt breakdown: figures as imported, and projected to a visit date when rates are set."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from visitdesk import i18n
from visitdesk.core.accounts import Account
from visitdesk.core.debt import breakdown, overdue_months, percent_text
from visitdesk.core.settings import Settings


def account(**kw) -> Account:
    base = dict(account_no="6222000000000001", name="测试甲", id_number="110101199001011234",
                principal=Decimal("12000.00"), interest=Decimal("300.00"),
                late_fee=Decimal("50.00"), other_fees=Decimal("10.00"), overdue_days=45,
                as_of=date(2024, 3, 1))
    base.update(kw)
    return Account(**base)


def test_without_rates_figures_stand_labelled_with_their_as_of_date():
    b = breakdown(account(), Settings(), on=date(2024, 3, 8))
    assert (b.principal, b.interest, b.late_fee, b.other_fees) == (
        Decimal("12000.00"), Decimal("300.00"), Decimal("50.00"), Decimal("10.00"))
    assert b.total == Decimal("12360.00")
    assert not b.projected and b.lines == ()
    assert b.as_of == date(2024, 3, 1)
    assert b.basis_text() == ("以上金额为银行截至 2024年3月1日 的数据（未设置费率，未推算至 2024年3月8日）；"
                              "此后产生的利息和费用以银行系统记载为准。")
    # the customer's wording cites the data date without the internal remark
    assert b.basis_text(customer=True) == ("以上金额为银行截至 2024年3月1日 的数据；"
                                           "此后产生的利息和费用以银行系统记载为准。")
    assert "费率" not in b.basis_text("zh_CN", customer=True)
    assert "rates" not in b.basis_text("en", customer=True)


def test_daily_interest_projection_is_a_line_a_customer_can_follow():
    settings = Settings(daily_interest_rate=Decimal("0.0005"))
    b = breakdown(account(), settings, on=date(2024, 3, 8))
    assert b.projected
    (line,) = b.lines
    assert line.amount == Decimal("42.00")
    assert line.formula == "本金 12,000.00 × 日利率 0.05% × 7 天 = 42.00"
    assert line.label == "利息（推算）"
    assert b.interest == Decimal("342.00")
    assert b.total == Decimal("12402.00")
    assert b.overdue_days == 52 and b.overdue_months == 2
    assert b.basis_text() == ("以上金额为估算：根据银行截至 2024年3月1日 的数据，按合同约定的利率和费率"
                              "推算至 2024年3月8日；实际金额以银行系统记载为准。")
    assert b.basis_text(customer=True) == b.basis_text()


def test_projection_formula_follows_the_language():
    i18n.set_language("en")
    b = breakdown(account(), Settings(daily_interest_rate=Decimal("0.0005")), on=date(2024, 3, 8))
    assert b.lines[0].formula == "principal 12,000.00 × daily rate 0.05% × 7 days = 42.00"


def test_interest_is_rounded_half_up_to_the_fen():
    b = breakdown(account(principal=Decimal("1234.56")),
                  Settings(daily_interest_rate=Decimal("0.0005")), on=date(2024, 3, 4))
    # 1234.56 × 0.0005 × 3 = 1.85184 → 1.85
    assert b.lines[0].amount == Decimal("1.85")


def test_late_fee_charged_for_each_overdue_month_started_during_projection():
    # 45 days overdue on 1 March (month 2); 20 days later 65 days (month 3): one new late fee
    settings = Settings(late_fee_rate=Decimal("0.05"))
    b = breakdown(account(), settings, on=date(2024, 3, 21))
    (line,) = b.lines
    assert line.component == "late_fee"
    assert line.amount == Decimal("600.00")
    assert line.formula == "本金 12,000.00 × 违约金比例 5% × 1 个月 = 600.00"
    assert line.label == "违约金（推算）"
    assert b.late_fee == Decimal("650.00")
    # within the same overdue month nothing is added
    assert breakdown(account(), settings, on=date(2024, 3, 10)).lines == ()


def test_late_fee_minimum_applies_when_rate_gives_less():
    settings = Settings(late_fee_rate=Decimal("0.05"), late_fee_min=Decimal("30"))
    b = breakdown(account(principal=Decimal("200.00")), settings, on=date(2024, 4, 30))
    (line,) = b.lines
    # 45 → 105 days overdue: months 2 → 4, two fees of max(10.00, 30.00)
    assert line.amount == Decimal("60.00")
    assert "最低违约金 30.00" in line.formula and "× 2 个月" in line.formula


def test_both_rates_give_two_lines_in_order():
    settings = Settings(daily_interest_rate=Decimal("0.0005"), late_fee_rate=Decimal("0.05"))
    b = breakdown(account(), settings, on=date(2024, 3, 21))
    assert [ln.component for ln in b.lines] == ["interest", "late_fee"]
    assert b.total == account().total + sum(ln.amount for ln in b.lines)


def test_target_date_before_as_of_is_not_projected_backwards():
    b = breakdown(account(), Settings(daily_interest_rate=Decimal("0.0005")), on=date(2024, 2, 1))
    assert not b.projected and b.interest == Decimal("300.00")
    assert b.overdue_days == 45


def test_without_target_date_the_breakdown_is_as_of_the_figures():
    b = breakdown(account(), Settings(daily_interest_rate=Decimal("0.0005")))
    assert b.on == b.as_of == date(2024, 3, 1) and not b.projected
    assert b.basis_text() == "以上金额为银行截至 2024年3月1日 的数据。"
    assert b.basis_text("en") == "These are the bank's figures as of 2024-03-01."


def test_overdue_days_from_overdue_since_when_not_given():
    acc = account(overdue_days=None, overdue_since=date(2024, 1, 1))
    b = breakdown(acc, Settings(), on=date(2024, 3, 1))
    assert b.overdue_days == 60 and b.overdue_months == 2


def test_unknown_as_of_date_is_said_plainly():
    b = breakdown(account(as_of=None, overdue_days=None), Settings())
    assert b.as_of is None and b.overdue_days is None and b.overdue_months is None
    assert "日期未知" in b.basis_text()


@pytest.mark.parametrize("days, months", [(0, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3)])
def test_overdue_months_count_started_thirty_day_periods(days, months):
    assert overdue_months(days) == months


def test_percent_text_has_no_exponent():
    assert percent_text(Decimal("0.0005")) == "0.05%"
    assert percent_text(Decimal("0.12")) == "12%"
    assert percent_text(Decimal("0.006")) == "0.6%"


def test_breakdown_json_has_money_strings():
    b = breakdown(account(), Settings(daily_interest_rate=Decimal("0.0005")), on=date(2024, 3, 8))
    data = b.to_json()
    assert data["total"] == "12402.00" and data["lines"][0]["amount"] == "42.00"
    assert data["as_of"] == "2024-03-01" and data["on"] == "2024-03-08"


def test_lines_and_basis_can_be_rendered_in_another_language():
    b = breakdown(account(), Settings(daily_interest_rate=Decimal("0.0005"),
                                      late_fee_rate=Decimal("0.05")), on=date(2024, 3, 21))
    assert b.lines[0].formula_in("en").startswith("principal 12,000.00 × daily rate 0.05%")
    assert b.lines[1].formula_in("en") == ("principal 12,000.00 × late-charge rate 5% × 1 months"
                                           " = 600.00")
    assert b.lines[1].label_in("en") == "Late charges (projected)"
    assert b.basis_text("en") == (
        "These amounts are an estimate: the bank's figures as of 2024-03-01, carried forward to "
        "2024-03-21 at the contract's interest and charge rates. The bank's system is "
        "authoritative.")


def test_card_late_charge_on_the_unpaid_minimum_payment_says_so():
    settings = Settings(late_fee_rate=Decimal("0.05"), late_fee_base="minimum_payment",
                        minimum_payment_share=Decimal("0.1"))
    b = breakdown(account(product_type="card"), settings, on=date(2024, 3, 21))
    (line,) = b.lines
    # base 12,000.00 × 10% = 1,200.00; × 5% = 60.00 for the one month started
    assert line.amount == Decimal("60.00")
    assert line.formula == ("最低还款额未还部分 1,200.00（本金 12,000.00 × 10%）× 违约金比例 5% "
                            "× 1 个月 = 60.00")
    assert line.formula_in("en") == ("unpaid minimum payment 1,200.00 (principal 12,000.00 × 10%)"
                                     " × late-charge rate 5% × 1 months = 60.00")
    assert "本金 12,000.00 × 违约金比例" not in line.formula


def test_card_minimum_late_charge_names_the_base_used():
    settings = Settings(late_fee_rate=Decimal("0.05"), late_fee_base="minimum_payment",
                        late_fee_min=Decimal("100"))
    (line,) = breakdown(account(), settings, on=date(2024, 3, 21)).lines
    assert line.amount == Decimal("100.00")
    assert line.formula == "最低违约金 100.00（高于最低还款额未还部分 1,200.00 × 5%）× 1 个月 = 100.00"


def test_loan_late_charge_is_penalty_interest_on_the_principal_whatever_the_base():
    settings = Settings(late_fee_rate=Decimal("0.05"), late_fee_base="minimum_payment")
    b = breakdown(account(product_type="loan"), settings, on=date(2024, 3, 21))
    (line,) = b.lines
    assert b.product_type == "loan"
    assert line.amount == Decimal("600.00")
    assert line.formula == "本金 12,000.00 × 罚息率 5% × 1 个月 = 600.00"
    assert line.label == "罚息（推算）"
    assert line.label_in("en") == "Penalty interest (projected)"
    assert "违约金" not in line.formula


def test_product_type_not_in_the_file_is_taken_from_the_settings():
    assert breakdown(account(), Settings()).product_type == "card"
    assert breakdown(account(), Settings(default_product_type="loan")).product_type == "loan"
    assert breakdown(account(product_type="card"),
                     Settings(default_product_type="loan")).product_type == "card"


def test_breakdown_carries_the_currency_of_the_account():
    b = breakdown(account(currency="USD"), Settings())
    assert b.currency == "USD" and b.to_json()["currency"] == "USD"


def test_a_debt_stated_only_as_a_whole_is_the_debt_everywhere_never_principal():
    """A file with 欠款总额 and none of its parts: the briefing, the talking points and a plan
    all carry that total, shown as not itemised; nothing reads as principal or zero."""
    from datetime import date
    from decimal import Decimal

    from visitdesk.adapters.pdf.common import Tr, debt_rows
    from visitdesk.core.accounts import Account
    from visitdesk.core.debt import breakdown
    from visitdesk.core.plans import PlanKind, PlanTerms, build_plan
    from visitdesk.core.settings import Settings

    account = Account("6222000000000001", "甲", "x", Decimal("0"), as_of=date(2026, 11, 1),
                      stated_total=Decimal("12345.60"))
    debt = breakdown(account, Settings())
    assert (debt.principal, debt.unitemised, debt.total) == (
        Decimal("0.00"), Decimal("12345.60"), Decimal("12345.60"))
    assert ("欠款总额（银行数据未分项）", Decimal("12345.60")) in debt_rows(debt, Tr("zh_CN"))
    plan = build_plan(PlanTerms(PlanKind.INSTALMENTS, date(2026, 11, 20), months=3), debt,
                      Settings())
    assert plan.total_payable == Decimal("12345.60")
    from visitdesk.core.talking_points import placeholder_values

    spoken = placeholder_values(account, Settings())["debt_items"]
    assert "欠款总额" in spoken and "本金" not in spoken
    itemised = Account("6222000000000001", "甲", "x", Decimal("100"),
                       stated_total=Decimal("100.00"))
    assert breakdown(itemised, Settings()).unitemised == 0
