"""The accounts table and the account detail mask ID and phone numbers; "show" reveals one
account's identifiers and records who saw them."""

from __future__ import annotations

import argparse

import visit_testdata as vt
from PySide6.QtCore import Qt

from visitdesk.adapters.access_log import access_entries
from visitdesk.adapters.settings_store import save_settings
from visitdesk.core.masking import mask_id_number, mask_phone
from visitdesk.ui.accounts_model import COLUMN_KEYS, AccountsModel
from visitdesk.ui.app import create_main_window


def _cell(model, row, key):
    return model.data(model.index(row, COLUMN_KEYS.index(key)), Qt.ItemDataRole.DisplayRole)


def test_table_masks_id_and_phone_but_search_matches_the_full_values():
    acc = vt.account()
    model = AccountsModel()
    model.set_accounts([acc, vt.account(seed=9)])
    assert _cell(model, 0, "id_number") == mask_id_number(acc.id_number) != acc.id_number
    assert _cell(model, 0, "phone") == mask_phone(acc.phone) != acc.phone
    model.set_search(acc.id_number)
    assert model.rowCount() == 1 and _cell(model, 0, "name") == acc.name
    model.set_search(acc.phone)
    assert model.rowCount() == 1
    model.set_masked(())
    assert _cell(model, 0, "phone") == acc.phone


def _window(qtbot, data_dir, **settings):
    store, acc = vt.seeded_store(data_dir)
    store.close()
    save_settings(data_dir, vt.settings(**settings))
    main = create_main_window(argparse.Namespace(data_dir=str(data_dir), demo=False, lang=None))
    qtbot.addWidget(main)
    return main, acc


def test_detail_shows_masked_identifiers_and_show_reveals_them_with_an_access_entry(
        qtbot, data_dir):
    main, acc = _window(qtbot, data_dir)
    try:
        assert main.select_account(acc.account_no)
        detail = main.detail
        assert detail.values["id_number"].text() == mask_id_number(acc.id_number)
        assert detail.values["phone"].text() == mask_phone(acc.phone)
        assert not detail.reveal_button.isHidden()
        assert access_entries(main.ctx.store) == []
        detail.reveal_button.click()
        assert detail.values["id_number"].text() == acc.id_number
        assert detail.values["phone"].text() == acc.phone
        assert detail.reveal_button.isHidden()
        (entry,) = access_entries(main.ctx.store)
        settings = main.ctx.settings
        assert entry.account_no == acc.account_no and entry.purpose == "detail"
        assert settings.officer_name in entry.who and set(entry.fields) == {"id_number", "phone"}
        assert entry.when
    finally:
        main.ctx.close()


def test_a_bank_may_choose_to_show_phone_numbers_in_the_table(qtbot, data_dir):
    main, acc = _window(qtbot, data_dir, mask_list=("id_number",))
    try:
        assert _cell(main.model, 0, "phone") == acc.phone
        assert _cell(main.model, 0, "id_number") == mask_id_number(acc.id_number)
    finally:
        main.ctx.close()
