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
from typing import Any

from visitdesk.core.accounts import Account
from visitdesk.core.capitals import to_capitals
from visitdesk.core.debt import DebtBreakdown, breakdown
from visitdesk.core.errors import InputError
from visitdesk.core.money import format_yuan
from visitdesk.core.plans import Plan, PlanTerms, build_plan
from visitdesk.core.playbook import ANSWER_PREFIX, Playbook, Text
from visitdesk.core.settings import Settings
from visitdesk.core.visit import VisitRecord

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


def placeholder_values(account: Account, settings: Settings, record: VisitRecord | None = None,
                       playbook: Playbook | None = None,
                       lang: str | None = None) -> dict[str, str]:
    """Every placeholder that has a value for this visit, as display text."""
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
        "visit_date": on.isoformat() if on else "",
    }
    debt = breakdown(account, settings, on)
    if not debt.projected and debt.as_of and debt.on != debt.as_of:
        # without configured rates the figures stand as of the spreadsheet's date; state the
        # days overdue on that same date, so one sentence never mixes two dates
        debt = breakdown(account, settings, debt.as_of)
    values.update({
        "total": format_yuan(debt.total),
        "principal": format_yuan(debt.principal),
        "interest": format_yuan(debt.interest),
        "late_fee": format_yuan(debt.late_fee),
        "other_fees": format_yuan(debt.other_fees),
        "as_of": _as_of(debt),
        "overdue_days": "" if debt.overdue_days is None else str(debt.overdue_days),
        "overdue_months": "" if debt.overdue_months is None else str(debt.overdue_months),
        "total_capitals": to_capitals(debt.total),
    })
    plan = plan_for(record, account, settings)
    if plan is not None:
        rows = plan.instalments
        values.update({
            "monthly": format_yuan(plan.monthly_amount),
            "months": str(len(rows)),
            "plan_total": format_yuan(plan.total_payable),
            "first_due": rows[0].due_date.isoformat() if rows else "",
            "last_due": plan.last_due.isoformat(),
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
            values["follow_up_date"] = record.follow_up.date.isoformat()
        if record.follow_up.channel and playbook is not None:
            channel = playbook.channel(record.follow_up.channel)
            if channel:
                values["follow_up_channel"] = channel.label.get(lang)
    return {k: v for k, v in values.items() if v}


def _answer_text(f: Any, value: Any, lang: str) -> str:
    """An answer as a talking point can quote it: option labels for choices, text otherwise."""
    if value is None or value == "" or value == []:
        return ""
    if f.options:
        ids = value if isinstance(value, list) else [value]
        labels = [o.label.get(lang) for o in f.options if o.id in ids]
        return ("、" if lang == "zh_CN" else ", ").join(labels)
    if isinstance(value, bool):
        return ""
    return str(value)


def _as_of(debt: DebtBreakdown) -> str:
    """The date the stated figures are true on: the visit date only when projected to it."""
    day = debt.on if debt.projected and debt.on else debt.as_of
    return day.isoformat() if day else ""


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
    return [fill(t, values, lang) for t in stage.talking_points]


def situation_guidance(playbook: Playbook, situation_id: str, account: Account,
                       settings: Settings, record: VisitRecord | None = None,
                       lang: str | None = None) -> list[FilledText]:
    situation = playbook.situation(situation_id)
    if situation is None:
        return []
    values = placeholder_values(account, settings, record, playbook, lang)
    return [fill(t, values, lang) for t in situation.guidance]


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
