"""Talking points filled with this customer's figures.

The playbook's talking points are templates (``{total}``, ``{officer}``…, the names in
:data:`visitdesk.core.playbook.PLACEHOLDERS`). :func:`placeholder_values` computes the values
from the account, the settings, the debt breakdown on the visit date and the record's plan;
:func:`fill` puts them in, leaving a visible blank for anything not known yet (for example
the monthly amount before a plan is drafted) and saying which placeholders were missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from visitdesk.core.accounts import Account
from visitdesk.core.capitals import to_capitals
from visitdesk.core.debt import DebtBreakdown, breakdown
from visitdesk.core.errors import InputError
from visitdesk.core.money import format_yuan
from visitdesk.core.plans import Plan, PlanTerms, build_plan
from visitdesk.core.playbook import ANSWER_PREFIX, Playbook, TalkingPoint, Text
from visitdesk.core.settings import Settings
from visitdesk.core.speech import (
    date_words,
    full_months,
    money_words,
    overdue_period,
    spoken_list,
)
from visitdesk.core.visit import VisitRecord
from visitdesk.i18n import tr

COMPLAINT_HOTLINE = "12378"
"""The national financial consumer complaint hotline."""
BLANK = "____"
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+(?:\.[a-z0-9_]+)?)\}")


@dataclass(frozen=True)
class FilledText:
    text: str
    missing: tuple[str, ...] = ()
    """Placeholders that had no value (shown as ``____``)."""


def visit_date(record: VisitRecord | None) -> date | None:
    start = record.start if record else None
    return start.date() if start else None


def plan_for(record: VisitRecord | None, account: Account, settings: Settings) -> Plan | None:
    """The record's plan built with its schedule, or None when there is none or it is invalid."""
    if record is None or not record.plan:
        return None
    try:
        terms = PlanTerms.from_json(record.plan)
        return build_plan(terms, breakdown(account, settings, terms.start), settings)
    except (InputError, ValueError, ArithmeticError):
        return None


def figures_date(record: VisitRecord | None) -> date:
    """The day the figures are said on: the visit's day, else today (a briefing, a draft)."""
    return visit_date(record) or date.today()


def spoken_debt(account: Account, settings: Settings,
                record: VisitRecord | None = None) -> DebtBreakdown:
    """The figures a talking point states: projected to the visit day when rates are set,
    otherwise the bank's data as of its date, with the days overdue counted to that same
    date so that one sentence never mixes two dates."""
    debt = breakdown(account, settings, visit_date(record))
    if not debt.projected and debt.as_of and debt.on != debt.as_of:
        debt = breakdown(account, settings, debt.as_of)
    return debt


def figures_age(account: Account, record: VisitRecord | None) -> int | None:
    """Days between the bank's data date and the visit day (None when the data has no date)."""
    if account.as_of is None:
        return None
    return (figures_date(record) - account.as_of).days


def point_facts(account: Account, settings: Settings,
                record: VisitRecord | None = None) -> frozenset[str]:
    """The conditions (:data:`~visitdesk.core.playbook.POINT_CONDITIONS`) that hold for this
    visit; a talking point with ``when`` is said only when its condition is among them."""
    debt = spoken_debt(account, settings, record)
    facts = {"figures_projected" if debt.projected else "figures_not_projected"}
    age = figures_age(account, record)
    if age is not None and age > settings.stale_figures_days:
        facts.add("figures_stale")
    return frozenset(facts)


def placeholder_values(account: Account, settings: Settings, record: VisitRecord | None = None,
                       playbook: Playbook | None = None,
                       lang: str | None = None) -> dict[str, str]:
    """Every placeholder that has a value for this visit, as it is said aloud (money with its
    unit, dates as people say them, the overdue period rounded down)."""
    from visitdesk import i18n

    lang = lang or i18n.language()
    on = visit_date(record)
    values: dict[str, str] = {
        "bank": settings.bank_name,
        "branch": settings.branch or account.branch,
        "officer": (record.officer.name if record else "") or settings.officer_name,
        "staff_no": (record.officer.staff_no if record else "") or settings.staff_no,
        "officer_phone": settings.officer_phone,
        "companion": record.companion.name if record and record.companion else "",
        "hotline": settings.bank_hotline,
        "complaint_hotline": COMPLAINT_HOTLINE,
        "customer": account.name,
        "account_tail": account.account_no[-4:],
        "visit_date": date_words(on, lang) if on else "",
    }
    debt = spoken_debt(account, settings, record)
    currency = account.currency or "CNY"

    def money(amount: Decimal) -> str:
        return money_words(amount, lang, currency)

    product = debt.product_type if debt.product_type in ("card", "loan") else "card"
    items = []
    for name in ("principal", "interest", "late_fee", "other_fees"):
        amount = debt.component(name)
        if amount != 0:  # a zero item is not read out
            key = f"speech.item.late_fee.{product}" if name == "late_fee" else \
                f"speech.item.{name}"
            items.append(tr(key, lang=lang, amount=money(amount)))
    if debt.unitemised:
        items.append(tr("speech.item.unitemised", lang=lang, amount=money(debt.unitemised)))
    age = figures_age(account, record)
    values.update({
        "total": money(debt.total),
        "principal": money(debt.principal),
        "interest": money(debt.interest),
        "late_fee": money(debt.late_fee),
        "other_fees": money(debt.other_fees),
        "debt_items": spoken_list(items, lang),
        "late_fee_name": tr(f"speech.late_fee_name.{product}", lang=lang),
        "as_of": date_words(debt.as_of, lang) if debt.as_of else "",
        "figures_age_days": str(age) if age is not None and age >= 0 else "",
        "overdue_days": "" if debt.overdue_days is None else str(debt.overdue_days),
        "overdue_months": ("" if debt.overdue_days is None
                           else str(full_months(debt.overdue_days))),
        "overdue_period": ("" if debt.overdue_days is None
                           else overdue_period(debt.overdue_days, lang)),
        "total_capitals": to_capitals(debt.total),
    })
    plan = plan_for(record, account, settings)
    if plan is not None:
        rows = plan.instalments
        values.update({
            "monthly": money(plan.monthly_amount),
            "months": str(len(rows)),
            "plan_total": money(plan.total_payable),
            "first_due": date_words(rows[0].due_date, lang) if rows else "",
            "last_due": date_words(plan.last_due, lang),
        })
    if record is not None and playbook is not None:
        for stage in playbook.stages:
            answers = record.answers.get(stage.id, {})
            for f in stage.fields:
                text = _answer_text(f, answers.get(f.id), lang)
                if text:
                    values[ANSWER_PREFIX + f.id] = text
    if record is not None:
        if record.follow_up.date:
            values["follow_up_date"] = date_words(record.follow_up.date, lang)
        if record.follow_up.channel and playbook is not None:
            channel = playbook.channel(record.follow_up.channel)
            if channel:
                values["follow_up_channel"] = channel.label.get(lang)
    return {k: v for k, v in values.items() if v}


