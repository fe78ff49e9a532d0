"""Screening free text for threatening, insulting, deceptive or otherwise improper wording.

Notes, answers and messages written during a visit are screened before the record is
finalised. The rules are data (``resources/lexicon/conduct_lexicon.json``, extended by a
bank's ``conduct_lexicon.json`` in the data folder); this module only matches them:

1. The text is **normalised**: NFKC (full-width letters, digits and punctuation become
   half-width), case-folded, whitespace and punctuation dropped (between two Latin words one
   space stays), sentence ends (``。！？；!?;`` and new lines) and clause breaks (commas,
   colons) kept as markers. Every normalised character remembers where it came from, so hit
   offsets point into the original text.
2. Each **rule** is a list of slots; each slot lists alternatives (phrases, ``stem*`` for a
   Latin word and its endings, ``@name`` for a shared term list). A one-slot rule is a phrase
   list; with more slots, each must follow the previous one within ``within`` normalised
   characters in the same sentence (a proximity pattern).
3. A match does not count when the **context** says it is not the officer's conduct: a
   negation shortly before it in the same clause (``未``, ``没有``, ``did not`` …, or a
   prohibition such as ``不得`` anywhere before it in the clause, unless a
   condition such as ``如果`` / ``if`` governs the negation, or ``就`` / ``then`` separates it
   from the match), a reporting cue earlier in the sentence (``客户担心``, ``警惕``, ``so-called``
   …, unless the officer's own speech such as ``我说`` / ``told him`` comes after it), or a
   rule's own ``unless`` phrases in the sentence.

A hit inside quotation marks (「」『』“”"") is the customer's own words (:attr:`LexiconHit.quoted`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from visitdesk.core.errors import InputError
from visitdesk.core.playbook import Text
from visitdesk.i18n import tr

LEXICON_FORMAT = "visitdesk.lexicon/2"
FORMATS = ("visitdesk.lexicon/1", LEXICON_FORMAT)
LEXICON_FILE = "conduct_lexicon.json"
SEVERITIES = ("warning", "block", "error")
"""``warning``: acknowledged by the officer; ``block``: blocks finalising unless the words are
quoted as the customer's or a supervisor acknowledges them; ``error``: always blocks."""
CONTEXTS = ("negation", "prohibitions", "conditions", "breakers", "reporting", "resets")
DEFAULT_WITHIN = 8
NEGATION_WINDOW = 6
"""Units (a Chinese character or a Latin word) allowed between a negation and the match."""

_SENTENCE = "\n"
_CLAUSE = ","
_SENTENCE_ENDS = frozenset("。！？；!?;…\n\r")
_CLAUSE_BREAKS = frozenset(",，:：")
_APOSTROPHES = frozenset("'’‘`")
_QUOTES = {"「": "」", "『": "』", "“": "”", "\"": "\""}
_WORD = "a-z0-9'"


def _latin(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "'")


