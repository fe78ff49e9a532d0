"""The visit record: what happened at one on-site visit, as one frozen value with a JSON form.

The JSON form (``to_json``/``from_json``) is the contract shared by the case store, the
``visitdesk visit new --answers FILE.json`` command, the window and the documents; it is
documented with a full example in ``docs/visit-record.md``. A record changes only by building
a new one (``dataclasses.replace`` or the ``with_*`` helpers below); the store keeps every
saved change in the audit log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from visitdesk.core.errors import InputError
from visitdesk.i18n import tr

_T = TypeVar("_T")

RECORD_FORMAT = "visitdesk.visit/1"
STATES = ("draft", "finalised", "signed")
SIGNERS = ("officer", "customer")


@dataclass(frozen=True)
class Person:
    """An officer or companion: name and staff number."""

    name: str
    staff_no: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "staff_no": self.staff_no}


@dataclass(frozen=True)
class FollowUp:
    date: date | None = None
    channel: str | None = None
    """A follow-up channel id of the playbook (sms, email, phone, letter, revisit)."""

    def to_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat() if self.date else None, "channel": self.channel}


@dataclass(frozen=True)
class Signature:
    """A drawn signature image (filled by the documents area)."""

    png_base64: str
    signed_at: datetime

    def to_json(self) -> dict[str, str]:
        return {"png_base64": self.png_base64, "signed_at": self.signed_at.isoformat()}


@dataclass(frozen=True)
class RaisedSituation:
    """A situation that came up during the visit, with the answers to its own fields."""

    opened_by: str = "officer"
    """``officer`` (opened by hand) or ``trigger`` (an answer opened it)."""
    answers: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"opened_by": self.opened_by, "answers": dict(self.answers)}


@dataclass(frozen=True)
class Amendment:
    reason: str
    previous_version: int

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "previous_version": self.previous_version}


@dataclass(frozen=True)
class Acknowledgement:
    """Who acknowledged a validation warning, and why it may stand."""

    by: str
    """Name (and staff number, when known) of the person who acknowledged it."""
    reason: str
    """Why the warning may stand, in the acknowledger's words (required)."""
    at: datetime | None = None
    """When it was acknowledged."""

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "reason": self.reason,
                "at": self.at.isoformat() if self.at else None}


