"""``visitdesk import`` and ``visitdesk accounts`` as a script or an acceptance check runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from import_corpus import good_rows, simple_xlsx

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "samples" / "demo_accounts.xlsx"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "visitdesk", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_import_json_reports_counts_and_problems_and_exits_0(tmp_path):
    done = run("--data-dir", str(tmp_path / "d"), "import", str(DEMO), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "partial" and report["error"] is None
    assert (report["imported"], report["updated"], report["skipped"]) == (38, 0, 2)
    assert report["sheet"] == "逾期客户" and report["header_row"] == 2
    assert report["columns"]["卡号"] == "account_no"
    problem = report["problems"][0]
    assert set(problem) == {"sheet", "row", "column", "value", "severity", "message", "kind"}
    assert (problem["row"], problem["column"], problem["severity"]) == (5, "卡号", "error")


def test_reimport_counts_updates(tmp_path):
    data = str(tmp_path / "d")
    run("--data-dir", data, "import", str(DEMO))
    report = json.loads(run("--data-dir", data, "import", str(DEMO), "--json").stdout)
    assert (report["imported"], report["updated"]) == (0, 38)


def test_refused_file_exits_2_with_the_message_in_json(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    done = run("--data-dir", str(tmp_path / "d"), "import", str(bad), "--json")
    assert done.returncode == 2
    report = json.loads(done.stdout)
    assert report["status"] == "refused" and report["error"]
    assert report["problems"] == [] and report["imported"] == 0


def test_refused_file_without_json_prints_a_message_not_a_traceback(tmp_path):
    done = run("--data-dir", str(tmp_path / "d"), "--lang", "en", "import",
               str(tmp_path / "missing.xlsx"))
    assert done.returncode == 2
    assert "not found" in done.stderr and "Traceback" not in done.stderr


def test_import_text_output_follows_the_language(tmp_path):
    path = simple_xlsx(tmp_path / "a.xlsx", good_rows(2))
    zh = run("--data-dir", str(tmp_path / "d"), "import", str(path))
    assert zh.returncode == 0 and "新增 2 户" in zh.stdout
    en = run("--data-dir", str(tmp_path / "d2"), "import", str(path), "--lang", "en")
    assert "2 new accounts" in en.stdout


def test_import_sheet_option_chooses_a_hidden_sheet(tmp_path):
    from import_corpus import BASIC_HEADERS, raw_xlsx, sheet_xml

    path = raw_xlsx(tmp_path / "h.xlsx", [
        ("可见", sheet_xml([list(BASIC_HEADERS), *good_rows(1, seed=3)]), "visible"),
        ("隐藏", sheet_xml([list(BASIC_HEADERS), *good_rows(2, seed=4)]), "hidden")])
    done = run("--data-dir", str(tmp_path / "d"), "import", str(path), "--sheet", "隐藏", "--json")
    report = json.loads(done.stdout)
    assert (report["sheet"], report["imported"]) == ("隐藏", 2)


def test_accounts_json_has_the_documented_fields(tmp_path):
    data = str(tmp_path / "d")
    run("--data-dir", data, "import", str(DEMO))
    done = run("--data-dir", data, "accounts", "--json")
    assert done.returncode == 0
    accounts = json.loads(done.stdout)
    assert len(accounts) == 38
    a = accounts[0]
    assert set(a) >= {"account_no", "name", "id_number", "phone", "principal", "interest",
                      "late_fee", "other_fees", "total", "overdue_days", "overdue_since",
                      "due_date", "address", "branch", "officer", "extra", "source"}
    assert a["principal"].count(".") == 1 and len(a["principal"].split(".")[1]) == 2
    assert a["source"] == {"file": "demo_accounts.xlsx", "sheet": "逾期客户", "row": 3}


def test_accounts_table_lists_accounts_in_the_ui_language(tmp_path):
    data = str(tmp_path / "d")
    empty = run("--data-dir", data, "accounts")
    assert empty.returncode == 0 and "visitdesk import" in empty.stdout
    run("--data-dir", data, "import", str(DEMO))
    done = run("--data-dir", data, "accounts")
    assert "客户姓名" in done.stdout and "共 38 户" in done.stdout
    en = run("--data-dir", data, "accounts", "--lang", "en")
    assert "Principal" in en.stdout and "38 accounts" in en.stdout


def test_import_as_of_option_and_notes_in_json_and_text(tmp_path):
    path = simple_xlsx(tmp_path / "a.xlsx", good_rows(2) + [["制表人：王五", None, None, None]])
    data = str(tmp_path / "d")
    done = run("--data-dir", data, "import", str(path), "--as-of", "2024-06-30", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["status"], report["as_of"], report["as_of_source"]) == (
        "imported", "2024-06-30", "option")
    assert [(n["kind"], n["first_row"], n["last_row"]) for n in report["notes"]] == [
        ("as_of", None, None), ("footer", 4, 4)]
    accounts = json.loads(run("--data-dir", data, "accounts", "--json").stdout)
    assert {(a["as_of"], a["as_of_assumed"]) for a in accounts} == {("2024-06-30", False)}
    text = run("--data-dir", data, "--lang", "en", "import", str(path))
    assert "  note: Footer (sign-off, dates, notes) skipped at row 4." in text.stdout
    bad = run("--data-dir", data, "import", str(path), "--as-of", "30/06/2024")
    assert bad.returncode == 2


def test_product_type_of_the_import_fills_only_accounts_whose_file_does_not_say(tmp_path):
    path = simple_xlsx(tmp_path / "a.xlsx", good_rows(2))
    data = str(tmp_path / "d")
    done = run("--data-dir", data, "import", str(path), "--product-type", "loan")
    assert done.returncode == 0, done.stderr
    accounts = json.loads(run("--data-dir", data, "accounts", "--json").stdout)
    assert {a["product_type"] for a in accounts} == {"loan"}
    assert run("--data-dir", data, "import", str(path), "--product-type", "mortgage"
               ).returncode == 2
