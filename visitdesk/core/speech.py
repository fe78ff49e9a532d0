"""Figures, dates and periods as an officer says them to a customer.

Talking points are read aloud, so they use spoken forms rather than the ledger's: money with
its unit (``12,450元`` / ``12,450 yuan``, fen only when there are any), dates as people say
them (``2026年3月1日`` / ``1 March 2026``), and the overdue period rounded *down*
(``三个多月`` for 95 days: saying "four months" would overstate it). Debt items that are zero
are left out of a spoken list instead of being read out as "0.00".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from visitdesk.core.money import round_fen
from visitdesk.i18n import tr

DAYS_PER_MONTH = 30
"""The overdue period is counted in 30-day months, as the bank's M1…M6 buckets are."""

_ZH_DIGITS = "零一二三四五六七八九"
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_CURRENCY_ZH = {"CNY": "元", "USD": "美元", "HKD": "港元", "EUR": "欧元", "JPY": "日元",
                "GBP": "英镑", "MOP": "澳门元", "TWD": "新台币"}
_CURRENCY_EN = {"CNY": "yuan", "USD": "US dollars", "HKD": "Hong Kong dollars", "EUR": "euros",
                "JPY": "yen", "GBP": "pounds sterling", "MOP": "patacas",
                "TWD": "New Taiwan dollars"}


def money_words(amount: Decimal, lang: str, currency: str = "CNY") -> str:
    """``12450`` → ``12,450元`` / ``12,450 yuan``; ``12450.5`` → ``12,450.50元``."""
    value = round_fen(amount)
    figures = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    if lang == "zh_CN":
        unit = _CURRENCY_ZH.get(currency)
        return f"{figures}{unit}" if unit else f"{figures} {currency}"
    return f"{figures} {_CURRENCY_EN.get(currency, currency)}"


def date_words(d: date, lang: str) -> str:
    """``2026年3月1日`` / ``1 March 2026``."""
    if lang == "zh_CN":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"


def chinese_count(n: int) -> str:
    """A count as said before a measure word: 1 一, 2 两, 10 十, 12 十二, 25 二十五, 100 100."""
    if n == 2:
        return "两"
    if 0 <= n < 10:
        return _ZH_DIGITS[n]
    if n < 20:
        return "十" + (_ZH_DIGITS[n - 10] if n > 10 else "")
    if n < 100:
        tens, ones = divmod(n, 10)
        return _ZH_DIGITS[tens] + "十" + (_ZH_DIGITS[ones] if ones else "")
    return str(n)


def full_months(days: int) -> int:
    """Whole 30-day months in ``days`` (rounded down: 95 days → 3)."""
    return max(days, 0) // DAYS_PER_MONTH


def overdue_period(days: int, lang: str) -> str:
    """The overdue period rounded down: 95 days → ``三个多月`` / ``more than 3 months``;
    90 → ``三个月``; 20 → ``不到一个月``."""
    months, rest = divmod(max(days, 0), DAYS_PER_MONTH)
    if months == 0:
        return tr("speech.period.under_a_month", lang=lang)
    if lang == "zh_CN":
        count = chinese_count(months)
    else:
        count = "a" if months == 1 else str(months)
    key = "speech.period.more_than" if rest else "speech.period.exactly"
    plural = "" if months == 1 else "s"
    return tr(key, lang=lang, count=count, s=plural)


def spoken_list(items: list[str], lang: str) -> str:
    """``a、b、c`` / ``a, b and c``."""
    if lang == "zh_CN":
        return "、".join(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
