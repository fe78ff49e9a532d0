"""``visitdesk visit …``, ``visits``, ``audit verify`` and ``export-outcomes`` as scripts use them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from visit_testdata import ROOT, example_json, seeded_store

from visitdesk.__main__ import main
from visitdesk.adapters.settings_store import save_settings
from visitdesk.cli import EXIT_NOT_FOUND, EXIT_REFUSED
from visitdesk.core.settings import Settings


@pytest.fixture
def env(data_dir, tmp_path):
    store, acc = seeded_store(data_dir)
    store.close()
    save_settings(data_dir, Settings(bank_name="示例银行", officer_name="李明", staff_no="A1023"))
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(example_json(), ensure_ascii=False), encoding="utf-8")
    return data_dir, acc, answers


def cli(data_dir, capsys, *args):
    code = main(["--data-dir", str(data_dir), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def write(path, data):
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_visit_new_prints_the_id_and_show_json_has_the_report(env, capsys):
    data_dir, acc, answers = env
    code, out, err = cli(data_dir, capsys, "visit", "new", acc.account_no, "--answers",
                         str(answers))
    assert code == 0, err
    visit_id = out.strip()
    assert visit_id == "V000001"
    code, out, _ = cli(data_dir, capsys, "visit", "show", visit_id, "--json")
    shown = json.loads(out)
    assert shown["account_no"] == acc.account_no and shown["state"] == "draft"
    assert shown["answers"]["listening"]["monthly_income"] == "6500.00"
    assert shown["validation"] == {"can_finalise": True, "errors": [], "warnings": []}
    assert shown["versions"] == [1]


def test_visit_new_json_and_officer_from_settings(env, capsys, tmp_path):
    data_dir, acc, _ = env
    answers = write(tmp_path / "min.json", {"outcome": "customer_not_met"})
    code, out, _ = cli(data_dir, capsys, "visit", "new", acc.account_no, "--answers",
                       str(answers), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["officer"] == {"name": "李明", "staff_no": "A1023"}
    assert data["validation"]["can_finalise"] is False


def test_visit_new_opens_triggered_situations(env, capsys, tmp_path):
    data_dir, acc, _ = env
    answers = write(tmp_path / "a.json",
                    {"answers": {"debt_details": {"figures_accepted": "disputes"}}})
    code, out, _ = cli(data_dir, capsys, "visit", "new", acc.account_no, "--answers",
                       str(answers), "--json")
    assert json.loads(out)["situations"] == {"dispute": {"opened_by": "trigger", "answers": {}}}


def test_visit_new_refuses_unknown_account_and_bad_answers(env, capsys, tmp_path):
    data_dir, acc, answers = env
    code, _, err = cli(data_dir, capsys, "visit", "new", "0000", "--answers", str(answers))
    assert code == EXIT_NOT_FOUND and "0000" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"actual_start": "yesterday"}', encoding="utf-8")
    code, _, err = cli(data_dir, capsys, "visit", "new", acc.account_no, "--answers", str(bad))
    assert code == EXIT_REFUSED and "actual_start" in err
    broken = tmp_path / "broken.json"
    broken.write_text("{\n  oops\n}", encoding="utf-8")
    code, _, err = cli(data_dir, capsys, "visit", "new", acc.account_no, "--answers",
                       str(broken))
    assert code == EXIT_REFUSED and "第 2 行" in err


def test_finalise_blocked_exits_2_with_the_report_then_succeeds_after_fix(env, capsys,
                                                                          tmp_path):
    data_dir, acc, _ = env
    data = example_json()
    data["conduct"]["no_threats"] = False
    data["answers"]["listening"]["customer_proposal"] = "他说不还就让你坐牢"
    answers = write(tmp_path / "a.json", data)
    _, out, _ = cli(data_dir, capsys, "visit", "new", acc.account_no, "--answers", str(answers))
    visit_id = out.strip()
    code, out, err = cli(data_dir, capsys, "visit", "finalise", visit_id, "--json")
    assert code == EXIT_REFUSED and visit_id in err
    report = json.loads(out)["validation"]
    assert [e["location"] for e in report["errors"]] == ["conduct.no_threats"]
    assert report["warnings"][0]["phrase"] == "坐牢"
    # the text form names the rule and where
    code, out, _ = cli(data_dir, capsys, "visit", "finalise", visit_id)
    assert code == EXIT_REFUSED and "conduct.no_threats" in out and "坐牢" in out
    # fix: confirm conduct, acknowledge the quoted words
    data["conduct"]["no_threats"] = True
    write(answers, data)
    assert cli(data_dir, capsys, "visit", "update", visit_id, "--answers", str(answers))[0] == 0
    assert cli(data_dir, capsys, "visit", "finalise", visit_id)[0] == EXIT_REFUSED
    assert cli(data_dir, capsys, "visit", "ack", visit_id, "--all")[0] == EXIT_REFUSED  # no reason
    assert cli(data_dir, capsys, "visit", "ack", visit_id, "--all",
               "--reason", "客户转述他人的话，非本人所说")[0] == 0
    # a threat not quoted as the customer's words needs a supervisor, not the officer
    assert cli(data_dir, capsys, "visit", "finalise", visit_id)[0] == EXIT_REFUSED
    assert cli(data_dir, capsys, "visit", "ack", visit_id, "--all", "--who", "王主管（B2001）",
               "--reason", "已回听录音：客户转述他人的话")[0] == 0
    code, out, err = cli(data_dir, capsys, "visit", "finalise", visit_id)
    assert code == 0, out + err
    code, out, _ = cli(data_dir, capsys, "visit", "show", visit_id, "--json")
    assert json.loads(out)["state"] == "finalised"


def test_amend_creates_a_new_version_and_both_are_shown(env, capsys):
    data_dir, acc, answers = env
    _, out, _ = cli(data_dir, capsys, "visit", "new", acc.account_no, "--answers", str(answers))
    visit_id = out.strip()
    assert cli(data_dir, capsys, "visit", "finalise", visit_id)[0] == 0
    assert cli(data_dir, capsys, "visit", "update", visit_id, "--answers",
               str(answers))[0] == EXIT_REFUSED
    code, _, _ = cli(data_dir, capsys, "visit", "amend", visit_id, "--reason", "更正地址")
    assert code == 0
    _, out, _ = cli(data_dir, capsys, "visit", "show", visit_id, "--json")
    data = json.loads(out)
    assert (data["version"], data["state"], data["versions"]) == (2, "draft", [1, 2])
    assert data["amendment"] == {"reason": "更正地址", "previous_version": 1}
    _, out, _ = cli(data_dir, capsys, "visit", "show", visit_id, "--version", "1", "--json")
    assert json.loads(out)["state"] == "finalised"


def test_visits_lists_newest_versions(env, capsys):
    data_dir, acc, answers = env
    for _ in range(2):
        cli(data_dir, capsys, "visit", "new", acc.account_no, "--answers", str(answers))
    code, out, _ = cli(data_dir, capsys, "visits", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["id"] for r in rows] == ["V000001", "V000002"]
    assert rows[0]["outcome"] == "instalment_agreement" and rows[0]["visit_date"] == "2026-11-20"
    code, out, _ = cli(data_dir, capsys, "visits")
    assert "V000002" in out and "达成分期协议" in out


def test_show_unknown_visit_is_not_found(env, capsys):
    data_dir, _, _ = env
    assert cli(data_dir, capsys, "visit", "show", "V999999")[0] == EXIT_NOT_FOUND


def test_audit_verify_intact_then_broken_says_where(env, capsys):
    data_dir, acc, answers = env
    cli(data_dir, capsys, "visit", "new", acc.account_no, "--answers", str(answers))
    code, out, _ = cli(data_dir, capsys, "audit", "verify")
    assert code == 0 and "完整" in out
    conn = sqlite3.connect(data_dir / "cases.sqlite3", isolation_level=None)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit_log SET who='someone else' WHERE seq=3")
    conn.close()
    code, out, _ = cli(data_dir, capsys, "audit", "verify")
    assert code == EXIT_REFUSED and "第 3 条" in out
    code, out, _ = cli(data_dir, capsys, "--lang", "en", "audit", "verify", "--json")
    assert code == EXIT_REFUSED
    report = json.loads(out)
    assert {k: report[k] for k in ("ok", "broken_at", "reason")} == {
        "ok": False, "broken_at": 3, "reason": "changed"}
    # the dropped guard is reported too, not quietly put back
    assert {"reason": "trigger_missing", "detail": "audit_no_update"}.items() <= {
        p["reason"]: p for p in report["problems"]}["trigger_missing"].items()


def test_export_outcomes_writes_one_row_per_visit_and_no_formulas(env, capsys, tmp_path):
    data_dir, acc, _ = env
    data = example_json()
    data["officer"] = {"name": "=HYPERLINK(\"http://x\",\"y\")", "staff_no": "A1"}
    answers = write(tmp_path / "a.json", data)
    cli(data_dir, capsys, "visit", "new", acc.account_no, "--answers", str(answers))
    cli(data_dir, capsys, "visit", "new", acc.account_no, "--answers",
        str(write(tmp_path / "b.json", {"outcome": "customer_not_met",
                                        "actual_start": "2026-11-21T15:00:00"})))
    out_file = tmp_path / "out" / "outcomes.xlsx"
    code, out, err = cli(data_dir, capsys, "export-outcomes", "--out", str(out_file))
    assert code == 0, err
    ws = openpyxl.load_workbook(out_file).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 3
    header = rows[0]
    assert header[:4] == ("记录编号", "版本", "状态", "账号")
    first = dict(zip(header, rows[1], strict=True))
    assert first["账号"] == acc.account_no and first["上门日期"] == "2026-11-20"
    assert first["结果代码"] == "instalment_agreement"
    assert "12 期" in first["还款方案"] and "已约定" in first["还款方案"]
    assert first["下次跟进日期"] == "2026-11-27" and first["跟进方式"] == "短信"
    assert first["催收人员"].startswith("=HYPERLINK")
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type in ("s", "inlineStr")
    with zipfile.ZipFile(out_file) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and 'quotePrefix="1"' in z_styles(out_file)
    assert not list(tmp_path.joinpath("out").glob(".*.tmp"))


def z_styles(path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/styles.xml").decode()


def test_export_refuses_other_suffix(env, capsys, tmp_path):
    data_dir, _, _ = env
    code, _, err = cli(data_dir, capsys, "export-outcomes", "--out", str(tmp_path / "x.csv"))
    assert code == EXIT_REFUSED and ".xlsx" in err


def test_visit_subcommands_can_be_extended_by_other_areas():
    from visitdesk.cli import build_parser
    from visitdesk.cli.visits import visit_subcommands

    build_parser()
    assert "new" in visit_subcommands().choices


def test_real_process_round_trip(env):
    data_dir, acc, answers = env
    run_env = dict(os.environ, VISITDESK_DATA_DIR=str(data_dir))
    r = subprocess.run([sys.executable, "-m", "visitdesk", "visit", "new", acc.account_no,
                        "--answers", str(answers)], cwd=ROOT, env=run_env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "visitdesk", "visit", "finalise", r.stdout.strip()],
                       cwd=ROOT, env=run_env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_playbook_check_reports_the_wrong_entry(env, capsys, tmp_path):
    data_dir, _, _ = env
    code, out, _ = cli(data_dir, capsys, "playbook", "check")
    assert code == 0 and "7 个阶段" in out
    from visitdesk.core.playbook import default_playbook_path

    data = json.loads(default_playbook_path().read_text(encoding="utf-8"))
    data["triggers"][0]["situation"] = "panic"
    bad = write(tmp_path / "pb.json", data)
    code, _, err = cli(data_dir, capsys, "playbook", "check", str(bad))
    assert code == EXIT_REFUSED and "triggers[0]" in err and "panic" in err


def test_banks_own_playbook_in_the_data_folder_is_used(env, capsys):
    data_dir, acc, answers = env
    from visitdesk.core.playbook import default_playbook_path

    data = json.loads(default_playbook_path().read_text(encoding="utf-8"))
    data["conduct"].append({"id": "recording_told",
                            "label": {"zh_CN": "已告知录音", "en": "Told about recording"},
                            "help": {"zh_CN": "告知客户本次谈话将录音。",
                                     "en": "The customer was told the talk is recorded."}})
    write(data_dir / "playbook.json", data)
    _, out, _ = cli(data_dir, capsys, "visit", "new", acc.account_no, "--answers", str(answers))
    code, out, _ = cli(data_dir, capsys, "visit", "show", out.strip(), "--json")
    errors = json.loads(out)["validation"]["errors"]
    assert [e["location"] for e in errors] == ["conduct.recording_told"]


def test_playbook_check_names_what_an_older_bank_playbook_lacks(env, capsys, tmp_path):
    data_dir, _, _ = env
    from visitdesk.core.playbook import default_playbook_path

    code, out, _ = cli(data_dir, capsys, "playbook", "check")
    assert code == 0 and "提醒" not in out  # the bundled playbook lacks nothing
    data = json.loads(default_playbook_path().read_text(encoding="utf-8"))
    # a copy made before the guarantor, nobody-home … guidance and the privacy question
    kept = ("dispute", "cannot_pay", "upset", "reduction", "more_time")
    data["situations"] = [s for s in data["situations"] if s["id"] in kept]
    data["triggers"] = [t for t in data["triggers"] if t["situation"] in kept]
    data["conduct"] = [c for c in data["conduct"] if not c.get("situation")
                       and c["id"] != "no_cash"]
    data["stages"][0]["fields"] = [f for f in data["stages"][0]["fields"]
                                   if f["id"] != "privacy_offered"]
    data["record_choices"]["met"] = [m for m in data["record_choices"]["met"]
                                     if m["id"] != "guarantor"]
    old = write(tmp_path / "old.json", data)
    code, out, _ = cli(data_dir, capsys, "playbook", "check", str(old))
    assert code == 0
    assert out.splitlines()[1:] == [
        "提醒：record_choices → met 缺少规则依赖的选项：guarantor",
        "提醒：缺少内置话术手册中的情况：guarantor, nobody_home, workplace, third_party_agent, "
        "vulnerable",
        "提醒：阶段 opening 缺少内置话术手册中的字段：privacy_offered",
        "提醒：缺少内置话术手册中的行为规范项：no_cash, nothing_left_at_door, workplace_discreet, "
        "agent_handled, vulnerable_cared_for, guarantor_scope_kept",
    ]
