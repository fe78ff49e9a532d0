"""Invariants of every plan the engine accepts, checked on generated terms (hypothesis)."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from visitdesk.core.debt import DebtBreakdown
from visitdesk.core.errors import PlanError
from visitdesk.core.plans import FeeMode, PlanKind, PlanTerms, build_plan
from visitdesk.core.settings import Settings

SETTINGS = Settings()

money = st.integers(min_value=0, max_value=50_000_000).map(lambda f: Decimal(f) / 100)
debts = st.builds(
    lambda p, i, lf, o: DebtBreakdown("1", p, i, lf, o, None, None, None, None),
    st.integers(min_value=100, max_value=100_000_000).map(lambda f: Decimal(f) / 100),
    money, money, money,
)
rates = {
    FeeMode.NONE: st.just(Decimal("0")),
    FeeMode.FLAT_MONTHLY: st.integers(0, 200).map(lambda b: Decimal(b) / 10000),   # 0–2%/month
    FeeMode.ANNUITY: st.integers(0, 3600).map(lambda b: Decimal(b) / 10000),       # 0–36%/year
    FeeMode.EQUAL_PRINCIPAL: st.integers(0, 3600).map(lambda b: Decimal(b) / 10000),
}


@st.composite
def terms(draw):
    kind = draw(st.sampled_from([PlanKind.LUMP_SUM, PlanKind.INSTALMENTS, PlanKind.DEFERRAL]))
    start = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
    if kind is PlanKind.LUMP_SUM:
        return PlanTerms(kind, start)
    mode = draw(st.sampled_from(list(FeeMode)))
    return PlanTerms(
        kind, start,
        months=draw(st.integers(1, 60)),
        fee_mode=mode,
        rate=draw(rates[mode]),
        due_day=draw(st.none() | st.integers(1, 31)),
        grace_months=draw(st.integers(1, 12)) if kind is PlanKind.DEFERRAL else 0,
        down_payment=draw(st.sampled_from([Decimal("0"), Decimal("100.00"), Decimal("0.01")])),
    )


def _check_invariants(plan, t):
    rows = plan.schedule
    # sums exact, to the fen
    assert sum(r.amount for r in rows) == plan.total_payable
    assert sum(r.principal for r in rows) == plan.settled
    assert plan.total_payable == plan.settled + plan.total_fees
    for r in rows:
        assert r.amount == r.principal + r.fee
        assert r.amount == r.amount.quantize(Decimal("0.01"))
        # no negative amounts
        assert r.principal > 0 and r.fee >= 0 and r.balance >= 0
    # balance reaches zero, and falls by each principal part
    assert rows[-1].balance == 0
    previous = plan.settled
    for r in rows:
        assert r.balance == previous - r.principal
        previous = r.balance
    # dates strictly increasing, none before the agreement date
    dates = [r.due_date for r in rows]
    assert all(a < b for a, b in zip(dates, dates[1:], strict=False))
    assert dates[0] >= t.start
    # due day clamped at month ends
    regular = plan.instalments
    if len(regular) > 1:
        day = t.due_day or t.start.day
        for r in regular[1:]:
            last = calendar.monthrange(r.due_date.year, r.due_date.month)[1]
            assert r.due_date.day == min(day, last)
    # equal instalments differ at most by the rounding remainder (last absorbs it)
    if len(regular) > 1 and t.fee_mode in (FeeMode.NONE, FeeMode.FLAT_MONTHLY):
        first = regular[0].amount
        assert all(r.amount == first for r in regular[:-1])
        # the last differs by the remainder of splitting into equal fen amounts: less than
        # a fen per instalment (half a fen when half-up rounding leaves the last positive)
        assert regular[-1].principal == plan.financed - sum(r.principal for r in regular[:-1])
        assert abs(regular[-1].amount - first) < Decimal("0.01") * len(regular)
    if len(regular) > 1 and t.fee_mode is FeeMode.ANNUITY and t.rate > 0:
        first = regular[0].amount
        assert all(r.amount == first for r in regular[:-1])
        # each period's rounding (payment and interest, at most a fen together) is carried
        # to the last instalment with interest: at most 0.01 × the annuity's future-value factor
        i = t.rate / 12
        factor = sum((1 + i) ** k for k in range(len(regular)))
        assert abs(regular[-1].amount - first) <= Decimal("0.01") * factor
    if t.fee_mode is FeeMode.EQUAL_PRINCIPAL and len(regular) > 1:
        parts = [r.principal for r in regular]
        assert all(p == parts[0] for p in parts[:-1])
        assert all(a.fee >= b.fee for a, b in zip(regular, regular[1:], strict=False))


@settings(max_examples=400, deadline=None)
@given(terms(), debts)
def test_every_accepted_plan_keeps_the_invariants(t, debt):
    try:
        plan = build_plan(t, debt, SETTINGS)
    except PlanError as exc:
        # refused only for the documented reasons: too little to spread or down payment too big
        assert "减少期数" in str(exc) or "首付款" in str(exc), str(exc)
        assume(False)
    _check_invariants(plan, t)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=6000, max_value=100_000_000).map(lambda f: Decimal(f) / 100),
       st.integers(1, 60), st.sampled_from(list(FeeMode)))
def test_plans_on_ordinary_debts_are_never_refused(principal, months, mode):
    debt = DebtBreakdown("1", principal, Decimal("0"), Decimal("0"), Decimal("0"),
                         None, None, None, None)
    rate = {FeeMode.NONE: Decimal("0"), FeeMode.FLAT_MONTHLY: Decimal("0.006")}.get(
        mode, Decimal("0.12"))
    t = PlanTerms(PlanKind.INSTALMENTS, date(2024, 1, 31), months=months, fee_mode=mode, rate=rate)
    _check_invariants(build_plan(t, debt, SETTINGS), t)


@settings(max_examples=200, deadline=None)
@given(terms())
def test_terms_survive_json(t):
    assert PlanTerms.from_json(t.to_json()) == t