def normalise(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the offset in ``text`` it came
    from (plus ``len(text)`` at the end)."""
    out: list[str] = []
    origin: list[int] = []
    gap = False

    def emit(c: str, i: int) -> None:
        out.append(c)
        origin.append(i)

    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).casefold():
            if c in _APOSTROPHES:
                c = "'"
            if c in _SENTENCE_ENDS or (c == "." and not (
                    out and out[-1].isdigit() and i + 1 < len(text) and text[i + 1].isdigit())):
                if out and out[-1] != _SENTENCE:
                    if out[-1] == _CLAUSE:
                        out[-1] = _SENTENCE
                    else:
                        emit(_SENTENCE, i)
                gap = False
            elif c in _CLAUSE_BREAKS:
                if out and out[-1] not in (_SENTENCE, _CLAUSE):
                    emit(_CLAUSE, i)
                gap = False
            elif c == "'" and not (out and _latin(out[-1])):
                gap = True
            elif c.isspace() or unicodedata.category(c)[0] in "PZSC" and c != "'":
                gap = True
            else:
                if gap and out and _latin(out[-1]) and _latin(c):
                    emit(" ", i)
                gap = False
                emit(c, i)
    origin.append(len(text))
    return "".join(out), origin


def _alternative(raw: str) -> str:
    """Regex source for one phrase: normalised, ``*`` at the end of a Latin word matches the
    word's endings, Latin words match whole words only."""
    stem = raw.endswith("*")
    norm, _ = normalise(raw[:-1] if stem else raw)
    norm = norm.replace(_SENTENCE, "").replace(_CLAUSE, "")
    if not norm:
        return ""
    src = re.escape(norm).replace("\\ ", " ")
    if _latin(norm[0]):
        src = f"(?<![{_WORD}])" + src
    if stem:
        src += f"[{_WORD}]*"
    elif _latin(norm[-1]):
        src += f"(?![{_WORD}])"
    return src


def _union(alternatives: list[str]) -> str:
    """One regex source matching any of ``alternatives`` (longest first)."""
    srcs = sorted({a for a in alternatives if a}, key=len, reverse=True)
    return "(?:" + "|".join(srcs) + ")" if srcs else "(?!)"


@dataclass(frozen=True)
class Category:
    label: Text
    severity: str = "warning"


@dataclass(frozen=True)
class LexiconRule:
    id: str
    """Stable name of the rule (``threat.prison``); for a plain phrase entry, the phrase."""
    category: str
    severity: str
    """The rule's own severity, else its category's (see :data:`SEVERITIES`)."""
    slots: tuple[tuple[str, ...], ...]
    """Alternatives of each slot as written in the file (``@term`` references included)."""
    within: int = DEFAULT_WITHIN
    clause: bool = False
    """The slots must be in one clause (no comma between them), not only one sentence."""
    unless: tuple[str, ...] = ()
    pattern: re.Pattern[str] = field(compare=False, repr=False, default=re.compile("(?!)"))
    unless_pattern: re.Pattern[str] | None = field(compare=False, repr=False, default=None)

    @property
    def phrase(self) -> str:
        """The rule's name (kept for callers that show "the phrase" of a hit's entry)."""
        return self.id


LexiconEntry = LexiconRule
"""Former name of a rule, when the lexicon was a list of phrases."""


@dataclass(frozen=True)
class Lexicon:
    rules: tuple[LexiconRule, ...]
    categories: dict[str, Category]
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    contexts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    context_patterns: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False,
                                                          repr=False)

    @property
    def entries(self) -> tuple[LexiconRule, ...]:
        return self.rules

    def category_label(self, category: str, lang: str | None = None) -> str:
        cat = self.categories.get(category)
        return cat.label.get(lang) if cat else category


@dataclass(frozen=True)
class LexiconHit:
    rule: LexiconRule
    start: int
    """Offset of the match in the screened text."""
    end: int
    excerpt: str
    """The match with a few characters around it, as it appears in the text."""
    phrase: str = ""
    """The matched words as written."""
    quoted: bool = False
    """The match is inside quotation marks: the customer's own words."""

    @property
    def entry(self) -> LexiconRule:
        return self.rule

    @property
    def category(self) -> str:
        return self.rule.category

    @property
    def severity(self) -> str:
        return self.rule.severity

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule.id, "category": self.rule.category,
                "severity": self.rule.severity, "start": self.start, "end": self.end,
                "phrase": self.phrase, "quoted": self.quoted}


def default_lexicon_path() -> Path:
    from visitdesk.paths import resource

    return resource("lexicon", LEXICON_FILE)


