"""Figures, dates and the overdue period as an officer says them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from visitdesk.core.speech import (
    chinese_count,
    date_words,
    full_months,
    money_words,
    overdue_period,
    spoken_list,
)


@pytest.mark.parametrize("days, zh, en", [
    (0, "不到一个月", "less than a month"),
    (29, "不到一个月", "less than a month"),
    (30, "一个月", "a month"),
    (31, "一个多月", "more than a month"),
    (60, "两个月", "2 months"),
    (95, "三个多月", "more than 3 months"),
    (119, "三个多月", "more than 3 months"),  # never rounded up to four
    (360, "十二个月", "12 months"),
    (751, "二十五个多月", "more than 25 months"),
])
def test_overdue_period_rounds_down(days, zh, en):
    assert overdue_period(days, "zh_CN") == zh
    assert overdue_period(days, "en") == en
    assert full_months(days) == days // 30


def test_money_is_said_with_its_unit_and_fen_only_when_there_are_any():
    assert money_words(Decimal("12450"), "zh_CN") == "12,450元"
    assert money_words(Decimal("12450.5"), "zh_CN") == "12,450.50元"
    assert money_words(Decimal("0.07"), "en") == "0.07 yuan"
    assert money_words(Decimal("1200.00"), "en") == "1,200 yuan"
    assert money_words(Decimal("99.9"), "zh_CN", "USD") == "99.90美元"
    assert money_words(Decimal("99.9"), "en", "USD") == "99.90 US dollars"
    assert money_words(Decimal("5"), "zh_CN", "CHF") == "5 CHF"


def test_dates_as_people_say_them():
    assert date_words(date(2026, 3, 1), "zh_CN") == "2026年3月1日"
    assert date_words(date(2026, 3, 1), "en") == "1 March 2026"


def test_counts_and_lists():
    assert [chinese_count(n) for n in (1, 2, 3, 10, 11, 20, 21, 99)] == [
        "一", "两", "三", "十", "十一", "二十", "二十一", "九十九"]
    assert spoken_list(["a", "b", "c"], "en") == "a, b and c"
    assert spoken_list(["a"], "en") == "a"
    assert spoken_list(["本金", "利息"], "zh_CN") == "本金、利息"
