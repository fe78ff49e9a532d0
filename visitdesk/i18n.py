"""One message catalog for the UI, validation messages, CLI output and PDF labels.

Catalogs are JSON files under ``resources/i18n/<language>/``; every file of a language is
merged (one file per area keeps edits apart), and keys are unique across files. Simplified
Chinese (``zh_CN``) is the default; ``en`` is the second language. A key missing from the
chosen language falls back to Chinese, then to the key itself, so nothing ever crashes on a
missing translation (a test checks both catalogs have the same keys).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from visitdesk.paths import resource

DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")

_language = DEFAULT_LANGUAGE


@cache
def catalog(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    folder = resource("i18n", language)
    for path in sorted(folder.glob("*.json")):
        entries = json.loads(path.read_text(encoding="utf-8"))
        for key, text in entries.items():
            if key in merged:
                raise ValueError(f"duplicate message key {key!r} in {path}")
            merged[key] = text
    return merged


def set_language(language: str) -> None:
    global _language
    _language = language if language in LANGUAGES else DEFAULT_LANGUAGE


def language() -> str:
    return _language


def tr(key: str, /, lang: str | None = None, **params: Any) -> str:
    """The message ``key`` in the current (or given) language, with ``{params}`` filled in."""
    text = catalog(lang or _language).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text
