"""Which passphrases may be set: long enough, not common, not personal, not guessable."""

from __future__ import annotations

import pytest

from visitdesk.adapters.passphrase_rules import check_passphrase_strength, passphrase_problem
from visitdesk.core.errors import InputError


@pytest.mark.parametrize("weak", [
    "", "        ", "1234567", "123456789", "88888888", "aaaaaaaaaaaa", "abababababab",
    "password1", "woaini1314", "20240305", "secret-pass",
])
def test_common_short_repeated_and_guessable_passphrases_are_refused(weak):
    assert passphrase_problem(weak) is not None


def test_the_staff_number_may_not_be_part_of_the_passphrase():
    assert passphrase_problem("lantern A0173 river", personal=["A0173"]) is not None
    assert passphrase_problem("lantern B9 river", personal=["A0173"]) is None


@pytest.mark.parametrize("strong", ["river lantern 42 teapot", "Visit-desk 2026!",
                                    "correct horse battery"])
def test_long_unguessable_passphrases_are_accepted(strong):
    assert passphrase_problem(strong) is None


def test_refusal_is_an_input_error_with_the_reason():
    with pytest.raises(InputError, match="8"):
        check_passphrase_strength("short")
