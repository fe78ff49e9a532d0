"""The rules a visit record must pass before it can be finalised.

:func:`validate` never raises for a rule broken by the record: it returns a frozen
:class:`ValidationReport`. Errors block finalising; warnings block it too until the officer
acknowledges them (their ``key`` goes into ``record.warnings_acknowledged``). Every issue
carries a ``location`` (``stages.<stage>.<field>``, ``situations.<id>.<field>``,
``conduct.<item>`` or a record key) so that the window can jump to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import Any

from visitdesk.core.accounts import Account
from visitdesk.core.debt import breakdown
from visitdesk.core.errors import InputError
from visitdesk.core.lexicon import Lexicon, screen
from visitdesk.core.plans import PlanTerms, build_plan
from visitdesk.core.playbook import (
    FREE_TEXT_TYPES,
    Field,
    Playbook,
    Text,
    is_blank,
    value_problem,
)
from visitdesk.core.settings import Settings
from visitdesk.core.visit import Acknowledgement, VisitRecord, trigger_values
from visitdesk.i18n import tr


@dataclass(frozen=True)
class ValidationIssue:
    code: str
    """Rule that found it: ``required``, ``contact_hours``, ``third_party``, ``lexicon``…"""
    severity: str
    """``error`` (blocks finalising) or ``warning`` (must be acknowledged)."""
    location: str
    message_key: str
    params: dict[str, Any] = field(default_factory=dict, compare=False)
    detail: str = ""
    """Distinguishes issues of the same code at the same place (the phrase, for the lexicon)."""
    acknowledged: bool = False
    acknowledgement: Acknowledgement | None = field(default=None, compare=False)
    """Who acknowledged the warning and why (when acknowledged)."""

    @property
    def key(self) -> str:
        """Stable identity, used to acknowledge a warning."""
        base = f"{self.code}@{self.location}"
        return f"{base}#{self.detail}" if self.detail else base

    def message(self, lang: str | None = None) -> str:
        """The message in ``lang``; playbook texts among the params follow it too."""
        params = {k: v.get(lang) if isinstance(v, Text) else v for k, v in self.params.items()}
        return tr(self.message_key, lang=lang, **params)

    @property
    def section(self) -> str:
        """``stages``, ``situations``, ``conduct``, ``plan``… (first part of the location)."""
        return self.location.split(".", 1)[0]

    def to_json(self, lang: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity,
                               "location": self.location, "message": self.message(lang),
                               "key": self.key}
        if self.severity == "warning":
            out["acknowledged"] = self.acknowledged
            if self.acknowledgement is not None:
                out["acknowledged_by"] = self.acknowledgement.by
                out["reason"] = self.acknowledgement.reason
        if self.code == "lexicon":
            out["phrase"] = self.params.get("phrase", "")
            out["category"] = self.params.get("category_id", "")
            out["rule"] = self.params.get("rule", "")
            out["quoted"] = bool(self.params.get("quoted"))
            out["needs_supervisor"] = bool(self.params.get("needs_supervisor"))
        return out


@dataclass(frozen=True)
class ValidationReport:
    issues: tuple[ValidationIssue, ...] = ()

    @property
    def errors(self) -> tuple[ValidationIssue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[ValidationIssue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def unacknowledged(self) -> tuple[ValidationIssue, ...]:
        return tuple(i for i in self.warnings if not i.acknowledged)

    @property
    def can_finalise(self) -> bool:
        return not self.errors and not self.unacknowledged

    def at(self, location_prefix: str) -> tuple[ValidationIssue, ...]:
        """Issues whose location starts with ``location_prefix`` (e.g. ``stages.opening``)."""
        return tuple(i for i in self.issues if i.location == location_prefix
                     or i.location.startswith(location_prefix + "."))

    def codes(self) -> set[str]:
        return {i.code for i in self.issues}

    def to_json(self, lang: str | None = None) -> dict[str, Any]:
        return {
            "can_finalise": self.can_finalise,
            "errors": [i.to_json(lang) for i in self.errors],
            "warnings": [i.to_json(lang) for i in self.warnings],
        }

    def text(self, lang: str | None = None) -> str:
        """Human-readable lines, errors first (for the CLI)."""
        lines = []
        for i in self.errors:
            lines.append(tr("visit.report.error_line", lang=lang, location=i.location,
                            message=i.message(lang)))
        for i in self.warnings:
            key = "visit.report.ack_line" if i.acknowledged else "visit.report.warning_line"
            lines.append(tr(key, lang=lang, location=i.location, message=i.message(lang),
                            key=i.key))
        return "\n".join(lines)


def acknowledged_keys(record: VisitRecord) -> set[str]:
    """Warning keys that stand acknowledged: listed, and with who acknowledged and why."""
    acks = record.acknowledgements
    return {k for k in record.warnings_acknowledged
            if k in acks and acks[k].reason.strip() and acks[k].by.strip()}


class _Collector:
    def __init__(self, record: VisitRecord) -> None:
        self.issues: list[ValidationIssue] = []
        self.acknowledged = acknowledged_keys(record)
        self.record = record
        self.acknowledgements = record.acknowledgements

    def add(self, severity: str, code: str, location: str, detail: str = "",
            **params: Any) -> None:
        issue = ValidationIssue(code, severity, location, f"visit.rule.{code}", params, detail)
        if severity == "warning" and issue.key in self.acknowledged:
            issue = replace(issue, acknowledged=True,
                            acknowledgement=self.acknowledgements[issue.key])
        self.issues.append(issue)

    def error(self, code: str, location: str, detail: str = "", **params: Any) -> None:
        self.add("error", code, location, detail, **params)

    def warning(self, code: str, location: str, detail: str = "", **params: Any) -> None:
        self.add("warning", code, location, detail, **params)


def _wall(moment: datetime) -> datetime:
    """Wall-clock time as written (aware and naive times compare without raising)."""
    return moment.replace(tzinfo=None)


def _outside_hours(start: datetime, end: datetime | None, settings: Settings) -> bool:
    """A visit starting before ``contact_start``, at or after ``contact_end``, or running past
    ``contact_end`` (or into the next day)."""
    lo: time = settings.contact_start
    hi: time = settings.contact_end
    st = start.timetz().replace(tzinfo=None)
    if st < lo or st >= hi:
        return True
    if end is not None:
        if end.date() != start.date():
            return True
        en = end.timetz().replace(tzinfo=None)
        if en > hi or en < lo:
            return True
    return False


def _check_fields(c: _Collector, fields: tuple[Field, ...], answers: dict[str, Any],
                  location: str, title: str, required: bool, lexicon: Lexicon | None) -> None:
    known = {f.id for f in fields}
    for f in fields:
        loc = f"{location}.{f.id}"
        value = answers.get(f.id)
        if not f.visible(answers):
            continue
        if is_blank(value):
            if required and f.required:
                c.error("required", loc, section=title, field=f.label.get())
            continue
        problem = value_problem(f, value)
        if problem:
            c.error("bad_value", loc, section=title, field=f.label.get(), problem=tr(problem))
            continue
        if f.type in FREE_TEXT_TYPES and lexicon is not None and isinstance(value, str):
            _screen(c, value, loc, f"{title} · {f.label.get()}", lexicon)
    for fid in answers:
        if fid not in known:
            c.warning("unknown_field", f"{location}.{fid}", section=title, field=fid)


def _screen(c: _Collector, text: str, location: str, where: str, lexicon: Lexicon) -> None:
    """Lexicon hits in one text. A ``warning`` hit is acknowledged by the officer; a ``block``
    hit (threats, disclosure, insults) stands only when the words are quoted as the customer's
    own (then the officer acknowledges it like a warning) or when someone other than the
    visit's officer and companion (a supervisor: the acknowledgement names neither of them nor
    their staff numbers) acknowledges it with a reason; an ``error`` hit always blocks."""
    record = c.record
    visitors = {v.strip() for p in (record.officer, record.companion) if p is not None
                for v in (p.name, p.staff_no) if v.strip()}
    seen: set[str] = set()
    for hit in screen(text, lexicon):
        rule = hit.rule
        if rule.id in seen:
            continue  # one issue per rule and place: one acknowledgement covers the text
        seen.add(rule.id)
        params = dict(phrase=hit.phrase, rule=rule.id, where=where, excerpt=hit.excerpt,
                      category=lexicon.category_label(rule.category),
                      category_id=rule.category, quoted=hit.quoted)
        if rule.severity != "block" or hit.quoted:
            severity = "warning" if rule.severity == "block" else rule.severity
            key = "lexicon.rule.quoted" if rule.severity == "block" else "visit.rule.lexicon"
            issue = ValidationIssue("lexicon", severity, location, key, params, rule.id)
            ack = c.acknowledgements.get(issue.key)
            if severity == "warning" and issue.key in c.acknowledged and ack is not None:
                issue = replace(issue, acknowledged=True, acknowledgement=ack)
        else:
            params["needs_supervisor"] = True
            issue = ValidationIssue("lexicon", "warning", location, "lexicon.rule.block", params,
                                    rule.id)
            ack = c.acknowledgements.get(issue.key)
            if issue.key in c.acknowledged and ack is not None \
                    and not any(v in ack.by for v in visitors):
                issue = replace(issue, acknowledged=True, acknowledgement=ack)
        c.issues.append(issue)


def raised_situations(record: VisitRecord, playbook: Playbook) -> tuple[str, ...]:
    """Situations opened by hand or by a trigger, in playbook order (unknown ids last)."""
    ids = set(record.situations) | set(
        playbook.triggered_situations(record.answers, trigger_values(record)))
    ordered = [s.id for s in playbook.situations if s.id in ids]
    return tuple(ordered + sorted(ids - set(ordered)))


def validate(record: VisitRecord, playbook: Playbook, settings: Settings,
             account: Account | None = None, lexicon: Lexicon | None = None) -> ValidationReport:
    """Check every rule; never raises for a problem of the record."""
    c = _Collector(record)
    outcome = playbook.outcome(record.outcome)
    conversation = outcome.conversation if outcome else True

    # --- what happened: outcome and follow-up ---------------------------------------------
    if record.outcome is None:
        c.error("outcome_missing", "outcome")
    elif outcome is None:
        c.error("outcome_unknown", "outcome", value=record.outcome)
    if outcome is None or outcome.needs_follow_up:
        if record.follow_up.date is None:
            c.error("follow_up_date_missing", "follow_up.date")
        if record.follow_up.channel is None:
            c.error("follow_up_channel_missing", "follow_up.channel")
    channel = record.follow_up.channel
    if channel is not None and playbook.channel(channel) is None:
        c.error("follow_up_channel_unknown", "follow_up.channel", value=channel)
    start = record.actual_start
    if record.follow_up.date and start and record.follow_up.date < start.date():
        c.error("follow_up_before_visit", "follow_up.date",
                date=record.follow_up.date.isoformat())

    # --- when: actual times and contact hours ---------------------------------------------
    if record.actual_start is None:
        c.error("actual_start_missing", "actual_start")
    if record.actual_end is None:
        c.error("actual_end_missing", "actual_end")
    if (record.actual_start and record.actual_end
            and _wall(record.actual_end) < _wall(record.actual_start)):
        c.error("end_before_start", "actual_end")
    when = record.actual_start or record.planned_start
    if when is not None:
        end = record.actual_end if record.actual_start else record.planned_end
        if _outside_hours(when, end, settings) and not record.consent_outside_hours:
            c.error("contact_hours", "consent.outside_contact_hours",
                    start=settings.contact_start.strftime("%H:%M"),
                    end=settings.contact_end.strftime("%H:%M"),
                    visit=f"{when.strftime('%H:%M')}–{end.strftime('%H:%M') if end else '?'}")

    # --- who: person met, identity, others present ----------------------------------------
    choice_ids = {ch.id for ch in playbook.met_choices}
    if record.met is None:
        c.error("met_missing", "met")
    elif record.met not in choice_ids:
        c.error("bad_choice", "met", value=record.met)
    met_someone = record.met not in (None, "nobody")
    if record.met in ("customer", "guarantor"):
        if record.identity_method is None:
            c.error("identity_missing", "identity_method")
        elif record.identity_method not in {m.id for m in playbook.identity_methods}:
            c.error("bad_choice", "identity_method", value=record.identity_method)
    if met_someone:
        if record.others_present is None:
            c.error("others_present_missing", "others_present")
        elif record.others_present:
            if not record.others_who.strip():
                c.error("others_who_missing", "others_who")
            if record.debt_discussed_with_others_present is None:
                c.error("debt_discussed_missing", "debt_discussed_with_others_present")
            elif record.debt_discussed_with_others_present and not \
                    record.consent_discuss_with_others:
                c.error("third_party", "consent.discuss_with_others_present")
    _check_disclosure(c, record, playbook, conversation)
    _check_recording(c, record, conversation)

    # --- stages ---------------------------------------------------------------------------
    for stage in playbook.stages:
        _check_fields(c, stage.fields, record.answers.get(stage.id, {}), f"stages.{stage.id}",
                      stage.title.get(), conversation, lexicon)
    for stage_id in record.answers:
        if playbook.stage(stage_id) is None:
            c.warning("unknown_stage", f"stages.{stage_id}", stage=stage_id)

    # --- situations -----------------------------------------------------------------------
    raised = raised_situations(record, playbook)
    for sid in raised:
        situation = playbook.situation(sid)
        if situation is None:
            c.error("unknown_situation", f"situations.{sid}", situation=sid)
            continue
        _check_fields(c, situation.fields, record.situation_answers(sid), f"situations.{sid}",
                      situation.title.get(), True, lexicon)

    # --- plan -----------------------------------------------------------------------------
    disputed = "dispute" in raised or record.outcome == "disputes"
    if record.plan_agreed and record.plan is None:
        c.error("plan_missing", "plan")
    if outcome is not None and outcome.needs_plan and not record.plan_agreed:
        c.error("outcome_needs_plan", "plan_agreed", outcome=outcome.label.get())
    if record.plan is not None:
        _check_plan(c, record, settings, account)
    _check_dispute_verification(c, record, disputed)

    # --- conduct --------------------------------------------------------------------------
    for item in playbook.conduct:
        if not item.applies(raised):
            continue  # an item for a situation that did not arise
        if record.conduct.get(item.id) is not True:
            c.error("conduct", f"conduct.{item.id}", item=item.label.get())

    # --- other free text ------------------------------------------------------------------
    if lexicon is not None:
        for key in ("others_who", "met_name", "notes", "new_address", "address_visited"):
            _screen(c, getattr(record, key), key, tr(f"visit.label.{key}"), lexicon)

    return ValidationReport(tuple(c.issues))


MAY_DISCUSS_DEBT = ("customer", "guarantor")
"""Who the debt may be discussed with (``met`` ids), once their identity is confirmed."""
UNCONFIRMED_IDENTITY = "not_confirmed"


def may_discuss_debt(record: VisitRecord) -> bool:
    """Whether the person met is the confirmed customer or a confirmed guarantor."""
    return record.met in MAY_DISCUSS_DEBT and record.identity_method not in (
        None, UNCONFIRMED_IDENTITY)


def _check_disclosure(c: _Collector, record: VisitRecord, playbook: Playbook,
                      conversation: bool) -> None:
    """Who was met and whether the debt was discussed are recorded separately; the debt
    discussed with anyone but the confirmed customer or guarantor is a breach that blocks
    finalising (the record keeps it as it happened)."""
    if record.met == "nobody" and conversation and record.outcome is not None:
        # nobody was met, so no conversation about the debt can have been its outcome
        c.error("outcome_nobody_met", "outcome")
        return
    if record.met in (None, "nobody") or record.met not in {m.id for m in playbook.met_choices}:
        return
    if may_discuss_debt(record) or (record.met in MAY_DISCUSS_DEBT
                                    and record.identity_method is None):
        return  # the confirmed customer or guarantor, or identity not given yet (its own rule)
    who = next((m.label for m in playbook.met_choices if m.id == record.met), record.met)
    if record.debt_discussed is None:
        c.error("debt_discussed_with_met_missing", "debt_discussed", who=who)
    elif record.debt_discussed:
        c.error("disclosure", "debt_discussed", who=who)
    if conversation and record.outcome is not None and not record.debt_discussed:
        c.error("outcome_needs_customer", "outcome", who=who)


def _check_recording(c: _Collector, record: VisitRecord, conversation: bool) -> None:
    """A conversation is announced as recorded, and the recording can be found."""
    if record.met in (None, "nobody") or not (conversation or record.debt_discussed):
        return
    if record.recording_told is None:
        c.error("recording_missing", "recording_told")
    elif record.recording_told:
        if not record.recording_reference.strip():
            c.error("recording_reference_missing", "recording_reference")
    else:
        c.warning("recording_not_told", "recording_told")


def _check_dispute_verification(c: _Collector, record: VisitRecord, disputed: bool) -> None:
    """"Dispute verified" stands only with the bank's verification reference and who verified
    it; without them no plan can be agreed on a disputed debt."""
    if record.dispute_verified:
        if not record.dispute_reference.strip():
            c.error("dispute_reference_missing", "dispute_reference")
        if not record.dispute_verified_by.strip():
            c.error("dispute_verifier_missing", "dispute_verified_by")
    verified = (record.dispute_verified and record.dispute_reference.strip()
                and record.dispute_verified_by.strip())
    if record.plan_agreed and disputed and not verified:
        c.error("dispute_unverified", "dispute_verified")


def _check_plan(c: _Collector, record: VisitRecord, settings: Settings,
                account: Account | None) -> None:
    """The plan's own checks: valid terms within the cap; a waiver needs approval to agree."""
    severity = "error" if record.plan_agreed else "warning"
    try:
        terms = PlanTerms.from_json(record.plan or {})
    except (InputError, ValueError) as exc:
        c.add(severity, "plan_invalid", "plan", detail="", problem=str(exc))
        return
    if account is None:
        return
    try:
        plan = build_plan(terms, breakdown(account, settings, terms.start), settings)
    except (InputError, ValueError, ArithmeticError) as exc:
        c.add(severity, "plan_invalid", "plan", problem=str(exc))
        return
    if record.plan_agreed:
        for i, problem in enumerate(plan.agreement_problems()):
            c.error("plan_not_agreeable", "plan", detail=str(i), problem=problem)


