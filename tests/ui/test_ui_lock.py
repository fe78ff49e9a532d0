"""The window locks (idle time, Ctrl+L) hiding every account and visit, and unlocks with the
passphrase; the start-up unlock and protect dialogs."""

from __future__ import annotations

import argparse
from functools import partial

import pytest
import visit_testdata as vt
from privacy_testdata import PASSPHRASE, plain_store
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from visitdesk.adapters import keys
from visitdesk.adapters.crypto_store import encrypt_store, is_plain_file
from visitdesk.adapters.settings_store import save_settings
from visitdesk.adapters.store import STORE_FILE
from visitdesk.core.visit import with_answer
from visitdesk.ui import lock as lock_ui
from visitdesk.ui import visit as visit_ui
from visitdesk.ui.app import create_main_window


@pytest.fixture(autouse=True)
def _no_keys():
    keys.forget()
    yield
    keys.forget()


@pytest.fixture
def desk(qtbot, data_dir):
    store, acc = vt.seeded_store(data_dir)
    store.close()
    save_settings(data_dir, vt.settings())
    encrypt_store(data_dir, PASSPHRASE)
    main = create_main_window(argparse.Namespace(data_dir=str(data_dir), demo=False, lang=None))
    qtbot.addWidget(main)
    main.show()
    controller = lock_ui.LockController(data_dir, idle_minutes=5)
    yield main, acc, controller
    controller.stop()
    if controller.screen is not None:
        controller.screen.close()
    for window in visit_ui.open_windows():
        window.close()
    visit_ui._windows.clear()
    main.ctx.close()


def _visible_texts() -> str:
    texts = []
    for top in QApplication.topLevelWidgets():
        if top.isVisible():
            texts.append(top.windowTitle())
            texts += [w.text() for w in top.findChildren(QLabel) if w.isVisible()]
    return "\n".join(texts)


def test_ctrl_l_saves_the_draft_hides_accounts_and_visit_and_the_passphrase_unlocks(
        qtbot, desk, tmp_path):
    main, acc, controller = desk
    assert main.select_account(acc.account_no)
    main.act_visit.trigger()
    (visit,) = visit_ui.open_windows()
    visit.show()
    stage, field = next((s, f) for s in visit.playbook.stages for f in s.fields
                        if f.type in ("text", "long_text"))
    visit.apply(partial(with_answer, stage_id=stage.id, field_id=field.id, value="锁定前写的"))
    assert visit._dirty
    qtbot.keyClick(main, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: controller.locked, timeout=3000)
    assert not main.isVisible() and not visit.isVisible()
    assert not visit._dirty
    stored = visit.repo.get(visit.record.id)
    assert stored.answers[stage.id][field.id] == "锁定前写的"
    screen = controller.screen
    assert screen is not None and screen.isVisible()
    shown = _visible_texts()
    assert acc.name not in shown and acc.account_no not in shown and acc.id_number not in shown
    screen.grab().save(str(tmp_path / "locked.png"))
    screen.passphrase.setText("not the passphrase")
    assert not screen.try_unlock()
    assert controller.locked and "1" in screen.message.text()
    screen.passphrase.setText(PASSPHRASE)
    assert screen.try_unlock()
    assert not controller.locked and main.isVisible() and visit.isVisible()
    assert not screen.isVisible()


def test_idle_time_locks_the_window(qtbot, desk):
    main, _, controller = desk
    controller.idle_ms = 200
    controller._restart()
    qtbot.waitUntil(lambda: controller.locked, timeout=5000)
    assert not main.isVisible()


def test_lock_after_minutes_is_a_setting_with_a_five_minute_default():
    from visitdesk.core.settings import Settings

    assert Settings().lock_after_minutes == 5


def test_unlock_dialog_counts_wrong_passphrases_and_holds_the_button(qtbot, data_dir):
    plain_store(data_dir, 2)
    encrypt_store(data_dir, PASSPHRASE)
    keys.forget()
    dialog = lock_ui.UnlockDialog(data_dir)
    qtbot.addWidget(dialog)
    for n in range(1, keys.FREE_ATTEMPTS + 1):
        dialog.passphrase.setText("wrong passphrase")
        assert not dialog.try_unlock()
        assert str(n) in dialog.message.text()
    assert not dialog.ok.isEnabled()  # waits before the next attempt
    assert keys.remembered(data_dir) is None


def test_unlock_dialog_opens_the_store(qtbot, data_dir):
    plain_store(data_dir, 2)
    encrypt_store(data_dir, PASSPHRASE)
    keys.forget()
    dialog = lock_ui.UnlockDialog(data_dir)
    qtbot.addWidget(dialog)
    dialog.passphrase.setText(PASSPHRASE)
    assert dialog.try_unlock()
    assert keys.remembered(data_dir) is not None


def test_protect_dialog_encrypts_the_open_store_and_the_window_keeps_working(qtbot, data_dir):
    store, acc = vt.seeded_store(data_dir)
    store.close()
    save_settings(data_dir, vt.settings())
    main = create_main_window(argparse.Namespace(data_dir=str(data_dir), demo=False, lang=None))
    qtbot.addWidget(main)
    try:
        dialog = lock_ui.offer_protection(main, main.ctx, demo=False)
        assert dialog is not None
        dialog.new.setText("12345678")
        dialog.repeat.setText("12345678")
        dialog.start()
        assert dialog.message.text() and dialog.worker is None
        dialog.new.setText(PASSPHRASE)
        dialog.repeat.setText(PASSPHRASE)
        with qtbot.waitSignal(dialog.finished, timeout=30000):
            dialog.start()
        assert dialog.error is None
        assert not is_plain_file(data_dir / STORE_FILE)
        assert main.ctx.store.account(acc.account_no).name == acc.name
        assert lock_ui.offer_protection(main, main.ctx, demo=False) is None
    finally:
        main.ctx.close()


def test_the_demo_store_is_not_offered_protection(qtbot, data_dir):
    plain_store(data_dir, 1)
    main = create_main_window(argparse.Namespace(data_dir=str(data_dir), demo=False, lang=None))
    qtbot.addWidget(main)
    try:
        assert lock_ui.offer_protection(main, main.ctx, demo=True) is None
    finally:
        main.ctx.close()