class _Reader:
    def __init__(self, source: str, base: Lexicon | None) -> None:
        self.source = source
        self.categories = dict(base.categories) if base else {}
        self.terms = {k: list(v) for k, v in (base.terms if base else {}).items()}
        self.contexts = {k: list(v) for k, v in (base.contexts if base else {}).items()}
        self.rules = list(base.rules) if base else []

    def fail(self, where: str, problem_key: str, **params: Any) -> InputError:
        return InputError(tr("lexicon.error.at", file=self.source, where=where,
                             problem=tr(problem_key, **params)))

    def phrases(self, value: Any, where: str, refs: bool = True) -> list[str]:
        """A list of phrases (``@term`` references allowed when ``refs``), checked, as
        written."""
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            raise self.fail(where, "lexicon.error.phrase_list")
        out: list[str] = []
        for j, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{where}[{j}]", "lexicon.error.phrase")
            item = item.strip()
            if item.startswith("@"):
                if not refs or item[1:] not in self.terms:
                    raise self.fail(f"{where}[{j}]", "lexicon.error.unknown_term", term=item)
            elif not _alternative(item):
                raise self.fail(f"{where}[{j}]", "lexicon.error.empty_phrase", phrase=item)
            out.append(item)
        return out

    def resolve(self, items: tuple[str, ...] | list[str]) -> str:
        """Regex source for phrases with ``@term`` references expanded (with the terms of
        every file read so far, so that a bank's additions reach the bundled rules)."""
        alternatives: list[str] = []
        for item in items:
            alternatives.extend(self.terms[item[1:]] if item.startswith("@") else [item])
        return _union([_alternative(a) for a in alternatives])

    def compiled(self, rule: LexiconRule) -> LexiconRule:
        gap = f"[^{_SENTENCE}{_CLAUSE if rule.clause else ''}]{{0,{rule.within}}}?"
        pattern = re.compile(gap.join(self.resolve(s) for s in rule.slots))
        unless = re.compile(self.resolve(rule.unless)) if rule.unless else None
        return replace(rule, pattern=pattern, unless_pattern=unless)

    def read(self, data: Any) -> Lexicon:
        if not isinstance(data, dict) or data.get("format") not in FORMATS:
            raise self.fail("format", "lexicon.error.format", expected=LEXICON_FORMAT)
        self.read_categories(data.get("categories", {}))
        terms = data.get("terms", {})
        if not isinstance(terms, dict):
            raise self.fail("terms", "lexicon.error.object")
        for name, value in terms.items():
            self.terms.setdefault(name, []).extend(
                self.phrases(value, f"terms.{name}", refs=False))
        contexts = data.get("contexts", {})
        if not isinstance(contexts, dict):
            raise self.fail("contexts", "lexicon.error.object")
        for name, value in contexts.items():
            if name not in CONTEXTS:
                raise self.fail(f"contexts.{name}", "lexicon.error.unknown_context",
                                known=", ".join(CONTEXTS))
            self.contexts.setdefault(name, []).extend(
                self.phrases(value, f"contexts.{name}"))
        for key in ("rules", "entries"):
            raw = data.get(key, [])
            if not isinstance(raw, list):
                raise self.fail(key, "lexicon.error.list")
            for i, item in enumerate(raw):
                self.read_rule(item, f"{key}[{i}]", phrase_entry=key == "entries")
        patterns = {name: re.compile(self.resolve(value)) for name, value in self.contexts.items()}
        return Lexicon(tuple(self.compiled(r) for r in self.rules), self.categories,
                       {k: tuple(v) for k, v in self.terms.items()},
                       {k: tuple(v) for k, v in self.contexts.items()}, patterns)

    def read_categories(self, raw: Any) -> None:
        if not isinstance(raw, dict):
            raise self.fail("categories", "lexicon.error.object")
        for key, value in raw.items():
            where = f"categories.{key}"
            if not isinstance(value, dict) or not all(
                    isinstance(value.get(lang), str) and value.get(lang)
                    for lang in ("zh_CN", "en")):
                raise self.fail(where, "lexicon.error.label")
            severity = value.get("severity", "warning")
            if severity not in SEVERITIES:
                raise self.fail(where, "lexicon.error.severity", value=severity,
                                known=", ".join(SEVERITIES))
            self.categories[key] = Category(Text(value["zh_CN"], value["en"]), severity)

    def read_rule(self, raw: Any, where: str, phrase_entry: bool) -> None:
        if not isinstance(raw, dict):
            raise self.fail(where, "lexicon.error.object")
        category = raw.get("category")
        if category not in self.categories:
            raise self.fail(where, "lexicon.error.category", value=category,
                            known=", ".join(self.categories))
        severity = raw.get("severity", self.categories[category].severity)
        if severity not in SEVERITIES:
            raise self.fail(where, "lexicon.error.severity", value=severity,
                            known=", ".join(SEVERITIES))
        if phrase_entry:  # the first format: one phrase per entry
            phrase = raw.get("phrase")
            if not isinstance(phrase, str) or not phrase.strip() or not _alternative(phrase):
                raise self.fail(where, "lexicon.error.phrase")
            rule_id, slots_raw, within, clause = phrase.strip(), [[phrase.strip()]], 0, False
            if any(r.id.casefold() == rule_id.casefold() and r.category == category
                   for r in self.rules):
                return
        else:
            raw_id = raw.get("id")
            if not isinstance(raw_id, str) or not raw_id.strip():
                raise self.fail(where, "lexicon.error.id")
            rule_id = raw_id.strip()
            where = f"{where} {rule_id}"
            if any(r.id == rule_id for r in self.rules):
                raise self.fail(where, "lexicon.error.duplicate_id")
            if "any" in raw:
                slots_raw = [raw["any"]]
            elif "near" in raw:
                slots_raw = raw["near"]
                if not isinstance(slots_raw, list) or len(slots_raw) < 2:
                    raise self.fail(where, "lexicon.error.near")
            else:
                raise self.fail(where, "lexicon.error.pattern")
            within = raw.get("within", DEFAULT_WITHIN)
            if not isinstance(within, int) or isinstance(within, bool) or not 0 <= within <= 80:
                raise self.fail(f"{where} within", "lexicon.error.within")
            clause = raw.get("clause", False)
            if not isinstance(clause, bool):
                raise self.fail(f"{where} clause", "lexicon.error.clause")
        key = "any" if len(slots_raw) == 1 else "near"
        slots = tuple(tuple(self.phrases(s, f"{where} {key}[{j}]" if key == "near"
                                         else f"{where} any"))
                      for j, s in enumerate(slots_raw))
        unless = tuple(self.phrases(raw["unless"], f"{where} unless")) if "unless" in raw else ()
        self.rules.append(LexiconRule(rule_id, category, severity, slots, within, clause,
                                      unless))


