"""``visitdesk plan`` and ``visitdesk options`` as a bank's script calls them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from visitdesk.adapters.settings_store import save_settings
from visitdesk.adapters.store import BatchInfo, CaseStore
from visitdesk.core.accounts import Account
from visitdesk.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "6222000000000001"


@pytest.fixture
def store_dir(data_dir):
    accounts = [
        Account(ACCOUNT, "测试甲", "110101199001011234", D("10000.00"), overdue_days=40,
                as_of=date(2024, 1, 15)),
        Account("6222000000000002", "测试乙", "110101199001015678", D("12000.00"),
                interest=D("500.00"), late_fee=D("100.00"), other_fees=D("0.00"),
                overdue_days=75, as_of=date(2024, 3, 1)),
    ]
    with CaseStore(data_dir) as store:
        store.upsert_accounts(accounts, BatchInfo("seed.xlsx", "0" * 64, "Sheet1", 0))
    return data_dir


def run(data_dir, *args):
    env = dict(os.environ, VISITDESK_DATA_DIR=str(data_dir), QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "visitdesk", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_plan_json_annuity_reference(store_dir):
    r = run(store_dir, "plan", ACCOUNT, "--kind", "instalments", "--months", "6",
            "--fee-mode", "annuity", "--rate", "12%", "--start", "2024-01-31", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["total_payable"] == "10352.91" and data["total_fees"] == "352.91"
    rows = data["schedule"]
    assert [row["amount"] for row in rows] == ["1725.48"] * 5 + ["1725.51"]
    assert set(rows[0]) >= {"n", "due_date", "principal", "fee", "amount", "balance"}
    assert rows[0]["due_date"] == "2024-02-29" and rows[-1]["balance"] == "0.00"


def test_plan_flat_monthly_rate_written_as_percentage(store_dir):
    r = run(store_dir, "plan", ACCOUNT, "--kind", "instalments", "--months", "12",
            "--fee-mode", "flat-monthly", "--rate", "0.6%", "--start", "2024-01-31", "--json")
    data = json.loads(r.stdout)
    assert {row["fee"] for row in data["schedule"]} == {"60.00"}
    assert data["total_fees"] == "720.00" and data["total_payable"] == "10720.00"


def test_plan_lump_sum_text_shows_total_in_capitals(store_dir):
    r = run(store_dir, "plan", "6222000000000002", "--kind", "lump-sum", "--start", "2024-03-05")
    assert r.returncode == 0, r.stderr
    assert "人民币壹万贰仟陆佰元整" in r.stdout and "2024-03-05" in r.stdout


def test_plan_deferral_with_down_payment_and_grace(store_dir):
    r = run(store_dir, "plan", ACCOUNT, "--kind", "deferral", "--grace-months", "2",
            "--months", "3", "--down-payment", "1000", "--start", "2024-01-31", "--json")
    data = json.loads(r.stdout)
    assert [(x["n"], x["due_date"], x["amount"]) for x in data["schedule"]] == [
        (0, "2024-01-31", "1000.00"), (1, "2024-03-31", "3000.00"),
        (2, "2024-04-30", "3000.00"), (3, "2024-05-31", "3000.00")]


def test_plan_first_due_and_due_day_clamp(store_dir):
    r = run(store_dir, "plan", ACCOUNT, "--kind", "instalments", "--months", "3",
            "--start", "2024-01-10", "--first-due", "2024-01-31", "--json")
    dates = [x["due_date"] for x in json.loads(r.stdout)["schedule"]]
    assert dates == ["2024-01-31", "2024-02-29", "2024-03-31"]


@pytest.mark.parametrize("args, message", [
    (["--kind", "instalments", "--months", "61"], "1 到 60 期之间（当前 61 期）"),
    (["--kind", "instalments", "--months", "12", "--fee-mode", "annuity", "--rate=-1%"],
     "不能为负数"),
    (["--kind", "instalments", "--months", "12", "--start", "2024-02-01",
      "--first-due", "2024-01-20"], "早于协议日期"),
    (["--kind", "instalments"], "--months"),
    (["--kind", "instalments", "--months", "3", "--rate", "abc"], "无法识别"),
    (["--kind", "instalments", "--months", "3", "--down-payment", "1.234"], "--down-payment"),
    (["--kind", "lump-sum", "--start", "2024-13-01"], "YYYY-MM-DD"),
])
def test_plan_refusals_exit_2_with_a_message(store_dir, args, message):
    r = run(store_dir, "plan", ACCOUNT, *args)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_plan_refusal_in_english(store_dir):
    r = run(store_dir, "--lang", "en", "plan", ACCOUNT, "--kind", "instalments",
            "--months", "61")
    assert r.returncode == 2 and "between 1 and 60" in r.stderr


def test_unknown_account_exits_3(store_dir):
    for command in (["plan", "0000", "--kind", "lump-sum"], ["options", "0000"]):
        r = run(store_dir, *command)
        assert r.returncode == 3 and "0000" in r.stderr


def test_options_json_side_by_side_with_affordability(store_dir):
    r = run(store_dir, "options", ACCOUNT, "--income", "8000", "--expenses", "3000",
            "--other-debts", "1000", "--start", "2024-02-01", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [o["key"] for o in data["options"]] == [
        "lump-sum", "instalments-12", "instalments-24", "instalments-36", "instalments-60",
        "deferral-3"]
    twelve = data["options"][1]
    assert (twelve["monthly_amount"], twelve["total_payable"], twelve["total_fees"]) == (
        "833.33", "10000.00", "0.00")
    afford = data["affordability"]
    assert afford["max_payment"] == "2000.00" and afford["months"] == 5 and afford["fits"]


def test_options_text_says_when_nothing_fits(store_dir):
    r = run(store_dir, "options", ACCOUNT, "--income", "2000", "--expenses", "1900",
            "--start", "2024-02-01")
    assert r.returncode == 0
    assert "分 12 期" in r.stdout and "没有可负担的分期方案" in r.stdout
    assert "延期还款" in r.stdout


def test_options_use_configured_share_and_projection(store_dir):
    save_settings(store_dir, Settings(affordability_share=D("0.25"),
                                      daily_interest_rate=D("0.0005")))
    r = run(store_dir, "options", "6222000000000002", "--income", "10000",
            "--start", "2024-03-08", "--json")
    data = json.loads(r.stdout)
    assert data["affordability"]["max_payment"] == "2500.00"
    assert data["debt"]["interest"] == "542.00"  # 12,000 × 0.05% × 7 days added
    assert data["debt"]["lines"][0]["formula"] == "本金 12,000.00 × 日利率 0.05% × 7 天 = 42.00"


def test_options_expenses_without_income_is_refused(store_dir):
    r = run(store_dir, "options", ACCOUNT, "--expenses", "100")
    assert r.returncode == 2 and "--income" in r.stderr


# --- waivers (减免) -------------------------------------------------------------------------
APPROVAL = ["--approver", "李主管", "--approval-ref", "JM-2024-001", "--approved-on",
            "2024-03-04", "--waiver-reason", "失业三个月"]


def test_plan_waiver_without_approval_is_drafted_but_cannot_be_agreed(store_dir):
    r = run(store_dir, "plan", "6222000000000002", "--kind", "lump-sum", "--start",
            "2024-03-05", "--waive-interest", "all", "--waive-fees", "60", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["total_payable"] == "12040.00"
    assert data["reductions"] == {"interest": "500.00", "late_fee": "60.00"}
    assert data["waiver"] == {
        "interest": "500.00", "fees": "60.00", "principal": "0.00", "total": "560.00",
        "approver": "", "approval_ref": "", "approved_on": None, "reason": "",
        "missing_approval": ["approver", "approval_ref", "approved_on", "reason"]}
    [problem] = data["agreement_problems"]
    assert "¥560.00" in problem and "不能签订" in problem
    assert data["terms"]["waiver"]["interest"] == "500.00"


def test_plan_waiver_with_approval_can_be_agreed(store_dir):
    r = run(store_dir, "plan", "6222000000000002", "--kind", "instalments", "--months", "6",
            "--start", "2024-03-05", "--waive-fees", "all", *APPROVAL, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["agreement_problems"] == []
    assert data["waiver"]["fees"] == "100.00" and data["waiver"]["missing_approval"] == []
    assert (data["waiver"]["approver"], data["waiver"]["approval_ref"],
            data["waiver"]["approved_on"], data["waiver"]["reason"]) == (
        "李主管", "JM-2024-001", "2024-03-04", "失业三个月")
    assert data["total_payable"] == "12500.00"
    assert sum(D(row["amount"]) for row in data["schedule"]) == D("12500.00")


def test_plan_without_waiver_has_null_waiver_and_no_problems(store_dir):
    r = run(store_dir, "plan", ACCOUNT, "--kind", "lump-sum", "--start", "2024-01-31",
            "--json")
    data = json.loads(r.stdout)
    assert data["waiver"] is None and data["agreement_problems"] == []


def test_plan_approval_after_agreement_is_a_problem(store_dir):
    r = run(store_dir, "plan", "6222000000000002", "--kind", "lump-sum", "--start",
            "2024-03-01", "--waive-interest", "100", *APPROVAL, "--json")
    assert r.returncode == 0
    [problem] = json.loads(r.stdout)["agreement_problems"]
    assert "2024-03-04" in problem and "晚于协议日期" in problem


def test_plan_waiver_text_output_shows_approval_and_problem(store_dir):
    r = run(store_dir, "plan", "6222000000000002", "--kind", "lump-sum", "--start",
            "2024-03-05", "--waive-interest", "500", "--approver", "李主管")
    assert r.returncode == 0, r.stderr
    assert "减免/不计入：利息 ¥500.00" in r.stdout
    assert "减免审批：审批人 李主管，审批编号 （未填）" in r.stdout
    assert "! 计划含减免 ¥500.00，但缺少审批编号、审批日期、减免原因" in r.stdout


def test_plan_principal_waiver_refused_unless_settings_allow(store_dir):
    args = ["plan", ACCOUNT, "--kind", "lump-sum", "--start", "2024-01-31",
            "--waive-principal", "1000", *APPROVAL[:4], "--approved-on", "2024-01-30",
            "--waiver-reason", "重病", "--json"]
    r = run(store_dir, *args)
    assert r.returncode == 2 and "allow_principal_waiver" in r.stderr and r.stdout == ""
    assert "Traceback" not in r.stderr
    save_settings(store_dir, Settings(allow_principal_waiver=True))
    r = run(store_dir, *args)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["total_payable"] == "9000.00" and data["reductions"] == {"principal": "1000.00"}
    assert data["agreement_problems"] == []


@pytest.mark.parametrize("args, message", [
    (["--waive-interest", "600"], "超过计入计划的金额 500.00"),
    (["--waive-fees", "abc"], "或写 all"),
    (["--waive-fees=-5"], "--waive-fees 的金额“-5”无效"),
    (["--approver", "李主管"], "须与减免金额一起使用"),
    (["--waive-interest", "1", "--approved-on", "2024/03/04"], "--approved-on"),
])
def test_plan_waiver_refusals_exit_2(store_dir, args, message):
    r = run(store_dir, "plan", "6222000000000002", "--kind", "lump-sum", "--start",
            "2024-03-05", *args)
    assert r.returncode == 2, r.stdout
    assert message in r.stderr and "Traceback" not in r.stderr


def test_plan_waiver_messages_in_english(store_dir):
    r = run(store_dir, "--lang", "en", "plan", ACCOUNT, "--kind", "lump-sum",
            "--waive-principal", "all")
    assert r.returncode == 2 and "do not allow waiving principal" in r.stderr
