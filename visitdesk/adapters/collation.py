"""Sort keys that put Chinese names in the order Chinese readers expect: by pinyin.

Code-point order puts 张 (U+5F20) before 李 (U+674E); a contact list, a bank's customer list
or a phone book puts 李 (lǐ) before 张 (zhāng). The key of a name is its pinyin, syllable by
syllable with the tone as a digit (``li3 ming2``), followed by the name itself so that
homophones stay grouped by character and the order is total. Readings come from pypinyin's
character table (``pinyin_dict.json``, the first reading of each character), read directly:
importing the pypinyin package would also load its phrase tables, 55 MB that a name sort
does not need. A character reads as a surname when it starts the name (曾 zēng, not céng;
单 shàn, not dān). Keys are computed once per import (:mod:`.store` keeps them) and each
character is looked up once, so 100,000 names take about 0.1 s.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import unicodedata
from collections.abc import Iterable
from pathlib import Path

SURNAME_READINGS = {
    "曾": "zeng1", "单": "shan4", "解": "xie4", "区": "ou1", "仇": "qiu2", "朴": "piao2",
    "查": "zha1", "盖": "ge3", "乐": "yue4", "覃": "qin2", "翟": "zhai2", "缪": "miao4",
    "召": "shao4", "种": "chong2", "尉": "yu4", "万": "wan4", "秘": "bi4", "员": "yun4",
}
"""Characters that read differently as the first character of a name (a surname)."""


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch


_TONE_MARKS = {"\u0304": "1", "\u0301": "2", "\u030c": "3", "\u0300": "4"}


@functools.cache
def _table() -> dict[str, str]:
    """Code point (as text) → readings, e.g. ``"26446": "lǐ"``; empty if pypinyin is missing
    (names then sort by their characters)."""
    spec = importlib.util.find_spec("pypinyin")  # locates the package without running it
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "pinyin_dict.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    return {}


def tone3(reading: str) -> str:
    """``lǐ`` → ``li3``, ``lǘ`` → ``lv2``, ``de`` → ``de5`` (pypinyin's TONE3 style)."""
    tone = "5"
    letters: list[str] = []
    for ch in unicodedata.normalize("NFD", reading):
        if ch in _TONE_MARKS:
            tone = _TONE_MARKS[ch]
        elif ch == "\u0308":  # the dots of ü, written v
            if letters and letters[-1] == "u":
                letters[-1] = "v"
        elif ch != "\u0302":  # ê (rare interjections) reads as e
            letters.append(ch)
    return "".join(letters) + tone


def _syllable(ch: str) -> str:
    if not _is_han(ch):
        return ch.casefold()
    readings = _table().get(str(ord(ch)))
    return (tone3(readings.split(",", 1)[0]) if readings else ch) + " "


class _Readings(dict):
    """Code point → its part of a key (``"li3 "``, or the character casefolded), filled on
    first use, for :meth:`str.translate` (a whole name converted in C)."""

    def __missing__(self, code: int) -> str:
        value = self[code] = _syllable(chr(code))
        return value


_READINGS = _Readings()


def name_sort_key(name: str) -> str:
    """The sort key of one name (see the module docstring)."""
    text = name.strip()
    if not text:
        return ""
    first = SURNAME_READINGS.get(text[0])
    key = (first + " " + text[1:].translate(_READINGS)) if first else text.translate(_READINGS)
    return key.rstrip() + "\x00" + text


def name_sort_keys(names: Iterable[str]) -> list[str]:
    """:func:`name_sort_key` of each name, each distinct name computed once."""
    names = list(names)
    keys = {n: name_sort_key(n) for n in set(names)}
    return list(map(keys.__getitem__, names))
