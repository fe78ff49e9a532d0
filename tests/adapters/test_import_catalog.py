"""Every import message the code can show exists in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from visitdesk import i18n
from visitdesk.core.mapping import ACCOUNT_FIELDS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "visitdesk" / "core" / name for name in ("cells.py", "importing.py", "mapping.py")]
SOURCES += sorted((ROOT / "visitdesk" / "adapters" / "spreadsheet").glob("*.py"))
SOURCES += [ROOT / "visitdesk" / "cli" / "accounts.py"]


def test_every_literal_import_key_in_the_code_is_in_both_catalogs():
    keys = set()
    for path in SOURCES:
        keys |= set(re.findall(r'"(import\.[a-z_]+\.[a-z_.]+|import\.cancelled)"',
                               path.read_text(encoding="utf-8")))
    assert len(keys) > 40
    for lang in ("zh_CN", "en"):
        missing = keys - set(i18n.catalog(lang))
        assert not missing, (lang, missing)


def test_dynamic_keys_exist():
    catalog = i18n.catalog("en")
    for name in (*ACCOUNT_FIELDS, "total"):
        assert f"import.field.{name}" in catalog
    for status in ("imported", "partial", "refused"):
        assert f"import.status.{status}" in catalog
    for severity in ("error", "warning"):
        assert f"import.severity.{severity}" in catalog
    for col in ("sheet", "row", "column", "value", "severity", "message"):
        assert f"import.problems.col.{col}" in catalog
