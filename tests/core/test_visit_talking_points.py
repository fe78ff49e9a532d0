"""Talking points filled from the account, officer, settings, debt and plan."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from visit_testdata import account, complete_record, settings

from visitdesk.core.playbook import Text, load_playbook
from visitdesk.core.talking_points import (
    BLANK,
    fill,
    placeholder_values,
    plan_summary,
    situation_guidance,
    stage_points,
)
from visitdesk.core.visit import Person, VisitRecord


def test_opening_names_bank_branch_officer_and_customer():
    acc = account()
    points = stage_points(load_playbook(), "opening", acc, settings(),
                          VisitRecord(acc.account_no, Person("王芳", "B2001")))
    assert points[0].text.startswith("您好，我是示例银行示例支行的工作人员王芳，工号B2001")
    assert acc.name in points[1].text
    assert acc.account_no[-4:] in points[-1].text
    assert all(not p.missing for p in points)


def test_opening_checks_id_asks_who_is_present_and_announces_recording_before_the_purpose():
    acc = account()
    record = VisitRecord(acc.account_no, Person("王芳", "B2001"))
    zh = [p.text for p in stage_points(load_playbook(), "opening", acc, settings(), record)]
    assert zh[1] == (f"请问您是{acc.name}本人吗？为了保护您的个人信息，麻烦您出示一下身份证件，"
                     "我核对一下姓名和证件号码，核对完马上还给您。")
    assert zh[2] == ("请问现在还有其他人在吗？我要谈的是您个人的事情，我们可以找个只有我们两个人的"
                     "地方说；如果您希望家人在场，也由您决定。")
    assert zh[3] == "按照银行的规定，今天的谈话会全程录音录像，录像只用于记录这次沟通，请您知悉。"
    purpose = next(i for i, t in enumerate(zh) if "还款情况" in t)
    assert purpose == len(zh) - 1  # the debt is mentioned only after all of the above
    en = [p.text for p in stage_points(load_playbook(), "opening", acc, settings(), record,
                                       lang="en")]
    assert en[1].endswith("could you show me an identity document? I will check the name and "
                          "number and give it straight back.")
    assert en[2].startswith("Is anyone else here at the moment?")
    assert en[3] == ("Under the bank's rules, our conversation today is recorded on audio and "
                     "video; the recording is kept only as a record of this conversation.")


def test_unprojected_figures_cite_the_data_date_in_words_and_skip_zero_items():
    acc = account()  # other fees are zero; no rates configured
    record = complete_record(acc.account_no)
    points = stage_points(load_playbook(), "debt_details", acc, settings(), record)
    assert points[0].text == ("根据我行截至2026年11月1日的数据，您这笔欠款共计110,986.89元，"
                              "到那天已经逾期5天，也就是不到一个月。")
    assert points[1].text == "其中本金110,660.24元、利息276.65元、违约金50元。"
    assert "2026年11月20日" not in " ".join(p.text for p in points)  # not the visit date
    en = stage_points(load_playbook(), "debt_details", acc, settings(), record, lang="en")
    assert en[0].text == ("According to the bank's data as of 1 November 2026, the amount owed "
                          "is 110,986.89 yuan; by that date it had been overdue for 5 days, "
                          "that is less than a month.")
    assert en[1].text == ("It is made up of 110,660.24 yuan of principal, 276.65 yuan of "
                          "interest and 50 yuan of late charges.")
    assert not any("other charges" in p.text for p in en)


def test_projected_figures_are_an_estimate_from_the_data_date_and_the_bank_is_authoritative():
    acc = account()
    record = complete_record(acc.account_no)
    rates = settings(daily_interest_rate=Decimal("0.0005"))
    zh = stage_points(load_playbook(), "debt_details", acc, rates, record)[0].text
    assert zh == ("根据我行截至2026年11月1日的数据，按合同约定的利率和费率估算，到今天"
                  "（2026年11月20日）您这笔欠款大约是112,038.16元，已经逾期24天，也就是"
                  "不到一个月。这是估算的金额，准确数字以我行系统的记录为准。")
    en = stage_points(load_playbook(), "debt_details", acc, rates, record, lang="en")[0].text
    assert en == ("Based on the bank's data as of 1 November 2026 and the rates in your "
                  "contract, the amount owed today (20 November 2026) is estimated at "
                  "112,038.16 yuan; it has been overdue for 24 days, that is less than a month. "
                  "This is an estimate: the bank's system holds the exact figure.")
    values = placeholder_values(acc, rates, record)
    assert values["as_of"] == "2026年11月1日"  # the data date, never the visit date


def test_stale_figures_are_flagged_after_the_setting_allows():
    acc = account()  # data of 2026-11-01; the visit is on 2026-11-20 (19 days later)
    record = complete_record(acc.account_no)
    def stale(**changes):
        return [p.text for p in stage_points(load_playbook(), "debt_details", acc,
                                             settings(**changes), record)
                if "距今已有" in p.text]
    assert stale() == []  # default 30 days
    assert stale(stale_figures_days=19) == []
    assert stale(stale_figures_days=18) == [
        "需要说明的是，这些数据截至2026年11月1日，距今已有19天，这期间的还款或费用变化可能还没有"
        "反映出来，请以我行系统的最新记录为准；有出入的地方，我回去核实后再答复您。"]
    en = stage_points(load_playbook(), "debt_details", acc, settings(stale_figures_days=7),
                      record, lang="en")
    assert en[1].text == (
        "I should say that these figures are from 1 November 2026, 19 days ago; payments or "
        "charges since then may not be shown yet, so the bank's system's latest record is what "
        "counts. Where anything differs, I will check and come back to you.")


def test_overdue_period_is_rounded_down_in_speech():
    acc = dataclasses.replace(account(), overdue_days=95)
    record = complete_record(acc.account_no)
    text = stage_points(load_playbook(), "debt_details", acc, settings(), record)[0].text
    assert "已经逾期95天，也就是三个多月。" in text and "四个月" not in text
    en = stage_points(load_playbook(), "debt_details", acc, settings(), record, lang="en")
    assert "overdue for 95 days, that is more than 3 months." in en[0].text
    assert placeholder_values(acc, settings(), record)["overdue_months"] == "3"


def test_loans_say_penalty_interest_and_the_charges_keep_accruing():
    acc = dataclasses.replace(account(), product_type="loan")
    record = complete_record(acc.account_no)
    points = [p.text for p in stage_points(load_playbook(), "debt_details", acc, settings(),
                                           record)]
    assert points[1] == "其中本金110,660.24元、利息276.65元、罚息50元。"
    assert points[3] == ("在全部还清之前，利息和罚息会按合同继续计算，所以实际还款那天的金额会比"
                         "今天说的多一些，具体以还款当天我行系统的金额为准。")


def test_talking_points_never_accept_cash_or_a_transfer_to_a_person():
    acc = account()
    record = complete_record(acc.account_no)
    zh = stage_points(load_playbook(), "repayment_options", acc, settings(), record)[-1].text
    assert zh == ("还款请只通过我行的官方渠道办理，比如还到您自己名下的这个账户。我不会收取现金，"
                  "也不会让您转账到任何个人账户；谁这样要求，都请您拒绝，并拨打我行客服热线95500"
                  "核实。")


def test_plan_placeholders_come_from_the_records_plan():
    acc = account()
    record = complete_record(acc.account_no)
    text = stage_points(load_playbook(), "repayment_options", acc, settings(), record)[1].text
    assert text == ("如果一次还清有困难，可以申请分期：例如分12期，每期约9,248.91元，"
                    "合计110,986.89元，第一期还款日是2026年12月20日。")


def test_unknown_values_leave_a_visible_blank_and_are_reported():
    acc = account()
    points = stage_points(load_playbook(), "repayment_options", acc, settings(),
                          VisitRecord(acc.account_no, Person("李明")))
    assert BLANK in points[1].text
    assert set(points[1].missing) == {"months", "monthly", "plan_total", "first_due"}


def test_english_talking_points_and_follow_up_channel_label():
    acc = account()
    record = complete_record(acc.account_no)
    closing = stage_points(load_playbook(), "closing", acc, settings(), record, lang="en")
    delivery = record.answers["closing"]["plan_delivery"]
    label = next(o.label.en for o in load_playbook().stage("closing").field("plan_delivery").options
                 if o.id == delivery)
    assert closing[1].text == (f"How the written plan reaches you: {label}. If we need your "
                               "reply, please give it by 27 November 2026.")
    assert not closing[1].missing


def test_answer_placeholder_must_name_a_field_of_its_stage():
    import json

    import pytest

    from visitdesk.core.errors import PlaybookError
    from visitdesk.core.playbook import parse_playbook
    from visitdesk.paths import resource

    data = json.loads(resource("playbook", "playbook.json").read_text(encoding="utf-8"))
    point = data["stages"][0]["talking_points"][0]
    point["zh_CN"] += "{answer.no_such_field}"
    point["en"] += "{answer.no_such_field}"
    with pytest.raises(PlaybookError, match="answer.no_such_field"):
        parse_playbook(data)


def test_situation_guidance_ends_with_what_to_say():
    acc = account()
    texts = [p.text for p in situation_guidance(load_playbook(), "third_party_agent", acc,
                                                settings())]
    assert texts[-2] == ("可以这样说：您可以直接和我行协商还款，不需要通过任何中介，也不收任何费用。"
                         "有的机构收取高额“代理费”，甚至借机诈骗，请您一定当心。")
    en = situation_guidance(load_playbook(), "nobody_home", acc, settings(), lang="en")
    assert en[1].text == ("Leave nothing on the door, under it or in the letter box that shows "
                          "a debt or a collection: no notices, and no note that mentions "
                          "collection, a debt or an amount.")


def test_situation_guidance_fills_the_hotline():
    acc = account()
    text = " ".join(p.text for p in situation_guidance(load_playbook(), "dispute", acc,
                                                       settings()))
    assert "95500" in text


def test_fill_plain_string():
    assert fill(Text("共{total}", "total {total}"), {"total": "¥1.00"}, "en").text == \
        "total ¥1.00"


def test_plan_summary_of_agreed_and_absent_plans():
    acc = account()
    record = complete_record(acc.account_no)
    assert "已约定" in plan_summary(record, acc, settings())
    assert plan_summary(dataclasses.replace(record, plan=None), acc, settings()) == ""