def _answer_text(f: Any, value: Any, lang: str) -> str:
    """An answer as a talking point can quote it: option labels for choices, dates as said,
    text otherwise."""
    if value is None or value == "" or value == []:
        return ""
    if f.options:
        ids = value if isinstance(value, list) else [value]
        labels = [o.label.get(lang) for o in f.options if o.id in ids]
        return ("、" if lang == "zh_CN" else ", ").join(labels)
    if isinstance(value, bool):
        return ""
    if f.type == "date":
        try:
            return date_words(date.fromisoformat(str(value)), lang)
        except ValueError:
            return str(value)
    return str(value)


def applicable_points(points: tuple[Text, ...], facts: frozenset[str]) -> list[Text]:
    """The talking points whose ``when`` condition holds (all of those without one)."""
    return [p for p in points if not isinstance(p, TalkingPoint) or p.applies(facts)]


def fill(template: Text | str, values: dict[str, str], lang: str | None = None) -> FilledText:
    """The template with its placeholders replaced; unknown values become ``____``."""
    text = template.get(lang) if isinstance(template, Text) else template
    missing: list[str] = []

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in values:
            return values[name]
        if name not in missing:
            missing.append(name)
        return BLANK

    return FilledText(_PLACEHOLDER_RE.sub(sub, text), tuple(missing))


def stage_points(playbook: Playbook, stage_id: str, account: Account, settings: Settings,
                 record: VisitRecord | None = None, lang: str | None = None) -> list[FilledText]:
    """The talking points of one stage, filled for this visit."""
    stage = playbook.stage(stage_id)
    if stage is None:
        return []
    values = placeholder_values(account, settings, record, playbook, lang)
    facts = point_facts(account, settings, record)
    return [fill(t, values, lang) for t in applicable_points(stage.talking_points, facts)]


def situation_guidance(playbook: Playbook, situation_id: str, account: Account,
                       settings: Settings, record: VisitRecord | None = None,
                       lang: str | None = None) -> list[FilledText]:
    situation = playbook.situation(situation_id)
    if situation is None:
        return []
    """The situation's guidance (what to do), then its talking points (what to say), filled
    for this visit."""
    values = placeholder_values(account, settings, record, playbook, lang)
    facts = point_facts(account, settings, record)
    out = [fill(t, values, lang) for t in situation.guidance]
    for point in applicable_points(situation.talking_points, facts):
        said = fill(point, values, lang)
        out.append(FilledText(tr("speech.situation.say", lang=lang, text=said.text),
                              said.missing))
    return out


def plan_summary(record: VisitRecord, account: Account | None, settings: Settings) -> str:
    """One line describing the record's plan (``""`` when there is none), e.g.
    ``分期 12 期，每期 ¥1,037.50，合计 ¥12,450.00，首期 2026-12-20（已约定）``."""
    from visitdesk.i18n import tr

    if not record.plan:
        return ""
    plan = plan_for(record, account, settings) if account is not None else None
    kind = str(record.plan.get("kind", ""))
    status = tr("visit.plan.agreed" if record.plan_agreed else "visit.plan.draft")
    if plan is None:
        return tr("visit.plan.summary_unbuilt", kind=tr(f"visit.plan.kind.{kind}"),
                  status=status)
    rows = plan.instalments
    return tr("visit.plan.summary", kind=tr(f"visit.plan.kind.{kind}"), months=len(rows),
              monthly=format_yuan(plan.monthly_amount), total=format_yuan(plan.total_payable),
              first_due=rows[0].due_date.isoformat() if rows else plan.last_due.isoformat(),
              status=status)
