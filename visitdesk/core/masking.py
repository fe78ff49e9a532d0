"""Masking of personal identifiers for anything printed for the debtor or shown outside the record.

PIPL treats ID, card and phone numbers as sensitive: documents handed to the customer (and
anything that may be seen by others) show only enough to recognise them. Pure functions; the
full values stay in the case store and on the internal record.
"""

from __future__ import annotations

MASK = "*"


def _compact(text: str) -> str:
    return "".join(ch for ch in (text or "") if not ch.isspace() and ch != "-")


def mask_id_number(id_number: str, id_type: str = "resident_id") -> str:
    """An ID number masked as its kind allows (``Account.id_type``).

    * Resident ID: the 6-digit region code and the last 4 characters
      (``110101199003070012`` → ``110101********0012``); a malformed one shorter than 11
      characters keeps only its last 4.
    * Passport and the Hong Kong/Macau or Taiwan travel permits (8–9 characters, e.g.
      ``E12345678``, ``H12345678``): the leading letter and the last 3 (``E*****678``);
      8 characters: the last 3 only.
    * Foreign permanent residence ID (15 or 18 characters): the first 3 (country and kind)
      and the last 4.
    * Anything else: the last 4 (the last 2 when it has fewer than 9 characters, nothing
      when fewer than 5), so that more than half is always hidden.
    """
    value = _compact(id_number).upper()
    if not value:
        return ""
    if id_type == "resident_id":
        if len(value) >= 11:
            return value[:6] + MASK * (len(value) - 10) + value[-4:]
        return mask_tail(value, 4)
    if id_type in ("passport", "hk_macau_permit", "taiwan_permit") and len(value) >= 8:
        if value[0].isalpha() and len(value) >= 9:
            return value[0] + MASK * (len(value) - 4) + value[-3:]
        return mask_tail(value, 3)
    if id_type == "foreign_permanent" and len(value) >= 15:
        return value[:3] + MASK * (len(value) - 7) + value[-4:]
    return mask_tail(value, 4 if len(value) >= 9 else 2 if len(value) >= 5 else 0)


def mask_card(number: str) -> str:
    """Card or account number: only the last 4 digits, e.g. ``**** **** **** 1234``."""
    value = _compact(number)
    if not value:
        return ""
    if len(value) <= 4:
        return MASK * len(value)
    return "**** " + value[-4:]


def mask_phone(phone: str) -> str:
    """Mobile numbers keep the first 3 and last 4 digits (``138****5678``).

    Other numbers (landlines with an area code, short numbers) keep only their last 4 digits.
    """
    value = _compact(phone)
    if value.startswith("+86"):
        value = value[3:]
    if not value:
        return ""
    if len(value) == 11 and value.isdigit() and value.startswith("1"):
        return value[:3] + MASK * 4 + value[-4:]
    return mask_tail(value, 4)


def mask_name(name: str) -> str:
    """Chinese names keep the surname (``张*``, ``欧阳**``: first character for short names);
    Latin names keep the first letter of each word."""
    value = (name or "").strip()
    if not value:
        return ""
    if value.isascii():
        return " ".join(w[0] + MASK * (len(w) - 1) for w in value.split())
    if len(value) == 1:
        return value
    keep = 2 if len(value) >= 4 else 1
    return value[:keep] + MASK * (len(value) - keep)


def mask_tail(value: str, keep: int) -> str:
    """Mask everything but the last ``keep`` characters (all of a value not longer than that)."""
    if keep <= 0 or len(value) <= keep:
        return MASK * len(value)
    return MASK * (len(value) - keep) + value[-keep:]
