"""Cell parsing rules: amounts, dates, IDs, account numbers, phones, text (pure core)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from visitdesk.core.cells import (
    CellError,
    CellProblem,
    CellRefused,
    clean_text,
    excel_serial_to_date,
    id_check_digit,
    looks_like_formula,
    parse_account_no,
    parse_amount,
    parse_date,
    parse_days,
    parse_id_number,
    parse_phone,
    raw_text,
)
from visitdesk.synth import Synth, luhn_valid


def refused_key(fn, *args, **kw) -> str:
    with pytest.raises(CellRefused) as info:
        fn(*args, **kw)
    return info.value.problem.key


# --- amounts ------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "expected"), [
    (12345.6, "12345.60"), (0.1 + 0.2, "0.30"), (1250, "1250.00"), (0.0, "0.00"),
    ("12,345.60", "12345.60"), ("￥1,234.5", "1234.50"), ("¥100", "100.00"),
    ("RMB 100", "100.00"), ("rmb100.5", "100.50"), ("100元", "100.00"),
    ("人民币 5,000元", "5000.00"), ("１２３４．５６", "1234.56"), ("１，２３４．５６", "1234.56"),
    ("  88.8\u3000", "88.80"), ("1 234.56", "1234.56"), ("1,234,567.89", "1234567.89"),
    (1234.5599999999999, "1234.56"), ("CNY 7", "7.00"),
])
def test_amount_accepts_numbers_and_common_text_forms(raw, expected):
    assert parse_amount(raw) == Decimal(expected)
    assert str(parse_amount(raw)) == expected


@pytest.mark.parametrize(("raw", "key"), [
    ("1.234,56", "import.cell.amount_ambiguous"), ("1.234", "import.cell.amount_ambiguous"),
    ("12.345", "import.cell.amount_ambiguous"), ("1,23", "import.cell.amount_ambiguous"),
    ("12,34,567", "import.cell.amount_ambiguous"), ("1.2.3", "import.cell.amount_ambiguous"),
    ("-", "import.cell.placeholder"), ("N/A", "import.cell.placeholder"),
    ("/", "import.cell.placeholder"), ("—", "import.cell.placeholder"),
    ("无", "import.cell.placeholder"), ("-100", "import.cell.amount_negative"),
    ("(100.00)", "import.cell.amount_negative"), (-5.0, "import.cell.amount_negative"),
    ("￥-3", "import.cell.amount_negative"), (1234.567, "import.cell.amount_decimals"),
    ("abc", "import.cell.amount_invalid"), ("12a", "import.cell.amount_invalid"),
    (2e8, "import.cell.amount_implausible"), ("300,000,000", "import.cell.amount_implausible"),
    (True, "import.cell.amount_invalid"), (float("nan"), "import.cell.amount_invalid"),
    (CellError("#DIV/0!"), "import.cell.cell_error"),
    (date(2024, 1, 1), "import.cell.amount_invalid"),
])
def test_amount_refuses_ambiguous_placeholders_negative_and_implausible(raw, key):
    assert refused_key(parse_amount, raw) == key


cents = st.integers(min_value=0, max_value=99_999_999_99).map(lambda c: Decimal(c).scaleb(-2))


@given(cents)
def test_amount_round_trips_through_every_accepted_form(amount):
    assert parse_amount(str(amount)) == amount
    assert parse_amount(f"{amount:,}") == amount
    assert parse_amount(float(amount)) == amount
    assert parse_amount(f"¥{amount:,}") == amount
    assert parse_amount(f"{amount}元") == amount
    full_width = str(amount).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789."})
    assert parse_amount(full_width) == amount


@given(st.text(max_size=20))
def test_amount_parser_either_returns_a_clean_amount_or_refuses(text):
    try:
        value = parse_amount(text)
    except CellRefused as exc:
        assert exc.problem.key.startswith("import.cell.")
    else:
        assert value >= 0 and value.as_tuple().exponent == -2


@given(st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False))
def test_amount_with_a_third_decimal_digit_is_never_rounded_silently(amount):
    text = f"{amount:.3f}"
    if text.endswith("0"):
        return
    with pytest.raises(CellRefused):
        parse_amount(text)


# --- dates --------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["2024-03-05", "2024/3/5", "2024.3.5", "2024年3月5日",
                                 "2024年03月05日", "20240305", "2024-03-05 00:00:00",
                                 "２０２４－０３－０５", 45356, 45356.75, 20240305,
                                 date(2024, 3, 5), datetime(2024, 3, 5, 14, 30)])
def test_date_accepts_cells_serials_and_common_text(raw):
    assert parse_date(raw) == date(2024, 3, 5)


def test_date_serial_in_1904_system():
    assert parse_date(45356 - 1462, date1904=True) == date(2024, 3, 5)
    assert parse_date(0, date1904=True) == date(1904, 1, 1)


@pytest.mark.parametrize("serial", [1, 2, 59, 60])
def test_date_serials_in_excels_leap_year_bug_zone_are_refused_naming_the_serial(serial):
    with pytest.raises(CellRefused) as caught:
        excel_serial_to_date(serial)
    assert caught.value.problem.key == "import.cell.date_serial_early"
    assert dict(caught.value.problem.params) == {"serial": str(serial)}


def test_date_serials_after_the_phantom_leap_day():
    assert excel_serial_to_date(61) == date(1900, 3, 1)
    assert excel_serial_to_date(45356) == date(2024, 3, 5)


@pytest.mark.parametrize(("raw", "key"), [
    ("2024-02-30", "import.cell.date_invalid"), ("2024-13-01", "import.cell.date_invalid"),
    ("05/03/2024", "import.cell.date_invalid"), ("明天", "import.cell.date_invalid"),
    ("-", "import.cell.placeholder"), (-1, "import.cell.date_invalid"),
    (10**9, "import.cell.date_invalid"), (date(1850, 1, 1), "import.cell.date_out_of_range"),
    (True, "import.cell.date_invalid"), (CellError("formula"), "import.cell.cell_error"),
])
def test_date_refuses_impossible_and_unclear_values(raw, key):
    assert refused_key(parse_date, raw) == key


dates = st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 12, 31))


@given(dates)
def test_date_round_trips_serials_and_text_forms(d):
    serial_1900 = (d - date(1899, 12, 30)).days
    assert parse_date(float(serial_1900)) == d
    if d >= date(1904, 1, 1):
        assert parse_date((d - date(1904, 1, 1)).days, date1904=True) == d
    assert parse_date(d.isoformat()) == d
    assert parse_date(f"{d.year}/{d.month}/{d.day}") == d
    assert parse_date(f"{d.year}年{d.month}月{d.day}日") == d
    assert parse_date(d.strftime("%Y%m%d")) == d


@given(st.text(max_size=16))
def test_date_parser_never_fails_with_anything_but_a_cell_refusal(text):
    try:
        result = parse_date(text)
    except CellRefused:
        return
    assert date(1900, 1, 1) <= result <= date(2100, 12, 31)


# --- days ---------------------------------------------------------------------------------
def test_overdue_days_accepts_whole_numbers_and_refuses_others():
    assert parse_days(30.0) == 30
    assert parse_days("45天") == 45
    assert parse_days(" 7 ") == 7
    assert refused_key(parse_days, 2.5) == "import.cell.days_invalid"
    assert refused_key(parse_days, -3) == "import.cell.days_negative"
    assert refused_key(parse_days, "-3") == "import.cell.days_negative"
    assert refused_key(parse_days, "三十") == "import.cell.days_invalid"


# --- IDs ----------------------------------------------------------------------------------
def test_id_with_valid_check_digit_is_accepted_and_x_upper_cased():
    ids = [Synth(3).id_number() for _ in range(5)]
    for i in ids:
        assert parse_id_number(i) == (i, None)
    first17 = "11010519491231002"
    number = first17 + id_check_digit(first17)
    assert number.endswith("X")
    assert parse_id_number(number.lower()) == (number, None)
    assert parse_id_number(" " + number[:6] + " " + number[6:]) == (number, None)


def test_id_check_digit_matches_the_published_example():
    assert id_check_digit("11010519491231002") == "X"


def test_id_with_wrong_check_digit_is_kept_with_a_warning():
    good = Synth(4).id_number()
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    value, note = parse_id_number(bad)
    assert value == bad and note == CellProblem("import.cell.id_check_digit", "warning")


def test_legacy_15_digit_id_is_accepted_with_a_warning():
    value, note = parse_id_number("110105491231002")
    assert value == "110105491231002"
    assert note is not None and note.severity == "warning" and note.key == "import.cell.id_legacy"


@pytest.mark.parametrize(("raw", "key"), [
    (1.10105194912310e17, "import.cell.number_lost_digits"),
    ("1.10105E+17", "import.cell.scientific_notation"), ("12345", "import.cell.id_invalid"),
    ("110105194913310020", "import.cell.id_birth_date"),
])
def test_id_refusals_say_why(raw, key):
    if key == "import.cell.id_birth_date":
        raw = raw[:17] + id_check_digit(raw[:17])
    assert refused_key(parse_id_number, raw) == key


# --- account numbers ----------------------------------------------------------------------
def test_card_number_as_text_is_kept_exactly_and_spaces_removed():
    assert parse_account_no("6222021234567890123") == "6222021234567890123"
    assert parse_account_no("6222 0212 3456 7890") == "6222021234567890"
    assert parse_account_no("ｌｎ-2024-001") == "LN-2024-001"
    assert parse_account_no(123456789012.0) == (
        "123456789012", CellProblem("import.cell.stored_as_number", "warning"))


@pytest.mark.parametrize(("raw", "key"), [
    (6.222021234567891e15, "import.cell.number_lost_digits"),
    (6222021234567890000.0, "import.cell.number_lost_digits"),
    (10**16, "import.cell.number_lost_digits"),
    ("6.22202E+15", "import.cell.scientific_notation"),
    ("6.22202123456789e+18", "import.cell.scientific_notation"),
    ("-", "import.cell.placeholder"), ("12", "import.cell.account_invalid"),
    ("卡号待补", "import.cell.account_invalid"), (12.5, "import.cell.account_invalid"),
])
def test_card_number_that_lost_digits_is_refused_with_the_reason(raw, key):
    assert refused_key(parse_account_no, raw) == key


def test_lost_digits_message_shows_what_excel_shows():
    with pytest.raises(CellRefused) as info:
        parse_account_no(6.222021234567891e15)
    assert dict(info.value.problem.params)["shown"] == "6.22202123456789E+15"


# --- phones -------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "expected"), [
    ("13812345678", "13812345678"), ("+86 138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"), (13812345678.0, "13812345678"),
    ("0086 13812345678", "13812345678"), ("１３８１２３４５６７８", "13812345678"),
    ("010-12345678", "010-12345678"), ("(0755)12345678", "0755-12345678"),
    ("021-12345678-123", "021-12345678-123"),
])
def test_phone_numbers_are_normalised(raw, expected):
    assert parse_phone(raw) == (expected, None)


def test_unusual_phone_is_kept_with_a_warning():
    value, note = parse_phone("12345")
    assert value == "12345" and note is not None and note.severity == "warning"


# --- text ---------------------------------------------------------------------------------
def test_text_is_trimmed_and_inner_space_collapsed():
    assert clean_text("  张\u3000三  ") == "张 三"
    assert clean_text("北京市\n朝阳区") == "北京市 朝阳区"
    assert clean_text(12.0) == "12"


@pytest.mark.parametrize("text", ["=1+2", "+86", "-abc", "@SUM(A1)"])
def test_formula_like_text_is_recognised(text):
    assert looks_like_formula(text)


def test_raw_text_shows_values_as_excel_does():
    assert raw_text(6.222021234567891e15) == "6.22202123456789E+15"
    assert raw_text(100.0) == "100"
    assert raw_text(date(2024, 3, 5)) == "2024-03-05"
    assert raw_text(None) == ""


def test_synth_cards_are_luhn_valid_and_ids_check():
    s = Synth(9)
    for _ in range(200):
        a = s.account()
        assert luhn_valid(a.account_no) and len(a.account_no) == 16
        assert parse_id_number(a.id_number)[0] == a.id_number
        assert a.overdue_since + timedelta(days=a.overdue_days) == s.as_of
