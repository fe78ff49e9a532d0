"""Masking of ID, card and phone numbers for documents the customer keeps."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from visitdesk.core.masking import mask_card, mask_id_number, mask_name, mask_phone


def test_id_number_keeps_region_code_and_last_four():
    assert mask_id_number("110101199003071234") == "110101********1234"
    assert mask_id_number("11010119900307123x") == "110101********123X"


def test_legacy_15_digit_id_is_masked_in_the_middle():
    assert mask_id_number("110101900307123") == "110101*****7123"


def test_card_shows_only_last_four_digits():
    assert mask_card("6222 0212 3456 7890") == "**** 7890"
    assert mask_card("6222021234567890") == "**** 7890"
    assert mask_card("123") == "***"


def test_mobile_phone_keeps_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138 1234 5678") == "138****5678"


def test_landline_keeps_only_last_four():
    assert mask_phone("010-62345678") == "*******5678"


def test_name_keeps_surname():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧阳**"
    assert mask_name("Li Lei") == "L* L**"


def test_empty_values_stay_empty():
    assert mask_id_number("") == mask_card("") == mask_phone("") == mask_name("") == ""


@given(st.text(alphabet="0123456789", min_size=11, max_size=18))
def test_masked_id_never_reveals_the_birth_date_digits(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert masked[6:-4] == "*" * (len(value) - 10)


@given(st.text(alphabet="0123456789", min_size=8, max_size=19))
def test_masked_card_reveals_at_most_four_digits(value):
    masked = mask_card(value)
    assert sum(ch.isdigit() for ch in masked) == 4
    assert masked.endswith(value[-4:])


@pytest.mark.parametrize("id_type, value, masked", [
    ("passport", "E12345678", "E*****678"),
    ("passport", "G 1234 5678", "G*****678"),
    ("hk_macau_permit", "H12345678", "H*****678"),
    ("taiwan_permit", "12345678", "*****678"),
    ("foreign_permanent", "USA123456789012", "USA********9012"),
    ("foreign_permanent", "911234567890123456", "911***********3456"),
    ("other", "AB1234567", "*****4567"),
    ("other", "123456", "****56"),
    ("other", "1234", "****"),
])
def test_other_id_types_are_masked_as_their_kind_allows(id_type, value, masked):
    assert mask_id_number(value, id_type) == masked


@given(st.sampled_from(["passport", "hk_macau_permit", "taiwan_permit", "foreign_permanent",
                        "other"]),
       st.text(alphabet="ABCDEFGH0123456789", min_size=5, max_size=18))
def test_any_id_keeps_its_length_and_hides_more_than_half(id_type, value):
    masked = mask_id_number(value, id_type)
    assert len(masked) == len(value)
    assert masked.count("*") * 2 > len(value)
