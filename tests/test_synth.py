"""The synthetic generator: deterministic, valid identifiers, plausible debts."""

from __future__ import annotations

from decimal import Decimal

from visitdesk.core.cells import parse_id_number
from visitdesk.synth import HEADERS, Synth, luhn_valid, main, write_workbook


def test_same_seed_gives_the_same_accounts():
    assert Synth(42).accounts(20) == Synth(42).accounts(20)
    assert Synth(42).accounts(5) != Synth(43).accounts(5)


def test_identifiers_are_valid_and_unique():
    accounts = Synth(1).accounts(500)
    assert len({a.account_no for a in accounts}) == 500
    for a in accounts:
        assert luhn_valid(a.account_no)
        assert parse_id_number(a.id_number) == (a.id_number, None)
        assert len(a.phone) == 11 and a.phone.startswith("1")
        assert 2 <= len(a.name) <= 3


def test_debts_are_plausible_decimals():
    for a in Synth(2).accounts(300):
        for amount in (a.principal, a.interest, a.late_fee, a.other_fees):
            assert isinstance(amount, Decimal) and amount >= 0
            assert amount == amount.quantize(Decimal("0.01"))
        assert Decimal("2000") <= a.principal < Decimal("200000")
        assert a.due_date < a.overdue_since


def test_written_workbook_imports_cleanly(tmp_path):
    from visitdesk.adapters.spreadsheet import read_accounts

    path = write_workbook(tmp_path / "w.xlsx", Synth(3).rows(50))
    result = read_accounts(path)
    assert len(result.accounts) == 50 and result.problems == ()
    assert result.header_row == 2 and len(result.columns) == len(HEADERS)
    expected = Synth(3).accounts(50)
    assert [a.account_no for a in result.accounts] == [e.account_no for e in expected]
    assert [a.total for a in result.accounts] == [
        e.principal + e.interest + e.late_fee + e.other_fees for e in expected]


def test_demo_command_regenerates_the_sample(tmp_path):
    from visitdesk.adapters.spreadsheet import read_accounts

    out = tmp_path / "demo.xlsx"
    assert main(["--demo", "--out", str(out)]) == 0
    result = read_accounts(out)
    assert (len(result.accounts), result.skipped) == (38, 2)


def test_make_workbook_script_writes_rows(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "b.xlsx"
    done = subprocess.run([sys.executable, "bench/make_workbook.py", "--rows", "30", "--out",
                           str(out)], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    from visitdesk.adapters.spreadsheet import read_accounts

    assert len(read_accounts(out).accounts) == 30
