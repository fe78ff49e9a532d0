"""Repayment plans: the terms an officer proposes and the exact schedule they yield.

Every plan becomes a schedule of rows (period, due date, principal part, fee or interest
part, amount due, balance after) whose amounts sum exactly, to the fen, to the plan's total
payable; the last instalment absorbs rounding.

Conventions:

* Periods are calendar months. A due day of 29–31 falls on the last day of shorter months;
  the due day stays the same for later months (31 Jan → 29 Feb → 31 Mar).
* ``flat-monthly``: a fee of ``round_fen(financed × monthly rate)`` in every period (the card
  convention, 分期手续费).
* ``annuity`` (等额本息) and ``equal-principal`` (等额本金): interest at ``yearly rate / 12`` on
  the balance of each period, rounded to the fen each period, every period counted as a whole
  month whatever its number of days (Fineract's "same as repayment period" / 30-360
  convention). The annuity instalment is the standard formula rounded to the fen; the last
  instalment pays the remaining balance with its interest.
* The down payment is due on the agreement date (row 0).
* A deferral's grace months carry no payment and no fee or interest.
* A card plan has at most 60 monthly periods whatever the settings say
  (:func:`instalment_cap`). A plan whose last payment falls more than that cap
  (``Settings.instalment_cap`` for loans) months after the agreement date (e.g. a deferral followed by 60 instalments) can be drafted but not agreed.
* A reduction is a waiver (减免) or a debt component left out of the plan; either needs the
  approval data (approver, reference, date, reason) before the plan can be agreed, but a plan
  without it can still be drafted and shown.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import Any

from visitdesk.core.debt import DebtBreakdown, percent_text
from visitdesk.core.errors import PlanError
from visitdesk.core.money import FEN, ZERO, format_plain, format_yuan, money_str, round_fen
from visitdesk.core.settings import Settings
from visitdesk.i18n import tr


class PlanKind(StrEnum):
    LUMP_SUM = "lump-sum"
    """一次性结清: everything on one date."""
    INSTALMENTS = "instalments"
    """个性化分期: monthly instalments."""
    DEFERRAL = "deferral"
    """延期: grace months without payment, then a lump sum (1 period) or instalments."""
    CUSTOM = "custom"
    """Dates and amounts entered by the officer."""


class FeeMode(StrEnum):
    NONE = "none"
    """No fee or interest during the plan (停息挂账)."""
    FLAT_MONTHLY = "flat-monthly"
    """A monthly fee rate on the financed amount, the same every month (card convention)."""
    ANNUITY = "annuity"
    """Yearly interest rate, equal instalments (等额本息)."""
    EQUAL_PRINCIPAL = "equal-principal"
    """Yearly interest rate, equal principal parts (等额本金)."""


COMPONENTS: tuple[str, ...] = ("principal", "interest", "late_fee", "other_fees")
"""The debt components a plan may include, in display order."""

MAX_RATE = Decimal("1")
"""Rates are fractions; 1 (100%) or more is almost surely a percentage typed as a number."""


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def add_months(start: date, months: int, day: int) -> date:
    """The date ``months`` calendar months after ``start``'s month, on ``day`` clamped to
    the month's last day."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Waiver:
    """A reduction (减免) of the debt, valid for agreement only with its approval data."""

    interest: Decimal = ZERO
    """Interest waived (at most the interest included in the plan)."""
    fees: Decimal = ZERO
    """Late fees and other fees waived (taken from late fees first)."""
    principal: Decimal = ZERO
    """Principal waived; only when ``Settings.allow_principal_waiver``."""
    approver: str = ""
    """Name (and title) of who approved the reduction inside the bank."""
    approval_ref: str = ""
    """The approval's reference number (审批编号)."""
    approved_on: date | None = None
    """Date of approval; not after the agreement date."""
    reason: str = ""
    """Why the reduction was granted."""

    @property
    def amount(self) -> Decimal:
        return self.interest + self.fees + self.principal

    @classmethod
    def covering(cls, debt: DebtBreakdown, *, interest: bool = False, fees: bool = False,
                 principal: bool = False, **approval: Any) -> Waiver:
        """A waiver of whole components of ``debt`` (the flag form), with approval fields
        (``approver``, ``approval_ref``, ``approved_on``, ``reason``) passed through."""
        return cls(
            interest=debt.interest if interest else ZERO,
            fees=debt.late_fee + debt.other_fees if fees else ZERO,
            principal=debt.principal if principal else ZERO,
            **approval,
        )

    def missing_approval(self) -> tuple[str, ...]:
        """Names of the approval fields still empty (``approver``, ``approval_ref``…)."""
        missing = []
        if not self.approver.strip():
            missing.append("approver")
        if not self.approval_ref.strip():
            missing.append("approval_ref")
        if self.approved_on is None:
            missing.append("approved_on")
        if not self.reason.strip():
            missing.append("reason")
        return tuple(missing)

    def to_json(self) -> dict[str, Any]:
        return {
            "interest": money_str(self.interest),
            "fees": money_str(self.fees),
            "principal": money_str(self.principal),
            "approver": self.approver,
            "approval_ref": self.approval_ref,
            "approved_on": _iso(self.approved_on),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Waiver:
        return cls(
            interest=_term(data, "interest", _finite_or_zero, "0", "waiver."),
            fees=_term(data, "fees", _finite_or_zero, "0", "waiver."),
            principal=_term(data, "principal", _finite_or_zero, "0", "waiver."),
            approver=str(data.get("approver") or ""),
            approval_ref=str(data.get("approval_ref") or ""),
            approved_on=_term(data, "approved_on", _opt_date, None, "waiver."),
            reason=str(data.get("reason") or ""),
        )


@dataclass(frozen=True)
class CustomInstalment:
    """One row of a custom schedule as the officer entered it."""

    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class PlanTerms:
    """What the officer proposes. :func:`build_plan` turns it into a schedule or refuses it."""

    kind: PlanKind
    start: date
    """Agreement date (签订日); the down payment is due on it."""
    months: int = 1
    """Number of monthly instalments (1 for a lump sum); at most ``Settings.instalment_cap``."""
    fee_mode: FeeMode = FeeMode.NONE
    rate: Decimal = ZERO
    """Fraction: monthly for ``flat-monthly`` (0.006 = 0.6%), yearly for ``annuity`` and
    ``equal-principal`` (0.12 = 12%)."""
    down_payment: Decimal = ZERO
    """Paid on the agreement date; instalments and deferrals only."""
    first_due: date | None = None
    """First due date; default: the agreement date for a lump sum, one month after it for
    instalments, the end of the grace period for a deferral."""
    due_day: int | None = None
    """Day of the month instalments fall due (29–31 clamp to short months); default: the day
    of ``first_due`` or of the agreement date."""
    grace_months: int = 0
    """Deferral only: whole months without payment before the first due date."""
    components: tuple[str, ...] = COMPONENTS
    """Debt components included in the plan; the others are left out (a reduction)."""
    waiver: Waiver | None = None
    custom_rows: tuple[CustomInstalment, ...] = ()
    """Custom plans only: dates strictly increasing, amounts positive, summing to the total."""

    def to_json(self) -> dict[str, Any]:
        """The form the visit record stores (all money as strings, dates ISO)."""
        return {
            "kind": self.kind.value,
            "start": self.start.isoformat(),
            "months": self.months,
            "fee_mode": self.fee_mode.value,
            "rate": str(self.rate),
            "down_payment": money_str(self.down_payment),
            "first_due": _iso(self.first_due),
            "due_day": self.due_day,
            "grace_months": self.grace_months,
            "components": list(self.components),
            "waiver": self.waiver.to_json() if self.waiver else None,
            "custom_rows": [
                {"due_date": r.due_date.isoformat(), "amount": money_str(r.amount)}
                for r in self.custom_rows
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlanTerms:
        """Inverse of :meth:`to_json`; a malformed document raises :class:`PlanError`
        naming the key (a plan read from a visit-record file may hold anything)."""
        if not isinstance(data, dict):
            raise PlanError(tr("plans.error.bad_terms", detail=tr("plans.error.terms_not_object")))
        try:
            kind = _term(data, "kind", lambda v: PlanKind(v))
            waiver = data.get("waiver")
            if waiver and not isinstance(waiver, dict):
                raise _BadTerm("waiver", waiver)
            rows = data.get("custom_rows") or ()
            if not isinstance(rows, (list, tuple)):
                raise _BadTerm("custom_rows", rows)
            components = data.get("components", COMPONENTS)
            if not isinstance(components, (list, tuple)) or not all(
                    isinstance(c, str) for c in components):
                raise _BadTerm("components", components)
            return cls(
                kind=kind,
                start=_term(data, "start", _iso_date),
                months=_term(data, "months", _whole, 1),
                fee_mode=_term(data, "fee_mode", lambda v: FeeMode(v), "none"),
                rate=_term(data, "rate", _finite, "0"),
                down_payment=_term(data, "down_payment", _finite, "0"),
                first_due=_term(data, "first_due", _opt_date, None),
                due_day=_term(data, "due_day", lambda v: None if v is None else _whole(v),
                              None),
                grace_months=_term(data, "grace_months", _whole, 0),
                components=tuple(components),
                waiver=Waiver.from_json(waiver) if waiver else None,
                custom_rows=tuple(
                    CustomInstalment(_term(r, "due_date", _iso_date, prefix="custom_rows."),
                                     _term(r, "amount", _finite, prefix="custom_rows."))
                    if isinstance(r, dict) else _raise(_BadTerm("custom_rows", r))
                    for r in rows
                ),
            )
        except KeyError as exc:
            raise PlanError(tr("plans.error.bad_terms",
                               detail=tr("plans.error.terms_missing", key=exc.args[0]))) from exc
        except _BadTerm as exc:
            raise PlanError(tr("plans.error.bad_terms", detail=tr(
                "plans.error.terms_bad_value", key=exc.key, value=str(exc.value)[:60]))) from exc
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise PlanError(tr("plans.error.bad_terms", detail=str(exc))) from exc


class _BadTerm(Exception):
    def __init__(self, key: str, value: Any) -> None:
        super().__init__(key)
        self.key, self.value = key, value


_MISSING = object()


def _raise(exc: Exception) -> Any:
    raise exc


def _term(data: dict[str, Any], key: str, convert: Any, default: Any = _MISSING,
          prefix: str = "") -> Any:
    """``convert(data[key])`` (or of ``default`` when absent); a bad value names the key."""
    if key not in data:
        if default is _MISSING:
            raise KeyError(prefix + key)
        value = default
    else:
        value = data[key]
    try:
        return convert(value)
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise _BadTerm(prefix + key, value) from exc


def _whole(value: Any) -> int:
    """A whole number: an int, or text of one (never a bool or a fraction)."""
    if isinstance(value, bool):
        raise TypeError("bool")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ValueError(value)


def _finite(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise TypeError(value)
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(value)
    return number


def _finite_or_zero(value: Any) -> Decimal:
    """:func:`_finite`, with a blank value (``None``, ``""``, 0) read as zero."""
    return _finite(value or "0")


def _iso_date(value: Any) -> date:
    if not isinstance(value, str):
        raise TypeError(value)
    return date.fromisoformat(value)


def _opt_date(value: Any) -> date | None:
    return _iso_date(value) if value else None


@dataclass(frozen=True)
class ScheduleRow:
    """One payment of a plan."""

    n: int
    """Period number; 0 is the down payment."""
    due_date: date
    principal: Decimal
    """Part of the debt repaid by this payment."""
    fee: Decimal
    """Fee or interest charged by the plan in this period."""
    amount: Decimal
    """Amount due: ``principal + fee``."""
    balance: Decimal
    """Debt still to repay after this payment (fees of later periods not included)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "due_date": self.due_date.isoformat(),
            "principal": money_str(self.principal),
            "fee": money_str(self.fee),
            "amount": money_str(self.amount),
            "balance": money_str(self.balance),
        }


@dataclass(frozen=True)
class Plan:
    """Terms with their schedule. Build it with :func:`build_plan`."""

    terms: PlanTerms
    debt: DebtBreakdown
    schedule: tuple[ScheduleRow, ...]
    settled: Decimal
    """Debt the plan repays: included components less the waiver."""
    reductions: dict[str, Decimal] = field(default_factory=dict)
    """Component → amount not payable under the plan (waived or left out)."""
    instalment_cap: int = 60
    """``Settings.instalment_cap`` when built: the plan should end within that many months."""

    @property
    def total_payable(self) -> Decimal:
        return sum((r.amount for r in self.schedule), ZERO)

    @property
    def total_fees(self) -> Decimal:
        return sum((r.fee for r in self.schedule), ZERO)

    @property
    def financed(self) -> Decimal:
        """The amount spread over the instalments: settled debt less the down payment."""
        return self.settled - self.terms.down_payment

    @property
    def reduction_total(self) -> Decimal:
        return sum(self.reductions.values(), ZERO)

    @property
    def instalments(self) -> tuple[ScheduleRow, ...]:
        """Rows after the down payment."""
        return tuple(r for r in self.schedule if r.n > 0)

    @property
    def monthly_amount(self) -> Decimal:
        """The largest regular payment (the first for equal principal, else the usual one)."""
        rows = self.instalments
        if len(rows) > 1:
            return max(r.amount for r in rows[:-1])
        return rows[0].amount

    @property
    def last_due(self) -> date:
        return self.schedule[-1].due_date

    def agreement_problems(self, lang: str | None = None) -> tuple[str, ...]:
        """Why the plan cannot be agreed yet (it can still be drafted); empty when it can."""
        problems: list[str] = []
        if self.reduction_total > 0:
            waiver = self.terms.waiver or Waiver()
            missing = waiver.missing_approval()
            if missing:
                problems.append(tr(
                    "plans.problem.approval_missing", lang=lang,
                    amount=format_yuan(self.reduction_total),
                    missing=tr("plans.field.separator", lang=lang).join(
                        tr(f"plans.field.{m}", lang=lang) for m in missing),
                ))
            if waiver.approved_on and waiver.approved_on > self.terms.start:
                problems.append(tr("plans.problem.approval_after_agreement", lang=lang,
                                   approved_on=waiver.approved_on.isoformat(),
                                   start=self.terms.start.isoformat()))
        limit = add_months(self.terms.start, self.instalment_cap, self.terms.start.day)
        if self.last_due > limit:
            problems.append(tr("plans.problem.beyond_cap", lang=lang, cap=self.instalment_cap,
                               last_due=self.last_due.isoformat(), limit=limit.isoformat()))
        return tuple(problems)

    @property
    def can_agree(self) -> bool:
        return not self.agreement_problems()

    def to_json(self) -> dict[str, Any]:
        """The documented JSON (docs/cli.md, ``visitdesk plan --json``)."""
        from visitdesk.core.capitals import to_capitals

        return {
            "account_no": self.debt.account_no,
            "kind": self.terms.kind.value,
            "terms": self.terms.to_json(),
            "debt": self.debt.to_json(),
            "settled": money_str(self.settled),
            "reductions": {k: money_str(v) for k, v in self.reductions.items()},
            "down_payment": money_str(self.terms.down_payment),
            "financed": money_str(self.financed),
            "total_payable": money_str(self.total_payable),
            "total_payable_capitals": to_capitals(self.total_payable),
            "total_fees": money_str(self.total_fees),
            "monthly_amount": money_str(self.monthly_amount),
            "schedule": [r.to_json() for r in self.schedule],
            "waiver": self._waiver_json(),
            "agreement_problems": list(self.agreement_problems()),
        }

    def _waiver_json(self) -> dict[str, Any] | None:
        """The waiver with its total and the approval fields still missing; None without."""
        waiver = self.terms.waiver
        if waiver is None:
            return None
        return {**waiver.to_json(), "total": money_str(waiver.amount),
                "missing_approval": list(waiver.missing_approval()) if waiver.amount else []}


# --- building -------------------------------------------------------------------------------

def _fail(key: str, **params: Any) -> PlanError:
    return PlanError(tr(key, **params))


# Dates outside this range are typing errors (and would overflow the calendar further on).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
MAX_AMOUNT = Decimal("1000000000000")
"""No amount in a plan reaches a trillion yuan; larger ones are typing errors."""


CARD_INSTALMENT_CAP = 60
"""Negotiated card instalments last at most five years (Art. 70 of the card rules): a hard
cap that no setting raises."""


def instalment_cap(settings: Settings, product_type: str) -> int:
    """Most monthly periods a plan on this product may have: the setting, and for a card
    never more than :data:`CARD_INSTALMENT_CAP`."""
    if product_type == "card":
        return min(settings.instalment_cap, CARD_INSTALMENT_CAP)
    return settings.instalment_cap


def _check_terms(terms: PlanTerms, settings: Settings, product_type: str) -> None:
    cap = instalment_cap(settings, product_type)
    amounts = [terms.down_payment, *(r.amount for r in terms.custom_rows)]
    if terms.waiver is not None:
        amounts += [terms.waiver.interest, terms.waiver.fees, terms.waiver.principal]
    for amount in amounts:
        if abs(amount) >= MAX_AMOUNT:
            raise _fail("plans.error.amount_too_large", amount=str(amount)[:30],
                        limit=format_plain(MAX_AMOUNT))
    for day in (terms.start, terms.first_due, *(r.due_date for r in terms.custom_rows)):
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise _fail("plans.error.date_range", date=day.isoformat(),
                        earliest=EARLIEST_DATE.year, latest=LATEST_DATE.year)
    if terms.rate < 0:
        raise _fail("plans.error.negative_rate", rate=percent_text(terms.rate))
    if terms.rate >= MAX_RATE:
        raise _fail("plans.error.rate_too_high", rate=percent_text(terms.rate))
    if terms.fee_mode is FeeMode.NONE and terms.rate != 0:
        raise _fail("plans.error.rate_without_fee_mode", rate=percent_text(terms.rate))
    if terms.down_payment < 0:
        raise _fail("plans.error.down_payment_negative")
    if terms.due_day is not None and not 1 <= terms.due_day <= 31:
        raise _fail("plans.error.due_day_range", day=terms.due_day)
    if terms.first_due is not None and terms.first_due < terms.start:
        raise _fail("plans.error.first_due_before_start", first_due=terms.first_due.isoformat(),
                    start=terms.start.isoformat())
    if terms.grace_months < 0:
        raise _fail("plans.error.grace_range", grace=terms.grace_months, max=cap)
    unknown = [c for c in terms.components if c not in COMPONENTS]
    if unknown:
        raise _fail("plans.error.unknown_component", component=", ".join(unknown))
    if "principal" not in terms.components:
        raise _fail("plans.error.principal_required")
    kind = terms.kind
    if kind is PlanKind.LUMP_SUM:
        if terms.months != 1:
            raise _fail("plans.error.lump_sum_months", months=terms.months)
        if terms.down_payment > 0:
            raise _fail("plans.error.down_payment_lump_sum")
        if terms.fee_mode is not FeeMode.NONE:
            raise _fail("plans.error.lump_sum_fee")
    if kind in (PlanKind.INSTALMENTS, PlanKind.DEFERRAL) and not 1 <= terms.months <= cap:
        if cap < settings.instalment_cap:  # the card rule, not the bank's setting, refuses
            raise _fail("plans.error.card_cap", months=terms.months, cap=CARD_INSTALMENT_CAP)
        raise _fail("plans.error.months_range", months=terms.months, cap=cap)
    if kind is PlanKind.DEFERRAL and not 1 <= terms.grace_months <= cap:
        raise _fail("plans.error.grace_range", grace=terms.grace_months, max=cap)
    if kind is not PlanKind.DEFERRAL and terms.grace_months:
        raise _fail("plans.error.grace_needs_deferral")
    if kind is PlanKind.CUSTOM:
        if terms.fee_mode is not FeeMode.NONE:
            raise _fail("plans.error.custom_fee")
        if not terms.custom_rows:
            raise _fail("plans.error.custom_empty")
        if len(terms.custom_rows) > cap:
            raise _fail("plans.error.custom_too_many", count=len(terms.custom_rows), cap=cap)


def _reduce(terms: PlanTerms, debt: DebtBreakdown, settings: Settings
            ) -> tuple[Decimal, dict[str, Decimal]]:
    """Debt settled by the plan and the reductions per component."""
    included = {c: (debt.component(c) if c in terms.components else ZERO) for c in COMPONENTS}
    reductions = {c: debt.component(c) for c in COMPONENTS
                  if c not in terms.components and debt.component(c) > 0}
    waiver = terms.waiver
    if waiver is not None:
        for name in ("interest", "fees", "principal"):
            if getattr(waiver, name) < 0:
                raise _fail("plans.error.waiver_negative", component=tr(f"plans.waiver.{name}"))
        if waiver.principal > 0 and not settings.allow_principal_waiver:
            raise _fail("plans.error.principal_waiver_not_allowed")
        fees_available = included["late_fee"] + included["other_fees"]
        for name, available in (("interest", included["interest"]), ("fees", fees_available),
                                ("principal", included["principal"])):
            waived = getattr(waiver, name)
            if waived > available:
                raise _fail("plans.error.waiver_exceeds", component=tr(f"plans.waiver.{name}"),
                            waived=format_plain(waived), available=format_plain(available))
        late_part = min(waiver.fees, included["late_fee"])
        for component, amount in (("interest", waiver.interest), ("late_fee", late_part),
                                  ("other_fees", waiver.fees - late_part),
                                  ("principal", waiver.principal)):
            if amount > 0:
                included[component] -= amount
                reductions[component] = reductions.get(component, ZERO) + amount
    # A debt the file stated only as a whole is settled whole (no component can be waived).
    settled = round_fen(sum(included.values(), ZERO) + debt.unitemised)
    if settled <= 0:
        raise _fail("plans.error.nothing_to_pay")
    return settled, {c: reductions[c] for c in COMPONENTS if c in reductions}


def _due_dates(terms: PlanTerms, count: int) -> list[date]:
    if terms.first_due is not None:
        first = terms.first_due
        day = terms.due_day or first.day
    else:
        day = terms.due_day or terms.start.day
        if terms.kind is PlanKind.LUMP_SUM:
            return [terms.start]
        offset = terms.grace_months if terms.kind is PlanKind.DEFERRAL else 1
        first = add_months(terms.start, offset, day)
        if first < add_months(terms.start, offset, terms.start.day):
            first = add_months(terms.start, offset + 1, day)  # due day earlier in the month
    return [first] + [add_months(first, k, day) for k in range(1, count)]


def _equal_parts(total: Decimal, count: int) -> list[Decimal]:
    """``count`` parts of ``total``, equal to the fen; the last absorbs the remainder and is
    never zero or negative."""
    part = round_fen(total / count)
    if total - part * (count - 1) <= 0:
        part -= FEN
    return [part] * (count - 1) + [total - part * (count - 1)]


def _annuity_payment(principal: Decimal, rate: Decimal, count: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        factor = (1 + rate) ** -count
        return round_fen(principal * rate / (1 - factor))


def _instalment_parts(terms: PlanTerms, financed: Decimal, count: int
                      ) -> list[tuple[Decimal, Decimal]]:
    """(principal, fee) per instalment."""
    mode = terms.fee_mode
    if mode is FeeMode.NONE or terms.rate == 0:
        return [(p, ZERO) for p in _equal_parts(financed, count)]
    if mode is FeeMode.FLAT_MONTHLY:
        fee = round_fen(financed * terms.rate)
        return [(p, fee) for p in _equal_parts(financed, count)]
    monthly = terms.rate / 12
    parts: list[tuple[Decimal, Decimal]] = []
    balance = financed
    if mode is FeeMode.ANNUITY:
        payment = _annuity_payment(financed, monthly, count)
        for k in range(1, count + 1):
            interest = round_fen(balance * monthly)
            principal = balance if k == count else payment - interest
            parts.append((principal, interest))
            balance -= principal
        return parts
    for principal in _equal_parts(financed, count):  # equal principal
        parts.append((principal, round_fen(balance * monthly)))
        balance -= principal
    return parts


def build_plan(terms: PlanTerms, debt: DebtBreakdown, settings: Settings) -> Plan:
    """The schedule for ``terms`` on ``debt``; invalid terms raise :class:`PlanError` whose
    message says what to change."""
    _check_terms(terms, settings, debt.product_type)
    settled, reductions = _reduce(terms, debt, settings)
    down = round_fen(terms.down_payment)
    if down != terms.down_payment:
        terms = replace(terms, down_payment=down)
    if down > 0 and down >= settled:
        raise _fail("plans.error.down_payment_too_large", down=format_plain(down),
                    total=format_plain(settled))
    financed = settled - down
    rows: list[tuple[date, Decimal, Decimal]] = []  # due, principal, fee
    if terms.kind is PlanKind.CUSTOM:
        rows = [(r.due_date, r.amount, ZERO) for r in terms.custom_rows]
        _check_custom(terms, financed)
    else:
        count = 1 if terms.kind is PlanKind.LUMP_SUM else terms.months
        dates = _due_dates(terms, count)
        if terms.kind is PlanKind.DEFERRAL:
            grace_end = add_months(terms.start, terms.grace_months, terms.start.day)
            if dates[0] < grace_end:
                raise _fail("plans.error.first_due_in_grace", first_due=dates[0].isoformat(),
                            grace_end=grace_end.isoformat())
        if financed < FEN * count:
            raise _fail("plans.error.too_small", amount=format_plain(financed), months=count)
        parts = _instalment_parts(terms, financed, count)
        rows = [(d, p, f) for d, (p, f) in zip(dates, parts, strict=True)]
        if any(p <= 0 or f < 0 for _, p, f in rows):
            raise _fail("plans.error.too_small", amount=format_plain(financed), months=count)
    if down > 0:
        if rows[0][0] <= terms.start:
            raise _fail("plans.error.first_due_not_after_down_payment",
                        start=terms.start.isoformat())
        rows.insert(0, (terms.start, down, ZERO))
    for (previous, _, _), (current, _, _) in zip(rows, rows[1:], strict=False):
        if current <= previous:  # only reachable through odd first_due/due_day pairs
            raise _fail("plans.error.dates_not_increasing", date=current.isoformat(),
                        previous=previous.isoformat())
    schedule: list[ScheduleRow] = []
    balance = settled
    first_n = 0 if down > 0 else 1
    for index, (due, principal, fee) in enumerate(rows):
        balance -= principal
        schedule.append(ScheduleRow(first_n + index, due, principal, fee, principal + fee,
                                    balance))
    return Plan(terms=terms, debt=debt, schedule=tuple(schedule), settled=settled,
                reductions=reductions,
                instalment_cap=instalment_cap(settings, debt.product_type))


def custom_total(terms: PlanTerms, debt: DebtBreakdown, settings: Settings) -> Decimal:
    """What the rows of a custom schedule must sum to: the debt the plan settles (included
    components less the waiver) less the down payment. A refused waiver raises
    :class:`PlanError`."""
    settled, _ = _reduce(terms, debt, settings)
    return settled - round_fen(max(terms.down_payment, ZERO))


def _check_custom(terms: PlanTerms, financed: Decimal) -> None:
    previous: date | None = None
    total = ZERO
    for n, row in enumerate(terms.custom_rows, start=1):
        if row.due_date < terms.start:
            raise _fail("plans.error.custom_before_start", n=n, date=row.due_date.isoformat(),
                        start=terms.start.isoformat())
        if previous is not None and row.due_date <= previous:
            raise _fail("plans.error.custom_not_increasing", n=n, date=row.due_date.isoformat(),
                        previous=previous.isoformat())
        if row.amount <= 0 or round_fen(row.amount) != row.amount:
            raise _fail("plans.error.custom_amount", n=n, amount=str(row.amount))
        previous = row.due_date
        total += row.amount
    if total != financed:
        raise _fail("plans.error.custom_sum", sum=format_plain(total),
                    total=format_plain(financed), difference=format_plain(financed - total))
