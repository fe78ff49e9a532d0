"""A day of visits in a sensible order, without a map service.

The officer picks the accounts to visit on a day. The addresses are grouped by their district
(the administrative part of a Chinese address: province, city, district or county), the
districts are taken in the order the officer first named them, and the stops within a district
by the rest of the address (so the same road and compound come together). Each stop gets a
planned time: visits of ``minutes`` each, ``travel`` minutes between stops in one district and
twice that between districts. Every planned visit is checked against the contact hours; one that
would start before ``contact_start`` or run past ``contact_end`` is flagged (it needs the
customer's consent, as any visit does).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from visitdesk.core.accounts import Account
from visitdesk.core.settings import Settings
from visitdesk.core.validation import _outside_hours as outside_contact_hours

_ADMIN = re.compile(
    r"^\s*((?:[^省市区县旗]{2,8}?(?:省|自治区))?"
    r"(?:[^省市区县旗]{2,8}?(?:市|自治州|地区|盟))?"
    r"(?:[^省路街道巷弄号\d\s]{1,8}?(?:区|县|旗|市))?)")


def district_of(address: str) -> str:
    """The administrative prefix of an address (``山东省青岛市市南区``), or ``""``."""
    match = _ADMIN.match(address or "")
    return match.group(1) if match else ""


@dataclass(frozen=True)
class Stop:
    order: int
    account_no: str
    name: str
    address: str
    district: str
    start: datetime
    end: datetime
    outside_hours: bool
    """The planned visit starts before the contact hours or runs past them."""

    def to_json(self) -> dict[str, Any]:
        return {"order": self.order, "account_no": self.account_no, "address": self.address,
                "district": self.district, "start": self.start.isoformat(timespec="minutes"),
                "end": self.end.isoformat(timespec="minutes"),
                "outside_hours": self.outside_hours}


def plan_day(accounts: Sequence[Account], day: date, settings: Settings, *,
             start: time = time(9, 0), minutes: int = 60, travel: int = 30) -> list[Stop]:
    """The stops in visiting order with their planned times (see the module docstring)."""
    if minutes <= 0 or travel < 0:
        raise ValueError("minutes must be positive and travel not negative")
    districts: dict[str, list[Account]] = {}
    for account in dict((a.account_no, a) for a in accounts).values():
        districts.setdefault(district_of(account.address), []).append(account)
    stops: list[Stop] = []
    moment = datetime.combine(day, start)
    previous: str | None = None
    for district, group in districts.items():
        for account in sorted(group, key=lambda a: (a.address[len(district):], a.account_no)):
            if previous is not None:
                moment += timedelta(minutes=travel if district == previous else 2 * travel)
            end = moment + timedelta(minutes=minutes)
            stops.append(Stop(len(stops) + 1, account.account_no, account.name,
                              account.address, district, moment, end,
                              outside_contact_hours(moment, end, settings)))
            moment, previous = end, district
    return stops
