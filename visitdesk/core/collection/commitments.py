"""What the customer promised, what they paid, and how the two meet.

A finalised visit with an agreed plan (or a promise to pay) creates *commitments*: one per
scheduled payment. *Payments* come from the bank's repayment export or are entered by hand.
:func:`allocate` applies the payments of one account to its open commitments, oldest first,
and gives each commitment its status and the plan its state, as of a given day and by the
bank's rules (:class:`CycleRules`). Nothing here is stored: the store keeps commitments and
payments; statuses are always computed, so they can never disagree with the payments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from visitdesk.core.money import ZERO, money_str
from visitdesk.core.plans import Plan, PlanKind
from visitdesk.core.visit import VisitRecord

COMMITMENT_STATUSES = ("due", "paid", "paid_late", "partly_paid", "missed")
"""``due``: not yet past its due date and grace, nothing or only part paid so far … see
:func:`commitment_status`."""
PLAN_STATES = ("on_track", "broken", "completed", "superseded")
"""``superseded``: an amendment of the visit replaced this plan (its commitments stay, linked)."""
COMMITMENT_KINDS = ("instalment", "down_payment", "lump_sum", "promise")


@dataclass(frozen=True)
class CycleRules:
    """The bank's rules for judging payments against commitments (from ``Settings``)."""

    grace_days: int = 3
    """A payment this many days after the due date still counts as on time."""
    broken_days_late: int = 30
    """A plan is broken once a commitment is still not fully paid this many days after its
    due date."""
    broken_missed: int = 2
    """… or once this many commitments are past due and grace without being fully paid."""


@dataclass(frozen=True)
class Commitment:
    """One payment the customer agreed to make."""

    id: str
    """Stable id: ``{visit_id}-v{version}-{n}`` (n = schedule row, 0 = down payment)."""
    account_no: str
    visit_id: str
    version: int
    n: int
    kind: str
    """One of :data:`COMMITMENT_KINDS`."""
    due_date: date
    amount: Decimal
    created_on: date
    """The visit day: payments from this day on count towards the commitment."""
    superseded_by: str | None = None
    """``{visit_id}-v{version}`` of the amendment whose plan replaced this one, if any."""

    @property
    def plan_id(self) -> str:
        return f"{self.visit_id}-v{self.version}"


@dataclass(frozen=True)
class Payment:
    """Money the customer paid on the account."""

    reference: str
    """The bank's transaction reference (流水号); unique. Hand-entered payments get ``M…``."""
    account_no: str
    paid_on: date
    amount: Decimal
    source: str = "import"
    """``import`` (the repayment export) or ``manual`` (entered by hand, with a reason)."""
    reason: str = ""
    """Why a payment was entered by hand."""
    reversed: bool = False
    """A later reversal (冲正) cancelled it: it counts for nothing."""

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference, "account_no": self.account_no,
            "paid_on": self.paid_on.isoformat(), "amount": money_str(self.amount),
            "source": self.source, "reason": self.reason, "reversed": self.reversed,
        }


@dataclass(frozen=True)
class CommitmentState:
    """A commitment with what has been paid against it, as of a day."""

    commitment: Commitment
    paid: Decimal
    status: str
    """One of :data:`COMMITMENT_STATUSES`."""
    paid_in_full_on: date | None = None
    days_late: int = 0
    """Days past the due date (0 when paid on time or not yet due)."""

    @property
    def outstanding(self) -> Decimal:
        return self.commitment.amount - self.paid

    def to_json(self) -> dict[str, Any]:
        c = self.commitment
        return {
            "id": c.id, "account_no": c.account_no, "visit_id": c.visit_id,
            "version": c.version, "n": c.n, "kind": c.kind,
            "due_date": c.due_date.isoformat(), "amount": money_str(c.amount),
            "paid": money_str(self.paid), "outstanding": money_str(self.outstanding),
            "status": self.status,
            "paid_in_full_on": self.paid_in_full_on.isoformat() if self.paid_in_full_on else None,
            "days_late": self.days_late, "superseded_by": c.superseded_by,
        }


@dataclass(frozen=True)
class PlanState:
    """One plan (the commitments of one visit version) as of a day."""

    plan_id: str
    account_no: str
    state: str
    """One of :data:`PLAN_STATES`."""
    commitments: tuple[CommitmentState, ...]
    broken_reason: str = ""
    """``days_late`` or ``missed`` when broken."""

    @property
    def next_due(self) -> CommitmentState | None:
        open_ = [c for c in self.commitments if c.status in ("due", "partly_paid", "missed")]
        return min(open_, key=lambda c: c.commitment.due_date) if open_ else None


@dataclass(frozen=True)
class AccountAllocation:
    """Everything :func:`allocate` found for one account."""

    account_no: str
    plans: tuple[PlanState, ...]
    unallocated: Decimal = ZERO
    """Money paid beyond every open commitment (an over-payment): shown, not lost."""
    before_plans: Decimal = ZERO
    """Money paid before the first commitment was made (counts towards no commitment)."""
    payments: tuple[Payment, ...] = field(default_factory=tuple)


