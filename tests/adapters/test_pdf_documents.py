"""The three documents, read back as a reader sees them (pdftotext)."""

from __future__ import annotations

import statistics
from datetime import date
from decimal import Decimal

import pytest
from docs_helpers import flat, page_texts, pdf_text, word_heights

from visitdesk import i18n
from visitdesk.adapters.pdf.briefing import briefing_content, render_briefing
from visitdesk.adapters.pdf.common import plan_from_terms, qr_payload, record_hash
from visitdesk.adapters.pdf.handout import handout_content, render_handout
from visitdesk.adapters.pdf.samples import (
    sample_account,
    sample_accounts,
    sample_record,
    sample_settings,
)
from visitdesk.adapters.pdf.summary import render_summary, summary_content
from visitdesk.core.capitals import to_capitals
from visitdesk.core.money import format_plain
from visitdesk.core.plans import PlanKind, PlanTerms
from visitdesk.core.playbook import load_playbook
from visitdesk.core.speech import money_words

ACCOUNT = sample_account()
SETTINGS = sample_settings()


@pytest.fixture(scope="module")
def playbook():
    return load_playbook()


def _summary(playbook, **kw):
    record = sample_record(ACCOUNT, **kw)
    content = summary_content(record, ACCOUNT, SETTINGS, playbook)
    return record, content, render_summary(content)[0]


def _handout(record=None, terms=None, settings=SETTINGS):
    plan = plan_from_terms(terms or record.plan, ACCOUNT, settings)
    pdf, _ = render_handout(handout_content(ACCOUNT, plan, settings, record=record))
    return plan, pdf


def test_summary_shows_facts_stages_debt_whole_schedule_and_content_hash(playbook):
    record, content, pdf = _summary(playbook)
    text = flat(pdf_text(pdf))
    for expected in ("上门催收记录", "示例银行城东支行", "V000001", ACCOUNT.name,
                     ACCOUNT.account_no, "110101********1234", "开场与身份确认", "客户要求延期",
                     "本月工资推迟发放", "保护了客户隐私", "已确认", "达成分期协议",
                     "内部备注", "王芳（A1088）"):
        assert expected in text, expected
    assert ACCOUNT.id_number not in text
    assert format_plain(content.debt.total) in text
    for row in content.plan.schedule:
        assert f"{row.due_date.year}年{row.due_date.month}月{row.due_date.day}日" in text
        assert format_plain(row.amount) in text
    assert to_capitals(content.plan.total_payable) in text
    digest = record_hash(record.to_json())
    assert digest == content.digest and digest in text
    assert qr_payload("V000001", 1, digest).endswith(digest)
    pages = page_texts(pdf)
    assert f"第1页/共{len(pages)}页" in flat(pages[0])


def test_summary_hash_changes_with_any_word_of_the_record(playbook):
    _, first, _ = _summary(playbook)
    _, second, _ = _summary(playbook, notes="另一条备注")
    assert first.digest != second.digest


def test_summary_in_english(playbook):
    i18n.set_language("en")
    record = sample_record(ACCOUNT)
    content = summary_content(record, ACCOUNT, sample_settings(language="en"), playbook, "en")
    text = pdf_text(render_summary(content)[0])
    assert "On-site collection visit record" in text
    assert "Page 1 of" in text
    assert "Opening and identification" in text


def test_handout_agreement_has_figures_capitals_every_row_and_rules(playbook):
    record = sample_record(ACCOUNT, months=12)
    plan, pdf = _handout(record)
    text = flat(pdf_text(pdf))
    assert "个性化分期还款协议" in text
    assert format_plain(plan.total_payable) in text
    assert to_capitals(plan.total_payable) in text
    assert len(plan.schedule) == 12
    for row in plan.schedule:
        assert f"{row.due_date.year}年{row.due_date.month}月{row.due_date.day}日" in text
        assert format_plain(row.amount) + to_capitals(row.amount) in text
    # what the rules require of a negotiated instalment agreement
    for required in ("币种：人民币", "本金", "利息", "违约金", "还款周期", "按月还款",
                     "还款方式", "还款期间不计收利息和分期手续费",
                     "乙方不再向甲方或其他机构申请新的信用卡", "双方的权利和义务",
                     "违约责任", "手机银行“信用卡—还款”", "95500", "12378", "提交相关证据",
                     "李明（工号A1023）"):
        assert required in text, required


def test_handout_masks_identifiers_and_leaves_out_everything_internal(playbook):
    record = sample_record(ACCOUNT)
    _, pdf = _handout(record)
    text = flat(pdf_text(pdf))
    assert "110101********1234" in text and "****1234" in text and "138****5678" in text
    for secret in (ACCOUNT.id_number, ACCOUNT.account_no, ACCOUNT.phone):
        assert secret not in text
    for internal in ("内部备注", "客户配偶在场", "保护了客户隐私", "行为规范", "本月工资推迟发放",
                     "客户要求延期", "希望下个月开始每月还一千元左右"):
        assert internal not in text, internal


