"""Parsing rules for one spreadsheet cell: amounts, dates, IDs, account numbers, phones, text.

Pure functions, no spreadsheet library: a cell arrives as the Python value a reader gives
(``str``, ``float``, ``int``, ``bool``, ``date``, ``datetime``, ``None`` or a
:class:`CellError`) and leaves as a clean value or a :class:`CellProblem` naming the reason
as a catalog key. Nothing is ever guessed: an ambiguous value is an error for that cell.

Floats deserve care. Excel keeps 15 significant digits; a reader hands us a binary float,
so money goes through ``format(value, ".15g")`` (Excel's own precision) before it becomes a
Decimal, and a long number (card or ID) stored as a number is refused because its digits
beyond the fifteenth are already gone.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

MAX_AMOUNT = Decimal("100000000")
"""Largest amount accepted for one account (一亿元); anything above is surely a mistake."""

EXCEL_MAX_DIGITS = 15
"""Excel stores numbers with 15 significant digits."""

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)


@dataclass(frozen=True)
class CellError:
    """A cell the reader could not give a value for (an Excel error or a formula without a
    cached value). ``code`` is the Excel error text (``#DIV/0!``) or ``"formula"``."""

    code: str
    formula: str = ""
    """The formula text (``=B2*1.05``) when the cell holds a formula, else ``""``."""

    def __str__(self) -> str:
        return self.formula or self.code


@dataclass(frozen=True)
class CellProblem:
    """Why a cell was refused (``severity="error"``) or accepted with a note ("warning")."""

    key: str
    """Catalog key of the message, e.g. ``import.cell.amount_ambiguous``."""
    severity: str = "error"
    params: tuple[tuple[str, str], ...] = ()


class CellRefused(Exception):
    """Raised by the ``parse_*`` functions; carries the :class:`CellProblem`."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.problem = CellProblem(key, "error", tuple((k, str(v)) for k, v in params.items()))


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def raw_text(value: object) -> str:
    """The cell as a person would see it in the file, for problem reports."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g").upper()
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != datetime.min.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# ----------------------------------------------------------------------------------------
# text
# ----------------------------------------------------------------------------------------
FORMULA_PREFIXES = ("=", "+", "-", "@")


