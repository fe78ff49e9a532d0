"""Contact attempts on every channel, and the rules that apply to each.

Every attempt to reach a customer is recorded: a visit (written automatically when a visit is
finalised), a call, an SMS, an e-mail or a letter. The contact-hours window (no contact from
``Settings.contact_end`` to ``contact_start`` the next morning) and the bank's frequency limits
(per channel, per day and per rolling week) apply to every channel; a contact outside them is
refused unless the customer's consent is recorded, exactly as for visits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from visitdesk.core.errors import InputError
from visitdesk.core.settings import Settings
from visitdesk.core.validation import _outside_hours as outside_contact_hours
from visitdesk.i18n import tr

CHANNELS = ("visit", "phone", "sms", "email", "letter")
RESULTS = ("reached", "no_answer", "wrong_number", "refused", "promised", "disputed", "sent")
"""``sent``: a one-way message (SMS, e-mail, letter) the officer marked as sent."""
HOURS_EXEMPT = ("letter",)
"""Channels the contact-hours window does not apply to (a letter is read when the customer
chooses)."""

OUTCOME_RESULTS = {
    "promised_to_pay": "promised", "instalment_agreement": "promised",
    "settled_in_full": "reached", "partial_payment": "reached", "disputes": "disputed",
    "cannot_pay_yet": "reached", "rescheduled": "reached", "refused_to_talk": "refused",
    "customer_not_met": "no_answer", "wrong_address": "wrong_number",
}
"""The contact result a finalised visit's outcome writes."""


@dataclass(frozen=True)
class Contact:
    """One attempt to reach the customer."""

    account_no: str
    channel: str
    at: datetime
    """When, as the wall clock showed (compared with the contact hours as written)."""
    who: str
    """The officer (name and staff number as the settings give them)."""
    result: str
    note: str = ""
    consent: bool = False
    """The customer agreed to this contact outside the rules (hours or frequency)."""
    id: int | None = None
    visit_id: str | None = None
    """The visit that wrote it, for ``channel == "visit"``."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "account_no": self.account_no, "channel": self.channel,
            "at": self.at.isoformat(), "who": self.who, "result": self.result,
            "note": self.note, "consent": self.consent, "visit_id": self.visit_id,
        }


@dataclass(frozen=True)
class ContactLimit:
    channel: str
    per_day: int
    per_week: int


def parse_limits(entries: Sequence[str]) -> dict[str, ContactLimit]:
    """``Settings.contact_limits`` (``"phone:3/10"`` = at most 3 a day and 10 in any 7 days)."""
    limits: dict[str, ContactLimit] = {}
    for entry in entries:
        try:
            channel, counts = entry.split(":")
            day, week = counts.split("/")
            limit = ContactLimit(channel.strip(), int(day), int(week))
        except ValueError:
            raise InputError(tr("cycle.error.bad_limit", entry=entry)) from None
        if limit.channel not in CHANNELS or limit.per_day < 0 or limit.per_week < 0:
            raise InputError(tr("cycle.error.bad_limit", entry=entry))
        limits[limit.channel] = limit
    return limits


@dataclass(frozen=True)
class ContactProblem:
    code: str
    """``contact_hours``, ``per_day`` or ``per_week``."""
    message: str


def contact_problems(contact: Contact, history: Sequence[Contact], settings: Settings
                     ) -> list[ContactProblem]:
    """What makes this contact break the rules (empty when it keeps them).

    ``history`` is the account's earlier contacts (any channel; only the same channel counts
    for the limits). The consent flag is not looked at here: the caller refuses a contact
    with problems unless consent is recorded.
    """
    problems: list[ContactProblem] = []
    if contact.channel not in HOURS_EXEMPT and outside_contact_hours(contact.at, None, settings):
        problems.append(ContactProblem("contact_hours", tr(
            "cycle.rule.contact_hours", at=contact.at.strftime("%Y-%m-%d %H:%M"),
            start=settings.contact_start.strftime("%H:%M"),
            end=settings.contact_end.strftime("%H:%M"))))
    limit = parse_limits(settings.contact_limits).get(contact.channel)
    if limit is not None:
        same = [c for c in history if c.channel == contact.channel
                and (contact.id is None or c.id != contact.id)]
        day = contact.at.date()
        today = sum(1 for c in same if c.at.date() == day)
        week_start = day - timedelta(days=6)
        week = sum(1 for c in same if week_start <= c.at.date() <= day)
        channel = tr(f"cycle.channel.{contact.channel}")
        if today >= limit.per_day:
            problems.append(ContactProblem("per_day", tr(
                "cycle.rule.per_day", channel=channel, limit=limit.per_day, count=today)))
        if week >= limit.per_week:
            problems.append(ContactProblem("per_week", tr(
                "cycle.rule.per_week", channel=channel, limit=limit.per_week, count=week)))
    return problems
