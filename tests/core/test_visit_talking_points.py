"""Talking points filled from the account, officer, settings, debt and plan."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from visit_testdata import account, complete_record, settings

from visitdesk.core.money import format_yuan
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
    assert acc.account_no[-4:] in points[2].text
    assert all(not p.missing for p in points)


def test_debt_details_state_the_figures_and_their_date():
    acc = account()
    record = complete_record(acc.account_no)
    text = stage_points(load_playbook(), "debt_details", acc, settings(), record)[0].text
    assert format_yuan(acc.total) in text
    assert "2026-11-01" in text  # as of the spreadsheet: not projected without rates
    assert f"逾期{acc.overdue_days}天" in text  # days on that same date, not the visit date


def test_figures_are_projected_to_the_visit_date_when_rates_are_configured():
    acc = account()
    record = complete_record(acc.account_no)
    values = placeholder_values(acc, settings(daily_interest_rate=Decimal("0.0005")), record)
    assert values["as_of"] == "2026-11-20"
    assert values["total"] != format_yuan(acc.total)


def test_plan_placeholders_come_from_the_records_plan():
    acc = account()
    record = complete_record(acc.account_no)
    text = stage_points(load_playbook(), "repayment_options", acc, settings(), record)[1].text
    assert "分12期" in text and "2026-12-20" in text and BLANK not in text


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
    assert f"reaches you: {label}." in closing[1].text
    reply_by = record.answers["closing"].get("reply_by")
    assert (reply_by or "____") in closing[1].text
    assert closing[1].missing == (() if reply_by else ("answer.reply_by",))


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