@dataclass(frozen=True)
class VisitRecord:
    """One version of one visit. Field names equal the keys of the JSON form."""

    account_no: str
    officer: Person
    id: str = ""
    """Assigned by the store (``V000001``); empty until created."""
    version: int = 1
    """1 for the original; each amendment of a finalised record adds a version."""
    state: str = "draft"
    """``draft`` → ``finalised`` (locked) → ``signed``."""
    companion: Person | None = None
    planned_start: datetime | None = None
    planned_end: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    address_visited: str = ""
    new_address: str = ""
    """The customer's new address, when they have moved."""
    met: str | None = None
    """Who was met: a ``record_choices.met`` id of the playbook (customer, guarantor, …)."""
    met_name: str = ""
    """Name of the person met, when not the customer."""
    identity_method: str | None = None
    """How the customer's identity was confirmed (``record_choices.identity_method``)."""
    debt_discussed: bool | None = None
    """Whether the debt was discussed with the person met. Recorded separately from ``met`` so
    that a conversation with someone who is not the confirmed customer (or a guarantor) can be
    recorded as it happened; such a record cannot be finalised."""
    recording_told: bool | None = None
    """The person met was told that the conversation is recorded."""
    recording_reference: str = ""
    """Where the recording can be found (file name, device and clip number), for attachments."""
    others_present: bool | None = None
    others_who: str = ""
    """Who else was present (relationship, not necessarily a name)."""
    debt_discussed_with_others_present: bool | None = None
    consent_outside_hours: bool = False
    """The customer agreed to a visit outside the contact-hours window."""
    consent_discuss_with_others: bool = False
    """The customer agreed to discuss the debt in front of the others present."""
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``{stage_id: {field_id: value}}`` in the JSON value form of each field type."""
    situations: dict[str, RaisedSituation] = field(default_factory=dict)
    """Situations raised, by id."""
    dispute_verified: bool = False
    """The dispute was checked by the bank and the debt confirmed (a plan may then be agreed)."""
    dispute_reference: str = ""
    """The bank's verification reference (核查编号) for the dispute check."""
    dispute_verified_by: str = ""
    """Who verified the dispute (name or department)."""
    plan: dict[str, Any] | None = None
    """The plan terms in the plans area's JSON form (``PlanTerms.to_json()``)."""
    plan_agreed: bool = False
    outcome: str | None = None
    """An outcome id of the playbook."""
    follow_up: FollowUp = field(default_factory=FollowUp)
    conduct: dict[str, bool] = field(default_factory=dict)
    """Conduct checklist: ``{item_id: confirmed}``."""
    warnings_acknowledged: tuple[str, ...] = ()
    """Keys of validation warnings the officer has acknowledged (``ValidationIssue.key``).
    A key counts only with its entry in ``acknowledgements`` giving who and why."""
    acknowledgements: dict[str, Acknowledgement] = field(default_factory=dict)
    """``{warning key: Acknowledgement}``: who acknowledged each warning and the reason."""
    notes: str = ""
    signatures: dict[str, Signature] = field(default_factory=dict)
    """``officer`` and/or ``customer`` drawn signatures."""
    amendment: Amendment | None = None
    customer_language: str = "zh_CN"
    """The language of the documents the customer gets (handout/agreement), chosen per visit;
    independent of the officer's interface language."""

    # --- convenience ----------------------------------------------------------------------
    @property
    def start(self) -> datetime | None:
        """The actual start, else the planned one."""
        return self.actual_start or self.planned_start

    @property
    def end(self) -> datetime | None:
        return self.actual_end or self.planned_end

    @property
    def editable(self) -> bool:
        return self.state == "draft"

    def answer(self, stage_id: str, field_id: str) -> Any:
        return self.answers.get(stage_id, {}).get(field_id)

    def situation_answers(self, situation_id: str) -> dict[str, Any]:
        """The answers of a raised situation (empty when it is not open)."""
        raised = self.situations.get(situation_id)
        return raised.answers if raised is not None else {}

    # --- JSON -----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        def dt(v: datetime | None) -> str | None:
            return v.isoformat() if v else None

        return {
            "format": RECORD_FORMAT,
            "id": self.id,
            "version": self.version,
            "state": self.state,
            "account_no": self.account_no,
            "officer": self.officer.to_json(),
            "companion": self.companion.to_json() if self.companion else None,
            "planned_start": dt(self.planned_start),
            "planned_end": dt(self.planned_end),
            "actual_start": dt(self.actual_start),
            "actual_end": dt(self.actual_end),
            "address_visited": self.address_visited,
            "new_address": self.new_address,
            "met": self.met,
            "met_name": self.met_name,
            "identity_method": self.identity_method,
            "debt_discussed": self.debt_discussed,
            "recording_told": self.recording_told,
            "recording_reference": self.recording_reference,
            "others_present": self.others_present,
            "others_who": self.others_who,
            "debt_discussed_with_others_present": self.debt_discussed_with_others_present,
            "consent": {
                "outside_contact_hours": self.consent_outside_hours,
                "discuss_with_others_present": self.consent_discuss_with_others,
            },
            "answers": {s: dict(a) for s, a in self.answers.items()},
            "situations": {k: v.to_json() for k, v in self.situations.items()},
            "dispute_verified": self.dispute_verified,
            "dispute_reference": self.dispute_reference,
            "dispute_verified_by": self.dispute_verified_by,
            "plan": self.plan,
            "plan_agreed": self.plan_agreed,
            "outcome": self.outcome,
            "follow_up": self.follow_up.to_json(),
            "conduct": dict(self.conduct),
            "warnings_acknowledged": list(self.warnings_acknowledged),
            "acknowledgements": {k: v.to_json() for k, v in self.acknowledgements.items()},
            "notes": self.notes,
            "signatures": {k: v.to_json() for k, v in self.signatures.items()},
            "amendment": self.amendment.to_json() if self.amendment else None,
            "customer_language": self.customer_language,
        }

    @classmethod
    def from_json(cls, data: Any, *, account_no: str | None = None,
                  officer: Person | None = None) -> VisitRecord:
        """Read the JSON form; missing keys take their defaults.

        ``account_no`` and ``officer`` fill in what the data leaves out (the CLI passes the
        account named on the command line and the officer of the settings). Raises
        :class:`InputError` naming the key that is wrong.
        """
        r = _Reader(data)
        acc = r.text("account_no", account_no or "") or (account_no or "")
        if account_no and acc != account_no:
            raise InputError(tr("visit.record.error.account_mismatch", found=acc,
                                expected=account_no))
        if not acc:
            raise InputError(tr("visit.record.error.missing", key="account_no"))
        off = r.person("officer") or officer
        if off is None or not off.name:
            raise InputError(tr("visit.record.error.missing", key="officer.name"))
        state = r.text("state", "draft")
        if state not in STATES:
            raise InputError(tr("visit.record.error.bad_value", key="state", value=state))
        consent = _Reader(r.obj("consent"), "consent")
        follow = _Reader(r.obj("follow_up"), "follow_up")
        return cls(
            account_no=acc,
            officer=off,
            id=r.text("id", ""),
            version=r.integer("version", 1),
            state=state,
            companion=r.person("companion"),
            planned_start=r.moment("planned_start"),
            planned_end=r.moment("planned_end"),
            actual_start=r.moment("actual_start"),
            actual_end=r.moment("actual_end"),
            address_visited=r.text("address_visited", ""),
            new_address=r.text("new_address", ""),
            met=r.opt_text("met"),
            met_name=r.text("met_name", ""),
            identity_method=r.opt_text("identity_method"),
            debt_discussed=r.opt_bool("debt_discussed"),
            recording_told=r.opt_bool("recording_told"),
            recording_reference=r.text("recording_reference", ""),
            others_present=r.opt_bool("others_present"),
            others_who=r.text("others_who", ""),
            debt_discussed_with_others_present=r.opt_bool("debt_discussed_with_others_present"),
            consent_outside_hours=bool(consent.opt_bool("outside_contact_hours") or False),
            consent_discuss_with_others=bool(consent.opt_bool("discuss_with_others_present")
                                             or False),
            answers=r.answers(),
            situations=r.situations(),
            dispute_verified=bool(r.opt_bool("dispute_verified") or False),
            dispute_reference=r.text("dispute_reference", ""),
            dispute_verified_by=r.text("dispute_verified_by", ""),
            plan=r.opt_obj("plan"),
            plan_agreed=bool(r.opt_bool("plan_agreed") or False),
            outcome=r.opt_text("outcome"),
            follow_up=FollowUp(follow.day("date"), follow.opt_text("channel")),
            conduct=r.conduct(),
            warnings_acknowledged=tuple(r.str_list("warnings_acknowledged")),
            acknowledgements=r.acknowledgements(),
            notes=r.text("notes", ""),
            signatures=r.signatures(),
            amendment=r.amendment(),
            customer_language=_customer_language(r.text("customer_language", "zh_CN")),
        )


