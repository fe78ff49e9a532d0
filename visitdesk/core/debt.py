"""What the customer owes, and how each figure was arrived at.

The spreadsheet gives the figures as of a date. When the bank has configured its rates
(``Settings.daily_interest_rate``, ``Settings.late_fee_rate``/``late_fee_min``), the figures
are carried forward to the visit date and every added amount becomes a line a customer can
follow ("本金 12,000.00 × 日利率 0.05% × 7 天 = 42.00"). Without configured rates the
spreadsheet's figures stand, labelled with their as-of date.

Conventions (documented so a customer's question can be answered):

* Interest accrues on the overdue principal only (no compounding), for each calendar day
  after the as-of date up to and including the target date.
* A month overdue is a started period of 30 days (days 1–30 = 1 month, as the M1…M6 buckets
  count). A late charge is made for each overdue month that starts during the projection:
  ``max(base × late_fee_rate, late_fee_min)``. For a card (违约金) the base is the principal or
  the unpaid minimum payment (``Settings.late_fee_base``; the minimum payment is
  ``minimum_payment_share`` of the principal); for a loan (罚息) it is the principal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from visitdesk.core.accounts import PRODUCT_TYPES, Account
from visitdesk.core.money import ZERO, format_plain, money_str, round_fen
from visitdesk.core.settings import Settings
from visitdesk.i18n import language, tr

DAYS_PER_OVERDUE_MONTH = 30
LATE_FEE_BASES = ("principal", "minimum_payment")
"""Values of ``Settings.late_fee_base``."""


def product_type_of(account: Account, settings: Settings) -> str:
    """The account's product type, or the one the settings assume when the file did not say
    (``"card"`` when neither is a known type)."""
    for value in (account.product_type, settings.default_product_type):
        if value in PRODUCT_TYPES:
            return value
    return "card"


def late_fee_base_of(product_type: str, settings: Settings) -> str:
    """What the monthly late charge is a share of: loans always the principal."""
    if product_type == "card" and settings.late_fee_base in LATE_FEE_BASES:
        return settings.late_fee_base
    return "principal"


def overdue_months(days: int | None) -> int | None:
    """Started 30-day periods: 0 days → 0, 1–30 → 1, 31–60 → 2 …"""
    if days is None:
        return None
    if days <= 0:
        return 0
    return -(-days // DAYS_PER_OVERDUE_MONTH)


def date_words(d: date, lang: str | None = None) -> str:
    """A date as people write it: ``2026年3月1日`` in Chinese, ``2026-03-01`` in English."""
    if (lang or language()) == "zh_CN":
        return f"{d.year}年{d.month}月{d.day}日"
    return d.isoformat()


def percent_text(rate: Decimal) -> str:
    """A fraction as a percentage without exponent or trailing zeros: 0.0005 → ``0.05%``."""
    value = (rate * 100).normalize()
    text = format(value, "f")
    return text + "%"


@dataclass(frozen=True)
class BreakdownLine:
    """One computed amount added to the spreadsheet's figures."""

    key: str
    """Catalog key of the line's label (e.g. ``plans.debt.line.interest``)."""
    component: str
    """Which figure the amount adds to: ``interest`` or ``late_fee``."""
    formula: str
    """The computation in words and figures, in the language current when computed."""
    amount: Decimal
    params: dict[str, Any] = field(default_factory=dict, compare=False)
    """The figures used, for documents that want to lay the formula out themselves."""
    formula_key: str = field(default="", compare=False)
    """Catalog key of the formula, to render it again in another language."""

    @property
    def label(self) -> str:
        return tr(self.key)

    def label_in(self, lang: str | None = None) -> str:
        return tr(self.key, lang=lang)

    def formula_in(self, lang: str | None = None) -> str:
        """The formula in ``lang`` (default: the current language)."""
        if not self.formula_key:
            return self.formula
        return tr(self.formula_key, lang=lang, **self.params)


@dataclass(frozen=True)
class DebtBreakdown:
    """The debt of one account on a given date, with how it was computed."""

    account_no: str
    principal: Decimal
    interest: Decimal
    late_fee: Decimal
    """A card's late charges (违约金) or a loan's penalty interest (罚息)."""
    other_fees: Decimal
    as_of: date | None
    """Date of the spreadsheet's figures (None when the account does not say)."""
    on: date | None
    """Date the breakdown is for; equals ``as_of`` when not projected."""
    overdue_days: int | None
    """Days overdue on ``on`` (None when the account does not say)."""
    overdue_months: int | None
    """Started 30-day periods overdue on ``on``."""
    lines: tuple[BreakdownLine, ...] = ()
    """Amounts added by the projection, in order; empty when not projected."""
    projected: bool = False
    """True when rates were configured and the figures were carried forward to ``on``."""
    product_type: str = "card"
    """``card`` or ``loan`` (the account's, or the settings' default): decides the wording
    of the late charge (违约金 or 罚息) and which agreement applies."""
    currency: str = "CNY"
    """ISO 4217 code of every amount."""
    unitemised: Decimal = ZERO
    """The whole debt as the file stated it (欠款总额 …) when the file gave none of its parts:
    part of the total, shown as such, never presented as principal or fees."""

    @property
    def late_fee_key(self) -> str:
        """Catalog suffix naming the late charge: ``late_fee.card`` or ``late_fee.loan``."""
        return f"late_fee.{self.product_type}"

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.late_fee + self.other_fees + self.unitemised

    def component(self, name: str) -> Decimal:
        """``principal``, ``interest``, ``late_fee`` or ``other_fees``."""
        return getattr(self, name)

    def basis_text(self, lang: str | None = None, *, customer: bool = False) -> str:
        """One sentence saying which date the figures are the bank's data of, whether they
        were carried forward (an estimate) and that the bank's system is authoritative.

        ``customer``: the wording for a customer document, without the internal remark that
        rates are not configured."""
        if self.as_of is None:
            return tr("plans.debt.basis.customer.unknown" if customer
                      else "plans.debt.basis.unknown", lang=lang)
        as_of = date_words(self.as_of, lang)
        on = date_words(self.on, lang) if self.on else ""
        if self.projected and self.on != self.as_of:
            return tr("plans.debt.basis.projected", lang=lang, as_of=as_of, on=on)
        if self.on and self.on != self.as_of:
            key = ("plans.debt.basis.customer.not_projected" if customer
                   else "plans.debt.basis.not_projected")
            return tr(key, lang=lang, as_of=as_of, on=on)
        return tr("plans.debt.basis.as_of", lang=lang, as_of=as_of)

    def to_json(self) -> dict[str, Any]:
        return {
            "account_no": self.account_no,
            "principal": money_str(self.principal),
            "interest": money_str(self.interest),
            "late_fee": money_str(self.late_fee),
            "other_fees": money_str(self.other_fees),
            "unitemised": money_str(self.unitemised),
            "total": money_str(self.total),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "on": self.on.isoformat() if self.on else None,
            "overdue_days": self.overdue_days,
            "overdue_months": self.overdue_months,
            "projected": self.projected,
            "product_type": self.product_type,
            "currency": self.currency,
            "lines": [
                {"key": ln.key, "component": ln.component, "formula": ln.formula,
                 "amount": money_str(ln.amount)}
                for ln in self.lines
            ],
        }


