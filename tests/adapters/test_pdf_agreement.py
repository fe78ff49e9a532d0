"""The customer's documents as a compliance officer reads them (issue 11 §2): which agreement
a product gets, what it states about charges, hardship and reductions, one register, clause
numbers that match their headings, the right word for late charges, the bank's hotline, the
currency and the masked ID — checked in the rendered PDF (pdftotext)."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal

import pytest
from docs_helpers import flat, pdf_text

from visitdesk.adapters.pdf.common import plan_from_terms
from visitdesk.adapters.pdf.handout import cn_number, handout_content, render_handout
from visitdesk.adapters.pdf.samples import sample_account, sample_record, sample_settings
from visitdesk.core.errors import InputError
from visitdesk.core.plans import PlanKind, PlanTerms
from visitdesk.core.playbook import load_playbook

CARD = dataclasses.replace(sample_account(), product_type="card")
LOAN = dataclasses.replace(sample_account(), product_type="loan")
SETTINGS = sample_settings()
WAIVER = {"interest": "500.00", "fees": "0", "principal": "0", "approver": "赵主任",
          "approval_ref": "JM-2026-031", "approved_on": "2026-11-18", "reason": "客户失业"}


@pytest.fixture(scope="module")
def playbook():
    return load_playbook()


def content(account=CARD, *, record=True, terms=None, settings=SETTINGS, lang="zh_CN",
            playbook=None, waiver=None):
    rec = sample_record(account) if record else None
    plan_json = dict(terms or sample_record(account).plan)
    if waiver:
        plan_json["waiver"] = waiver
    if rec is not None:
        rec = dataclasses.replace(rec, plan=plan_json)
    plan = plan_from_terms(plan_json, account, settings)
    return handout_content(account, plan, settings, record=rec, lang=lang, playbook=playbook)


def rendered(c) -> str:
    return flat(pdf_text(render_handout(c)[0]))


def test_card_instalments_get_the_article_70_agreement_with_the_undertaking(playbook):
    c = content(CARD, playbook=playbook)
    assert c.kind == "card_agreement" and c.title == "个性化分期还款协议"
    text = rendered(c)
    for clause in ("个性化分期还款协议", "《商业银行信用卡业务监督管理办法》第七十条",
                   "第六条乙方承诺",
                   "在本协议约定的欠款全部还清之前，乙方不再向甲方或其他机构申请新的信用卡。",
                   "按原信用卡领用合约执行"):
        assert clause in text, clause


def test_loan_instalments_get_a_repayment_plan_agreement_without_the_card_undertaking(playbook):
    c = content(LOAN, playbook=playbook, settings=sample_settings(payment_channels="柜台存入"))
    assert c.kind == "loan_agreement" and c.title == "贷款还款计划协议"
    text = rendered(c)
    assert "贷款还款计划协议" in text and "按原借款合同执行" in text
    assert "贷款账号****1234" in text and "存入上述贷款账号" in text and "卡号" not in text
    for card_only in ("个性化分期", "信用卡", "乙方承诺", "违约金", "年费", "第七十条"):
        assert card_only not in text, card_only
    assert "罚息" in text and "还款期间不计收利息。" in text and "手续费" not in text
    assert ("乙方按本协议按时足额还款期间，除本条所列费用外，甲方不再对本协议所涉欠款计收罚息和复利；"
            "乙方违约的，按第七条处理。") in text


def test_a_product_not_in_the_file_follows_the_settings_default():
    unknown = dataclasses.replace(sample_account(), product_type="")
    assert content(unknown).kind == "card_agreement"
    assert content(unknown, settings=sample_settings(default_product_type="loan")).kind \
        == "loan_agreement"


def test_agreement_states_what_continues_during_the_plan_and_on_default():
    c = content(CARD)
    heading, paragraphs = c.section("fees")
    assert heading == "第三条　还款期间的利息和费用"
    assert paragraphs == (
        "还款期间不计收利息和分期手续费。",
        "乙方按本协议按时足额还款期间，除本条所列费用外，甲方不再对本协议所涉欠款计收利息、违约金和年费；"
        "乙方违约的，按第八条处理。")
    heading, paragraphs = c.section("breach")
    assert heading == "第八条　违约责任"
    assert paragraphs[1] == (
        "乙方未按本协议按时足额偿还任何一期款项的，构成违约：甲方有权解除本协议；剩余欠款自违约之日起"
        "按原合同约定恢复计收利息和违约金；逾期信息将按规定报送金融信用信息基础数据库；甲方可依法继续催收，"
        "必要时依法提起诉讼。")


def test_every_clause_reference_names_the_clause_that_has_that_heading():
    for account in (CARD, LOAN):
        c = content(account, waiver=WAIVER)
        text = rendered(c)
        numbers = {sid: heading.split("　")[0] for sid, heading, _ in c.sections}
        assert list(numbers.values()) == [f"第{cn_number(i)}条"
                                          for i in range(1, len(c.sections) + 1)]
        law = "第七十条"  # the card rules' article cited in the preamble, not a clause
        for ref in set(re.findall(r"第[一二三四五六七八九十]+条", text.replace(law, ""))):
            assert ref in numbers.values(), ref
        # the references point where they mean to
        assert f"按{numbers['breach']}处理" in text
        assert f"还款渠道见{numbers['pay']}" in text


def test_agreement_speaks_of_parties_a_and_b_only_and_the_notice_of_you_only():
    # the payment channels are the bank's own words (settings); keep them out of the check
    plain = sample_settings(payment_channels="柜台存入还款卡")
    agreement = rendered(content(CARD, waiver=WAIVER, settings=plain))
    assert "甲方" in agreement and "乙方" in agreement
    for word in ("您", "本行", "我们"):
        assert word not in agreement, word
    lump = PlanTerms(PlanKind.LUMP_SUM, date(2026, 11, 20)).to_json()
    c = content(CARD, terms=lump, waiver=WAIVER, settings=plain)
    assert c.kind == "notice" and c.title == "还款计划告知书"
    notice = rendered(c)
    assert "您" in notice
    for word in ("甲方", "乙方", "违约责任", "第一条"):
        assert word not in notice, word


def test_no_colloquial_terms_and_the_right_word_for_late_charges_in_any_document():
    for account in (CARD, LOAN):
        for terms in (None, PlanTerms(PlanKind.LUMP_SUM, date(2026, 11, 20)).to_json()):
            text = rendered(content(account, terms=terms))
            for banned in ("停息挂账", "滞纳金", "催收人员", "签字"):
                assert banned not in text, banned
    assert "违约金" in rendered(content(CARD)) and "罚息" not in rendered(content(CARD))


def test_agreement_records_the_hardship_assessment_from_the_visit(playbook):
    c = content(CARD, playbook=playbook)
    heading, (text,) = c.section("hardship")
    assert heading == "第五条　还款能力评估"
    assert text == ("甲方已对乙方的还款能力进行评估。逾期原因：收入减少；乙方自述月收入：6,500.00 元；"
                    "每月必要支出：4,200.00 元；需供养人数：未记录；每月可用于还款：未记录。"
                    "经评估，乙方当前的欠款超出其还款能力，且乙方仍有还款意愿，双方据此协商本分期安排。")
    assert "还款能力评估" in rendered(c)


def test_agreement_printed_before_the_visit_has_blanks_for_the_assessment():
    c = content(CARD, record=False)
    _, (text,) = c.section("hardship")
    assert text.startswith("甲方已对乙方的还款能力进行评估。逾期原因：______________；")


def test_an_approved_reduction_is_withdrawn_on_default_in_both_registers():
    _, paragraphs = content(CARD, waiver=WAIVER).section("breach")
    assert ("甲方依本协议给予的减免（利息 500.00 元，合计 500.00 元）以乙方按约还清全部款项为条件；"
            "乙方违约的，甲方有权撤销该减免，已减免的金额恢复由乙方偿还。") in paragraphs
    lump = PlanTerms(PlanKind.LUMP_SUM, date(2026, 11, 20)).to_json()
    _, paragraphs = content(CARD, terms=lump, waiver=WAIVER).section("missed")
    assert paragraphs[-1] == ("本次减免（利息 500.00 元，合计 500.00 元）以您按本安排还清全部款项为条件；"
                              "未按时还清的，本行有权撤销减免，已减免的金额将恢复由您偿还。")
    assert "撤销减免" in rendered(content(CARD, terms=lump, waiver=WAIVER))


def test_without_the_bank_hotline_no_customer_document_is_made():
    with pytest.raises(InputError) as info:
        content(CARD, settings=sample_settings(bank_hotline="  "))
    assert str(info.value).startswith("尚未设置银行客服热线")


def test_contact_channels_are_never_a_dash():
    no_officer_phone = sample_settings(officer_phone="")
    c = content(CARD, settings=no_officer_phone)
    text = rendered(c)
    assert "联系电话95500" in text  # the hotline stands in for the officer's phone
    no_phone = dataclasses.replace(CARD, phone="")
    assert "联系电话—" not in rendered(content(no_phone))
    assert all(value != "—" for _, value in content(no_phone).parties)


def test_handout_cites_the_data_date_without_internal_jargon():
    unprojected = sample_settings(daily_interest_rate=None, late_fee_rate=None)
    c = content(CARD, settings=unprojected, terms={**sample_record(CARD).plan,
                                                    "start": "2026-12-01",
                                                    "first_due": "2026-12-20"})
    assert c.debt_basis == "以上金额为银行截至 2026年11月20日 的数据；此后产生的利息和费用以银行系统记载为准。"
    text = rendered(c)
    assert "未设置费率" not in text and "未推算" not in text
    projected = content(CARD, terms={**sample_record(CARD).plan, "start": "2026-12-01",
                                     "first_due": "2026-12-20"})
    assert projected.debt_basis == (
        "以上金额为估算：根据银行截至 2026年11月20日 的数据，按合同约定的利率和费率推算至 2026年12月1日；"
        "实际金额以银行系统记载为准。")


def test_a_foreign_currency_debt_is_never_called_renminbi():
    usd = dataclasses.replace(CARD, currency="USD")
    c = content(usd)
    text = rendered(c)
    assert "人民币" not in text and "元）" not in text.replace("美元）", "")
    assert "币种：美元" in text and "金额（美元）" in text
    assert "美元壹万肆仟壹佰叁拾伍元整" in text  # 14,135.00 in capitals, headed by the currency
    assert "14,135.00美元" in text


def test_a_passport_holder_is_accepted_and_masked_as_a_passport():
    holder = dataclasses.replace(CARD, id_number="E12345678", id_type="passport")
    text = rendered(content(holder))
    assert "E*****678" in text and "E12345678" not in text


def test_english_agreement_and_notice_keep_their_registers():
    c = content(CARD, lang="en", waiver=WAIVER)
    assert c.title == "Negotiated card instalment agreement"
    assert c.section("fees")[0] == "Clause 3. Interest and charges during the plan"
    assert c.section("fees")[1][1] == (
        "While the customer pays in full and on time under this agreement, the bank charges no "
        "further interest, late charges or annual fees on the debt it covers beyond those listed "
        "in this clause; if the customer defaults, clause 8 applies.")
    text = pdf_text(render_handout(c)[0])
    assert " you " not in text.replace("\n", " ").lower()
    lump = PlanTerms(PlanKind.LUMP_SUM, date(2026, 11, 20)).to_json()
    notice = content(CARD, terms=lump, lang="en")
    assert notice.section("pay")[0] == "4. How to pay"
    assert "the customer" not in pdf_text(render_handout(notice)[0]).replace("\n", " ")
    loan = content(LOAN, lang="en")
    assert loan.title == "Loan repayment plan agreement"
    assert "Penalty interest" in pdf_text(render_handout(loan)[0])  # the debt table's row
    assert "again bears interest and penalty interest under the original contract" in \
        loan.section("breach")[1][1]


def test_clause_numbers_in_chinese():
    assert [cn_number(n) for n in (1, 9, 10, 11, 20, 21)] == ["一", "九", "十", "十一", "二十",
                                                             "二十一"]


def test_money_in_the_agreement_is_exact_to_the_fen():
    c = content(CARD)
    assert c.plan.debt.total == Decimal("14135.00")


# --- internal documents ------------------------------------------------------------------------

def _briefing(accounts, settings, playbook, day=date(2026, 11, 25), lang="zh_CN"):
    from visitdesk.adapters.pdf.briefing import briefing_content, render_briefing

    c = briefing_content(accounts, settings, playbook, day, lang)
    return c, render_briefing(c)


def test_briefing_and_summary_carry_the_confidentiality_mark_on_every_page(playbook):
    from docs_helpers import page_texts

    from visitdesk.adapters.pdf.summary import render_summary, summary_content

    _, pdf = _briefing([CARD], SETTINGS, playbook)
    pages = page_texts(pdf)
    assert len(pages) > 1 and all("内部资料注意保密" in flat(p) for p in pages)
    summary = summary_content(sample_record(CARD), CARD, SETTINGS, playbook)
    pages = page_texts(render_summary(summary)[0])
    assert all("内部资料注意保密" in flat(p) for p in pages)
    _, english = _briefing([CARD], sample_settings(language="en"), playbook, lang="en")
    assert "INTERNAL — CONFIDENTIAL" in pdf_text(english)
    # the customer's documents are not marked
    assert "内部资料" not in rendered(content(CARD))


def test_briefing_flags_figures_older_than_the_setting(playbook):
    old = dataclasses.replace(CARD, as_of=date(2026, 9, 1))
    fresh = dataclasses.replace(CARD, account_no="6222000000005678", as_of=date(2026, 11, 20))
    c, pdf = _briefing([old, fresh], SETTINGS, playbook)
    assert c.accounts[0].stale == (
        "注意：这些金额是银行 2026年9月1日 的数据，距计划上门日已 85 天（超过 30 天），可能已经过时。"
        "上门前请在本行系统中核实最新欠款，以系统记载为准。")
    assert c.accounts[1].stale == ""
    assert flat(c.accounts[0].stale) in flat(pdf_text(pdf))
    c, _ = _briefing([old], sample_settings(stale_figures_days=90), playbook)
    assert c.accounts[0].stale == ""
    unknown = dataclasses.replace(CARD, as_of=None)
    c, _ = _briefing([unknown], SETTINGS, playbook)
    assert c.accounts[0].stale.startswith("注意：导入的表格没有写明数据日期")


def test_briefing_says_an_estimate_is_an_estimate_and_cites_the_data_date(playbook):
    c, pdf = _briefing([CARD], SETTINGS, playbook)
    item = c.accounts[0]
    assert item.debt.projected
    assert item.debt_heading == "2026年11月25日（计划上门日）欠款估算"
    # the overdue period is stated exactly, never rounded up to "about N months"
    assert dict(item.facts)["逾期情况"] == "315 天，处于第 11 个逾期月（M6+）"
    assert item.debt_lines[0] == (
        "以上金额为估算：根据银行截至 2026年11月20日 的数据，按合同约定的利率和费率推算至 2026年11月25日；"
        "实际金额以银行系统记载为准。")
    text = flat(pdf_text(pdf))
    assert flat(item.debt_lines[0]) in text
    c, pdf = _briefing([CARD], sample_settings(daily_interest_rate=None, late_fee_rate=None),
                       playbook)
    assert c.accounts[0].debt_heading == "欠款（银行 2026年11月20日 的数据，未推算）"
    assert "估算" not in flat(pdf_text(pdf)).split("可选还款方案")[0]


def test_briefing_shows_a_loan_as_penalty_interest_and_a_foreign_balance_in_its_currency(
        playbook):
    usd_loan = dataclasses.replace(LOAN, currency="USD")
    c, pdf = _briefing([usd_loan], SETTINGS, playbook)
    text = flat(pdf_text(pdf)).split("可选还款方案")[0]
    assert "罚息" in text and "违约金" not in text
    assert "金额（美元）" in text and "美元" + "壹拾" not in text
    assert c.accounts[0].total_words.startswith("合计 ")
    assert "美元" in c.accounts[0].total_words and "人民币" not in text