CUSTOMER_LANGUAGES = ("zh_CN", "en")


def _customer_language(value: str) -> str:
    if value not in CUSTOMER_LANGUAGES:
        raise InputError(tr("visit.record.error.bad_value", key="customer_language",
                            value=value))
    return value


class _Reader:
    """Typed access to one JSON object, with messages that name the wrong key."""

    def __init__(self, data: Any, prefix: str = "") -> None:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise InputError(tr("visit.record.error.not_object", key=prefix or "/"))
        self.data = data
        self.prefix = prefix

    def key(self, k: str) -> str:
        return f"{self.prefix}.{k}" if self.prefix else k

    def bad(self, k: str) -> InputError:
        return InputError(tr("visit.record.error.bad_value", key=self.key(k),
                             value=self.data.get(k)))

    def text(self, k: str, default: str) -> str:
        v = self.data.get(k)
        if v is None:
            return default
        if not isinstance(v, str):
            raise self.bad(k)
        return v

    def opt_text(self, k: str) -> str | None:
        v = self.data.get(k)
        if v is not None and not isinstance(v, str):
            raise self.bad(k)
        return v or None

    def integer(self, k: str, default: int) -> int:
        v = self.data.get(k, default)
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise self.bad(k)
        return v

    def opt_bool(self, k: str) -> bool | None:
        v = self.data.get(k)
        if v is not None and not isinstance(v, bool):
            raise self.bad(k)
        return v

    def obj(self, k: str) -> dict[str, Any]:
        v = self.data.get(k)
        if v is None:
            return {}
        if not isinstance(v, dict):
            raise self.bad(k)
        return v

    def opt_obj(self, k: str) -> dict[str, Any] | None:
        v = self.data.get(k)
        if v is not None and not isinstance(v, dict):
            raise self.bad(k)
        return v

    def str_list(self, k: str) -> list[str]:
        v = self.data.get(k) or []
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self.bad(k)
        return v

    def _iso(self, k: str, parse: Callable[[str], _T], message_key: str) -> _T | None:
        v = self.data.get(k)
        if v is None or v == "":
            return None
        try:
            return parse(v)
        except (TypeError, ValueError):
            raise InputError(tr(message_key, key=self.key(k), value=v)) from None

    def moment(self, k: str) -> datetime | None:
        return self._iso(k, datetime.fromisoformat, "visit.record.error.bad_datetime")

    def day(self, k: str) -> date | None:
        return self._iso(k, date.fromisoformat, "visit.record.error.bad_date")

    def person(self, k: str) -> Person | None:
        v = self.data.get(k)
        if v is None:
            return None
        if isinstance(v, str):
            return Person(v) if v else None
        sub = _Reader(v, self.key(k))
        name = sub.text("name", "")
        return Person(name, sub.text("staff_no", "")) if name else None

    def answers(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for stage_id, values in self.obj("answers").items():
            if not isinstance(values, dict):
                raise InputError(tr("visit.record.error.not_object",
                                    key=self.key(f"answers.{stage_id}")))
            out[stage_id] = dict(values)
        return out

    def situations(self) -> dict[str, RaisedSituation]:
        out: dict[str, RaisedSituation] = {}
        for sid, raw in self.obj("situations").items():
            sub = _Reader(raw, self.key(f"situations.{sid}"))
            opened_by = sub.text("opened_by", "officer")
            if opened_by not in ("officer", "trigger"):
                raise sub.bad("opened_by")
            out[sid] = RaisedSituation(opened_by, dict(sub.obj("answers")))
        return out

    def conduct(self) -> dict[str, bool]:
        raw = self.obj("conduct")
        for k, v in raw.items():
            if not isinstance(v, bool):
                raise InputError(tr("visit.record.error.bad_value", key=self.key(f"conduct.{k}"),
                                    value=v))
        return dict(raw)

    def signatures(self) -> dict[str, Signature]:
        out: dict[str, Signature] = {}
        for who, raw in self.obj("signatures").items():
            if raw is None:
                continue
            if who not in SIGNERS:
                raise InputError(tr("visit.record.error.bad_value", key=self.key("signatures"),
                                    value=who))
            sub = _Reader(raw, self.key(f"signatures.{who}"))
            signed_at = sub.moment("signed_at")
            png = sub.text("png_base64", "")
            if not png or signed_at is None:
                raise sub.bad("png_base64" if not png else "signed_at")
            out[who] = Signature(png, signed_at)
        return out

    def acknowledgements(self) -> dict[str, Acknowledgement]:
        out: dict[str, Acknowledgement] = {}
        for key, raw in self.obj("acknowledgements").items():
            sub = _Reader(raw, self.key(f"acknowledgements.{key}"))
            out[key] = Acknowledgement(sub.text("by", ""), sub.text("reason", ""),
                                       sub.moment("at"))
        return out

    def amendment(self) -> Amendment | None:
        raw = self.opt_obj("amendment")
        if raw is None:
            return None
        sub = _Reader(raw, self.key("amendment"))
        return Amendment(sub.text("reason", ""), sub.integer("previous_version", 1))


# --- building new records -----------------------------------------------------------------
def _require_draft(record: VisitRecord) -> None:
    from visitdesk.core.errors import StateError

    if not record.editable:
        raise StateError(tr("visit.error.not_draft", id=record.id, version=record.version,
                            state=tr(f"visit.state.{record.state}")))


def with_answer(record: VisitRecord, stage_id: str, field_id: str, value: Any,
                playbook: Any = None) -> VisitRecord:
    """The record with one stage answer set (``None`` clears it).

    With a playbook, situations whose trigger the new answers fire are opened (marked
    ``opened_by="trigger"``); situations already open stay open.
    """
    _require_draft(record)
    answers = {s: dict(a) for s, a in record.answers.items()}
    stage = answers.setdefault(stage_id, {})
    if value is None:
        stage.pop(field_id, None)
    else:
        stage[field_id] = value
    new = dataclasses.replace(record, answers=answers)
    return open_triggered(new, playbook) if playbook is not None else new


def trigger_values(record: VisitRecord) -> dict[str, Any]:
    """The record keys a playbook trigger may name besides stage answers (who was met)."""
    return {"met": record.met}


def open_triggered(record: VisitRecord, playbook: Any) -> VisitRecord:
    """Open every situation the record's answers trigger and that is not open yet."""
    missing = [s for s in playbook.triggered_situations(record.answers, trigger_values(record))
               if s not in record.situations]
    if not missing:
        return record
    situations = dict(record.situations)
    for sid in missing:
        situations[sid] = RaisedSituation("trigger", {})
    return dataclasses.replace(record, situations=situations)


def with_situation(record: VisitRecord, situation_id: str) -> VisitRecord:
    """The record with a situation opened by hand (no change when it is already open)."""
    _require_draft(record)
    if situation_id in record.situations:
        return record
    situations = dict(record.situations)
    situations[situation_id] = RaisedSituation("officer", {})
    return dataclasses.replace(record, situations=situations)


def without_situation(record: VisitRecord, situation_id: str) -> VisitRecord:
    """The record with a situation closed (its answers are dropped)."""
    _require_draft(record)
    situations = {k: v for k, v in record.situations.items() if k != situation_id}
    return dataclasses.replace(record, situations=situations)


def with_situation_answer(record: VisitRecord, situation_id: str, field_id: str,
                          value: Any) -> VisitRecord:
    """The record with one answer of a situation set (opening the situation if needed)."""
    _require_draft(record)
    situations = dict(record.situations)
    current = situations.get(situation_id, RaisedSituation("officer", {}))
    answers = dict(current.answers)
    if value is None:
        answers.pop(field_id, None)
    else:
        answers[field_id] = value
    situations[situation_id] = RaisedSituation(current.opened_by, answers)
    return dataclasses.replace(record, situations=situations)


def with_acknowledgement(record: VisitRecord, key: str, by: str, reason: str,
                         at: datetime | None = None) -> VisitRecord:
    """The record with the warning ``key`` acknowledged by ``by`` for ``reason``.

    Raises :class:`InputError` when the reason is blank: a warning never stands without one.
    """
    _require_draft(record)
    if not reason.strip():
        raise InputError(tr("visit.error.ack_reason"))
    keys = tuple(dict.fromkeys([*record.warnings_acknowledged, key]))
    acks = {**record.acknowledgements, key: Acknowledgement(by.strip(), reason.strip(), at)}
    return dataclasses.replace(record, warnings_acknowledged=keys, acknowledgements=acks)


def without_acknowledgement(record: VisitRecord, key: str) -> VisitRecord:
    """The record with the acknowledgement of ``key`` withdrawn."""
    _require_draft(record)
    keys = tuple(k for k in record.warnings_acknowledged if k != key)
    acks = {k: v for k, v in record.acknowledgements.items() if k != key}
    return dataclasses.replace(record, warnings_acknowledged=keys, acknowledgements=acks)


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``; lists and scalars are leaves.

    Used for the audit log: each changed leaf of the JSON form is one entry.
    """
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    else:
        out[prefix] = data
    return out


def changed_fields(old: dict[str, Any] | None, new: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """``(field, old, new)`` for every leaf of the JSON form that differs, sorted by field."""
    a = flatten(old or {})
    b = flatten(new)
    keys = sorted(set(a) | set(b))
    return [(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)]