def test_handout_uses_large_type(playbook):
    _, pdf = _handout(sample_record(ACCOUNT))
    heights = word_heights(pdf)
    assert statistics.median(heights) >= 11.9


def test_handout_for_payment_in_full_is_a_notice_without_agreement_clauses():
    terms = PlanTerms(PlanKind.LUMP_SUM, date(2026, 11, 20))
    plan, pdf = _handout(terms=terms)
    text = flat(pdf_text(pdf))
    assert "还款计划告知书" in text and "个性化分期还款协议" not in text
    assert "违约责任" not in text
    assert format_plain(plan.total_payable) + to_capitals(plan.total_payable) in text


def test_handout_printed_before_the_visit_has_blank_signature_lines():
    terms = PlanTerms.from_json(sample_record(ACCOUNT).plan)
    _, pdf = _handout(terms=terms)
    text = flat(pdf_text(pdf))
    assert "拟定方案" in text
    assert "日期：____年__月__日" in text
    assert "李明（工号A1023）" in text  # officer from the settings


def test_handout_with_fees_states_them_per_row():
    terms = PlanTerms.from_json({**sample_record(ACCOUNT).plan, "fee_mode": "flat-monthly",
                                 "rate": "0.006"})
    plan, pdf = _handout(terms=terms)
    text = flat(pdf_text(pdf))
    assert plan.total_fees > 0
    assert "每月按分期本金的0.6%收取分期手续费" in text
    assert format_plain(plan.schedule[0].fee) in text


def test_schedule_of_60_rows_flows_across_pages_with_its_header_repeated(playbook):
    record = sample_record(ACCOUNT, months=60)
    plan, pdf = _handout(record)
    pages = [flat(p) for p in page_texts(pdf)]
    with_rows = [p for p in pages if "2027年6月20日" in p or "2030年6月20日" in p]
    assert len(with_rows) >= 2
    for page in with_rows:
        assert "期数还款日应还金额（元）应还金额（大写）" in page
    everything = "".join(pages)
    assert len(plan.schedule) == 60
    for row in plan.schedule:
        assert f"{row.due_date.year}年{row.due_date.month}月{row.due_date.day}日" in everything
    # the summary's schedule repeats its header too
    _, content, summary_pdf = _summary(playbook, months=60)
    spages = [flat(p) for p in page_texts(summary_pdf)]
    header = "期数还款日本金部分费用/利息应还金额剩余欠款"
    assert sum(header in p for p in spages) >= 2


def test_briefing_for_a_days_list_has_projected_figures_options_points_and_paper_form(playbook):
    accounts = sample_accounts(2)
    day = date(2026, 11, 25)
    content = briefing_content(accounts, SETTINGS, playbook, day)
    pdf = render_briefing(content)
    text = flat(pdf_text(pdf))
    assert "访前准备单" in text
    for account, item in zip(accounts, content.accounts, strict=True):
        assert account.name in text
        assert "****" + account.account_no[-4:] in text
        assert account.account_no not in text and account.id_number not in text
        assert item.debt.on == day and item.debt.projected
        assert format_plain(item.debt.total) in text
        assert to_capitals(item.debt.total) in text
        # talking points filled with this customer's figures, as they are said
        assert f"大约是{money_words(item.debt.total, 'zh_CN')}" in text
    assert "{" not in text
    for label in ("一次性结清", "分12期", "分60期", "客户否认欠款", "纸质记录表", "□是□否",
                  "□客户本人", "催收人员签名"):
        assert label in text, label
    assert "本金" in text and "日利率" in text  # how the projection was computed


def test_every_document_embeds_a_subset_of_the_bundled_font(playbook, tmp_path):
    import subprocess

    _, _, pdf = _summary(playbook)
    path = tmp_path / "s.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    lines = [ln for ln in fonts.splitlines()[2:] if ln.strip()]
    assert lines and all(" yes yes " in ln for ln in lines), fonts  # embedded, subset


def test_waiver_and_its_approval_are_shown_on_the_summary(playbook):
    plan_json = {**sample_record(ACCOUNT).plan, "waiver": {
        "interest": "500.00", "fees": "0", "principal": "0", "approver": "赵主任",
        "approval_ref": "JM-2026-031", "approved_on": "2026-11-18", "reason": "客户失业"}}
    record = sample_record(ACCOUNT)
    import dataclasses

    record = dataclasses.replace(record, plan=plan_json)
    content = summary_content(record, ACCOUNT, SETTINGS, playbook)
    text = flat(pdf_text(render_summary(content)[0]))
    assert "赵主任" in text and "JM-2026-031" in text
    assert content.plan.reductions["interest"] == Decimal("500.00")