def clean_text(value: object) -> str:
    """Text of a name/address/branch cell: trimmed, inner whitespace runs collapsed."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = raw_text(value)
    text = text.replace("\u3000", " ").strip()
    if _ODD_SPACE.search(text):
        text = " ".join(text.split())
    return text


_ODD_SPACE = re.compile(r"\s\s|[^\S ]")
"""Two spaces in a row, or any white space other than a plain space (tab, line break …)."""


_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]")
"""Control characters (tab and line breaks excepted: they become spaces), NUL,
bidirectional overrides and isolates, zero-width characters and the BOM."""


def strip_invisible(text: str) -> tuple[str, list[tuple[str, int]]]:
    """``text`` without control, bidi-control and zero-width characters, and what was
    removed as ``(U+XXXX, position)`` pairs (1-based positions in the original text)."""
    removed = [(f"U+{ord(m.group()):04X}", m.start() + 1) for m in _INVISIBLE.finditer(text)]
    if not removed:
        return text, removed
    return _INVISIBLE.sub("", text), removed


def has_invisible(text: str) -> bool:
    return _INVISIBLE.search(text) is not None


def looks_like_formula(text: str) -> bool:
    """True when the text would become a formula if written into a spreadsheet cell.

    Such text is stored as it is (it is data, not a formula); every workbook writer must
    write it as a text cell (see ``visitdesk.adapters.spreadsheet.writing``).
    """
    return text.startswith(FORMULA_PREFIXES)


# ----------------------------------------------------------------------------------------
# amounts
# ----------------------------------------------------------------------------------------
PLACEHOLDERS = frozenset({
    "-", "--", "---", "—", "——", "–", "/", "\\", "n/a", "na", "nan", "null", "none", "无", "空",
    "暂无", "不详", "?", "？", "*", "x", "#n/a", "#value!",
})
_CURRENCY = re.compile(r"^(?:rmb|cny|人民币|¥|￥)\s*|\s*(?:元|rmb|cny)$", re.IGNORECASE)
_PLAIN_AMOUNT = re.compile(r"^\d+(?:\.\d{1,2})?$")
_GROUPED_AMOUNT = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?$")


def _normalise(text: str) -> str:
    """Full-width digits, signs and spaces to ASCII; trimmed."""
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ").strip()


_MAX_AMOUNT_FLOAT = float(MAX_AMOUNT)


def parse_amount(value: object, ceiling: Decimal = MAX_AMOUNT,
                 allow_negative: bool = False) -> Decimal:
    """An amount in yuan as Decimal with at most two decimals, or :class:`CellRefused`.

    Accepted: number cells; text like ``12,345.60``, ``￥1,234.5``, ``RMB 100``, ``100元``,
    full-width digits. Refused: placeholders (``-``, ``N/A``, ``/``), ``1.234,56`` and other
    ambiguous separators, three or more decimals (never rounded), negative amounts (unless
    ``allow_negative``: a field that may hold a credit), amounts above ``ceiling``.
    """
    if type(value) is float:
        # Fast path: a non-negative float within range whose cents are whole (to 1e-6).
        if 0.0 <= value <= _MAX_AMOUNT_FLOAT and (ceiling is MAX_AMOUNT or value <= ceiling):
            scaled = value * 100.0
            cents = round(scaled)
            if -1e-6 < scaled - cents < 1e-6:
                return Decimal(cents).scaleb(-2)
        if value != value or value in (float("inf"), float("-inf")):
            raise CellRefused("import.cell.amount_invalid")
        amount = Decimal(format(value, ".15g"))
    elif isinstance(value, bool):
        raise CellRefused("import.cell.amount_invalid")
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        amount = _parse_amount_text(value, allow_negative)
    elif isinstance(value, float):
        amount = Decimal(format(value, ".15g"))
    elif isinstance(value, CellError):
        raise CellRefused("import.cell.cell_error", code=value.code)
    else:
        raise CellRefused("import.cell.amount_invalid")
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):  # type: ignore[operator]
        raise CellRefused("import.cell.amount_decimals")
    if amount < 0 and not allow_negative:
        raise CellRefused("import.cell.amount_negative")
    if abs(amount) > ceiling:
        raise CellRefused("import.cell.amount_implausible", limit=f"{ceiling:,.2f}")
    return amount.quantize(Decimal("0.01"))


def _parse_amount_text(value: str, allow_negative: bool = False) -> Decimal:
    text = value if _PLAIN_AMOUNT.match(value) else None
    if text is None:
        text = _normalise(value)
        if text.lower() in PLACEHOLDERS:
            raise CellRefused("import.cell.placeholder")
        negative = False
        if text.startswith("-") or (text.startswith("(") and text.endswith(")")):
            negative = True
            text = text.strip("-() ")
        text = _CURRENCY.sub("", text)
        text = _CURRENCY.sub("", text).replace(" ", "")
        if text.startswith("-"):
            negative = True
            text = text[1:]
        if not _PLAIN_AMOUNT.match(text):
            if _GROUPED_AMOUNT.match(text):
                text = text.replace(",", "")
            elif re.fullmatch(r"\d+\.\d{3,}", text) or re.fullmatch(r"[\d.,]+", text):
                # 1.234 (three decimals or a European thousands dot?), 1.234,56, 12,34 …
                raise CellRefused("import.cell.amount_ambiguous")
            else:
                raise CellRefused("import.cell.amount_invalid")
        if negative:
            if not allow_negative:
                raise CellRefused("import.cell.amount_negative")
            text = "-" + text
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - regexes above admit only valid numbers
        raise CellRefused("import.cell.amount_invalid") from None


# ----------------------------------------------------------------------------------------
# whole numbers
# ----------------------------------------------------------------------------------------
_DAYS = re.compile(r"^(\d{1,6})\s*(?:天|日|days?)?$", re.IGNORECASE)


def parse_days(value: object) -> int:
    """A non-negative whole number of days (``30``, ``30.0``, ``"30天"``)."""
    if type(value) is float and value.is_integer() and 0 <= value <= 100_000:
        return int(value)
    if isinstance(value, bool):
        raise CellRefused("import.cell.days_invalid")
    if isinstance(value, float):
        if not value.is_integer():
            raise CellRefused("import.cell.days_invalid")
        value = int(value)
    if isinstance(value, int):
        if value < 0:
            raise CellRefused("import.cell.days_negative")
        if value > 100_000:
            raise CellRefused("import.cell.days_invalid")
        return value
    if isinstance(value, CellError):
        raise CellRefused("import.cell.cell_error", code=value.code)
    if isinstance(value, str):
        text = _normalise(value)
        if text.startswith("-") and text[1:].strip().isdigit():
            raise CellRefused("import.cell.days_negative")
        m = _DAYS.match(text)
        if m:
            return int(m.group(1))
        if text.lower() in PLACEHOLDERS:
            raise CellRefused("import.cell.placeholder")
    raise CellRefused("import.cell.days_invalid")


# ----------------------------------------------------------------------------------------
# dates
# ----------------------------------------------------------------------------------------
_EPOCH_1900 = date(1899, 12, 30)
_EPOCH_1904 = date(1904, 1, 1)
_DATE_SEP = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                       r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def excel_serial_to_date(serial: float, date1904: bool = False) -> date:
    """The calendar date of an Excel serial number (the time of day is dropped).

    In the 1900 system Excel counts 1900-02-29, a day that never was (serial 60); serials
    before it are one day off from the naive formula.
    """
    if serial != serial or serial < 0 or serial > 2_958_465:
        raise CellRefused("import.cell.date_invalid")
    whole = int(serial)
    if date1904:
        return _EPOCH_1904 + timedelta(days=whole)
    if whole <= 60:
        # 1900-01-01 … 1900-02-29: the days of Excel's leap-year bug; no real figure dates
        # from then, and the number is more likely a count of days than a date.
        raise CellRefused("import.cell.date_serial_early", serial=whole)
    return _EPOCH_1900 + timedelta(days=whole)


def parse_date(value: object, *, date1904: bool = False) -> date:
    """A date from a date cell, an Excel serial (1900 or 1904 system) or common text forms:
    ``2024-03-05``, ``2024/3/5``, ``2024.3.5``, ``2024年3月5日``, ``20240305``."""
    if type(value) is date:
        if MIN_DATE <= value <= MAX_DATE:
            return value
        raise CellRefused("import.cell.date_out_of_range")
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, bool):
        raise CellRefused("import.cell.date_invalid")
    elif isinstance(value, (int, float)):
        number = float(value)
        if 19000101 <= number <= 21001231 and number.is_integer():
            result = _parse_date_text(str(int(number)))
        else:
            result = excel_serial_to_date(number, date1904)
    elif isinstance(value, str):
        result = _parse_date_text(value)
    elif isinstance(value, CellError):
        raise CellRefused("import.cell.cell_error", code=value.code)
    else:
        raise CellRefused("import.cell.date_invalid")
    if not MIN_DATE <= result <= MAX_DATE:
        raise CellRefused("import.cell.date_out_of_range")
    return result


def _parse_date_text(value: str) -> date:
    text = _normalise(value)
    m = _DATE_SEP.match(text) or _DATE_COMPACT.match(text)
    if not m:
        if text.lower() in PLACEHOLDERS:
            raise CellRefused("import.cell.placeholder")
        raise CellRefused("import.cell.date_invalid")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise CellRefused("import.cell.date_invalid") from None


# ----------------------------------------------------------------------------------------
# identity numbers
# ----------------------------------------------------------------------------------------
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")


_ID_WEIGHT_SUM_48 = 48 * sum(ID_WEIGHTS)


def id_check_digit(first17: str) -> str:
    """GB 11643 check character for the first 17 digits of a resident ID."""
    total = sum(map(operator.mul, first17.encode("ascii"), ID_WEIGHTS)) - _ID_WEIGHT_SUM_48
    return ID_CHECK[total % 11]


def parse_id_number(value: object) -> tuple[str, CellProblem | None]:
    """An 18-character resident ID (``x`` → ``X``; a wrong check digit is a warning), or a
    legacy 15-digit one with a warning. A number cell keeps at most 15 digits: an 18-digit
    ID from one is refused, a shorter one is read with a warning."""
    number, _kind, note = parse_id_document(value)
    if _kind != "resident_id":
        raise CellRefused("import.cell.id_invalid")
    return number, note


_HK_MACAU = re.compile(r"^[HM]\d{8}(?:\d{2})?$")
_TAIWAN = re.compile(r"^\d{8}(?:\d{2})?$")
_PASSPORT_CN = re.compile(r"^(?:[EGDSP][A-Z0-9]?\d{7,8})$")
_DOCUMENT = re.compile(r"^[A-Z0-9][A-Z0-9\-]{4,29}$")


def parse_id_document(value: object, id_type: str | None = None
                      ) -> tuple[str, str, CellProblem | None]:
    """``(number, id_type, note)`` for an identity document number.

    Without a type from the file, an 18- or 15-digit number is a resident ID, ``H``/``M`` +
    8 or 10 digits a Hong Kong/Macau permit and ``E``/``G`` + digits a Chinese passport
    (each of the latter with a warning naming the type). With a type other than
    ``resident_id`` any 5–30 letters and digits are accepted as that document.
    """
    note: CellProblem | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            raise CellRefused("import.cell.id_invalid")
        if abs(value) >= 10**EXCEL_MAX_DIGITS:
            raise CellRefused("import.cell.number_lost_digits", shown=raw_text(value))
        value = str(int(value))
        note = CellProblem("import.cell.stored_as_number", "warning")
    if isinstance(value, CellError):
        raise CellRefused("import.cell.cell_error", code=value.code)
    if not isinstance(value, str):
        raise CellRefused("import.cell.id_invalid")
    text = value.strip()
    if not text.isascii() or " " in text or "-" in text:
        text = _normalise(text).replace(" ", "")
        if id_type in (None, "", "resident_id"):
            text = text.replace("-", "")
    text = text.upper()
    if _SCIENTIFIC.match(text):
        raise CellRefused("import.cell.scientific_notation")
    if id_type in (None, "", "resident_id"):
        if _ID18.match(text):
            _check_birth(text[6:14])
            if id_check_digit(text[:17]) != text[17]:
                note = note or CellProblem("import.cell.id_check_digit", "warning")
            return text, "resident_id", note
        if _ID15.match(text):
            _check_birth("19" + text[6:12])
            return text, "resident_id", note or CellProblem("import.cell.id_legacy", "warning")
        if id_type is None:
            if _HK_MACAU.match(text):
                return text, "hk_macau_permit", note or CellProblem(
                    "import.cell.id_other_type", "warning", (("kind", "hk_macau_permit"),))
            if _PASSPORT_CN.match(text):
                return text, "passport", note or CellProblem(
                    "import.cell.id_other_type", "warning", (("kind", "passport"),))
        raise CellRefused("import.cell.id_invalid")
    if not _DOCUMENT.match(text):
        raise CellRefused("import.cell.document_invalid")
    return text, id_type, note


def _check_birth(yyyymmdd: str) -> None:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        raise CellRefused("import.cell.id_birth_date") from None
    if born.year < 1900:
        raise CellRefused("import.cell.id_birth_date")


# ----------------------------------------------------------------------------------------
# account / card numbers
# ----------------------------------------------------------------------------------------
_ACCOUNT = re.compile(r"^[0-9A-Z][0-9A-Z\-]{3,39}$")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$", re.IGNORECASE)


def luhn_ok(number: str) -> bool:
    """True when a digit string passes the Luhn check (bank card numbers do)."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def looks_like_card(number: str) -> bool:
    """16 to 19 digits: the length of a bank card number."""
    return 16 <= len(number) <= 19 and number.isdigit()