def commitment_status(c: Commitment, paid: Decimal, paid_in_full_on: date | None, today: date,
                      rules: CycleRules) -> tuple[str, int]:
    """Status and days late of one commitment.

    - ``paid``: fully paid no later than the due date plus the grace days;
    - ``paid_late``: fully paid after that;
    - ``partly_paid``: some money arrived, not all;
    - ``due``: nothing paid and the due date plus grace not yet passed;
    - ``missed``: nothing paid and the due date plus grace has passed.
    """
    deadline = c.due_date + timedelta(days=rules.grace_days)
    if paid_in_full_on is not None:
        if paid_in_full_on <= deadline:
            return "paid", 0
        return "paid_late", (paid_in_full_on - c.due_date).days
    late = max(0, (today - c.due_date).days) if today > deadline else 0
    if paid > ZERO:
        return "partly_paid", late
    return ("missed", late) if today > deadline else ("due", 0)


def allocate(account_no: str, commitments: Sequence[Commitment], payments: Iterable[Payment],
             today: date, rules: CycleRules) -> AccountAllocation:
    """Apply the account's payments (up to ``today``) to its active commitments.

    Payments are taken in date order (then reference) and each pays the oldest open
    commitment first (by due date, then plan, then row); a commitment counts only payments
    from its ``created_on`` day. Superseded commitments take no money. Money left over is
    ``unallocated``; money paid before any commitment existed is ``before_plans``.
    """
    active = sorted((c for c in commitments if c.superseded_by is None),
                    key=lambda c: (c.due_date, c.plan_id, c.n))
    pays = sorted((p for p in payments if not p.reversed and p.paid_on <= today),
                  key=lambda p: (p.paid_on, p.reference))
    paid = {c.id: ZERO for c in active}
    full_on: dict[str, date] = {}
    unallocated = ZERO
    before = ZERO
    first_created = min((c.created_on for c in active), default=None)
    for p in pays:
        left = p.amount
        if first_created is None or p.paid_on < first_created:
            before += left
            continue
        for c in active:
            if left <= ZERO:
                break
            if c.id in full_on or p.paid_on < c.created_on:
                continue
            take = min(left, c.amount - paid[c.id])
            paid[c.id] += take
            left -= take
            if paid[c.id] >= c.amount:
                full_on[c.id] = p.paid_on
        unallocated += left
    by_plan: dict[str, list[CommitmentState]] = {}
    for c in active:
        status, late = commitment_status(c, paid[c.id], full_on.get(c.id), today, rules)
        by_plan.setdefault(c.plan_id, []).append(
            CommitmentState(c, paid[c.id], status, full_on.get(c.id), late))
    superseded = [c for c in commitments if c.superseded_by is not None]
    plans = [_plan_state(pid, account_no, tuple(states), today, rules)
             for pid, states in by_plan.items()]
    for pid in dict.fromkeys(c.plan_id for c in superseded):
        states = tuple(CommitmentState(c, ZERO, "due") for c in superseded if c.plan_id == pid)
        plans.append(PlanState(pid, account_no, "superseded", states))
    return AccountAllocation(account_no, tuple(plans), unallocated, before,
                             tuple(sorted(payments, key=lambda p: (p.paid_on, p.reference))))


def _plan_state(plan_id: str, account_no: str, states: tuple[CommitmentState, ...],
                today: date, rules: CycleRules) -> PlanState:
    if all(s.status in ("paid", "paid_late") for s in states):
        return PlanState(plan_id, account_no, "completed", states)
    # A payment that came more than the allowed days late broke the plan when it was that
    # late, even if it has arrived since.
    if any(s.days_late > rules.broken_days_late for s in states):
        return PlanState(plan_id, account_no, "broken", states, "days_late")
    overdue = [s for s in states if s.status in ("missed", "partly_paid") and s.days_late > 0]
    if len(overdue) >= rules.broken_missed:
        return PlanState(plan_id, account_no, "broken", states, "missed")
    return PlanState(plan_id, account_no, "on_track", states)


def commitments_for(record: VisitRecord, plan: Plan | None, debt_total: Decimal
                    ) -> list[Commitment]:
    """The commitments a finalised (or signed) visit record creates.

    An agreed plan gives one commitment per schedule row (the down payment is row 0). A
    promise to pay (outcome ``promised_to_pay``) gives the rows of the plan discussed, if
    any, else one promise of the whole debt due on the follow-up date. Anything else gives
    none. ``debt_total`` is the debt on the visit day.
    """
    if record.state not in ("finalised", "signed"):
        return []
    start = record.start
    created = start.date() if start else None
    promised = record.outcome == "promised_to_pay"
    rows: list[tuple[int, str, date, Decimal]] = []
    if plan is not None and (record.plan_agreed or promised):
        lump = plan.terms.kind == PlanKind.LUMP_SUM
        for r in plan.schedule:
            kind = "down_payment" if r.n == 0 else ("lump_sum" if lump else "instalment")
            rows.append((r.n, kind, r.due_date, r.amount))
    elif promised and record.follow_up.date is not None and debt_total > ZERO:
        rows.append((1, "promise", record.follow_up.date, debt_total))
    if not rows:
        return []
    created = created or min(r[2] for r in rows)
    return [
        Commitment(f"{record.id}-v{record.version}-{n}", record.account_no, record.id,
                   record.version, n, kind, due, amount, min(created, due))
        for n, kind, due, amount in rows
    ]
