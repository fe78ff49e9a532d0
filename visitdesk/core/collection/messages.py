"""SMS and e-mail drafts after a visit: the agreed plan, a reminder, a missed payment.

visitdesk sends nothing itself: it writes the text (SMS) or an ``.eml`` file (e-mail, written by
``adapters/messages.py``) that the officer sends through the bank's own channel, and marking
one as sent records a contact. The texts are data (``resources/messages/messages.json``),
checked when loaded: both languages present, only known placeholders, no phrase the conduct
screening flags, and every SMS within its segment budget with the longest values a field can
take. A message names the account only by its last four digits and tells no more of the debt
than the payment it is about.
"""

from __future__ import annotations

import json
import math
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visitdesk.core.errors import InputError
from visitdesk.core.lexicon import Lexicon, screen
from visitdesk.i18n import tr
from visitdesk.paths import resource

KINDS = ("plan", "reminder", "missed")
LANGS = ("zh_CN", "en")
PLACEHOLDERS = ("bank", "account", "first_due", "first_amount", "months", "monthly",
                "reply_by", "hotline", "due", "amount", "officer")

_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM7_EXT = set("^{}\\[~]|€")
"""GSM 03.38 basic set and the extension characters (which take two septets)."""


def sms_segments(text: str) -> int:
    """Segments a carrier bills for ``text``.

    GSM 7-bit text: 160 septets in one segment, 153 per segment when split (extension
    characters count twice). Anything else is UCS-2: 70 code units in one segment, 67 per
    segment when split; a character outside the Basic Multilingual Plane is two units.
    """
    if not text:
        return 0
    if all(ch in _GSM7 or ch in _GSM7_EXT for ch in text):
        units = sum(2 if ch in _GSM7_EXT else 1 for ch in text)
        single, part = 160, 153
    else:
        units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
        single, part = 70, 67
    return 1 if units <= single else math.ceil(units / part)


@dataclass(frozen=True)
class MessageTemplates:
    sms: dict[str, dict[str, str]]
    """kind → lang → text."""
    sms_max_segments: dict[str, dict[str, int]]
    """kind → lang → most segments the text may take with the longest values."""
    email_subject: dict[str, dict[str, str]]
    email_body: dict[str, dict[str, str]]


@dataclass(frozen=True)
class Message:
    channel: str
    """``sms`` or ``email``."""
    kind: str
    lang: str
    text: str
    """The SMS text, or the e-mail body."""
    subject: str = ""
    segments: int = 0
    """SMS segments (0 for e-mail)."""

    def to_json(self) -> dict[str, Any]:
        return {"channel": self.channel, "kind": self.kind, "lang": self.lang,
                "subject": self.subject, "text": self.text, "segments": self.segments}


