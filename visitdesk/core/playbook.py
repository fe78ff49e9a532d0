"""The visit playbook: stages, fields, situations, outcomes and conduct, loaded from data.

The playbook is content a bank adapts without code (``resources/playbook/playbook.json``).
:func:`parse_playbook` checks every entry when it loads and raises :class:`PlaybookError`
naming the wrong entry (``stages[1] debt_details → fields[2] figures_accepted: …``), so a bank's
edit can never leave the app with a half-valid guide.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from visitdesk.core.errors import PlaybookError
from visitdesk.i18n import tr

PLAYBOOK_FORMAT = "visitdesk.playbook/1"
LANGUAGES = ("zh_CN", "en")

FIELD_TYPES = (
    "text", "long_text", "yes_no", "single_choice", "multi_choice", "money", "date", "time",
    "number",
)
"""Every field type the app can show and check."""

CHOICE_TYPES = ("single_choice", "multi_choice")
FREE_TEXT_TYPES = ("text", "long_text")

PLACEHOLDERS: tuple[str, ...] = (
    # bank and officer (settings, record)
    "bank", "branch", "officer", "staff_no", "officer_phone", "companion", "hotline",
    "complaint_hotline",
    # customer and debt (account, debt breakdown)
    "customer", "account_tail", "total", "total_capitals", "principal", "interest", "late_fee",
    "other_fees", "overdue_days", "overdue_months", "overdue_period", "debt_items",
    "late_fee_name", "as_of", "figures_age_days", "visit_date",
    # plan and follow-up (record)
    "monthly", "months", "plan_total", "first_due", "last_due", "follow_up_date",
    "follow_up_channel",
)
"""Placeholders a talking point or guidance text may use; see ``docs/visit-record.md``."""

POINT_CONDITIONS: tuple[str, ...] = ("figures_projected", "figures_not_projected",
                                     "figures_stale")
"""What a talking point's ``when`` may name: it is said only when that holds for the visit
(figures carried forward to the visit date by the contract rates, figures as of the bank's
data date, figures older than the ``stale_figures_days`` setting)."""

RECORD_TRIGGER_KEYS = ("met",)
"""Record keys (besides stage answers) whose answer may open a situation."""

ANSWER_PREFIX = "answer."
"""``{answer.FIELD}`` in a stage's talking point quotes the answer to that stage's field
(the option's label for a choice), e.g. how the written plan will be delivered."""

_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


# --- values -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """A text in both product languages."""

    zh_CN: str
    en: str

    def get(self, lang: str | None = None) -> str:
        """The text in ``lang`` (default: the current UI language)."""
        from visitdesk import i18n

        return self.en if (lang or i18n.language()) == "en" else self.zh_CN

    def __str__(self) -> str:
        return self.get()


@dataclass(frozen=True)
class TalkingPoint(Text):
    """A talking point: a text to say, only when its condition holds (see
    :data:`POINT_CONDITIONS`; empty: always)."""

    when: str = ""

    def applies(self, facts: frozenset[str] | set[str]) -> bool:
        return not self.when or self.when in facts


@dataclass(frozen=True)
class Option:
    id: str
    label: Text


@dataclass(frozen=True)
class Condition:
    """A field is shown (and may be required) only when ``field`` has the given answer.

    ``field`` names a field of the same stage or situation. ``any_of`` holds the answers that
    show it; for a multiple-choice field, any of them being ticked is enough.
    """

    field: str
    any_of: tuple[Any, ...]

    def holds(self, answers: dict[str, Any]) -> bool:
        value = answers.get(self.field)
        if isinstance(value, (list, tuple)):
            return any(v in self.any_of for v in value)
        return value in self.any_of and value is not None


@dataclass(frozen=True)
class Field:
    id: str
    type: str
    """One of :data:`FIELD_TYPES`."""
    label: Text
    help: Text | None = None
    required: bool = False
    options: tuple[Option, ...] = ()
    """Choices, for single- and multiple-choice fields."""
    condition: Condition | None = None

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    def visible(self, answers: dict[str, Any]) -> bool:
        """Whether the field applies, given the other answers of its stage or situation."""
        return self.condition is None or self.condition.holds(answers)


@dataclass(frozen=True)
class Stage:
    id: str
    title: Text
    purpose: Text
    talking_points: tuple[Text, ...]
    fields: tuple[Field, ...]

    def field(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)


@dataclass(frozen=True)
class Situation:
    id: str
    title: Text
    guidance: tuple[Text, ...]
    """What the officer should do."""
    fields: tuple[Field, ...]
    talking_points: tuple[Text, ...] = ()
    """What the officer may say (shown after the guidance)."""

    def field(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)


@dataclass(frozen=True)
class Trigger:
    """An answer that opens a situation: ``stage.field == answer`` (or ticks ``answer``);
    with ``stage`` empty, ``field`` is a record key (:data:`RECORD_TRIGGER_KEYS`, e.g. who was
    met)."""

    stage: str
    field: str
    answer: Any
    situation: str

    def fires(self, answers: dict[str, dict[str, Any]],
              record_values: dict[str, Any] | None = None) -> bool:
        if not self.stage:
            return (record_values or {}).get(self.field) == self.answer
        value = answers.get(self.stage, {}).get(self.field)
        if isinstance(value, (list, tuple)):
            return self.answer in value
        return value is not None and value == self.answer


@dataclass(frozen=True)
class Outcome:
    id: str
    label: Text
    conversation: bool = True
    """False when no conversation took place (not met, refused): stage fields are not required."""
    needs_plan: bool = False
    """True when the outcome only makes sense with an agreed plan."""
    needs_follow_up: bool = True


@dataclass(frozen=True)
class Choice:
    """An entry of a simple list: follow-up channel, person met, identity method."""

    id: str
    label: Text


@dataclass(frozen=True)
class ConductItem:
    id: str
    label: Text
    help: Text
    situation: str = ""
    """Applies only when this situation was raised (empty: every visit)."""
    lexicon_categories: tuple[str, ...] = ()
    """Screening categories this item vouches against (``threat`` …): a flagged phrase of one
    of them, even acknowledged, is shown beside the item instead of a plain "confirmed"."""

    def applies(self, raised: tuple[str, ...] | set[str]) -> bool:
        return not self.situation or self.situation in raised


@dataclass(frozen=True)
class Playbook:
    version: str
    stages: tuple[Stage, ...]
    situations: tuple[Situation, ...]
    triggers: tuple[Trigger, ...]
    outcomes: tuple[Outcome, ...]
    follow_up_channels: tuple[Choice, ...]
    conduct: tuple[ConductItem, ...]
    met_choices: tuple[Choice, ...]
    identity_methods: tuple[Choice, ...]

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def situation(self, situation_id: str) -> Situation | None:
        return next((s for s in self.situations if s.id == situation_id), None)

    def outcome(self, outcome_id: str | None) -> Outcome | None:
        return next((o for o in self.outcomes if o.id == outcome_id), None)

    def channel(self, channel_id: str | None) -> Choice | None:
        return next((c for c in self.follow_up_channels if c.id == channel_id), None)

    def triggered_situations(self, answers: dict[str, dict[str, Any]],
                             record_values: dict[str, Any] | None = None) -> tuple[str, ...]:
        """Situations opened by the given stage answers (and record keys such as ``met``),
        in playbook order."""
        fired = {t.situation for t in self.triggers if t.fires(answers, record_values)}
        return tuple(s.id for s in self.situations if s.id in fired)


# --- answer values ------------------------------------------------------------------------
def value_problem(f: Field, value: Any) -> str | None:
    """Why ``value`` is not a valid answer for ``f`` (a catalog key), or None when it is.

    Answers use the record's JSON form: text as str, yes/no as bool, single choice as the
    option id, multiple choice as a list of option ids, money as a decimal string
    (``"1200.00"``), date ``YYYY-MM-DD``, time ``HH:MM``, number as int or decimal string.
    """
    t = f.type
    if t in FREE_TEXT_TYPES:
        return None if isinstance(value, str) else "visit.value.not_text"
    if t == "yes_no":
        return None if isinstance(value, bool) else "visit.value.not_yes_no"
    if t == "single_choice":
        return None if isinstance(value, str) and f.option(value) else "visit.value.not_option"
    if t == "multi_choice":
        ok = isinstance(value, (list, tuple)) and all(
            isinstance(v, str) and f.option(v) for v in value)
        return None if ok else "visit.value.not_option"
    if t in ("money", "number"):
        if isinstance(value, bool) or isinstance(value, float):
            return "visit.value.not_number"
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return "visit.value.not_number"
        if not number.is_finite():
            return "visit.value.not_number"
        if t == "money" and (number < 0 or number != number.quantize(Decimal("0.01"))):
            return "visit.value.not_money"
        return None
    if t == "date":
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return "visit.value.not_date"
        return None if isinstance(value, str) else "visit.value.not_date"
    if t == "time":
        try:
            time.fromisoformat(str(value))
        except ValueError:
            return "visit.value.not_time"
        return None if isinstance(value, str) else "visit.value.not_time"
    return "visit.value.unknown_type"  # pragma: no cover - the loader refuses unknown types


def is_blank(value: Any) -> bool:
    """An answer that counts as not given (required fields need a non-blank one)."""
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, (list, tuple)) and not value)