def parse_card_no(value: object) -> str | tuple[str, CellProblem | None]:
    """:func:`parse_account_no` for a column of card numbers: a card number failing the
    Luhn check is kept with a warning (it was probably mistyped)."""
    result = parse_account_no(value)
    number, note = result if isinstance(result, tuple) else (result, None)
    if note is None and looks_like_card(number) and not luhn_ok(number):
        return number, CellProblem("import.cell.card_luhn", "warning")
    return result


def parse_account_no(value: object) -> str | tuple[str, CellProblem | None]:
    """A card or account number as text: spaces removed, letters upper-cased.

    A number cell is accepted with a warning only while it cannot have lost digits (at most
    15 of them; leading zeros may still be gone); longer numbers and text in scientific
    notation (``6.22202E+15``) are refused with the reason, since the digits Excel dropped
    cannot be recovered.
    """
    if isinstance(value, str):
        text = value.strip()
        if not (text.isdigit() and text.isascii()):
            text = _normalise(text).replace(" ", "").upper()
            if _SCIENTIFIC.match(text):
                raise CellRefused("import.cell.scientific_notation")
            if text.lower() in PLACEHOLDERS:
                raise CellRefused("import.cell.placeholder")
            if not _ACCOUNT.match(text):
                raise CellRefused("import.cell.account_invalid")
        elif len(text) < 4:
            raise CellRefused("import.cell.account_invalid")
        return text
    if isinstance(value, bool):
        raise CellRefused("import.cell.account_invalid")
    if isinstance(value, int):
        value = float(value) if value >= 10**EXCEL_MAX_DIGITS else value
        if isinstance(value, int):
            if value < 1000:
                raise CellRefused("import.cell.account_invalid")
            return str(value), CellProblem("import.cell.stored_as_number", "warning")
    if isinstance(value, float):
        if not value.is_integer() or value < 1000:
            raise CellRefused("import.cell.account_invalid")
        if value >= 10**EXCEL_MAX_DIGITS:
            raise CellRefused("import.cell.number_lost_digits", shown=raw_text(value))
        return str(int(value)), CellProblem("import.cell.stored_as_number", "warning")
    if isinstance(value, CellError):
        raise CellRefused("import.cell.cell_error", code=value.code)
    raise CellRefused("import.cell.account_invalid")


