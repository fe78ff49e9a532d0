"""Sort keys that put Chinese names in the order Chinese readers expect: by pinyin.

Code-point order puts 张 (U+5F20) before 李 (U+674E); a contact list, a bank's customer list
or a phone book puts 李 (lǐ) before 张 (zhāng). The key of a name is its pinyin, syllable by
syllable with the tone as a digit (``li3 ming2``), followed by the name itself so that
homophones stay grouped by character and the order is total. Readings come from pypinyin's
character table; a character reads as a surname when it starts the name (曾 zēng, not
céng; 单 shàn, not dān). Keys are computed once per import (:mod:`.store` keeps them) and
characters are looked up once each, so 100,000 names take well under a second.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from pypinyin import Style, pinyin

SURNAME_READINGS = {
    "曾": "zeng1", "单": "shan4", "解": "xie4", "区": "ou1", "仇": "qiu2", "朴": "piao2",
    "查": "zha1", "盖": "ge3", "乐": "yue4", "覃": "qin2", "翟": "zhai2", "缪": "miao4",
    "召": "shao4", "种": "chong2", "尉": "yu4", "万": "wan4", "秘": "bi4", "员": "yun4",
}
"""Characters that read differently as the first character of a name (a surname)."""


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch


@functools.cache
def _syllable(ch: str) -> str:
    if not _is_han(ch):
        return ch.casefold()
    reading = pinyin(ch, style=Style.TONE3, heteronym=False, neutral_tone_with_five=True)
    return reading[0][0] if reading and reading[0] else ch


def name_sort_key(name: str) -> str:
    """The sort key of one name (see the module docstring)."""
    text = name.strip()
    if not text:
        return ""
    first = SURNAME_READINGS.get(text[0]) or _syllable(text[0])
    return " ".join([first, *map(_syllable, text[1:])]) + "\x00" + text


def name_sort_keys(names: Iterable[str]) -> list[str]:
    """:func:`name_sort_key` of each name, each distinct name computed once."""
    names = list(names)
    keys = {n: name_sort_key(n) for n in set(names)}
    return list(map(keys.__getitem__, names))
