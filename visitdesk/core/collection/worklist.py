"""The officer's worklist for a day: whom to call, whom to visit, whose promise broke.

An account is on the list for one or more reasons, most urgent first:

1. ``broken_plan``: a plan or promise is broken (the bank's rules in ``CycleRules``);
2. ``missed``: a payment is past its due date and grace but the plan is not broken yet;
3. ``follow_up``: an earlier visit scheduled a follow-up for this day (or before, not yet done);
4. ``due_soon``: a payment falls due within the next ``days`` days;
5. ``never_contacted``: no contact of any kind yet, ranked by amount × days overdue.

Each entry carries its reasons and the last contact, so the officer sees why it is there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from visitdesk.core.collection.commitments import AccountAllocation
from visitdesk.core.collection.contacts import Contact
from visitdesk.core.money import money_str

REASONS = ("broken_plan", "missed", "follow_up", "due_soon", "never_contacted")


@dataclass(frozen=True)
class Reason:
    code: str
    """One of :data:`REASONS`."""
    on: date | None = None
    """The due date, follow-up date … the reason is about."""
    amount: Decimal | None = None
    """The payment concerned (outstanding part), or the debt for ``never_contacted``."""
    ref: str = ""
    """Commitment id, visit id or plan id it comes from."""

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "on": self.on.isoformat() if self.on else None,
                "amount": money_str(self.amount) if self.amount is not None else None,
                "ref": self.ref}


@dataclass(frozen=True)
class FollowUpDue:
    account_no: str
    visit_id: str
    on: date
    channel: str | None


@dataclass(frozen=True)
class NeverContacted:
    account_no: str
    total: Decimal
    overdue_days: int

    @property
    def score(self) -> Decimal:
        return self.total * max(self.overdue_days, 1)


@dataclass(frozen=True)
class WorklistEntry:
    account_no: str
    reasons: tuple[Reason, ...]
    last_contact: Contact | None = None

    @property
    def rank(self) -> int:
        return min(REASONS.index(r.code) for r in self.reasons)

    def to_json(self) -> dict[str, Any]:
        return {"account_no": self.account_no, "reasons": [r.to_json() for r in self.reasons],
                "last_contact": self.last_contact.to_json() if self.last_contact else None}


def build_worklist(today: date, days: int, allocations: Iterable[AccountAllocation],
                   follow_ups: Iterable[FollowUpDue], never_contacted: Iterable[NeverContacted],
                   last_contacts: Mapping[str, Contact]) -> list[WorklistEntry]:
    """The day's list, most urgent first (see the module docstring for the order)."""
    return assemble(today, plan_reasons(today, days, allocations), follow_ups,
                    never_contacted, last_contacts)


def plan_reasons(today: date, days: int, allocations: Iterable[AccountAllocation]
                 ) -> dict[str, list[Reason]]:
    """The reasons the accounts' plans give to be on the list (broken, missed, due soon)."""
    reasons: dict[str, list[Reason]] = {}
    horizon = today + timedelta(days=days)
    for alloc in allocations:
        for plan in alloc.plans:
            if plan.state in ("completed", "superseded"):
                continue
            open_states = [s for s in plan.commitments
                           if s.status in ("due", "partly_paid", "missed")]
            late = [s for s in open_states if s.days_late > 0]
            if plan.state == "broken":
                first = min(late or open_states, key=lambda s: s.commitment.due_date)
                reasons.setdefault(alloc.account_no, []).append(Reason(
                    "broken_plan", first.commitment.due_date, first.outstanding, plan.plan_id))
            elif late:
                first = min(late, key=lambda s: s.commitment.due_date)
                reasons.setdefault(alloc.account_no, []).append(Reason(
                    "missed", first.commitment.due_date, first.outstanding,
                    first.commitment.id))
            soon = [s for s in open_states if s.days_late == 0
                    and today <= s.commitment.due_date <= horizon]
            if soon and plan.state != "broken":
                nxt = min(soon, key=lambda s: s.commitment.due_date)
                reasons.setdefault(alloc.account_no, []).append(Reason(
                    "due_soon", nxt.commitment.due_date, nxt.outstanding, nxt.commitment.id))
    return reasons


def assemble(today: date, reasons: dict[str, list[Reason]], follow_ups: Iterable[FollowUpDue],
             never_contacted: Iterable[NeverContacted], last_contacts: Mapping[str, Contact]
             ) -> list[WorklistEntry]:
    """Add follow-ups and never-contacted accounts to the plans' reasons; order the list."""
    reasons = {no: list(rs) for no, rs in reasons.items()}
    for f in follow_ups:
        if f.on <= today:
            reasons.setdefault(f.account_no, []).append(Reason("follow_up", f.on, None,
                                                               f.visit_id))
    never_contacted = list(never_contacted)
    for n in never_contacted:
        if n.account_no not in last_contacts:
            reasons.setdefault(n.account_no, []).append(Reason("never_contacted", None, n.total))
    entries = [WorklistEntry(no, tuple(sorted(rs, key=lambda r: REASONS.index(r.code))),
                             last_contacts.get(no)) for no, rs in reasons.items()]
    scores = {n.account_no: n.score for n in never_contacted}

    def key(e: WorklistEntry) -> tuple:
        first = e.reasons[0]
        when = first.on or date.max
        return (e.rank, when, -scores.get(e.account_no, Decimal(0)), e.account_no)

    return sorted(entries, key=key)
