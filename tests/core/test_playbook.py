"""The playbook resource and its loader: content checks and messages naming the wrong entry."""

from __future__ import annotations

import copy
import json

import pytest

from visitdesk import i18n
from visitdesk.core.errors import PlaybookError
from visitdesk.core.playbook import (
    FIELD_TYPES,
    default_playbook_path,
    load_playbook,
    parse_playbook,
)


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(default_playbook_path().read_text(encoding="utf-8"))


def _refused(data: dict) -> str:
    with pytest.raises(PlaybookError) as info:
        parse_playbook(data, source="test.json")
    return str(info.value)


def test_bundled_playbook_has_the_seven_stages_in_order():
    pb = load_playbook()
    assert [s.id for s in pb.stages] == [
        "opening", "debt_details", "consequences", "repayment_options", "listening",
        "reaffirm", "closing"]
    assert all(s.talking_points and s.fields for s in pb.stages)


def test_bundled_playbook_has_situations_outcomes_channels_and_conduct():
    pb = load_playbook()
    assert {s.id for s in pb.situations} == {
        "dispute", "cannot_pay", "upset", "reduction", "more_time", "guarantor", "nobody_home",
        "workplace", "third_party_agent", "vulnerable"}
    assert {"promised_to_pay", "instalment_agreement", "settled_in_full", "disputes",
            "cannot_pay_yet", "refused_to_talk", "customer_not_met",
            "wrong_address"} <= {o.id for o in pb.outcomes}
    assert [c.id for c in pb.follow_up_channels] == ["sms", "email", "phone", "letter",
                                                     "revisit"]
    assert [c.id for c in pb.conduct] == [
        "privacy_kept", "no_threats", "honest", "fair", "identity_shown", "no_cash",
        "nothing_left_at_door", "workplace_discreet", "agent_handled", "vulnerable_cared_for",
        "guarantor_scope_kept"]
    assert [c.id for c in pb.conduct if c.situation] == [
        "nothing_left_at_door", "workplace_discreet", "agent_handled", "vulnerable_cared_for",
        "guarantor_scope_kept"]
    for s in pb.situations:
        assert s.guidance and s.fields


def test_bundled_playbook_uses_every_field_type_and_conditions():
    pb = load_playbook()
    fields = [f for s in (*pb.stages, *pb.situations) for f in s.fields]
    assert {f.type for f in fields} == set(FIELD_TYPES)
    assert any(f.condition for f in fields)
    assert all(f.help for f in fields)


def test_texts_have_both_languages_and_switch_with_the_ui_language():
    stage = load_playbook().stage("opening")
    assert stage.title.get("zh_CN") == "开场与身份确认"
    i18n.set_language("en")
    assert str(stage.title) == "Opening and identification"


def test_triggers_open_situations_from_answers():
    pb = load_playbook()
    answers = {"debt_details": {"figures_accepted": "disputes"},
               "listening": {"customer_position": ["asks_reduction", "can_pay_part"]}}
    assert pb.triggered_situations(answers) == ("dispute", "reduction")
    assert pb.triggered_situations({"debt_details": {"figures_accepted": "accepts"}}) == ()


def test_unknown_field_type_is_refused_naming_the_field(raw):
    data = copy.deepcopy(raw)
    data["stages"][1]["fields"][4]["type"] = "slider"
    message = _refused(data)
    assert "stages[1] debt_details → fields[4] figures_accepted" in message
    assert "slider" in message and "test.json" in message


def test_duplicate_field_id_is_refused(raw):
    data = copy.deepcopy(raw)
    data["stages"][0]["fields"][1]["id"] = "showed_work_id"
    message = _refused(data)
    assert "stages[0] opening" in message and "showed_work_id" in message
    assert "重复" in message


def test_duplicate_stage_id_is_refused(raw):
    data = copy.deepcopy(raw)
    data["stages"][2]["id"] = "opening"
    assert "重复" in _refused(data) and "opening" in _refused(data)


def test_condition_on_a_missing_field_is_refused(raw):
    data = copy.deepcopy(raw)
    data["stages"][0]["fields"][8]["condition"]["field"] = "no_such_field"
    message = _refused(data)
    assert "preferred_time → condition" in message and "no_such_field" in message


