"""The conduct lexicon: threatening, insulting, deceptive or exaggerated phrases.

Free text in a visit record is screened against it before finalising; each hit is reported
with the phrase and where it occurs, and must be looked at (it may quote the customer). The
bundled list (``resources/lexicon/conduct_lexicon.json``) can be extended by the bank, either
in place or with a ``conduct_lexicon.json`` of the same form in the data folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visitdesk.core.errors import InputError
from visitdesk.core.playbook import Text
from visitdesk.i18n import tr

LEXICON_FORMAT = "visitdesk.lexicon/1"
LEXICON_FILE = "conduct_lexicon.json"
SEVERITIES = ("warning", "error")


@dataclass(frozen=True)
class LexiconEntry:
    phrase: str
    category: str
    severity: str = "warning"
    """``warning`` (must be acknowledged) or ``error`` (blocks finalising)."""


@dataclass(frozen=True)
class Lexicon:
    entries: tuple[LexiconEntry, ...]
    categories: dict[str, Text]

    def category_label(self, category: str, lang: str | None = None) -> str:
        text = self.categories.get(category)
        return text.get(lang) if text else category


@dataclass(frozen=True)
class LexiconHit:
    entry: LexiconEntry
    start: int
    """Offset of the phrase in the screened text."""
    excerpt: str
    """The phrase with a few characters around it, as it appears in the text."""


def default_lexicon_path() -> Path:
    from visitdesk.paths import resource

    return resource("lexicon", LEXICON_FILE)


def parse_lexicon(data: Any, source: str, base: Lexicon | None = None) -> Lexicon:
    """Read a lexicon document, adding to ``base``; a wrong entry raises :class:`InputError`."""
    def fail(where: str, what: str) -> InputError:
        return InputError(tr("visit.lexicon.error", file=source, where=where, problem=what))

    if not isinstance(data, dict) or data.get("format") != LEXICON_FORMAT:
        raise fail("format", LEXICON_FORMAT)
    categories = dict(base.categories) if base else {}
    raw_cats = data.get("categories", {})
    if not isinstance(raw_cats, dict):
        raise fail("categories", "{}")
    for key, label in raw_cats.items():
        if not isinstance(label, dict) or not all(
                isinstance(label.get(lang), str) and label.get(lang) for lang in ("zh_CN", "en")):
            raise fail(f"categories.{key}", "zh_CN, en")
        categories[key] = Text(label["zh_CN"], label["en"])
    entries = list(base.entries) if base else []
    seen = {(e.phrase.casefold(), e.category) for e in entries}
    raw_entries = data.get("entries", [])
    if not isinstance(raw_entries, list):
        raise fail("entries", "[]")
    for i, raw in enumerate(raw_entries):
        where = f"entries[{i}]"
        if not isinstance(raw, dict):
            raise fail(where, "{}")
        phrase, category = raw.get("phrase"), raw.get("category")
        severity = raw.get("severity", "warning")
        if not isinstance(phrase, str) or not phrase.strip():
            raise fail(where, "phrase")
        if category not in categories:
            raise fail(where, f"category {category!r}")
        if severity not in SEVERITIES:
            raise fail(where, f"severity {severity!r}")
        key = (phrase.strip().casefold(), category)
        if key not in seen:
            seen.add(key)
            entries.append(LexiconEntry(phrase.strip(), category, severity))
    return Lexicon(tuple(entries), categories)


def load_lexicon(extra: Path | str | None = None, path: Path | str | None = None) -> Lexicon:
    """The bundled lexicon (or ``path``), extended by ``extra`` when that file exists."""
    lexicon = None
    for p, optional in ((Path(path) if path else default_lexicon_path(), False),
                        (Path(extra) if extra else None, True)):
        if p is None or (optional and not p.is_file()):
            continue
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(tr("visit.lexicon.error", file=str(p), where="/",
                                problem=str(exc))) from exc
        lexicon = parse_lexicon(data, p.name, lexicon)
    assert lexicon is not None
    return lexicon


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _word_bounded(text: str, start: int, end: int) -> bool:
    """Latin phrases match whole words only ("liar" is not in "familiar"); Chinese has no
    word breaks, so a Chinese phrase matches anywhere."""
    if _is_word_char(text[start]) and start > 0 and _is_word_char(text[start - 1]):
        return False
    if _is_word_char(text[end - 1]) and end < len(text) and _is_word_char(text[end]):
        return False
    return True


def screen(text: str, lexicon: Lexicon) -> list[LexiconHit]:
    """Every lexicon phrase found in ``text`` (case-insensitive), longest match first where
    phrases overlap, in order of position."""
    if not text:
        return []
    # case-fold per character, remembering where each folded character came from, since
    # folding can change the length (ß → ss) and positions must point into ``text``
    parts = [ch.casefold() for ch in text]
    folded = "".join(parts)
    origin = [i for i, part in enumerate(parts) for _ in part] + [len(text)]
    found: list[tuple[int, int, LexiconEntry]] = []
    for entry in lexicon.entries:
        needle = entry.phrase.casefold()
        start = folded.find(needle)
        while start >= 0:
            end = start + len(needle)
            if _word_bounded(folded, start, end):
                found.append((start, end, entry))
            start = folded.find(needle, start + 1)
    found.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    hits: list[LexiconHit] = []
    covered_to = -1
    for start, end, entry in found:
        if end <= covered_to:
            continue  # inside a longer phrase already reported
        covered_to = max(covered_to, end)
        first, last = origin[start], origin[end - 1] + 1
        excerpt = text[max(0, first - 8):min(len(text), last + 8)]
        hits.append(LexiconHit(entry, first, excerpt))
    return hits
