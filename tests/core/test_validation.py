"""One test per rule checked before a visit record can be finalised."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time

import pytest
from visit_testdata import account, complete_record, settings

from visitdesk import i18n
from visitdesk.core.errors import InputError
from visitdesk.core.lexicon import load_lexicon
from visitdesk.core.playbook import load_playbook
from visitdesk.core.validation import validate
from visitdesk.core.visit import RaisedSituation, with_acknowledgement, with_answer, with_situation


@pytest.fixture(scope="module")
def pb():
    return load_playbook()


@pytest.fixture(scope="module")
def lex():
    return load_lexicon()


@pytest.fixture
def acc():
    return account()


@pytest.fixture
def good(acc):
    return complete_record(acc.account_no)


def check(record, pb, acc, lex, **setting_changes):
    return validate(record, pb, settings(**setting_changes), acc, lex)


def locations(report, severity="error"):
    return {i.location for i in report.issues if i.severity == severity}


def test_complete_record_can_be_finalised(good, pb, acc, lex):
    report = check(good, pb, acc, lex)
    assert report.issues == () and report.can_finalise


def test_required_stage_field_missing_is_an_error_at_that_field(good, pb, acc, lex):
    record = with_answer(good, "debt_details", "figures_accepted", None)
    report = check(record, pb, acc, lex)
    assert "stages.debt_details.figures_accepted" in locations(report)
    assert not report.can_finalise
    issue = report.at("stages.debt_details")[0]
    assert "客户对金额的态度" in issue.message() and "明确欠款详情" in issue.message()


def test_conditional_field_is_required_only_when_its_condition_holds(good, pb, acc, lex):
    assert "stages.debt_details.questions_raised" not in locations(check(good, pb, acc, lex))
    record = with_answer(good, "debt_details", "figures_accepted", "questions")
    assert "stages.debt_details.questions_raised" in locations(check(record, pb, acc, lex))
    record = with_answer(record, "debt_details", "questions_raised", "利息怎么算的？")
    assert check(record, pb, acc, lex).can_finalise


def test_condition_on_multiple_choice_field_holds_when_option_ticked(good, pb, acc, lex):
    record = with_answer(good, "repayment_options", "options_offered", ["lump_sum", "other"])
    assert "stages.repayment_options.other_option" in locations(check(record, pb, acc, lex))


def test_answer_of_the_wrong_type_is_an_error(good, pb, acc, lex):
    record = with_answer(good, "listening", "monthly_income", "about 5000")
    record = with_answer(record, "opening", "customer_mood", "furious")
    errors = locations(check(record, pb, acc, lex))
    assert {"stages.listening.monthly_income", "stages.opening.customer_mood"} <= errors


def test_stage_fields_are_not_required_when_no_conversation_took_place(acc, pb, lex):
    record = complete_record(acc.account_no, answers={}, situations={}, plan=None,
                             plan_agreed=False, outcome="customer_not_met", met="nobody",
                             others_present=None, identity_method=None)
    report = check(record, pb, acc, lex)
    # nobody home: its own guidance is checked, and nothing was left at the door
    assert locations(report) == {"situations.nobody_home.left_at_door",
                                 "situations.nobody_home.neighbours_asked",
                                 "conduct.nothing_left_at_door"}
    record = dataclasses.replace(
        record, conduct={**record.conduct, "nothing_left_at_door": True},
        situations={"nobody_home": RaisedSituation("trigger", {"left_at_door": "neutral_card",
                                                               "neighbours_asked": False})})
    assert check(record, pb, acc, lex).can_finalise


def test_required_fields_of_a_raised_situation(good, pb, acc, lex):
    record = with_situation(good, "upset")
    errors = locations(check(record, pb, acc, lex))
    assert {"situations.upset.how_handled", "situations.upset.ended_early"} <= errors
    assert "situations.upset.reschedule_date" not in errors


def test_situation_opened_by_a_trigger_is_checked_even_if_not_recorded(good, pb, acc, lex):
    record = dataclasses.replace(
        good, answers={**good.answers, "opening": {**good.answers["opening"],
                                                   "customer_mood": "upset"}})
    assert "upset" not in record.situations
    assert "situations.upset.how_handled" in locations(check(record, pb, acc, lex))


def test_with_answer_opens_the_triggered_situation(good, pb):
    record = with_answer(good, "listening", "customer_position", ["asks_reduction"], pb)
    assert record.situations["reduction"] == RaisedSituation("trigger", {})


def test_visit_starting_before_contact_hours_needs_consent(good, pb, acc, lex):
    record = dataclasses.replace(good, actual_start=datetime(2026, 11, 20, 7, 30),
                                 actual_end=datetime(2026, 11, 20, 8, 30))
    report = check(record, pb, acc, lex)
    assert "consent.outside_contact_hours" in locations(report)
    assert "08:00–22:00" in report.at("consent")[0].message()
    record = dataclasses.replace(record, consent_outside_hours=True)
    assert check(record, pb, acc, lex).can_finalise


def test_visit_running_past_contact_hours_needs_consent(good, pb, acc, lex):
    record = dataclasses.replace(good, actual_start=datetime(2026, 11, 20, 21, 30),
                                 actual_end=datetime(2026, 11, 20, 22, 15))
    assert "consent.outside_contact_hours" in locations(check(record, pb, acc, lex))


def test_contact_hours_come_from_the_settings(good, pb, acc, lex):
    record = dataclasses.replace(good, actual_start=datetime(2026, 11, 20, 8, 30),
                                 actual_end=datetime(2026, 11, 20, 9, 0))
    assert check(record, pb, acc, lex).can_finalise
    report = check(record, pb, acc, lex, contact_start=time(9, 0))
    assert "consent.outside_contact_hours" in locations(report)


def test_actual_times_are_required_and_ordered(good, pb, acc, lex):
    record = dataclasses.replace(good, actual_start=None)
    assert "actual_start" in locations(check(record, pb, acc, lex))
    record = dataclasses.replace(good, actual_end=datetime(2026, 11, 20, 9, 0))
    assert "actual_end" in locations(check(record, pb, acc, lex))


def test_debt_discussed_in_front_of_others_needs_consent(good, pb, acc, lex):
    record = dataclasses.replace(good, consent_discuss_with_others=False)
    report = check(record, pb, acc, lex)
    assert "consent.discuss_with_others_present" in locations(report)
    assert "私密" in report.at("consent")[0].message()


def test_others_present_without_discussing_the_debt_needs_no_consent(good, pb, acc, lex):
    record = dataclasses.replace(good, consent_discuss_with_others=False,
                                 debt_discussed_with_others_present=False)
    assert check(record, pb, acc, lex).can_finalise


def test_others_present_must_say_who_and_whether_the_debt_was_discussed(good, pb, acc, lex):
    record = dataclasses.replace(good, others_who="", debt_discussed_with_others_present=None)
    assert {"others_who", "debt_discussed_with_others_present"} <= locations(
        check(record, pb, acc, lex))


def test_disputed_debt_cannot_carry_an_agreed_plan_until_verified(good, pb, acc, lex):
    record = with_answer(good, "debt_details", "figures_accepted", "disputes", pb)
    record = dataclasses.replace(record, situations={**record.situations, "dispute":
        RaisedSituation("trigger", {"disputed_part": "interest_fees",
                                    "customer_account": "利息比合同高。",
                                    "evidence_shown": True, "referred_to_service": True})})
    report = check(record, pb, acc, lex)
    assert locations(report) == {"dispute_verified"}
    record = dataclasses.replace(record, dispute_verified=True)
    report = check(record, pb, acc, lex)
    # "verified" alone is not enough: the bank's reference and who checked it are needed
    assert locations(report) == {"dispute_reference", "dispute_verified_by", "dispute_verified"}
    assert report.at("dispute_reference")[0].message() == "已勾选“异议已核实”，但没有填写核查编号"
    assert report.at("dispute_verified_by")[0].message("en") == (
        "\"Dispute verified\" is ticked but who verified it is missing")
    record = dataclasses.replace(record, dispute_reference="HC20261121-0042")
    assert locations(check(record, pb, acc, lex)) == {"dispute_verified_by", "dispute_verified"}
    record = dataclasses.replace(record, dispute_verified_by="信用卡中心客服部 周敏")
    assert check(record, pb, acc, lex).can_finalise


def test_unverified_dispute_message_names_what_verification_needs(good, pb, acc, lex):
    record = dataclasses.replace(good, outcome="disputes", plan_agreed=True)
    issue = check(record, pb, acc, lex).at("dispute_verified")[0]
    assert issue.message() == ("客户对欠款有异议：在异议经核实（有核查编号和核查人）之前，"
                               "不能约定还款方案")
    assert "verification reference" in issue.message("en")


@pytest.mark.parametrize("start, end", [
    (datetime(2026, 11, 20, 22, 0), datetime(2026, 11, 20, 22, 30)),   # starts exactly at 22:00
    (datetime(2026, 11, 20, 21, 40), datetime(2026, 11, 20, 22, 1)),   # ends after 22:00
    (datetime(2026, 11, 20, 21, 0), datetime(2026, 11, 21, 9, 0)),     # overnight
    (datetime(2026, 11, 20, 7, 59), datetime(2026, 11, 20, 8, 40)),    # starts at 07:59
], ids=["starts_at_22", "ends_after_22", "overnight", "starts_at_0759"])
def test_contact_hours_edges_need_consent(good, pb, acc, lex, start, end):
    record = dataclasses.replace(good, actual_start=start, actual_end=end)
    report = check(record, pb, acc, lex)
    assert locations(report) == {"consent.outside_contact_hours"}
    visit = f"{start:%H:%M}–{end:%H:%M}"
    assert report.errors[0].message() == (
        f"上门时间 {visit} 不在允许的联系时段 08:00–22:00 内，须记录客户同意")
    assert report.errors[0].message("en") == (
        f"The visit ({visit}) was outside the allowed contact hours 08:00–22:00; "
        "the customer's consent must be recorded")
    assert check(dataclasses.replace(record, consent_outside_hours=True), pb, acc,
                 lex).can_finalise


def test_visit_from_0800_to_exactly_2200_needs_no_consent(good, pb, acc, lex):
    record = dataclasses.replace(good, actual_start=datetime(2026, 11, 20, 8, 0),
                                 actual_end=datetime(2026, 11, 20, 22, 0))
    assert check(record, pb, acc, lex).can_finalise


def _met(good, met, **changes):
    return dataclasses.replace(good, met=met, met_name="客户的母亲", others_present=False,
                               **changes)


def test_debt_discussed_with_a_family_member_is_an_error_not_a_warning(good, pb, acc, lex):
    record = _met(good, "family_member", debt_discussed=True)
    report = check(record, pb, acc, lex)
    issue = next(i for i in report.errors if i.code == "disclosure")
    assert issue.location == "debt_discussed" and issue.severity == "error"
    assert issue.message() == (
        "与家庭成员谈及了欠款，而其不是经核实的客户本人或担保人：这属于向第三人披露欠款，"
        "本记录不能定稿。请保留记录原样，并立即报告主管")
    assert issue.message("en").startswith("The debt was discussed with the person met (")
    assert issue.message("en").endswith(
        "), who is not the confirmed customer or guarantor: this discloses the debt to a third "
        "party and the record cannot be finalised. Keep the record as it is and report it to "
        "your supervisor at once")
    assert not report.can_finalise


def test_who_was_met_and_whether_the_debt_was_discussed_are_separate(good, pb, acc, lex):
    record = _met(good, "other", debt_discussed=None, outcome="customer_not_met",
                  answers={}, situations={}, plan=None, plan_agreed=False)
    assert locations(check(record, pb, acc, lex)) == {"debt_discussed"}
    record = dataclasses.replace(record, debt_discussed=False)
    assert check(record, pb, acc, lex).can_finalise


def test_conversation_outcome_without_the_confirmed_customer_cannot_be_finalised(
        good, pb, acc, lex):
    record = _met(good, "family_member", debt_discussed=False)
    report = check(record, pb, acc, lex)
    assert "outcome" in {i.location for i in report.errors if i.code == "outcome_needs_customer"}


def test_nobody_met_cannot_have_a_conversation_outcome(good, pb, acc, lex):
    record = _met(good, "nobody", debt_discussed=False, identity_method=None)
    report = check(record, pb, acc, lex)
    errors = [i for i in report.errors if i.code == "outcome_nobody_met"]
    assert [i.location for i in errors] == ["outcome"]
    assert errors[0].message() == "没有见到任何人：上门结果不能是与客户商谈欠款的结果，请改选“未见到客户”等"
    nobody_home = dataclasses.replace(record, outcome="customer_not_met")
    assert "outcome_nobody_met" not in {i.code for i in check(nobody_home, pb, acc, lex).issues}


def test_customer_whose_identity_was_not_confirmed_is_not_the_confirmed_customer(
        good, pb, acc, lex):
    record = dataclasses.replace(good, identity_method="not_confirmed", debt_discussed=True)
    assert "disclosure" in {i.code for i in check(record, pb, acc, lex).errors}


def test_debt_may_be_discussed_with_a_confirmed_guarantor(good, pb, acc, lex):
    record = _met(good, "guarantor", debt_discussed=True, identity_method=None)
    record = dataclasses.replace(
        record, conduct={**record.conduct, "guarantor_scope_kept": True},
        situations={**record.situations, "guarantor": RaisedSituation("trigger", {
            "guarantee_checked": True, "scope_explained": True,
            "guarantor_response": "will_contact_customer"})})
    assert locations(check(record, pb, acc, lex)) == {"identity_method"}
    record = dataclasses.replace(record, identity_method="id_card")
    assert check(record, pb, acc, lex).can_finalise


def test_guarantor_met_raises_its_situation_and_conduct_item(good, pb, acc, lex):
    record = _met(good, "guarantor", debt_discussed=True)
    report = check(record, pb, acc, lex)
    assert {"situations.guarantor.guarantee_checked", "conduct.guarantor_scope_kept"} <= \
        locations(report)


def test_conversation_needs_recording_told_and_its_reference(good, pb, acc, lex):
    record = dataclasses.replace(good, recording_told=None)
    report = check(record, pb, acc, lex)
    assert locations(report) == {"recording_told"}
    assert report.errors[0].message() == "请记录是否已告知对方谈话正在录音录像"
    record = dataclasses.replace(good, recording_reference=" ")
    report = check(record, pb, acc, lex)
    assert locations(report) == {"recording_reference"}
    assert report.errors[0].message("en") == (
        "Give the recording's number or file name so that it can be found later")


def test_conversation_not_announced_as_recorded_is_a_warning_needing_a_reason(
        good, pb, acc, lex):
    record = dataclasses.replace(good, recording_told=False, recording_reference="")
    report = check(record, pb, acc, lex)
    assert not report.errors and [w.code for w in report.unacknowledged] == [
        "recording_not_told"]
    record = with_acknowledgement(record, report.warnings[0].key, "李明", "记录仪故障，已报修")
    assert check(record, pb, acc, lex).can_finalise


def test_disputed_debt_without_agreed_plan_is_fine(good, pb, acc, lex):
    record = dataclasses.replace(good, plan_agreed=False, outcome="disputes")
    assert check(record, pb, acc, lex).can_finalise


def test_plan_beyond_the_instalment_cap_cannot_be_agreed(good, pb, acc, lex):
    record = dataclasses.replace(good, plan={**good.plan, "months": 72})
    report = check(record, pb, acc, lex)
    assert "plan" in locations(report)
    assert "plan_invalid" in report.codes()
    # a drafted (not agreed) plan beyond the cap is only a warning
    drafted = dataclasses.replace(record, plan_agreed=False, outcome="promised_to_pay")
    assert locations(check(drafted, pb, acc, lex)) == set()
    assert "plan" in locations(check(drafted, pb, acc, lex), "warning")


def test_cap_is_the_setting(good, pb, acc, lex):
    assert "plan" in locations(check(good, pb, acc, lex, instalment_cap=6))


def test_plan_with_waiver_lacking_approval_cannot_be_agreed(good, pb, acc, lex):
    waiver = {"interest": "50.00", "fees": "0.00", "principal": "0.00", "approver": "",
              "approval_ref": "", "approved_on": None, "reason": ""}
    record = dataclasses.replace(good, plan={**good.plan, "waiver": waiver})
    report = check(record, pb, acc, lex)
    assert "plan_not_agreeable" in report.codes()
    approved = {**waiver, "approver": "王主管", "approval_ref": "JM-2026-001",
                "approved_on": "2026-11-19", "reason": "客户失业"}
    record = dataclasses.replace(good, plan={**good.plan, "waiver": approved})
    assert check(record, pb, acc, lex).can_finalise


def test_outcome_instalment_agreement_needs_an_agreed_plan(good, pb, acc, lex):
    record = dataclasses.replace(good, plan_agreed=False)
    assert "plan_agreed" in locations(check(record, pb, acc, lex))


def test_every_conduct_item_must_be_confirmed(good, pb, acc, lex):
    record = dataclasses.replace(good, conduct={**good.conduct, "no_threats": False})
    report = check(record, pb, acc, lex)
    assert locations(report) == {"conduct.no_threats"}
    assert "没有威胁或恐吓" in report.errors[0].message()
    record = dataclasses.replace(good, conduct={})
    # every item for every visit; those for situations only when the situation arose
    assert len(check(record, pb, acc, lex).errors) == 6


def test_outcome_and_follow_up_are_required(good, pb, acc, lex):
    record = dataclasses.replace(good, outcome=None, follow_up=dataclasses.replace(
        good.follow_up, date=None, channel=None))
    assert {"outcome", "follow_up.date", "follow_up.channel"} <= locations(
        check(record, pb, acc, lex))


def test_settled_in_full_needs_no_follow_up(good, pb, acc, lex):
    record = dataclasses.replace(good, outcome="settled_in_full", plan=None, plan_agreed=False,
                                 follow_up=dataclasses.replace(good.follow_up, date=None,
                                                               channel=None))
    assert check(record, pb, acc, lex).can_finalise


def test_lexicon_hit_is_a_warning_with_phrase_and_place(good, pb, acc, lex):
    record = with_answer(good, "listening", "customer_proposal",
                         "我跟他说再不还就上征信黑名单，还会通知你单位。")
    report = check(record, pb, acc, lex)
    assert not report.errors
    hits = {(i.params["phrase"], i.location) for i in report.warnings}
    assert hits == {("上征信黑名单", "stages.listening.customer_proposal"),
                    ("通知你单位", "stages.listening.customer_proposal")}
    message = report.warnings[0].message()
    assert "倾听与协商" in message and "上征信黑名单" in message
    assert [w.params["category_id"] for w in report.warnings if w.params.get(
        "needs_supervisor")] == ["disclosure"]
    assert not report.can_finalise


def test_acknowledged_lexicon_warnings_no_longer_block(good, pb, acc, lex):
    record = with_answer(good, "listening", "customer_proposal", "他当场喊：“你们是不是要抓我去坐牢？”")
    report = check(record, pb, acc, lex)
    for w in report.warnings:
        record = with_acknowledgement(record, w.key, "李明（A1023）", "客户自己的话，照录")
    report = check(record, pb, acc, lex)
    assert report.warnings and all(w.acknowledged for w in report.warnings)
    assert report.warnings[0].to_json()["reason"] == "客户自己的话，照录"
    assert report.warnings[0].to_json()["acknowledged_by"] == "李明（A1023）"
    assert report.can_finalise


def test_a_warning_listed_as_acknowledged_without_who_and_why_still_blocks(good, pb, acc, lex):
    record = with_answer(good, "listening", "customer_proposal", "他当场喊：“你们是不是要抓我去坐牢？”")
    keys = tuple(w.key for w in check(record, pb, acc, lex).warnings)
    record = dataclasses.replace(record, warnings_acknowledged=keys)
    report = check(record, pb, acc, lex)
    assert report.unacknowledged and not report.can_finalise
    with pytest.raises(InputError, match="理由"):
        with_acknowledgement(record, keys[0], "李明", "  ")


def test_lexicon_screens_situation_answers_and_notes_in_english_too(good, pb, acc, lex):
    record = dataclasses.replace(good, notes="Officer said he would tell your employer.")
    record = dataclasses.replace(record, situations={**record.situations, "more_time":
        RaisedSituation("trigger", {**record.situations["more_time"].answers,
                                    "reason": "说我是老赖"})})
    report = check(record, pb, acc, lex)
    assert {(i.location, i.params["phrase"]) for i in report.warnings} == {
        ("notes", "tell your employer"), ("situations.more_time.reason", "老赖")}


def test_report_json_and_language(good, pb, acc, lex):
    record = dataclasses.replace(good, conduct={**good.conduct, "fair": False})
    i18n.set_language("en")
    data = check(record, pb, acc, lex).to_json()
    assert data["can_finalise"] is False
    assert data["errors"][0]["location"] == "conduct.fair"
    assert data["errors"][0]["code"] == "conduct"
    assert "treated fairly" in data["errors"][0]["message"]


def test_stage_statuses_for_the_navigator(good, pb, acc, lex):
    from visitdesk.core.validation import stage_statuses

    record = with_answer(good, "debt_details", "figures_accepted", None)
    record = with_answer(record, "listening", "customer_proposal", "不还就坐牢")
    record = dataclasses.replace(record, answers={k: v for k, v in record.answers.items()
                                                  if k != "reaffirm"})
    statuses = stage_statuses(record, pb, check(record, pb, acc, lex))
    assert statuses["opening"] == "complete"
    assert statuses["debt_details"] == "in_progress"
    assert statuses["listening"] == "has_problems"
    assert statuses["reaffirm"] == "not_started"
    assert statuses["more_time"] == "complete"


@pytest.mark.parametrize("changes, code, zh, en", [
    (dict(recording_told=False, recording_reference=""), "recording_not_told",
     "未告知对方谈话正在录音录像（或本次未录音录像）：请说明原因",
     "The person was not told that the conversation is recorded (or it was not recorded): "
     "give the reason"),
    (dict(met="family_member", others_present=False, debt_discussed=None,
          outcome="customer_not_met", plan=None, plan_agreed=False, answers={}, situations={}),
     "debt_discussed_with_met_missing",
     "见到的是家庭成员，不是经核实的客户本人或担保人：请如实记录是否与其谈及了欠款",
     "The person met (A family member) is not the confirmed customer or guarantor: record "
     "whether the "
     "debt was discussed with them"),
    (dict(met="other", others_present=False, debt_discussed=False), "outcome_needs_customer",
     "见到的是其他人，不是经核实的客户本人或担保人，且没有谈及欠款：上门结果不能是与客户商谈欠款的"
     "结果，请改选“未见到客户”等",
     "The person met (Someone else) is not the confirmed customer or guarantor and the debt was "
     "not "
     "discussed: the outcome cannot be one of a conversation about the debt; choose, for "
     "example, \"Customer not met\""),
])
def test_disclosure_and_recording_messages_word_for_word(good, pb, acc, lex, changes, code, zh,
                                                         en):
    record = dataclasses.replace(good, **changes)
    issue = next(i for i in check(record, pb, acc, lex).issues if i.code == code)
    assert (issue.message(), issue.message("en")) == (zh, en)