def test_trigger_naming_a_missing_situation_is_refused(raw):
    data = copy.deepcopy(raw)
    data["triggers"][0]["situation"] = "angry"
    message = _refused(data)
    assert "triggers[0]" in message and "angry" in message


def test_trigger_on_a_missing_field_is_refused(raw):
    data = copy.deepcopy(raw)
    data["triggers"][1]["field"] = "nope"
    assert "debt_details.nope" in _refused(data)


def test_unknown_placeholder_is_refused(raw):
    data = copy.deepcopy(raw)
    point = data["stages"][1]["talking_points"][0]
    point["zh_CN"] += "{salary}"
    point["en"] += "{salary}"
    message = _refused(data)
    assert "talking_points[0]" in message and "{salary}" in message


def test_placeholders_must_match_across_languages(raw):
    data = copy.deepcopy(raw)
    data["stages"][1]["talking_points"][0]["en"] = "The amount owed is on record."
    assert "{total}" in _refused(data)


def test_missing_translation_is_refused(raw):
    data = copy.deepcopy(raw)
    del data["situations"][3]["guidance"][1]["en"]
    message = _refused(data)
    assert "situations[3] reduction → guidance[1]" in message and "en" in message


def test_choice_field_without_options_is_refused(raw):
    data = copy.deepcopy(raw)
    del data["stages"][2]["fields"][0]["options"]
    assert "consequences_explained → options" in _refused(data)


def test_messages_follow_the_language(raw):
    data = copy.deepcopy(raw)
    data["stages"][1]["fields"][4]["type"] = "slider"
    i18n.set_language("en")
    assert "unknown field type \"slider\"" in _refused(data)


def test_talking_point_condition_must_be_a_known_one(raw):
    data = copy.deepcopy(raw)
    data["stages"][1]["talking_points"][0]["when"] = "on_tuesdays"
    message = _refused(data)
    assert "stages[1] debt_details → talking_points[0]" in message
    assert "on_tuesdays" in message and "figures_projected" in message


def test_trigger_on_who_was_met_must_name_a_met_choice(raw):
    data = copy.deepcopy(raw)
    trigger = next(t for t in data["triggers"] if t.get("record") == "met")
    trigger["answer"] = "landlord"
    assert "landlord" in _refused(data)
    trigger["answer"], trigger["record"] = "guarantor", "address_visited"
    assert "address_visited" in _refused(data)


def test_conduct_item_for_a_missing_situation_is_refused(raw):
    data = copy.deepcopy(raw)
    data["conduct"][-1]["situation"] = "on_holiday"
    message = _refused(data)
    assert "conduct[" in message and "on_holiday" in message


def test_situation_talking_point_cannot_quote_a_stage_answer(raw):
    data = copy.deepcopy(raw)
    point = data["situations"][0]["talking_points"][0]
    point["zh_CN"] += "{answer.plan_delivery}"
    point["en"] += "{answer.plan_delivery}"
    assert "{answer.plan_delivery}" in _refused(data)


def test_who_was_met_opens_the_guarantor_and_nobody_home_situations():
    pb = load_playbook()
    assert pb.triggered_situations({}, {"met": "guarantor"}) == ("guarantor",)
    assert pb.triggered_situations({}, {"met": "nobody"}) == ("nobody_home",)
    assert pb.triggered_situations({}, {"met": "agent"}) == ("third_party_agent",)
    assert pb.triggered_situations({}, {"met": "customer"}) == ()
    answers = {"opening": {"visit_place": "workplace", "vulnerability": ["children_present"]}}
    assert pb.triggered_situations(answers) == ("workplace", "vulnerable")


def test_broken_json_names_line_and_column(tmp_path):
    path = tmp_path / "playbook.json"
    path.write_text('{\n  "format": "visitdesk.playbook/1",\n  "stages": [,]\n}', encoding="utf-8")
    with pytest.raises(PlaybookError, match="3"):
        load_playbook(path)


def test_required_flag_must_be_true_or_false(raw):
    data = copy.deepcopy(raw)
    data["stages"][3]["fields"][0]["required"] = "yes"
    message = _refused(data)
    assert "options_offered" in message and "required" in message


def test_outcome_flags_must_be_true_or_false(raw):
    data = copy.deepcopy(raw)
    data["outcomes"][0]["needs_plan"] = 1
    assert "outcomes[0] promised_to_pay" in _refused(data)