def _acknowledged_record(playbook, notes, reason="客户转述催收公司的话，非经办人员所说"):
    from datetime import datetime

    from visitdesk.core.lexicon import load_lexicon
    from visitdesk.core.validation import validate
    from visitdesk.core.visit import with_acknowledgement

    record = sample_record(ACCOUNT, notes=notes, state="draft")
    report = validate(record, playbook, SETTINGS, ACCOUNT, load_lexicon())
    for w in report.warnings:
        record = with_acknowledgement(record, w.key, "李明（A1023）", reason,
                                      datetime(2026, 11, 20, 10, 48))
    return record, report


def test_summary_lists_each_acknowledged_phrase_with_who_and_why(playbook):
    record, report = _acknowledged_record(playbook, "客户转述：「催收公司讲不还钱就让他坐牢」。")
    threat = [w for w in report.warnings if w.params.get("category_id") == "threat"]
    assert threat, "the bundled lexicon flags the threat phrase"
    content = summary_content(record, ACCOUNT, SETTINGS, playbook)
    rows = {r[0]: r for r in content.acknowledged}
    assert rows[threat[0].message("zh_CN")][1:] == (
        "李明（A1023）", "客户转述催收公司的话，非经办人员所说", "2026年11月20日 10:48")
    conduct = dict(content.conduct)
    phrase = threat[0].params["phrase"]
    # never "no threats: confirmed" beside a threat phrase that was flagged
    assert conduct["没有威胁或恐吓"] == (
        f"有 {len(threat)} 处被标记的用语（“{phrase}”），见“提醒与确认理由”")
    assert conduct["保护了客户隐私"] == "已确认"
    text = flat(pdf_text(render_summary(content)[0]))
    for expected in ("提醒与确认理由", "确认人", "客户转述催收公司的话，非经办人员所说",
                     "被标记的用语", f"“{phrase}”"):
        assert expected in text, expected


def test_summary_in_english_names_the_acknowledgement_too(playbook):
    record, report = _acknowledged_record(playbook, "Customer repeated what the agency told "
                                          "him: \"the police will come\".",
                                          reason="Customer quoting others")
    assert report.warnings
    content = summary_content(record, ACCOUNT, sample_settings(language="en"), playbook, "en")
    assert [r[1:3] for r in content.acknowledged] == [
        ("李明（A1023）", "Customer quoting others") for _ in report.warnings]
    text = flat(pdf_text(render_summary(content)[0]))
    assert flat("Warnings and the reasons they stand") in text
    assert flat("Customer quoting others") in text


def test_summary_without_warnings_says_so_and_shows_recording_and_dispute_check(playbook):
    record = sample_record(ACCOUNT)
    content = summary_content(record, ACCOUNT, SETTINGS, playbook)
    assert content.acknowledged == ()
    facts = dict(content.facts)
    assert facts["已告知录音录像"] == "是（执法记录仪 DSJ-07 第 20261120-1005 段）"
    assert facts["是否与见到的人谈及欠款"] == "是"
    text = flat(pdf_text(render_summary(content)[0]))
    assert "本次记录没有需要确认的提醒。" in text
    import dataclasses

    verified = dataclasses.replace(record, dispute_verified=True,
                                   dispute_reference="HC20261121-0042",
                                   dispute_verified_by="客服部 周敏")
    outcome = dict(summary_content(verified, ACCOUNT, SETTINGS, playbook).outcome)
    assert outcome["异议已核实"].endswith("（核查编号 HC20261121-0042，核查人 客服部 周敏）")


def test_summary_keeps_an_acknowledgement_whose_warning_is_no_longer_raised(playbook):
    import dataclasses
    from datetime import datetime

    from visitdesk.core.visit import Acknowledgement

    record = dataclasses.replace(
        sample_record(ACCOUNT), warnings_acknowledged=("lexicon@notes#旧词条",),
        acknowledgements={"lexicon@notes#旧词条": Acknowledgement(
            "李明（A1023）", "客户原话", datetime(2026, 11, 20, 10, 49))})
    rows = summary_content(record, ACCOUNT, SETTINGS, playbook).acknowledged
    assert rows == (("此前的提醒 lexicon@notes#旧词条（现行规则已不再提示）", "李明（A1023）",
                     "客户原话", "2026年11月20日 10:49"),)


def test_a_days_list_briefing_masks_phone_numbers_a_single_account_one_keeps_them(playbook):
    from dataclasses import replace

    accounts = sample_accounts(2)
    day = date(2026, 11, 25)
    text = flat(pdf_text(render_briefing(briefing_content(accounts, SETTINGS, playbook, day))))
    for account in accounts:
        assert account.phone not in text and account.phone[-4:] in text
    single = flat(pdf_text(render_briefing(briefing_content(accounts[:1], SETTINGS, playbook,
                                                            day))))
    assert accounts[0].phone in single and accounts[0].id_number not in single
    unmasked = replace(SETTINGS, mask_briefing=("id_number",))
    text = flat(pdf_text(render_briefing(briefing_content(accounts, unmasked, playbook, day))))
    assert all(account.phone in text for account in accounts)
