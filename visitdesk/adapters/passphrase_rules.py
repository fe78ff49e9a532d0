"""Strength rules for every passphrase visitdesk lets an officer set.

One check for the case store's passphrase and the signing key's (``cert create``, ``cert
import``, ``cert passphrase``): at least ``MIN_LENGTH`` characters, not on the deny-list (common
choices, one repeated character, only spaces, the officer's own staff number or a run of
digits), and a zxcvbn score of at least ``MIN_SCORE`` (zxcvbn estimates the guesses an attacker
needs from dictionaries, keyboard patterns, dates and repeats; score 3 is "safely unguessable:
moderate protection from an offline attack", the case for a lost laptop).
"""

from __future__ import annotations

from collections.abc import Iterable

from visitdesk.core.errors import InputError
from visitdesk.i18n import tr

MIN_LENGTH = 8
MIN_SCORE = 3

DENY_LIST = frozenset({
    "123456", "1234567", "12345678", "123456789", "1234567890", "password", "password1",
    "passw0rd", "qwerty", "qwertyuiop", "abc123", "abcd1234", "iloveyou", "111111", "000000",
    "666666", "888888", "88888888", "woaini", "woaini1314", "5201314", "1314520", "admin",
    "admin123", "letmein", "welcome", "visitdesk", "zxcvbnm", "a1b2c3d4", "aa123456",
})


def passphrase_problem(passphrase: str, *, personal: Iterable[str] = ()) -> str | None:
    """Why ``passphrase`` may not be set, in the UI language; ``None`` when it is strong enough.

    ``personal`` are values an attacker who holds the laptop knows (the staff number, the
    officer's name and phone): the passphrase may not be one of them or contain them.
    """
    text = passphrase or ""
    compact = "".join(text.split()).lower()
    if not compact:
        return tr("privacy.pass.blank")
    if len(text) < MIN_LENGTH:
        return tr("privacy.pass.short", min=MIN_LENGTH)
    if compact in DENY_LIST or len(set(compact)) <= 2 or compact.isdigit():
        return tr("privacy.pass.common")
    for value in personal:
        value = "".join((value or "").split()).lower()
        if len(value) >= 3 and value in compact:
            return tr("privacy.pass.personal")
    from zxcvbn import zxcvbn

    result = zxcvbn(text[:100], user_inputs=[v for v in personal if v])
    if int(result["score"]) < MIN_SCORE:
        return tr("privacy.pass.weak")
    return None


def check_passphrase_strength(passphrase: str, *, personal: Iterable[str] = ()) -> None:
    """Raise ``InputError`` with the reason when ``passphrase`` is too weak to be set."""
    problem = passphrase_problem(passphrase, personal=personal)
    if problem:
        raise InputError(problem)
