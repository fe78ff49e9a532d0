"""Limits on what visitdesk accepts from files and options, checked before anything is used.

A visit record, a plan's terms or a signature image comes from a file someone else made. Each
limit below keeps one input from costing unbounded time or memory, or from reaching code that
was never meant for it (a year 9999 in a date sum, a 10,000-digit number, JSON nested a
million deep); each refusal is an :class:`InputError` naming the field, so the CLI exits 2 and
the window shows the message. The limits are documented in docs/visit-record.md.
"""

from __future__ import annotations

import json
import re
import struct
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from visitdesk.core.errors import InputError
from visitdesk.i18n import tr

MAX_FILE_BYTES = 4_000_000
"""An answers or terms file."""
MAX_DEPTH = 32
"""Nesting of objects and lists in a JSON file."""
MAX_TEXT = 20_000
"""Characters of the record's ``notes`` (printed as running text, over pages if need be)."""
MAX_ANSWER = 1_000
"""Characters of one text in ``answers`` or ``situations`` (printed in a table cell)."""
MAX_SHORT = 200
"""Characters of any other text: names, addresses, references (printed in narrow cells)."""
MAX_RECORD = 400_000
"""Characters of a whole visit record's JSON form (without drawn signatures)."""
MAX_EXPONENT = 15
"""Largest power of ten a number may reach (``1e16`` and a 17-digit integer are refused)."""
YEARS = (1900, 2199)
"""The years a date may fall in (visit moments, follow-up dates, plan dates)."""
MAX_SIGNATURE_PIXELS = 4_000_000
"""Width × height of a drawn signature image (a 2000 × 2000 pad is far more than enough)."""
MAX_SIGNATURE_BYTES = 5_000_000

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


class _BadNumber:
    """A number the parser met that is out of range; reported with its path by the walk."""

    def __init__(self, text: str) -> None:
        self.text = text


def _number(text: str) -> Any:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return _BadNumber(text)
    if len(text) > 40 or not value.is_finite() or (value and value.adjusted() > MAX_EXPONENT):
        return _BadNumber(text)
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def load_json(text: str, source: str) -> Any:
    """Parse JSON from ``source`` (a file name, for messages) within the limits above."""
    if len(text) > MAX_FILE_BYTES:
        raise InputError(tr("integrity.limit.file_size", file=source, limit=MAX_FILE_BYTES))
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            raise InputError(tr("integrity.limit.depth", file=source, limit=MAX_DEPTH))
    try:
        data = json.loads(text, parse_int=_number, parse_float=_number,
                          parse_constant=_BadNumber)
    except json.JSONDecodeError as exc:
        raise InputError(tr("visit.cli.answers_json", file=source, line=exc.lineno,
                            column=exc.colno, detail=exc.msg)) from exc
    except (ValueError, RecursionError) as exc:  # defensive: the checks above come first
        raise InputError(tr("integrity.limit.depth", file=source, limit=MAX_DEPTH)) from exc
    check_values(data)
    return data


def text_limit(path: str) -> int:
    """The longest text accepted at ``path`` (``notes``, ``answers.listening.x`` …)."""
    if path == "notes":
        return MAX_TEXT
    if path.startswith(("answers.", "situations.")):
        return MAX_ANSWER
    return MAX_SHORT


def check_values(data: Any, path: str = "") -> None:
    """Every number in range and every text within its :func:`text_limit`, naming the first
    that is not (``answers.listening.customer_proposal``)."""
    stack: list[tuple[str, Any]] = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, _BadNumber):
            raise InputError(tr("integrity.limit.number", key=where or "/",
                                value=value.text[:40]))
        if isinstance(value, str):
            if len(value) > text_limit(where):
                raise InputError(tr("integrity.limit.text", key=where or "/",
                                    length=len(value), limit=text_limit(where)))
        elif isinstance(value, dict):
            for key, item in value.items():
                if len(key) > 200:
                    raise InputError(tr("integrity.limit.text", key=f"{where}.{key[:20]}…",
                                        length=len(key), limit=200))
                stack.append((f"{where}.{key}" if where else key, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(value))


def check_record_size(data: dict[str, Any]) -> None:
    """The whole record's JSON form (drawn signatures aside) within :data:`MAX_RECORD`."""
    size = len(json.dumps({k: v for k, v in data.items() if k != "signatures"},
                          ensure_ascii=False, separators=(",", ":")))
    if size > MAX_RECORD:
        raise InputError(tr("integrity.limit.record", length=size, limit=MAX_RECORD))


def check_day(value: date | datetime | None, key: str) -> None:
    """A date (or moment) within :data:`YEARS`, naming ``key`` when not."""
    if value is not None and not YEARS[0] <= value.year <= YEARS[1]:
        raise InputError(tr("integrity.limit.year", key=key, value=value.isoformat(),
                            first=YEARS[0], last=YEARS[1]))


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header, without decoding it (None: not a PNG)."""
    if len(data) < 24 or not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def check_signature_image(data: bytes, who: str) -> None:
    """A drawn signature's size and pixel count before anything decodes it."""
    size = png_size(data)
    if size is not None and (len(data) > MAX_SIGNATURE_BYTES
                             or size[0] * size[1] > MAX_SIGNATURE_PIXELS):
        raise InputError(tr("integrity.limit.image", who=who, width=size[0], height=size[1],
                            limit=MAX_SIGNATURE_PIXELS))


def check_record(data: dict[str, Any]) -> None:
    """Every limit a visit record's JSON form must keep, wherever it came from (a file, the
    window): texts, numbers and the whole size; drawn signatures are checked when drawn."""
    body = {k: v for k, v in data.items() if k != "signatures"}
    check_values(body)
    check_record_size(body)