def _overdue_days_on(account: Account, as_of: date | None, on: date | None) -> int | None:
    if account.overdue_days is not None:
        if as_of and on:
            return account.overdue_days + max(0, (on - as_of).days)
        return account.overdue_days
    if account.overdue_since and on:
        return max(0, (on - account.overdue_since).days)
    return None


def breakdown(account: Account, settings: Settings, on: date | None = None) -> DebtBreakdown:
    """The account's debt on ``on`` (default: the as-of date), projected when rates are set.

    A target date before the as-of date is not projected backwards: the figures stand.
    """
    as_of = account.as_of
    target = on or as_of
    days_before = _overdue_days_on(account, as_of, as_of)
    days_after = _overdue_days_on(account, as_of, target)
    interest, late_fee = account.interest, account.late_fee
    lines: list[BreakdownLine] = []
    projected = False
    span = (target - as_of).days if (as_of and target) else 0
    configured = settings.daily_interest_rate is not None or settings.late_fee_rate is not None
    product = product_type_of(account, settings)
    if configured and span > 0:
        projected = True
        principal = account.principal
        if settings.daily_interest_rate is not None and settings.daily_interest_rate > 0:
            rate = settings.daily_interest_rate
            added = round_fen(principal * rate * span)
            params: dict[str, Any] = {
                "principal": format_plain(principal), "rate": percent_text(rate),
                "days": span, "amount": format_plain(added)}
            lines.append(BreakdownLine(
                "plans.debt.line.interest", "interest",
                tr("plans.debt.formula.interest", **params), added, params,
                "plans.debt.formula.interest"))
            interest += added
        if settings.late_fee_rate is not None and settings.late_fee_rate > 0:
            if days_before is not None and days_after is not None:
                months = (overdue_months(days_after) or 0) - (overdue_months(days_before) or 0)
            else:
                months = span // DAYS_PER_OVERDUE_MONTH
            if months > 0:
                lines.append(_late_fee_line(principal, months, product, settings))
                late_fee += lines[-1].amount
    return DebtBreakdown(
        account_no=account.account_no,
        principal=round_fen(account.principal),
        interest=round_fen(interest),
        late_fee=round_fen(late_fee),
        other_fees=round_fen(account.other_fees),
        as_of=as_of,
        on=target if target else None,
        overdue_days=days_after,
        overdue_months=overdue_months(days_after),
        lines=tuple(lines),
        projected=projected,
        product_type=product,
        currency=account.currency or "CNY",
        unitemised=_unitemised(account),
    )


def _unitemised(account: Account) -> Decimal:
    """The stated total of an account whose file gave no parts (else zero)."""
    parts = account.principal + account.interest + account.late_fee + account.other_fees
    if account.stated_total is not None and not parts:
        return round_fen(account.stated_total)
    return ZERO


def _late_fee_line(principal: Decimal, months: int, product: str,
                   settings: Settings) -> BreakdownLine:
    """The late charge for ``months`` overdue months started during the projection, with
    its formula in the wording of the product and the base actually used."""
    assert settings.late_fee_rate is not None
    rate = settings.late_fee_rate
    base_kind = late_fee_base_of(product, settings)
    share = settings.minimum_payment_share
    base = round_fen(principal * share) if base_kind == "minimum_payment" else principal
    by_rate = round_fen(base * rate)
    minimum = round_fen(settings.late_fee_min)
    each = max(by_rate, minimum)
    added = each * months
    params: dict[str, Any] = {
        "principal": format_plain(principal), "base": format_plain(base),
        "share": percent_text(share), "rate": percent_text(rate), "months": months,
        "minimum": format_plain(minimum), "each": format_plain(each),
        "amount": format_plain(added)}
    key = f"plans.debt.formula.{product}.{base_kind}"
    if minimum > by_rate:
        key += "_min"
    return BreakdownLine(f"plans.debt.line.late_fee.{product}", "late_fee", tr(key, **params),
                         added, params, key)