STAGE_STATUSES = ("not_started", "in_progress", "complete", "has_problems")


def section_status(report: ValidationReport, answers: dict[str, Any], location: str) -> str:
    """Status of a stage or situation for the navigator: ``has_problems`` when the report
    has an error or an unacknowledged warning there, ``not_started`` with no answer yet,
    ``complete`` when nothing is missing, else ``in_progress``.

    ``location`` is ``stages.<id>`` or ``situations.<id>``; ``answers`` its answers.
    """
    issues = report.at(location)
    answered = any(not is_blank(v) for v in answers.values())
    if not answered:
        return "not_started"
    if any(i.code != "required" and (i.severity == "error" or not i.acknowledged)
           for i in issues):
        return "has_problems"
    return "in_progress" if any(i.code == "required" for i in issues) else "complete"


def stage_statuses(record: VisitRecord, playbook: Playbook,
                   report: ValidationReport) -> dict[str, str]:
    """``{stage_id: status}`` for every stage and ``{situation_id: status}`` for every
    raised situation (see :func:`section_status`)."""
    out = {s.id: section_status(report, record.answers.get(s.id, {}), f"stages.{s.id}")
           for s in playbook.stages}
    for sid in raised_situations(record, playbook):
        out[sid] = section_status(report, record.situation_answers(sid), f"situations.{sid}")
    return out