# --- loading ------------------------------------------------------------------------------
def default_playbook_path() -> Path:
    from visitdesk.paths import resource

    return resource("playbook", "playbook.json")


_cached: dict[Path, tuple[float, Playbook]] = {}


def load_playbook(path: str | Path | None = None) -> Playbook:
    """Load and check the playbook (the bundled one by default); cached until the file changes."""
    p = Path(path) if path else default_playbook_path()
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise PlaybookError(tr("visit.playbook.error.unreadable", file=str(p),
                               detail=str(exc))) from exc
    hit = _cached.get(p)
    if hit and hit[0] == mtime:
        return hit[1]
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookError(tr("visit.playbook.error.unreadable", file=str(p),
                               detail=str(exc))) from exc
    except json.JSONDecodeError as exc:
        raise PlaybookError(tr("visit.playbook.error.json", file=p.name, line=exc.lineno,
                               column=exc.colno, detail=exc.msg)) from exc
    playbook = parse_playbook(data, source=p.name)
    _cached[p] = (mtime, playbook)
    return playbook


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message_key: str, /, **params: Any) -> PlaybookError:
        return PlaybookError(tr("visit.playbook.error.at", file=self.source, where=where,
                                problem=tr(message_key, **params)))

    # helpers
    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "visit.playbook.error.not_object")
        return value

    def items(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, "visit.playbook.error.not_list")
        return value

    def ident(self, entry: dict[str, Any], where: str) -> str:
        value = entry.get("id")
        if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise self.fail(where, "visit.playbook.error.bad_id", value=value)
        return value

    def text(self, value: Any, where: str, placeholders: bool = False) -> Text:
        if not isinstance(value, dict):
            raise self.fail(where, "visit.playbook.error.not_text")
        for lang in LANGUAGES:
            t = value.get(lang)
            if not isinstance(t, str) or not t.strip():
                raise self.fail(where, "visit.playbook.error.missing_translation", language=lang)
            for name in _PLACEHOLDER_RE.findall(t):
                if placeholders and name.startswith(ANSWER_PREFIX):
                    continue  # checked against the stage's fields once they are read
                if not placeholders or name not in PLACEHOLDERS:
                    raise self.fail(where, "visit.playbook.error.unknown_placeholder",
                                    name="{" + name + "}", language=lang)
        if placeholders:
            zh = set(_PLACEHOLDER_RE.findall(value["zh_CN"]))
            en = set(_PLACEHOLDER_RE.findall(value["en"]))
            if zh != en:
                raise self.fail(where, "visit.playbook.error.placeholder_mismatch",
                                names=", ".join("{" + n + "}" for n in sorted(zh ^ en)))
        return Text(value["zh_CN"], value["en"])

    def points(self, value: Any, where: str) -> tuple[TalkingPoint, ...]:
        """Talking points: texts with placeholders and an optional ``when`` condition."""
        out = []
        for j, raw in enumerate(self.items(value, where)):
            w = f"{where}[{j}]"
            text = self.text(raw, w, placeholders=True)
            when = raw.get("when", "")
            if when and when not in POINT_CONDITIONS:
                raise self.fail(w, "visit.playbook.error.unknown_condition", name=when,
                                names=", ".join(POINT_CONDITIONS))
            out.append(TalkingPoint(text.zh_CN, text.en, when))
        return tuple(out)

    def entries(self, value: Any, where: str) -> Iterator[tuple[str, dict[str, Any], str]]:
        """Each object of the list ``value``: its place (``where[i] id``), itself and its id."""
        for i, entry in enumerate(self.items(value, where)):
            w = f"{where}[{i}]"
            entry = self.obj(entry, w)
            eid = self.ident(entry, w)
            yield f"{w} {eid}", entry, eid

    def answer(self, target: Field, answer: Any, where: str) -> None:
        """Refuse an answer ``target`` cannot have (for a multiple choice: one option id)."""
        if value_problem(target, answer) and not (
            target.type == "multi_choice" and isinstance(answer, str) and target.option(answer)
        ):
            raise self.fail(where, "visit.playbook.error.bad_answer", field=target.id,
                            answer=answer)

    def unique(self, ids: list[str], where: str) -> None:
        seen: set[str] = set()
        for i in ids:
            if i in seen:
                raise self.fail(where, "visit.playbook.error.duplicate_id", id=i)
            seen.add(i)

    def choices(self, value: Any, where: str) -> tuple[Choice, ...]:
        out = []
        for w, entry, cid in self.entries(value, where):
            out.append(Choice(cid, self.text(entry.get("label"), f"{w} → label")))
        if not out:
            raise self.fail(where, "visit.playbook.error.empty")
        self.unique([c.id for c in out], where)
        return tuple(out)

    def fields(self, value: Any, where: str) -> tuple[Field, ...]:
        out: list[Field] = []
        raw_conditions: list[tuple[str, Any]] = []
        for i, entry in enumerate(self.items(value, where)):
            w = f"{where} → fields[{i}]"
            entry = self.obj(entry, w)
            fid = self.ident(entry, w)
            w = f"{w} {fid}"
            ftype = entry.get("type")
            if ftype not in FIELD_TYPES:
                raise self.fail(w, "visit.playbook.error.unknown_type", type=ftype,
                                types=", ".join(FIELD_TYPES))
            required = self.bool_of(entry, "required", False, w)
            options: tuple[Option, ...] = ()
            if ftype in CHOICE_TYPES:
                options = tuple(Option(c.id, c.label)
                                for c in self.choices(entry.get("options"), f"{w} → options"))
            elif "options" in entry:
                raise self.fail(w, "visit.playbook.error.options_not_allowed", type=ftype)
            help_text = (self.text(entry["help"], f"{w} → help")
                         if entry.get("help") is not None else None)
            out.append(Field(fid, ftype, self.text(entry.get("label"), f"{w} → label"),
                             help_text, required, options, None))
            raw_conditions.append((w, entry.get("condition")))
        self.unique([f.id for f in out], where)
        by_id = {f.id: f for f in out}
        result = []
        for f, (w, raw) in zip(out, raw_conditions, strict=True):
            cond = None
            if raw is not None:
                raw = self.obj(raw, f"{w} → condition")
                target_id = raw.get("field")
                target = by_id.get(target_id) if isinstance(target_id, str) else None
                if target is None or target.id == f.id:
                    raise self.fail(f"{w} → condition", "visit.playbook.error.missing_field",
                                    field=target_id)
                if "equals" in raw:
                    answers = (raw["equals"],)
                elif isinstance(raw.get("in"), list) and raw["in"]:
                    answers = tuple(raw["in"])
                else:
                    raise self.fail(f"{w} → condition", "visit.playbook.error.condition_answer")
                for a in answers:
                    self.answer(target, a, f"{w} → condition")
                cond = Condition(target.id, answers)
            result.append(Field(f.id, f.type, f.label, f.help, f.required, f.options, cond))
        return tuple(result)

    def bool_of(self, entry: dict[str, Any], key: str, default: bool, where: str) -> bool:
        value = entry.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(where, "visit.playbook.error.not_bool", key=key)
        return value


