"""Chinese capitals as the payment-settlement rules require, checked case by case and by a
round trip through an independent parser."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from visitdesk.core.capitals import MAX_AMOUNT, to_capitals

DIGIT_VALUES = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
SMALL = {"拾": 10, "佰": 100, "仟": 1000}


def _parse_section(text: str) -> int:
    """A number below 10,000: digits followed by 仟/佰/拾 (零 only separates)."""
    value, digit = 0, 0
    for ch in text:
        if ch in DIGIT_VALUES:
            digit = DIGIT_VALUES[ch]
        else:
            value += digit * SMALL[ch]
            digit = 0
    return value + digit


def _parse_integer(text: str) -> int:
    for unit, factor in (("兆", 10**12), ("亿", 10**8), ("万", 10**4)):
        if unit in text:
            high, low = text.split(unit)
            return _parse_integer(high) * factor + _parse_integer(low)
    return _parse_section(text)


def parse_capitals(text: str) -> Decimal:
    """Read capitals back to a Decimal (written independently of the code under test)."""
    assert text.startswith("人民币")
    text = text[3:]
    yuan_text, _, rest = text.partition("元") if "元" in text else ("", "", text)
    total = _parse_integer(yuan_text.replace("万亿", "兆"))
    cents = 0
    if rest == "整":
        pass
    else:
        digits = rest.lstrip("零")
        while digits:
            value, unit = DIGIT_VALUES[digits[0]], digits[1]
            cents += value * (10 if unit == "角" else 1)
            digits = digits[2:]
    return Decimal(total) + Decimal(cents) / 100


@pytest.mark.parametrize(
    "amount, capitals",
    [
        # the examples of the payment-settlement rules
        ("1409.50", "人民币壹仟肆佰零玖元伍角"),
        ("6007.14", "人民币陆仟零柒元壹角肆分"),
        ("1680.32", "人民币壹仟陆佰捌拾元零叁角贰分"),
        ("107000.53", "人民币壹拾万柒仟元零伍角叁分"),
        ("16409.02", "人民币壹万陆仟肆佰零玖元零贰分"),
        ("325.04", "人民币叁佰贰拾伍元零肆分"),
        # the cases
        ("12345.67", "人民币壹万贰仟叁佰肆拾伍元陆角柒分"),
        ("0.01", "人民币壹分"),
        ("10", "人民币壹拾元整"),
        ("100000", "人民币壹拾万元整"),
        ("1000000000.05", "人民币壹拾亿元零伍分"),
        # zeros in every position
        ("0", "人民币零元整"),
        ("0.10", "人民币壹角"),
        ("0.55", "人民币伍角伍分"),
        ("1.00", "人民币壹元整"),
        ("1.01", "人民币壹元零壹分"),
        ("1.10", "人民币壹元壹角"),
        ("10.01", "人民币壹拾元零壹分"),
        ("10.10", "人民币壹拾元零壹角"),
        ("11", "人民币壹拾壹元整"),
        ("101", "人民币壹佰零壹元整"),
        ("110", "人民币壹佰壹拾元整"),
        ("1001", "人民币壹仟零壹元整"),
        ("1010", "人民币壹仟零壹拾元整"),
        ("1100", "人民币壹仟壹佰元整"),
        ("10000", "人民币壹万元整"),
        ("10001", "人民币壹万零壹元整"),
        ("10010", "人民币壹万零壹拾元整"),
        ("10100", "人民币壹万零壹佰元整"),
        ("10500.50", "人民币壹万零伍佰元零伍角"),
        ("11000", "人民币壹万壹仟元整"),
        ("100010", "人民币壹拾万零壹拾元整"),
        ("100100", "人民币壹拾万零壹佰元整"),
        ("101000", "人民币壹拾万壹仟元整"),
        ("110000", "人民币壹拾壹万元整"),
        ("1000000", "人民币壹佰万元整"),
        ("1000001", "人民币壹佰万零壹元整"),
        ("10000000", "人民币壹仟万元整"),
        ("100000000", "人民币壹亿元整"),
        ("100000001", "人民币壹亿零壹元整"),
        ("100007000", "人民币壹亿零柒仟元整"),
        ("100010000", "人民币壹亿零壹万元整"),
        ("110000000", "人民币壹亿壹仟万元整"),
        ("1010101010.10", "人民币壹拾亿壹仟零壹拾万壹仟零壹拾元零壹角"),
        ("9999999999999999.99", "人民币玖仟玖佰玖拾玖万亿玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万"
                                 "玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_capitals_follow_the_payment_settlement_rules(amount, capitals):
    assert to_capitals(Decimal(amount)) == capitals


def test_parser_reads_the_largest_amount():
    assert parse_capitals(to_capitals(MAX_AMOUNT)) == MAX_AMOUNT


def test_capitals_without_prefix_and_rounded_to_the_fen():
    assert to_capitals(Decimal("2.005"), prefix=False) == "贰元零壹分"


def test_capitals_refuse_negative_and_too_large_amounts():
    with pytest.raises(ValueError):
        to_capitals(Decimal("-1"))
    with pytest.raises(ValueError):
        to_capitals(MAX_AMOUNT + Decimal("0.01"))


def test_every_amount_below_ten_thousand_yuan_round_trips():
    for yuan in range(0, 10_000):
        for cents in (0, 1, 10, 99):
            amount = Decimal(yuan) + Decimal(cents) / 100
            text = to_capitals(amount)
            assert parse_capitals(text) == amount, text
            assert "零零" not in text and not text.endswith("零")


@given(st.integers(min_value=0, max_value=int(MAX_AMOUNT * 100)))
def test_capitals_round_trip_and_never_double_zero(fen):
    amount = Decimal(fen) / 100
    text = to_capitals(amount)
    assert parse_capitals(text) == amount, text
    assert "零零" not in text
    assert not text.endswith("零") and "零元" not in text[4:] and "零万" not in text
    assert text.endswith("整") == (fen % 100 == 0)
    assert "整" not in text[:-1]
