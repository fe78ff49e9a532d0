"""End-to-end acceptance of the headless contract (issues 2–6, docs/cli.md).

Every command runs in a child process (``python -m visitdesk``) exactly as the issue texts
write it, against one fresh data folder shared by the module: import → accounts → plan →
options → visit new → show → finalise blocked → update → finalise → cert create → visit sign →
summary/handout → verify (and tampered copies) → visits → export-outcomes → audit verify.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from visitdesk.adapters.settings_store import save_settings
from visitdesk.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "samples" / "demo_accounts.xlsx"
EXAMPLE = ROOT / "docs" / "examples" / "visit-answers.json"
MONEY = re.compile(r"^\d+\.\d{2}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CJK = re.compile(r"[\u4e00-\u9fff]")


def run(*args: str | Path, env: dict[str, str] | None = None,
        data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m visitdesk ARGS``; never a traceback, whatever the outcome."""
    full_env = {k: v for k, v in os.environ.items() if k != "VISITDESK_DATA_DIR"}
    full_env.update(env or {})
    argv = [sys.executable, "-m", "visitdesk"]
    if data_dir is not None:
        argv += ["--data-dir", str(data_dir)]
    proc = subprocess.run([*argv, *map(str, args)], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout, proc.stdout
    return proc


def run_json(*args: str | Path, data_dir: Path, rc: int = 0):
    proc = run(*args, data_dir=data_dir)
    assert proc.returncode == rc, (args, proc.returncode, proc.stderr)
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A fresh data folder with the demo workbook imported (the import is checked below)."""
    data = tmp_path_factory.mktemp("acceptance") / "data"
    proc = run("import", DEMO, "--json", data_dir=data)
    assert proc.returncode == 0, proc.stderr
    (data / "import-report.json").write_text(proc.stdout, encoding="utf-8")
    return data


@pytest.fixture(scope="module")
def account_no(store) -> str:
    accounts = run_json("accounts", "--json", data_dir=store)
    return accounts[0]["account_no"]


def test_import_prints_issue_fields_and_exits_0_with_rejected_rows(store):
    report = json.loads((store / "import-report.json").read_text(encoding="utf-8"))
    assert set(report) >= {"file", "status", "sheet", "header_row", "columns", "imported",
                           "updated", "skipped", "problems", "error"}
    assert report["file"] == "demo_accounts.xlsx"
    assert report["status"] == "partial" and report["error"] is None
    assert isinstance(report["header_row"], int) and isinstance(report["sheet"], str)
    assert report["columns"]["卡号"] == "account_no"
    assert report["imported"] > 0 and report["updated"] == 0
    assert report["skipped"] == len([p for p in report["problems"] if p["severity"] == "error"])
    for problem in report["problems"]:
        assert set(problem) >= {"sheet", "row", "column", "value", "severity", "message"}
        assert problem["severity"] in ("error", "warning")
        assert isinstance(problem["row"], int) and CJK.search(problem["message"])


def test_reimport_counts_updated_and_env_var_selects_the_store(store, tmp_path):
    env_dir = tmp_path / "env-store"
    first = run("import", DEMO, "--json", env={"VISITDESK_DATA_DIR": str(env_dir)})
    again = run("import", DEMO, "--json", "--data-dir", env_dir)  # option after the command
    assert first.returncode == again.returncode == 0
    one, two = json.loads(first.stdout), json.loads(again.stdout)
    assert (env_dir / "cases.sqlite3").is_file()
    assert two["imported"] == 0 and two["updated"] == one["imported"]


@pytest.mark.parametrize("content, name", [(b"", "empty.csv"), (b"a,b\n1,2\n", "renamed.xlsx"),
                                           (b"PK\x03\x04broken", "truncated.xlsx")])
def test_refused_import_exits_2_with_status_refused_and_changes_nothing(store, tmp_path,
                                                                       content, name):
    bad = tmp_path / name
    bad.write_bytes(content)
    before = run_json("accounts", "--json", data_dir=store)
    report = run_json("import", bad, "--json", data_dir=store, rc=2)
    assert report["status"] == "refused" and report["error"]
    assert report["sheet"] is None and report["header_row"] is None
    assert run_json("accounts", "--json", data_dir=store) == before
    english = run("import", bad, "--lang", "en", data_dir=store)
    assert english.returncode == 2 and english.stderr.strip()
    assert not CJK.search(english.stderr), english.stderr


def test_accounts_json_has_every_issue_field_with_money_and_dates_formatted(store):
    accounts = run_json("accounts", "--json", data_dir=store)
    assert accounts
    for a in accounts:
        for key in ("account_no", "name", "id_number", "phone", "address", "branch", "officer"):
            assert isinstance(a[key], str)
        for key in ("principal", "interest", "late_fee", "other_fees", "total"):
            assert MONEY.match(a[key]), (key, a[key])
        for key in ("overdue_since", "due_date"):
            assert a[key] is None or ISO_DATE.match(a[key])
        assert a["overdue_days"] is None or isinstance(a["overdue_days"], int)
        assert isinstance(a["extra"], dict)
        assert set(a["source"]) >= {"file", "sheet", "row"}


def test_plan_json_sums_to_total_and_refusals_exit_2_or_3(store, account_no):
    plan = run_json("plan", account_no, "--kind", "instalments", "--months", "12",
                    "--fee-mode", "flat-monthly", "--rate", "0.6%", "--start", "2024-07-01",
                    "--json", data_dir=store)
    rows = plan["schedule"]
    assert [r["n"] for r in rows] == list(range(1, 13))
    for row in rows:
        assert set(row) >= {"n", "due_date", "principal", "fee", "amount", "balance"}
        assert ISO_DATE.match(row["due_date"])
        assert all(MONEY.match(row[k]) for k in ("principal", "fee", "amount", "balance"))
    cents = sum(int(r["amount"].replace(".", "")) for r in rows)
    assert f"{cents // 100}.{cents % 100:02d}" == plan["total_payable"]
    assert MONEY.match(plan["total_fees"]) and plan["total_fees"] != "0.00"
    assert rows[-1]["balance"] == "0.00"
    for bad in (["--months", "61"], ["--months", "12", "--fee-mode", "annuity", "--rate", "-1%"],
                ["--months", "12", "--start", "2024-02-30"],
                ["--months", "12", "--start", "2024-07-01", "--first-due", "2024-06-01"]):
        proc = run("plan", account_no, "--kind", "instalments", *bad, data_dir=store)
        assert proc.returncode == 2 and CJK.search(proc.stderr), (bad, proc.stderr)
    english = run("plan", account_no, "--kind", "instalments", "--months", "61", "--lang", "en",
                  data_dir=store)
    assert english.returncode == 2 and "60" in english.stderr and not CJK.search(english.stderr)
    assert run("plan", "0000", "--kind", "lump-sum", data_dir=store).returncode == 3


def test_options_lists_side_by_side_plans_and_affordability(store, account_no):
    out = run_json("options", account_no, "--income", "8000", "--expenses", "3000",
                   "--other-debts", "500", "--json", data_dir=store)
    keys = [o["key"] for o in out["options"]]
    assert {"instalments-12", "instalments-24", "instalments-36", "instalments-60"} <= set(keys)
    for option in out["options"]:
        for key in ("monthly_amount", "total_payable", "total_fees"):
            assert MONEY.match(option[key])
    assert MONEY.match(out["affordability"]["max_payment"])
    assert isinstance(out["affordability"]["fits"], bool)
    assert run("options", account_no, "--income", "abc", data_dir=store).returncode == 2
    assert run("options", "0000", data_dir=store).returncode == 3


def _answers(tmp_path: Path, name: str, **changes) -> Path:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_visit_walk_from_draft_to_signed_verified_exported_and_audited(store, account_no,
                                                                        tmp_path):
    # visit new with rules broken: three conduct items unconfirmed
    blocked = _answers(tmp_path, "blocked.json",
                       conduct={"privacy_kept": True, "no_threats": True, "honest": True})
    proc = run("visit", "new", account_no, "--answers", blocked, data_dir=store)
    assert proc.returncode == 0, proc.stderr
    visit_id = proc.stdout.strip()
    assert re.fullmatch(r"V\d{6}", visit_id)

    shown = run_json("visit", "show", visit_id, "--json", data_dir=store)
    assert shown["state"] == "draft" and shown["account_no"] == account_no
    assert shown["validation"]["can_finalise"] is False
    codes = {e["code"] for e in shown["validation"]["errors"]}
    assert codes == {"conduct"}

    report = run_json("visit", "finalise", visit_id, "--json", data_dir=store, rc=2)
    assert report["finalised"] is False
    assert {e["location"] for e in report["validation"]["errors"]} == {
        "conduct.fair", "conduct.identity_shown", "conduct.no_cash"}
    text = run("visit", "finalise", visit_id, data_dir=store)
    assert text.returncode == 2 and "行为规范" in text.stdout

    fixed = _answers(tmp_path, "fixed.json")
    assert run("visit", "update", visit_id, "--answers", fixed, data_dir=store).returncode == 0
    final = run_json("visit", "finalise", visit_id, "--json", data_dir=store)
    assert (final["id"], final["version"], final["finalised"]) == (visit_id, 1, True)
    assert final["validation"]["can_finalise"] is True
    assert run("visit", "update", visit_id, "--answers", fixed, data_dir=store).returncode == 2

    # documents: certificate, signing, summary and handout, verification
    secret = tmp_path / "pass.txt"
    secret.write_text("correct horse\n", encoding="utf-8")
    assert run("cert", "create", "--name", "李明", "--staff-no", "A1023",
               "--passphrase-file", secret, data_dir=store).returncode == 0
    # no customer document without the bank's hotline: refused, nothing signed
    refused = run("visit", "sign", visit_id, "--passphrase-file", secret, data_dir=store)
    assert refused.returncode == 2
    assert refused.stderr.startswith("尚未设置银行客服热线")
    assert run_json("visit", "show", visit_id, "--json", data_dir=store)["state"] == "finalised"
    save_settings(store, Settings(bank_hotline="95500"))
    signed = run("visit", "sign", visit_id, "--passphrase-file", secret, data_dir=store)
    assert signed.returncode == 0, signed.stderr
    assert run_json("visit", "show", visit_id, "--json", data_dir=store)["state"] == "signed"
    again = run("visit", "sign", visit_id, "--passphrase-file", secret, data_dir=store)
    assert again.returncode == 2

    summary, handout = tmp_path / "summary.pdf", tmp_path / "handout.pdf"
    assert run("summary", visit_id, "--out", summary, data_dir=store).returncode == 0
    assert run("handout", visit_id, "--out", handout, data_dir=store).returncode == 0
    for pdf in (summary, handout):
        result = run_json("verify", pdf, "--json", data_dir=store)
        assert result["ok"] is True and result["status"] == "valid"
        assert result["intact"] and result["signature_valid"] and result["covers_whole_file"]
        assert result["signer"] == "李明" and result["self_issued"] is True
        assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", result["fingerprint_sha256"])

    data = bytearray(summary.read_bytes())
    stream = re.search(rb">>\s*stream\r?\n", data)  # the first stream's data: signed range
    assert stream is not None
    data[stream.end() + 10] ^= 0x01
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(data))
    appended = tmp_path / "appended.pdf"  # a well-formed incremental update after signing
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(summary.read_bytes()))
    writer.root["/PageMode"] = generic.NameObject("/UseOutlines")
    writer.update_root()
    buffer = io.BytesIO()
    writer.write(buffer)
    appended.write_bytes(buffer.getvalue())
    for bad in (changed, appended):
        result = run_json("verify", bad, "--json", data_dir=store, rc=4)
        assert result["ok"] is False and result["status"] == "modified"
        assert result["problems"]
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(summary.read_bytes() + b"\n%%EOF\n")
    assert run("verify", garbage, data_dir=store).returncode == 4
    assert run("verify", tmp_path / "missing.pdf", data_dir=store).returncode == 3

    # visits, export-outcomes, audit verify
    visits = run_json("visits", "--json", data_dir=store)
    row = next(v for v in visits if v["id"] == visit_id)
    assert set(row) >= {"id", "version", "account_no", "state", "officer", "outcome",
                        "visit_date", "updated_at"}
    assert row["state"] == "signed" and ISO_DATE.match(row["visit_date"])

    hostile = _answers(tmp_path, "hostile.json", officer={"name": "=HYPERLINK(\"x\")",
                                                           "staff_no": "+1"},
                       notes="@SUM(A1)")
    assert run("visit", "new", account_no, "--answers", hostile, data_dir=store).returncode == 0
    out = tmp_path / "outcomes.xlsx"
    proc = run("export-outcomes", "--out", out, data_dir=store)
    assert proc.returncode == 0, proc.stderr
    from openpyxl import load_workbook

    sheet = load_workbook(out).active
    cells = [c for r in sheet.iter_rows() for c in r if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    assert visit_id in values and "=HYPERLINK(\"x\")" in values
    assert sheet.max_row == len(visits) + 2  # header + every visit, the hostile one included
    assert run("export-outcomes", "--out", tmp_path / "outcomes.csv",
               data_dir=store).returncode == 2

    audit = run_json("audit", "verify", "--json", data_dir=store)
    assert audit["ok"] is True and audit["broken_at"] is None and audit["reason"] is None
    assert audit["entries"] > 0

    # a tampered copy of the store: one audit entry changed → exit 2 naming the entry
    copy = tmp_path / "tampered"
    shutil.copytree(store, copy)
    with sqlite3.connect(copy / "cases.sqlite3") as conn:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit_log SET new = '\"9999.00\"' WHERE seq = 2")
    broken = run_json("audit", "verify", "--json", data_dir=copy, rc=2)
    assert broken["ok"] is False and broken["broken_at"] == 2 and broken["reason"] == "changed"


def test_bad_input_gives_a_message_and_exit_code_never_a_traceback(store, account_no,
                                                                   tmp_path):
    malformed = tmp_path / "bad.json"
    malformed.write_text("{not json", encoding="utf-8")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    bad_date = _answers(tmp_path, "date.json", actual_start="2026-02-30T10:00:00+08:00")
    cases = [
        (("visit", "new", account_no, "--answers", malformed), 2),
        (("visit", "new", account_no, "--answers", binary), 2),
        (("visit", "new", account_no, "--answers", bad_date), 2),
        (("visit", "new", account_no, "--answers", tmp_path / "missing.json"), 2),
        (("visit", "new", "0000", "--answers", EXAMPLE), 3),
        (("visit", "show", "V999999", "--json"), 3),
        (("visit", "finalise", "V999999"), 3),
        (("visit", "sign", "V999999"), 3),
        (("summary", "V999999", "--out", tmp_path / "x.pdf"), 3),
        (("handout", "V999999", "--out", tmp_path / "x.pdf"), 3),
        (("briefing", "0000", "--out", tmp_path / "x.pdf"), 3),
        (("briefing", account_no, "--date", "2024-13-01", "--out", tmp_path / "x.pdf"), 2),
        (("plan", account_no, "--kind", "nonsense"), 2),
        (("plan", account_no, "--kind", "instalments", "--months", "60",
          "--start", "9999-01-01"), 2),
        (("plan", account_no, "--kind", "instalments", "--months", "12",
          "--down-payment", "1e400"), 2),
        (("options", account_no, "--income", "1" + "0" * 300), 2),
        (("import", tmp_path / "missing.xlsx"), 2),
        (("export-outcomes", "--out", tmp_path / "dir.xlsx"), 2),
    ]
    (tmp_path / "dir.xlsx").mkdir()
    for args, expected in cases:
        proc = run(*args, data_dir=store)
        assert proc.returncode == expected, (args, proc.returncode, proc.stderr)
        assert proc.stderr.strip() and CJK.search(proc.stderr), (args, proc.stderr)
    assert not (tmp_path / "x.pdf").exists()
    unusable = run("accounts", data_dir=malformed / "sub")  # a file where a folder must be
    assert unusable.returncode == 2


def test_briefing_and_version(store, account_no, tmp_path):
    out = tmp_path / "briefing.pdf"
    proc = run("briefing", account_no, "--date", "2024-07-10", "--out", out, data_dir=store)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().startswith(b"%PDF")
    version = run("--version")
    assert version.returncode == 0 and re.search(r"\d+\.\d+", version.stdout)


def test_a_malformed_plan_in_a_draft_is_reported_and_never_breaks_other_commands(
        store, account_no, tmp_path):
    bad_plan = _answers(tmp_path, "bad-plan.json",
                        plan={"kind": "instalments", "start": "2026-11-20", "months": 12,
                              "due_day": "abc", "waiver": "x"})
    proc = run("visit", "new", account_no, "--answers", bad_plan, data_dir=store)
    assert proc.returncode == 0, proc.stderr
    visit_id = proc.stdout.strip()
    shown = run_json("visit", "show", visit_id, "--json", data_dir=store)
    issues = shown["validation"]["errors"] + shown["validation"]["warnings"]
    assert any(i["code"] == "plan_invalid" and "waiver" in i["message"] for i in issues)
    assert run("summary", visit_id, "--out", tmp_path / "s.pdf", data_dir=store).returncode == 0
    assert run("handout", visit_id, "--out", tmp_path / "h.pdf", data_dir=store).returncode == 2
    assert run("export-outcomes", "--out", tmp_path / "o.xlsx", data_dir=store).returncode == 0
    assert run("visits", data_dir=store).returncode == 0