_LONGEST_ZH = {
    "bank": "中国某某商业银行股份有限公司", "account": "尾号8888", "first_due": "2026年12月31日",
    "first_amount": "99,999.99", "months": "60", "monthly": "99,999.99",
    "reply_by": "2026年12月31日", "hotline": "400-000-0000", "due": "2026年12月31日",
    "amount": "99,999.99", "officer": "欧阳某某某",
}
LONGEST_VALUES = {
    "zh_CN": _LONGEST_ZH,
    "en": {**_LONGEST_ZH, "account": "ending 8888", "first_due": "2026-12-31",
           "reply_by": "2026-12-31", "due": "2026-12-31"},
}
"""The longest value each placeholder takes in practice (the bank's name stays Chinese in
English texts), for the segment check."""


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def parse_templates(data: Any, source: str, lexicon: Lexicon | None = None
                    ) -> MessageTemplates:
    """Check and read the templates; :class:`InputError` names the entry that is wrong."""
    def fail(where: str, what: str) -> InputError:
        return InputError(tr("cycle.templates.error", source=source, where=where, what=what))

    if not isinstance(data, dict) or data.get("format") != "visitdesk.messages/1":
        raise fail("format", "visitdesk.messages/1")
    sms: dict[str, dict[str, str]] = {}
    segments: dict[str, dict[str, int]] = {}
    subjects: dict[str, dict[str, str]] = {}
    bodies: dict[str, dict[str, str]] = {}

    def texts(node: Any, where: str) -> dict[str, str]:
        if not isinstance(node, dict):
            raise fail(where, "{zh_CN, en}")
        out = {}
        for lang in LANGS:
            text = node.get(lang)
            if not isinstance(text, str) or not text.strip():
                raise fail(f"{where}.{lang}", "text")
            try:
                unknown = _fields(text) - set(PLACEHOLDERS)
            except ValueError:
                raise fail(f"{where}.{lang}", "{placeholder}") from None
            if unknown:
                raise fail(f"{where}.{lang}", "{" + ", ".join(sorted(unknown)) + "}")
            if lexicon is not None:
                hits = screen(text, lexicon)
                if hits:
                    raise fail(f"{where}.{lang}", tr("cycle.templates.screened",
                                                      phrase=hits[0].excerpt))
            out[lang] = text
        return out

    for kind in KINDS:
        node = (data.get("sms") or {}).get(kind)
        sms[kind] = texts(node, f"sms.{kind}")
        limits = node.get("max_segments") if isinstance(node, dict) else None
        segments[kind] = {}
        for lang, text in sms[kind].items():
            limit = limits.get(lang) if isinstance(limits, dict) else None
            if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 4:
                raise fail(f"sms.{kind}.max_segments.{lang}", "1–4")
            segments[kind][lang] = limit
            longest = text.format(**LONGEST_VALUES[lang])
            if sms_segments(longest) > limit:
                raise fail(f"sms.{kind}.{lang}", tr("cycle.templates.too_long", limit=limit,
                                                    segments=sms_segments(longest)))
        mail = (data.get("email") or {}).get(kind)
        if not isinstance(mail, dict):
            raise fail(f"email.{kind}", "{subject, body}")
        subjects[kind] = texts(mail.get("subject"), f"email.{kind}.subject")
        bodies[kind] = texts(mail.get("body"), f"email.{kind}.body")
    return MessageTemplates(sms, segments, subjects, bodies)


def load_templates(path: str | Path | None = None, lexicon: Lexicon | None = None
                   ) -> MessageTemplates:
    path = Path(path) if path else resource("messages", "messages.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(tr("cycle.templates.error", source=path.name, where="",
                            what=str(exc))) from None
    return parse_templates(data, path.name, lexicon)


_SPACES = re.compile(r"[ \t]+\n")


def render(templates: MessageTemplates, channel: str, kind: str, lang: str,
           values: dict[str, str]) -> Message:
    """Fill one template; a value not given is left visibly empty (``____``)."""
    full = {name: values.get(name) or "____" for name in PLACEHOLDERS}
    if channel == "sms":
        text = templates.sms[kind][lang].format(**full)
        return Message("sms", kind, lang, text, segments=sms_segments(text))
    subject = templates.email_subject[kind][lang].format(**full)
    body = _SPACES.sub("\n", templates.email_body[kind][lang].format(**full))
    return Message("email", kind, lang, body, subject=subject)


def message_values(kind: str, lang: str, *, bank: str, hotline: str, officer: str,
                   account_no: str, plan: Any = None, reply_by: Any = None,
                   commitment: Any = None) -> dict[str, str]:
    """Placeholder values for one message, as people read them in ``lang``.

    ``plan`` is the agreed :class:`~visitdesk.core.plans.Plan` (for ``plan`` messages);
    ``commitment`` the :class:`~.commitments.CommitmentState` a reminder or missed-payment
    message is about. The account appears only by its last four digits.
    """
    from visitdesk.core.debt import date_words
    from visitdesk.core.money import format_plain

    tail = "".join(ch for ch in account_no if ch.isalnum())[-4:]
    values = {
        "bank": bank, "hotline": hotline, "officer": officer,
        "account": f"尾号{tail}" if lang == "zh_CN" else f"ending {tail}",
    }
    if plan is not None:
        first = plan.schedule[0]
        values.update(first_due=date_words(first.due_date, lang),
                      first_amount=format_plain(first.amount),
                      months=str(len(plan.schedule)),
                      monthly=format_plain(plan.monthly_amount if plan.instalments
                                           else first.amount))
    if reply_by is not None:
        values["reply_by"] = date_words(reply_by, lang)
    if commitment is not None:
        values.update(due=date_words(commitment.commitment.due_date, lang),
                      amount=format_plain(commitment.outstanding))
    return values
