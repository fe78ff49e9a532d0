"""Store, settings, catalogs and layering: the foundation every area relies on."""

from __future__ import annotations

import ast
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from visitdesk import i18n
from visitdesk.adapters.settings_store import load_settings, save_settings
from visitdesk.adapters.store import BatchInfo, CaseStore
from visitdesk.core.accounts import Account, SourceRef, overdue_bucket
from visitdesk.core.money import format_yuan, money_str, round_fen
from visitdesk.core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _account(no: str, principal: str = "100.00", **kw) -> Account:
    return Account(no, "张三", "110101199003070012", Decimal(principal),
                   source=SourceRef("a.xlsx", "Sheet1", 3), **kw)


def test_round_fen_is_half_up_and_refuses_float():
    assert round_fen(Decimal("0.005")) == Decimal("0.01")
    assert round_fen(Decimal("2.675")) == Decimal("2.68")
    assert round_fen(Decimal("-0.005")) == Decimal("-0.01")
    with pytest.raises(TypeError):
        round_fen(0.1)  # type: ignore[arg-type]


def test_money_formats():
    assert money_str(Decimal("12345.6")) == "12345.60"
    assert format_yuan(Decimal("12345.678")) == "¥12,345.68"
    assert format_yuan(Decimal("-12")) == "-¥12.00"


@pytest.mark.parametrize(("days", "bucket"), [(None, "M0"), (0, "M0"), (1, "M1"), (30, "M1"),
                                              (31, "M2"), (90, "M3"), (91, "M4-M6"),
                                              (181, "M6+")])
def test_overdue_bucket(days, bucket):
    assert overdue_bucket(days) == bucket


def test_store_migrates_and_uses_wal(data_dir):
    with CaseStore(data_dir) as store:
        assert store.schema_version >= 1
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_reimport_updates_figures_and_keeps_history(data_dir):
    with CaseStore(data_dir) as store:
        first = store.upsert_accounts([_account("1"), _account("2")],
                                      BatchInfo("a.xlsx", "h1", "Sheet1", 0))
        assert (first.imported, first.updated) == (2, 0)
        second = store.upsert_accounts([_account("2", "250.50"), _account("3")],
                                       BatchInfo("b.xlsx", "h2", "Sheet1", 1))
        assert (second.imported, second.updated) == (1, 1)
        assert store.account("2").principal == Decimal("250.50")
        history = store.account_history("2")
        assert [h["principal"] for h in history] == ["100.00"]
        assert [b["file_name"] for b in store.batches()] == ["a.xlsx", "b.xlsx"]
        assert store.account_count() == 3


def test_failed_transaction_leaves_store_untouched(data_dir):
    with CaseStore(data_dir) as store:
        store.upsert_accounts([_account("1")], BatchInfo("a.xlsx", "h1", "S", 0))
        with pytest.raises(RuntimeError), store.transaction() as c:
            c.execute("DELETE FROM account")
            raise RuntimeError("cancelled")
        assert store.account_count() == 1


def test_settings_round_trip(data_dir):
    settings = Settings(bank_name="示例银行", staff_no="A001", daily_interest_rate=Decimal("0.0005"),
                        extra_required_fields=("phone", "address"))
    save_settings(data_dir, settings)
    assert load_settings(data_dir) == settings


def test_catalogs_have_the_same_keys_in_both_languages():
    zh, en = i18n.catalog("zh_CN"), i18n.catalog("en")
    assert set(zh) - set(en) == set(), "keys missing in English"
    assert set(en) - set(zh) == set(), "keys missing in Chinese"


def test_tr_fills_parameters_and_switches_language():
    assert "A1" in i18n.tr("cli.error.account_not_found", account_no="A1")
    assert i18n.tr("common.yes") == "是"
    assert i18n.tr("common.yes", lang="en") == "Yes"


def test_bundled_font_has_digits_latin_and_chinese():
    from reportlab.pdfbase import pdfmetrics

    from visitdesk.fonts import register_pdf_font

    face = pdfmetrics.getFont(register_pdf_font()).face
    for ch in "0123456789¥ABCxyz上门催收元整":
        assert ord(ch) in face.charToGlyph, f"font lacks {ch!r}"


FORBIDDEN_IN_CORE = ("PySide6", "openpyxl", "reportlab", "python_calamine", "pyhanko", "sqlite3")


def test_domain_core_imports_no_adapter_library():
    for path in (ROOT / "visitdesk" / "core").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(FORBIDDEN_IN_CORE), f"{path.name} imports {name}"
                assert not name.startswith(("visitdesk.ui", "visitdesk.adapters")), (
                    f"{path.name} imports {name}")


def test_version_command():
    out = subprocess.run([sys.executable, "-m", "visitdesk", "--version"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip().startswith("visitdesk ")


def test_unknown_command_is_a_usage_error():
    out = subprocess.run([sys.executable, "-m", "visitdesk", "no-such-command"],
                         capture_output=True, text=True)
    assert out.returncode == 2


def test_atomic_write_replaces_whole_or_leaves_old(tmp_path, monkeypatch):
    import os

    from visitdesk.atomic import atomic_write_bytes

    target = tmp_path / "out.pdf"
    atomic_write_bytes(target, b"old")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]


def test_every_python_package_is_listed_for_the_wheel():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "visitdesk").rglob("__init__.py")
    }
    assert found - listed == set(), "add these packages to pyproject.toml"