def parse_playbook(data: Any, source: str = "playbook.json") -> Playbook:
    """Build a :class:`Playbook` from its JSON data, refusing the first wrong entry."""
    p = _Parser(source)
    root = p.obj(data, "/")
    if root.get("format") != PLAYBOOK_FORMAT:
        raise p.fail("format", "visit.playbook.error.format", expected=PLAYBOOK_FORMAT,
                     found=root.get("format"))

    stages = []
    for w, entry, sid in p.entries(root.get("stages"), "stages"):
        points = p.points(entry.get("talking_points", []), f"{w} → talking_points")
        built = Stage(sid, p.text(entry.get("title"), f"{w} → title"),
                      p.text(entry.get("purpose"), f"{w} → purpose", placeholders=True),
                      points, p.fields(entry.get("fields", []), w))
        for j, point in enumerate(points):
            for name in _PLACEHOLDER_RE.findall(point.zh_CN):
                if name.startswith(ANSWER_PREFIX) and not built.field(name[len(ANSWER_PREFIX):]):
                    raise p.fail(f"{w} → talking_points[{j}]",
                                 "visit.playbook.error.unknown_placeholder",
                                 name="{" + name + "}", language="zh_CN")
        stages.append(built)
    if not stages:
        raise p.fail("stages", "visit.playbook.error.empty")
    p.unique([s.id for s in stages], "stages")

    situations = []
    for w, entry, sid in p.entries(root.get("situations", []), "situations"):
        guidance = tuple(p.text(t, f"{w} → guidance[{j}]", placeholders=True)
                         for j, t in enumerate(p.items(entry.get("guidance", []),
                                                       f"{w} → guidance")))
        spoken = p.points(entry.get("talking_points", []), f"{w} → talking_points")
        for j, t in enumerate((*guidance, *spoken)):
            for name in _PLACEHOLDER_RE.findall(t.zh_CN):
                if name.startswith(ANSWER_PREFIX):  # only a stage's own answers can be quoted
                    raise p.fail(f"{w} → {j}", "visit.playbook.error.unknown_placeholder",
                                 name="{" + name + "}", language="zh_CN")
        situations.append(Situation(sid, p.text(entry.get("title"), f"{w} → title"), guidance,
                                    p.fields(entry.get("fields", []), w), spoken))
    p.unique([s.id for s in situations], "situations")

    stage_by_id = {s.id: s for s in stages}
    situation_ids = {s.id for s in situations}
    rc = p.obj(root.get("record_choices"), "record_choices")
    met_choices = p.choices(rc.get("met"), "record_choices → met")
    triggers = []
    for i, entry in enumerate(p.items(root.get("triggers", []), "triggers")):
        w = f"triggers[{i}]"
        entry = p.obj(entry, w)
        if "record" in entry:
            key = entry.get("record")
            if key not in RECORD_TRIGGER_KEYS:
                raise p.fail(w, "visit.playbook.error.missing_field", field=key)
            if entry.get("answer") not in {c.id for c in met_choices}:
                raise p.fail(w, "visit.playbook.error.bad_answer", field=key,
                             answer=entry.get("answer"))
            if entry.get("situation") not in situation_ids:
                raise p.fail(w, "visit.playbook.error.missing_situation",
                             situation=entry.get("situation"))
            triggers.append(Trigger("", key, entry["answer"], entry["situation"]))
            continue
        stage = stage_by_id.get(str(entry.get("stage")))
        if stage is None:
            raise p.fail(w, "visit.playbook.error.missing_stage", stage=entry.get("stage"))
        field_id = entry.get("field")
        target = stage.field(field_id) if isinstance(field_id, str) else None
        if target is None:
            raise p.fail(w, "visit.playbook.error.missing_field",
                         field=f"{stage.id}.{entry.get('field')}")
        answer = entry.get("answer")
        p.answer(target, answer, w)
        if entry.get("situation") not in situation_ids:
            raise p.fail(w, "visit.playbook.error.missing_situation",
                         situation=entry.get("situation"))
        triggers.append(Trigger(stage.id, target.id, answer, entry["situation"]))

    outcomes = []
    for w, entry, oid in p.entries(root.get("outcomes"), "outcomes"):
        outcomes.append(Outcome(oid, p.text(entry.get("label"), f"{w} → label"),
                                p.bool_of(entry, "conversation", True, w),
                                p.bool_of(entry, "needs_plan", False, w),
                                p.bool_of(entry, "needs_follow_up", True, w)))
    if not outcomes:
        raise p.fail("outcomes", "visit.playbook.error.empty")
    p.unique([o.id for o in outcomes], "outcomes")

    conduct = []
    for w, entry, cid in p.entries(root.get("conduct"), "conduct"):
        scope = entry.get("situation", "")
        if scope and scope not in situation_ids:
            raise p.fail(w, "visit.playbook.error.missing_situation", situation=scope)
        categories = entry.get("lexicon_categories", [])
        if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
            raise p.fail(w, "visit.playbook.error.not_list")
        conduct.append(ConductItem(cid, p.text(entry.get("label"), f"{w} → label"),
                                   p.text(entry.get("help"), f"{w} → help"), scope,
                                   tuple(categories)))
    if not conduct:
        raise p.fail("conduct", "visit.playbook.error.empty")
    p.unique([c.id for c in conduct], "conduct")

    version = root.get("version", "")
    return Playbook(
        version=str(version),
        stages=tuple(stages),
        situations=tuple(situations),
        triggers=tuple(triggers),
        outcomes=tuple(outcomes),
        follow_up_channels=p.choices(root.get("follow_up_channels"), "follow_up_channels"),
        conduct=tuple(conduct),
        met_choices=met_choices,
        identity_methods=p.choices(rc.get("identity_method"), "record_choices → identity_method"),
    )


