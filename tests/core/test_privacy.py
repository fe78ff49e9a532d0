"""Masking choices and the access log's hash chain."""

from __future__ import annotations

from dataclasses import replace

from visitdesk.core.privacy import masked_json, next_access, valid_fields, verify_access


def test_masked_json_keeps_keys_and_masks_only_the_chosen_fields():
    data = {"name": "张伟", "id_number": "110101199003070012", "phone": "13812345678", "x": 1}
    out = masked_json(data, ("id_number", "phone"))
    assert out == {"name": "张伟", "id_number": "110101********0012", "phone": "138****5678",
                   "x": 1}
    assert masked_json(data, ("phone",))["id_number"] == "110101199003070012"
    assert data["phone"] == "13812345678"  # the input is not changed


def test_unknown_field_names_in_a_setting_are_ignored():
    assert valid_fields(("phone", "name", "bogus")) == ("phone",)


def test_access_chain_detects_a_changed_or_removed_entry():
    entries = []
    prev = None
    for n in range(4):
        prev = next_access(prev, "李明 A1023", f"2026-12-0{n + 1}T10:00:00+08:00",
                           f"62220000{n}", ("id_number", "phone"), "detail")
        entries.append(prev)
    assert verify_access(entries) is None
    changed = entries[:]
    changed[1] = replace(changed[1], account_no="999")
    assert verify_access(changed) == 2
    assert verify_access(entries[:1] + entries[2:]) == 3
