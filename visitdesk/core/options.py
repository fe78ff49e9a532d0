"""Helping the officer choose: standard options side by side, and what the customer can afford.

The options are the ones the issue asks for: pay in full now, 12/24/36/60 monthly instalments
(capped by ``Settings.instalment_cap``) and a deferral (three months' grace, then the whole
amount). Affordability takes monthly income less essential expenses and other debt payments,
applies the share the bank allows (``Settings.affordability_share``) and finds the shortest
instalment plan whose every instalment fits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from visitdesk.core.debt import DebtBreakdown
from visitdesk.core.errors import InputError, PlanError
from visitdesk.core.money import ZERO, format_yuan, round_fen
from visitdesk.core.plans import COMPONENTS, FeeMode, Plan, PlanKind, PlanTerms, build_plan
from visitdesk.core.settings import Settings
from visitdesk.i18n import tr

OPTION_MONTHS: tuple[int, ...] = (12, 24, 36, 60)
DEFERRAL_GRACE_MONTHS = 3


@dataclass(frozen=True)
class PlanOption:
    """One standard option; ``plan`` is None when the terms cannot make a plan (``problem``)."""

    key: str
    """Stable identifier: ``lump-sum``, ``instalments-12`` …, ``deferral-3``."""
    terms: PlanTerms
    plan: Plan | None
    problem: str = ""

    @property
    def label(self) -> str:
        return self.label_in()

    def label_in(self, lang: str | None = None) -> str:
        kind = self.terms.kind
        if kind is PlanKind.INSTALMENTS:
            return tr("plans.option.instalments", lang=lang, months=self.terms.months)
        if kind is PlanKind.DEFERRAL:
            return tr("plans.option.deferral", lang=lang, grace=self.terms.grace_months)
        return tr("plans.option.lump_sum", lang=lang)

    @property
    def periods(self) -> int:
        return len(self.plan.instalments) if self.plan else 0

    @property
    def monthly_amount(self) -> Decimal | None:
        return self.plan.monthly_amount if self.plan else None

    @property
    def total_payable(self) -> Decimal | None:
        return self.plan.total_payable if self.plan else None

    @property
    def total_fees(self) -> Decimal | None:
        return self.plan.total_fees if self.plan else None


def _option(key: str, terms: PlanTerms, debt: DebtBreakdown, settings: Settings) -> PlanOption:
    try:
        return PlanOption(key, terms, build_plan(terms, debt, settings))
    except PlanError as exc:
        return PlanOption(key, terms, None, str(exc))


def option_months(settings: Settings) -> tuple[int, ...]:
    """12, 24, 36, 60 limited by the cap (a cap of 48 gives 12, 24, 36, 48)."""
    cap = max(1, settings.instalment_cap)
    return tuple(sorted({min(m, cap) for m in OPTION_MONTHS}))


def plan_options(debt: DebtBreakdown, settings: Settings, start: date, *,
                 fee_mode: FeeMode = FeeMode.NONE, rate: Decimal = ZERO,
                 components: tuple[str, ...] | None = None) -> tuple[PlanOption, ...]:
    """Lump sum, the standard instalment lengths and a deferral, each built on ``debt``."""
    comps = components or COMPONENTS
    options = [_option("lump-sum", PlanTerms(PlanKind.LUMP_SUM, start, components=comps),
                       debt, settings)]
    for months in option_months(settings):
        terms = PlanTerms(PlanKind.INSTALMENTS, start, months=months, fee_mode=fee_mode,
                          rate=rate, components=comps)
        options.append(_option(f"instalments-{months}", terms, debt, settings))
    grace = min(DEFERRAL_GRACE_MONTHS, max(1, settings.instalment_cap))
    terms = PlanTerms(PlanKind.DEFERRAL, start, months=1, grace_months=grace,
                      components=comps)
    options.append(_option(f"deferral-{grace}", terms, debt, settings))
    return tuple(options)


@dataclass(frozen=True)
class Affordability:
    """What the customer can pay each month, and the shortest plan that fits."""

    income: Decimal
    expenses: Decimal
    other_debts: Decimal
    share: Decimal
    """Share of disposable income the bank allows (0.5 = 50%)."""
    disposable: Decimal
    """Income less essential expenses and other debt payments (may be negative)."""
    max_payment: Decimal
    """Largest affordable monthly payment: ``round_fen(max(disposable, 0) × share)``."""
    plan: Plan | None = None
    """Shortest plan whose every payment fits; None when nothing fits or no debt was given."""
    longest: Plan | None = None
    """The longest instalment plan tried, to quote when nothing fits."""
    debt_given: bool = False

    @property
    def fits(self) -> bool:
        return self.plan is not None

    @property
    def months(self) -> int | None:
        """0 for a lump sum, else the number of instalments; None when nothing fits."""
        if self.plan is None:
            return None
        return 0 if self.plan.terms.kind is PlanKind.LUMP_SUM else self.plan.terms.months

    def message(self, lang: str | None = None) -> str:
        """The result in one or two plain sentences, with a suggestion when nothing fits."""
        most = format_yuan(self.max_payment)
        if self.disposable <= 0:
            return tr("plans.afford.no_disposable", lang=lang,
                      disposable=format_yuan(self.disposable))
        if not self.debt_given:
            return tr("plans.afford.max_only", lang=lang, max=most)
        if self.plan is not None and self.plan.terms.kind is PlanKind.LUMP_SUM:
            return tr("plans.afford.lump_sum", lang=lang, max=most,
                      total=format_yuan(self.plan.total_payable))
        if self.plan is not None:
            return tr("plans.afford.fits", lang=lang, max=most,
                      months=self.plan.terms.months,
                      amount=format_yuan(largest_payment(self.plan)))
        if self.longest is not None:
            return tr("plans.afford.none_fits", lang=lang, max=most,
                      months=self.longest.terms.months,
                      amount=format_yuan(largest_payment(self.longest)))
        return tr("plans.afford.none_possible", lang=lang, max=most)


def largest_payment(plan: Plan) -> Decimal:
    return max(r.amount for r in plan.instalments)


def affordability(income: Decimal, expenses: Decimal, other_debts: Decimal,
                  share: Decimal = Decimal("0.5"), *, debt: DebtBreakdown | None = None,
                  settings: Settings | None = None, start: date | None = None,
                  fee_mode: FeeMode = FeeMode.NONE, rate: Decimal = ZERO) -> Affordability:
    """Largest affordable monthly payment and, given a debt, the shortest plan that fits.

    Call with ``share=settings.affordability_share``. Negative inputs or a share outside
    (0, 1] raise :class:`InputError`.
    """
    for name, value in (("income", income), ("expenses", expenses),
                        ("other_debts", other_debts)):
        if value < 0:
            raise InputError(tr("plans.error.negative_amount", field=tr(f"plans.afford.{name}")))
    if not 0 < share <= 1:
        raise InputError(tr("plans.error.share_range", share=str(share)))
    disposable = round_fen(income - expenses - other_debts)
    max_payment = round_fen(max(disposable, ZERO) * share)
    result = Affordability(income, expenses, other_debts, share, disposable, max_payment,
                           debt_given=debt is not None)
    if debt is None or max_payment <= 0:
        return result
    settings = settings or Settings()
    start = start or debt.on or debt.as_of or date.today()
    lump = build_plan(PlanTerms(PlanKind.LUMP_SUM, start), debt, settings)
    if lump.total_payable <= max_payment:
        return replace(result, plan=lump)
    longest: Plan | None = None
    for months in range(2, max(2, settings.instalment_cap) + 1):
        try:
            plan = build_plan(PlanTerms(PlanKind.INSTALMENTS, start, months=months,
                                        fee_mode=fee_mode, rate=rate), debt, settings)
        except PlanError:
            break
        longest = plan
        if largest_payment(plan) <= max_payment:
            return replace(result, plan=plan)
    return replace(result, longest=longest)