RULE_CHOICES = {"met": ("customer", "guarantor", "nobody"), "identity_method": ("not_confirmed",)}
"""Record choices the finalising rules rely on (who may hear about the debt, nobody home)."""


def playbook_gaps(playbook: Playbook, reference: Playbook) -> list[str]:
    """What a bank's playbook lacks that the rules rely on or that ``reference`` (the bundled
    playbook) guides: messages for ``visitdesk playbook check``, empty when nothing lacks.

    Missing record choices matter to the rules (a missing ``guarantor`` means a guarantor can
    never be recorded); missing situations, stage fields and conduct items mean guidance the
    officers do not get, e.g. an older copy without "nobody home" or the recording notice."""
    gaps: list[str] = []
    own = {"met": {c.id for c in playbook.met_choices},
           "identity_method": {c.id for c in playbook.identity_methods}}
    for key, needed in RULE_CHOICES.items():
        missing = [c for c in needed if c not in own[key]]
        if missing:
            gaps.append(tr("visit.playbook.gap.choices", key=key, ids=", ".join(missing)))
    situations = [s.id for s in reference.situations if playbook.situation(s.id) is None]
    if situations:
        gaps.append(tr("visit.playbook.gap.situations", ids=", ".join(situations)))
    for stage in reference.stages:
        mine = playbook.stage(stage.id)
        if mine is None:
            gaps.append(tr("visit.playbook.gap.stage", stage=stage.id))
            continue
        fields = [f.id for f in stage.fields if mine.field(f.id) is None]
        if fields:
            gaps.append(tr("visit.playbook.gap.fields", stage=stage.id, ids=", ".join(fields)))
    conduct = {c.id for c in playbook.conduct}
    items = [c.id for c in reference.conduct if c.id not in conduct]
    if items:
        gaps.append(tr("visit.playbook.gap.conduct", ids=", ".join(items)))
    return gaps