def parse_lexicon(data: Any, source: str, base: Lexicon | None = None) -> Lexicon:
    """Read a lexicon document, adding to ``base``; a wrong entry raises :class:`InputError`
    naming it."""
    return _Reader(source, base).read(data)


def read_lexicon_file(path: Path | str, base: Lexicon | None = None) -> Lexicon:
    """The lexicon in ``path`` added to ``base``; an unreadable file or a wrong entry raises
    :class:`InputError` naming it."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(tr("lexicon.error.unreadable", file=str(p), problem=str(exc))) from exc
    return parse_lexicon(data, p.name, base)


def load_lexicon(extra: Path | str | None = None, path: Path | str | None = None) -> Lexicon:
    """The bundled lexicon (or ``path``), extended by ``extra`` when that file exists."""
    lexicon = read_lexicon_file(path or default_lexicon_path())
    if extra is not None and Path(extra).is_file():
        lexicon = read_lexicon_file(extra, lexicon)
    return lexicon


# --- matching ---------------------------------------------------------------------------
_UNIT = re.compile(f"[{_WORD}]+|[^{_WORD} ,\n]")


def _units(segment: str) -> int:
    """Chinese characters plus Latin words in a normalised segment."""
    return len(_UNIT.findall(segment))


def _last(pattern: re.Pattern[str] | None, segment: str) -> re.Match[str] | None:
    if pattern is None:
        return None
    found = None
    for m in pattern.finditer(segment):
        found = m
    return found


def _last_before(pattern: re.Pattern[str] | None, text: str, limit: int) -> re.Match[str] | None:
    """The last match of ``pattern`` in ``text`` that starts before ``limit``."""
    if pattern is None:
        return None
    found = None
    for m in pattern.finditer(text):
        if m.start() < limit:
            found = m
    return found


def _negated(norm: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """A negation governs the match: shortly before it in the same clause, not a condition
    (``如果没有`` / ``if … not``) and not separated from it by ``就`` / ``then``."""
    clause_start = max(norm.rfind(_SENTENCE, 0, start), norm.rfind(_CLAUSE, 0, start)) + 1
    pats = lexicon.context_patterns
    segment = norm[clause_start:start]
    # a cue may run into the match (不反复 before 反复上门): it counts when it starts before it
    reach = norm[clause_start:min(end, start + 4)]
    cue = _last_before(pats.get("negation"), reach, len(segment))
    prohibition = _last_before(pats.get("prohibitions"), reach, len(segment))
    if prohibition is not None and (cue is None or prohibition.end() >= cue.end()):
        cue = prohibition  # a prohibition (不得, 严禁 …) reaches to the end of the clause
    elif cue is None or _units(segment[cue.end():]) > NEGATION_WINDOW:
        return False
    between = segment[cue.end():]
    breakers = pats.get("breakers")
    if breakers is not None and breakers.search(between):
        return False
    before = segment[:cue.start()]
    condition = _last(pats.get("conditions"), before)
    return not (condition is not None and _units(before[condition.end():]) <= 2)


def _reported(norm: str, start: int, lexicon: Lexicon) -> bool:
    """A reporting cue earlier in the sentence, with no officer's speech after (or around)
    it: in ``跟客户说了`` the officer speaks although ``客户说`` is a reporting cue."""
    sentence_start = norm.rfind(_SENTENCE, 0, start) + 1
    segment = norm[sentence_start:start]
    cue = _last(lexicon.context_patterns.get("reporting"), segment)
    if cue is None:
        return False
    reset = _last(lexicon.context_patterns.get("resets"), segment)
    return reset is None or reset.end() <= cue.start()


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        close = _QUOTES.get(text[i])
        if close is not None:
            j = text.find(close, i + 1)
            if j > i:
                spans.append((i, j))
                i = j + 1
                continue
        i += 1
    return spans


def screen(text: str, lexicon: Lexicon) -> list[LexiconHit]:
    """Every rule match in ``text`` that its context does not excuse, in order of position;
    where matches of one category overlap, the longest is reported once."""
    if not text:
        return []
    norm, origin = normalise(text)
    found: list[tuple[int, int, LexiconRule]] = []
    for rule in lexicon.rules:
        pos = 0
        while (m := rule.pattern.search(norm, pos)) is not None:
            pos = m.start() + 1
            if m.end() == m.start():
                continue
            sentence = (norm.rfind(_SENTENCE, 0, m.start()) + 1,
                        (norm.find(_SENTENCE, m.end()) + 1 or len(norm) + 1) - 1)
            if rule.unless_pattern and rule.unless_pattern.search(norm, *sentence):
                continue
            if _negated(norm, m.start(), m.end(), lexicon) or _reported(norm, m.start(), lexicon):
                pos = m.end()  # a later start inside an excused match is the same statement
                continue
            found.append((m.start(), m.end(), rule))
            pos = m.end()
    found.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    quotes = _quoted_spans(text)
    hits: list[LexiconHit] = []
    covered: dict[str, int] = {}
    for start, end, rule in found:
        if end <= covered.get(rule.category, -1):
            continue  # inside a longer match of the same category already reported
        covered[rule.category] = max(covered.get(rule.category, -1), end)
        first, last = origin[start], origin[end - 1] + 1
        excerpt = text[max(0, first - 8):min(len(text), last + 8)]
        quoted = any(q0 < first and last <= q1 for q0, q1 in quotes)
        hits.append(LexiconHit(rule, first, last, excerpt, text[first:last], quoted))
    return hits
