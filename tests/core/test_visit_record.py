"""The visit record's JSON form (docs/visit-record.md) and the helpers that build new records."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

import pytest
from visit_testdata import ROOT, account, complete_record, example_json

from visitdesk.core.errors import InputError, StateError
from visitdesk.core.playbook import load_playbook
from visitdesk.core.visit import (
    Person,
    Signature,
    VisitRecord,
    changed_fields,
    flatten,
    with_answer,
    with_situation,
    with_situation_answer,
    without_situation,
)


def test_documented_example_round_trips():
    record = complete_record("6222000000001234")
    assert VisitRecord.from_json(record.to_json()) == record
    assert record.officer == Person("李明", "A1023")
    assert record.actual_start == datetime.fromisoformat("2026-11-20T10:05:00+08:00")
    assert record.consent_discuss_with_others is True


def test_documented_keys_are_the_keys_of_the_json_form():
    doc = (ROOT / "docs" / "visit-record.md").read_text(encoding="utf-8")
    first_cells = [line.split("|")[1] for line in doc.splitlines() if line.startswith("| `")]
    documented = {k for cell in first_cells for k in re.findall(r"`([a-z_.]+)`", cell)}
    keys = {k.split(".")[0] for k in flatten(complete_record("1").to_json())}
    keys |= {"companion", "plan", "amendment", "signatures"}
    assert keys - {"consent"} <= documented | {"consent"}
    assert {"consent.outside_contact_hours", "consent.discuss_with_others_present"} <= documented


def test_signatures_and_amendment_round_trip():
    record = dataclasses.replace(
        complete_record("1"), state="signed",
        signatures={"officer": Signature("iVBORw0KGgo=", datetime(2026, 11, 20, 11, 0))})
    again = VisitRecord.from_json(record.to_json())
    assert again.signatures == record.signatures and again.state == "signed"


def test_missing_keys_take_defaults_and_officer_can_come_from_settings():
    record = VisitRecord.from_json({}, account_no="1", officer=Person("李明", "A1"))
    assert (record.state, record.version, record.answers, record.plan) == ("draft", 1, {}, None)
    assert record.officer == Person("李明", "A1")


@pytest.mark.parametrize(("data", "key"), [
    ({"actual_start": "yesterday"}, "actual_start"),
    ({"follow_up": {"date": "2026-13-01"}}, "follow_up.date"),
    ({"others_present": "yes"}, "others_present"),
    ({"conduct": {"privacy_kept": "y"}}, "conduct.privacy_kept"),
    ({"answers": {"opening": []}}, "answers.opening"),
    ({"situations": {"dispute": {"opened_by": "robot"}}}, "situations.dispute.opened_by"),
    ({"state": "deleted"}, "state"),
    ({"officer": {"name": 5}}, "officer.name"),
])
def test_malformed_json_names_the_key(data, key):
    with pytest.raises(InputError, match=re.escape(key)):
        VisitRecord.from_json({**data}, account_no="1", officer=Person("李明"))


def test_record_without_officer_is_refused():
    with pytest.raises(InputError, match="officer.name"):
        VisitRecord.from_json({}, account_no="1")


def test_account_in_file_must_match_the_command_line():
    with pytest.raises(InputError, match="6222"):
        VisitRecord.from_json({"account_no": "6222"}, account_no="1", officer=Person("李明"))


def test_situation_helpers():
    record = VisitRecord("1", Person("李明"))
    record = with_situation(record, "upset")
    assert record.situations["upset"].opened_by == "officer"
    record = with_situation_answer(record, "upset", "ended_early", True)
    assert record.situations["upset"].answers == {"ended_early": True}
    record = with_situation_answer(record, "reduction", "escalated_to", "王主管")
    assert set(record.situations) == {"upset", "reduction"}
    assert "upset" not in without_situation(record, "upset").situations


def test_answers_can_be_cleared_and_triggers_do_not_close_situations():
    pb = load_playbook()
    record = with_answer(VisitRecord("1", Person("李明")), "opening", "customer_mood", "upset",
                         pb)
    assert "upset" in record.situations
    record = with_answer(record, "opening", "customer_mood", None, pb)
    assert record.answer("opening", "customer_mood") is None
    assert "upset" in record.situations  # the officer closes it, not the app


def test_finalised_record_cannot_be_changed_by_helpers():
    record = dataclasses.replace(complete_record("1"), state="finalised")
    for change in (lambda r: with_answer(r, "opening", "customer_mood", "calm"),
                   lambda r: with_situation(r, "upset")):
        with pytest.raises(StateError):
            change(record)


def test_changed_fields_lists_leaves_that_differ():
    old = complete_record("1").to_json()
    new = with_answer(complete_record("1"), "opening", "customer_mood", "calm").to_json()
    assert changed_fields(old, new) == [("answers.opening.customer_mood", "worried", "calm")]


def test_example_file_is_synthetic_data_for_an_existing_generator_account():
    assert example_json()["officer"]["name"] == "李明"
    assert account().account_no.isdigit()