# ----------------------------------------------------------------------------------------
# phones
# ----------------------------------------------------------------------------------------
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3})-(\d{7,8})(?:-(\d{1,6}))?$")
_LANDLINE_BARE = re.compile(r"^0\d{9,11}$")


def parse_phone(value: object) -> tuple[str, CellProblem | None]:
    """A mainland mobile (11 digits, ``+86`` and separators removed) or a landline
    (``010-12345678``). Anything else is kept as written with a warning."""
    if isinstance(value, float) and value.is_integer():
        value = str(int(value))
    elif isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, CellError):
        raise CellRefused("import.cell.cell_error", code=value.code)
    text = clean_text(value)
    if _MOBILE.match(text):
        return text, None
    compact = _normalise(text).replace("(", "").replace(")", "-")
    for ch in " .":
        compact = compact.replace(ch, "")
    if compact.startswith("+86"):
        compact = compact[3:]
    elif compact.startswith("0086"):
        compact = compact[4:]
    compact = compact.lstrip("-")
    digits = compact.replace("-", "")
    if _MOBILE.match(digits):
        return digits, None
    if len(digits) == 13 and digits.startswith("86") and _MOBILE.match(digits[2:]):
        return digits[2:], None
    if "-" in compact:
        m = _LANDLINE.match(compact)
        if m:
            return m.group(1) + "-" + m.group(2) + (f"-{m.group(3)}" if m.group(3) else ""), None
    elif _LANDLINE_BARE.match(digits):
        return digits, None
    return text, CellProblem("import.cell.phone_unusual", "warning")
