"""The collection-cycle commands as a bank's script uses them (docs/cli.md, "After the visit")."""

from __future__ import annotations

import email
import json
from email import policy

import openpyxl
import pytest
from visit_testdata import example_json, seeded_store

from visitdesk.__main__ import main
from visitdesk.adapters.settings_store import save_settings
from visitdesk.cli import EXIT_NOT_FOUND, EXIT_REFUSED
from visitdesk.core.settings import Settings

SIX = {"kind": "instalments", "start": "2026-11-20", "months": 6, "fee_mode": "none",
       "rate": "0", "down_payment": "0.00", "first_due": "2026-12-20", "due_day": 20,
       "grace_months": 0, "components": ["principal", "interest", "late_fee", "other_fees"],
       "waiver": None, "custom_rows": []}


def cli(data_dir, capsys, *args):
    code = main(["--data-dir", str(data_dir), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def env(data_dir, tmp_path, capsys):
    store, acc = seeded_store(data_dir)
    store.close()
    save_settings(data_dir, Settings(bank_name="示例银行", officer_name="李明", staff_no="A1023",
                                     bank_hotline="95500"))
    answers = tmp_path / "answers.json"
    record = dict(example_json(), plan=SIX)
    answers.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    code, out, err = cli(data_dir, capsys, "visit", "new", acc.account_no, "--answers",
                         str(answers))
    assert code == 0, err
    visit_id = out.strip()
    code, out, err = cli(data_dir, capsys, "visit", "finalise", visit_id)
    assert code == 0, err
    return data_dir, acc, visit_id


def test_commitments_json_lists_each_instalment_with_status_and_plan_state(env, capsys):
    data_dir, acc, visit_id = env
    code, out, err = cli(data_dir, capsys, "commitments", "--date", "2026-12-01", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [f"{visit_id}-v1-{n}" for n in range(1, 7)]
    assert set(rows[0]) == {"id", "account_no", "visit_id", "version", "n", "kind", "due_date",
                            "amount", "paid", "outstanding", "status", "paid_in_full_on",
                            "days_late", "superseded_by", "plan_state"}
    assert {r["status"] for r in rows} == {"due"} and rows[0]["plan_state"] == "on_track"
    code, out, _ = cli(data_dir, capsys, "commitments", "--status", "missed", "--date",
                       "2026-12-24", "--json")
    assert [r["n"] for r in json.loads(out)] == [1]
    assert cli(data_dir, capsys, "commitments", "--status", "late")[0] == EXIT_REFUSED
    assert cli(data_dir, capsys, "commitments", "--account", "0000")[0] == EXIT_NOT_FOUND


def test_payments_add_then_import_then_reimport_changes_nothing(env, capsys, tmp_path):
    data_dir, acc, visit_id = env
    code, out, err = cli(data_dir, capsys, "payments", "add", acc.account_no, "--amount",
                         "100.00", "--date", "2026-12-01", "--reason", "柜台还款", "--json")
    assert code == 0, err
    paid = json.loads(out)
    assert (paid["source"], paid["amount"], paid["reference"][0]) == ("manual", "100.00", "M")
    assert cli(data_dir, capsys, "payments", "add", acc.account_no, "--amount", "1",
               "--date", "2026-12-01", "--reason", "")[0] == EXIT_REFUSED
    wb = openpyxl.Workbook()
    wb.active.append(["Transaction date", "Account number", "Amount", "Reference"])
    wb.active.append(["2026-12-20", acc.account_no, "250.00", "T-1"])
    path = tmp_path / "payments.xlsx"
    wb.save(path)
    code, out, err = cli(data_dir, capsys, "payments", "import", str(path), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["status"], report["imported"], report["total"]) == ("imported", 1, "250.00")
    code, out, _ = cli(data_dir, capsys, "payments", "import", str(path), "--json")
    assert (json.loads(out)["imported"], json.loads(out)["duplicates"]) == (0, 1)
    code, out, _ = cli(data_dir, capsys, "payments", "list", "--json")
    assert [p["amount"] for p in json.loads(out)] == ["100.00", "250.00"]
    code, out, err = cli(data_dir, capsys, "payments", "import", str(tmp_path / "none.xlsx"))
    assert code == EXIT_REFUSED and err


def test_contact_add_refuses_2230_and_records_it_with_consent(env, capsys):
    data_dir, acc, visit_id = env
    args = ["contact", "add", acc.account_no, "--channel", "phone", "--at",
            "2026-12-04T22:30", "--result", "no_answer", "--json"]
    code, out, err = cli(data_dir, capsys, *args)
    assert code == EXIT_REFUSED and "22:00" in err
    code, out, err = cli(data_dir, capsys, *args, "--consent")
    assert code == 0, err
    contact = json.loads(out)
    assert contact["consent"] is True and contact["channel"] == "phone"
    code, out, _ = cli(data_dir, capsys, "contacts", "--account", acc.account_no, "--json")
    assert [c["channel"] for c in json.loads(out)] == ["phone", "visit"]
    assert cli(data_dir, capsys, "contact", "add", acc.account_no, "--channel", "fax", "--at",
               "2026-12-04T10:00", "--result", "reached")[0] == EXIT_REFUSED
    assert cli(data_dir, capsys, "contacts", "--account", "0000")[0] == EXIT_NOT_FOUND


def test_contact_note_is_screened(env, capsys):
    data_dir, acc, visit_id = env
    code, out, err = cli(data_dir, capsys, "contact", "add", acc.account_no, "--channel",
                         "phone", "--at", "2026-12-04T10:00", "--result", "reached", "--note",
                         "告诉他不还钱就抓他去坐牢", "--json")
    assert code == 0, err
    assert json.loads(out)["screening"]


def test_worklist_json_puts_a_broken_plan_first(env, capsys):
    data_dir, acc, visit_id = env
    code, out, err = cli(data_dir, capsys, "worklist", "--date", "2027-02-24", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert listed["date"] == "2027-02-24"
    (entry,) = listed["entries"]
    assert entry["account_no"] == acc.account_no
    # the visit's follow-up (an SMS on 27 Nov) has not been made either
    assert [r["code"] for r in entry["reasons"]] == ["broken_plan", "follow_up"]
    assert entry["last_contact"]["channel"] == "visit"
    code, out, _ = cli(data_dir, capsys, "worklist", "--date", "2026-12-15", "--json")
    (entry,) = json.loads(out)["entries"]
    assert [r["code"] for r in entry["reasons"]] == ["follow_up", "due_soon"]
    assert entry["reasons"][1]["on"] == "2026-12-20"
    # the follow-up SMS is sent: it leaves the list, the payment due stays
    code, _, err = cli(data_dir, capsys, "contact", "add", acc.account_no, "--channel", "sms",
                       "--at", "2026-11-27T10:00", "--result", "sent")
    assert code == 0, err
    code, out, _ = cli(data_dir, capsys, "worklist", "--date", "2026-12-15", "--json")
    (entry,) = json.loads(out)["entries"]
    assert [r["code"] for r in entry["reasons"]] == ["due_soon"]


def test_message_sms_plan_masks_the_account_and_fits_its_segments(env, capsys):
    data_dir, acc, visit_id = env
    code, out, err = cli(data_dir, capsys, "message", "sms", visit_id, "--json")
    assert code == 0, err
    msg = json.loads(out)
    assert msg["text"].startswith("【示例银行】") and "95500" in msg["text"]
    assert f"尾号{acc.account_no[-4:]}" in msg["text"]
    assert acc.account_no not in msg["text"] and acc.name not in msg["text"]
    assert 1 <= msg["segments"] <= 2
    code, out, err = cli(data_dir, capsys, "message", "sms", visit_id, "--kind", "missed",
                         "--date", "2027-01-01")
    assert code == 0, err
    assert "2026年12月20日" in out
    assert cli(data_dir, capsys, "message", "sms", visit_id, "--kind", "missed", "--date",
               "2026-12-01")[0] == EXIT_REFUSED
    # a reminder only within three days (the setting) of the first due date, 20 Dec
    assert cli(data_dir, capsys, "message", "sms", visit_id, "--kind", "reminder", "--date",
               "2026-12-16")[0] == EXIT_REFUSED
    code, out, err = cli(data_dir, capsys, "message", "sms", visit_id, "--kind", "reminder",
                         "--date", "2026-12-17")
    assert code == 0 and "温馨提示" in out and "2026年12月20日" in out, err
    assert cli(data_dir, capsys, "message", "sms", "V999999")[0] == EXIT_NOT_FOUND


def test_message_email_writes_an_eml_with_the_handout_and_records_it_as_sent(env, capsys,
                                                                         tmp_path):
    data_dir, acc, visit_id = env
    out_file = tmp_path / "plan.eml"
    code, out, err = cli(data_dir, capsys, "message", "email", visit_id, "--out", str(out_file),
                         "--to", "kehu@example.invalid", "--sent", "--json")
    assert code == 0, err
    assert json.loads(out)["contact_id"] is not None
    mail = email.message_from_bytes(out_file.read_bytes(), policy=policy.default)
    assert "还款安排" in mail["Subject"] and mail["To"] == "kehu@example.invalid"
    body = mail.get_body(("plain",)).get_content()
    assert "95500" in body and acc.account_no not in body
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")
    code, out, _ = cli(data_dir, capsys, "contacts", "--account", acc.account_no, "--json")
    assert json.loads(out)[0]["result"] == "sent"


def test_message_needs_the_bank_hotline(env, capsys):
    data_dir, acc, visit_id = env
    save_settings(data_dir, Settings(bank_name="示例银行", officer_name="李明", staff_no="A1023"))
    code, out, err = cli(data_dir, capsys, "message", "sms", visit_id)
    assert code == EXIT_REFUSED and "客服电话" in err


def test_export_outcomes_carries_commitments_and_payments_as_text(env, capsys, tmp_path):
    data_dir, acc, visit_id = env
    assert cli(data_dir, capsys, "payments", "add", acc.account_no, "--amount", "100.00",
               "--date", "2026-12-01", "--reason", "=HYPERLINK(\"x\")")[0] == 0
    out = tmp_path / "outcomes.xlsx"
    code, _, err = cli(data_dir, capsys, "export-outcomes", "--out", str(out))
    assert code == 0, err
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[1:] == ["还款承诺", "还款记录"]
    commitments = list(wb["还款承诺"].values)
    assert commitments[0][:2] == ("id", "account_no") and len(commitments) == 7
    assert commitments[1][0] == f"{visit_id}-v1-1"
    payments = list(wb["还款记录"].values)
    assert payments[1][3] == "100.00"
    reason = wb["还款记录"].cell(row=2, column=6)
    assert reason.data_type == "s" and reason.value.startswith("=HYPERLINK")


def test_dayplan_orders_the_visits_and_prints_the_briefings_with_the_route_first(
        data_dir, capsys, tmp_path):
    import subprocess

    from visitdesk.adapters.store import BatchInfo, CaseStore
    from visitdesk.core.accounts import Account

    save_settings(data_dir, Settings(bank_name="示例银行", officer_name="李明", staff_no="A1023",
                                     bank_hotline="95500"))
    from decimal import Decimal

    with CaseStore(data_dir) as store:
        store.upsert_accounts([
            Account("6222000000000011", "张伟", "110101199003070011", Decimal("1000"),
                    address="北京市海淀区学院路5号"),
            Account("6222000000000022", "李娜", "110101199003070011", Decimal("2000"),
                    address="北京市朝阳区建国路88号"),
            Account("6222000000000033", "王芳", "110101199003070011", Decimal("3000"),
                    address="北京市海淀区中关村大街1号"),
        ], BatchInfo("a.xlsx", "0" * 64, "S", 0))
    out = tmp_path / "day.pdf"
    code, stdout, err = cli(data_dir, capsys, "dayplan", "6222000000000011", "6222000000000022",
                            "6222000000000033", "--date", "2026-12-04", "--start", "19:30",
                            "--out", str(out), "--json")
    assert code == 0, err
    plan = json.loads(stdout)
    assert [s["account_no"][-2:] for s in plan["stops"]] == ["33", "11", "22"]
    assert [s["outside_hours"] for s in plan["stops"]] == [False, False, True]
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    first_page = text.split("\f")[0]
    assert "当日路线" in first_page and "超出联系时段" in first_page
    assert first_page.index("中关村") < first_page.index("学院路") < first_page.index("建国路")
    assert "6222000000000033" not in first_page  # the account appears masked
    assert cli(data_dir, capsys, "dayplan", "0000")[0] == EXIT_NOT_FOUND
    assert cli(data_dir, capsys, "dayplan", "6222000000000011", "--minutes", "0")[0] == \
        EXIT_REFUSED
