"""The settings dialog: first-run page, generated editors, checks before saving."""

from __future__ import annotations

import dataclasses
from datetime import time
from decimal import Decimal

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit, QSpinBox, QTimeEdit

from visitdesk.adapters.settings_store import load_settings
from visitdesk.core.settings import Settings
from visitdesk.ui.settings_page import FIRST_RUN_FIELDS, SettingsDialog


def _fill_identity(dialog: SettingsDialog) -> None:
    e = dialog.form.editors
    e["bank_name"].setText("示例银行")
    e["branch"].setText("示例银行朝阳支行")
    e["officer_name"].setText("李明")
    e["staff_no"].setText("D001")
    e["officer_phone"].setText("010-00000000")
    e["bank_hotline"].setText("400-000-0000")
    e["payment_channels"].setPlainText("手机银行\n\n  网点柜台  ")
    lang = e["language"]
    lang.setCurrentIndex(lang.findData("en"))


def test_every_setting_has_an_editor_of_its_type(qtbot, data_dir):
    dialog = SettingsDialog(data_dir, Settings())
    qtbot.addWidget(dialog)
    editors = dialog.form.editors
    assert set(editors) == {f.name for f in dataclasses.fields(Settings)}
    assert isinstance(editors["language"], QComboBox)
    assert isinstance(editors["payment_channels"], QPlainTextEdit)
    assert isinstance(editors["contact_start"], QTimeEdit)
    assert isinstance(editors["instalment_cap"], QSpinBox)
    assert isinstance(editors["allow_principal_waiver"], QCheckBox)
    assert isinstance(editors["daily_interest_rate"], QLineEdit)
    assert isinstance(editors["default_product_type"], QComboBox)
    assert isinstance(editors["stale_figures_days"], QSpinBox)
    first_tab = dialog.form.tabs.widget(0)
    assert all(first_tab.isAncestorOf(editors[n]) for n in FIRST_RUN_FIELDS)


def test_first_run_page_saves_identity_and_rules(qtbot, data_dir):
    dialog = SettingsDialog(data_dir, Settings(), first_run=True)
    qtbot.addWidget(dialog)
    assert "首次设置" in dialog.windowTitle()
    _fill_identity(dialog)
    e = dialog.form.editors
    e["daily_interest_rate"].setText("0.05")   # percent a day
    e["affordability_share"].setText("40")
    e["instalment_cap"].setValue(36)
    e["allow_principal_waiver"].setChecked(True)
    next(c for c in e["extra_required_fields"].findChildren(QCheckBox)
         if c.objectName() == "phone").setChecked(True)
    dialog.accept()
    saved = load_settings(data_dir)
    assert saved == dialog.saved
    assert saved.is_configured
    assert saved.bank_name == "示例银行"
    assert saved.payment_channels == "手机银行\n网点柜台"
    assert saved.language == "en"
    assert saved.daily_interest_rate == Decimal("0.0005")
    assert saved.affordability_share == Decimal("0.4")
    assert saved.instalment_cap == 36
    assert saved.allow_principal_waiver is True
    assert saved.extra_required_fields == ("phone",)
    assert saved.contact_start == time(8, 0)


def test_existing_settings_are_shown_as_percentages_and_round_trip(qtbot, data_dir):
    base = Settings(bank_name="示例银行", officer_name="李明", staff_no="D1",
                    daily_interest_rate=Decimal("0.0005"), late_fee_rate=None,
                    affordability_share=Decimal("0.5"), contact_end=time(21, 30))
    dialog = SettingsDialog(data_dir, base)
    qtbot.addWidget(dialog)
    e = dialog.form.editors
    assert e["daily_interest_rate"].text() == "0.05"
    assert e["affordability_share"].text() == "50"
    assert e["late_fee_rate"].text() == ""
    report = dialog.form.collect(base)
    assert report.ok and report.settings == base


def test_missing_required_and_bad_numbers_block_saving_with_messages(qtbot, data_dir):
    dialog = SettingsDialog(data_dir, Settings(), first_run=True)
    qtbot.addWidget(dialog)
    dialog.show()
    e = dialog.form.editors
    e["bank_name"].setText("示例银行")
    e["late_fee_rate"].setText("abc")
    e["affordability_share"].setText("150")
    e["contact_start"].setTime(e["contact_end"].time())
    dialog.accept()
    assert dialog.saved is None
    assert not (data_dir / "settings.ini").exists()
    text = dialog.problems.text()
    assert "催收人员姓名" in text and "工号" in text
    assert "abc" in text
    assert "100%" in text
    assert "结束时间" in text
    assert dialog.result() == 0


def test_product_type_and_late_charge_base_are_chosen_from_lists_and_saved(qtbot, data_dir):
    dialog = SettingsDialog(data_dir, Settings(bank_name="某银行", officer_name="王", staff_no="1"))
    qtbot.addWidget(dialog)
    e = dialog.form.editors
    assert [e["default_product_type"].itemText(i) for i in range(2)] == ["信用卡", "贷款"]
    e["default_product_type"].setCurrentIndex(e["default_product_type"].findData("loan"))
    e["late_fee_base"].setCurrentIndex(e["late_fee_base"].findData("minimum_payment"))
    e["minimum_payment_share"].setText("5")
    report = dialog.form.collect()
    assert report.ok
    assert report.settings.default_product_type == "loan"
    assert report.settings.late_fee_base == "minimum_payment"
    assert report.settings.minimum_payment_share == Decimal("0.05")


def test_empty_rate_means_not_configured(qtbot, data_dir):
    dialog = SettingsDialog(data_dir, Settings(daily_interest_rate=Decimal("0.001")))
    qtbot.addWidget(dialog)
    _fill_identity(dialog)
    dialog.form.editors["daily_interest_rate"].setText("")
    dialog.accept()
    assert load_settings(data_dir).daily_interest_rate is None


def test_english_rules_tab_fits_without_a_horizontal_scroll_bar(qtbot, data_dir):
    """Walk-through bug: in English the "also required on import" boxes ran off the right
    edge of the 560-pixel dialog (horizontal scroll bar, "Days overdue" cut off)."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication, QScrollArea

    from visitdesk import i18n
    from visitdesk.fonts import register_qt_font

    app = QApplication.instance()
    before = app.font()
    app.setFont(QFont(register_qt_font(), 10))  # the app's font, as set at start-up
    i18n.set_language("en")
    try:
        dialog = SettingsDialog(data_dir, Settings(), first_run=True)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.accept()  # nothing filled in: the problems take height, a vertical bar appears
        assert dialog.problems.isVisible()
        for i in range(dialog.form.tabs.count()):
            dialog.form.tabs.setCurrentIndex(i)
            scroll = dialog.form.tabs.widget(i)
            assert isinstance(scroll, QScrollArea)
            qtbot.wait(50)  # let the tab lay out its scroll bars
            assert not scroll.horizontalScrollBar().isVisible(), dialog.form.tabs.tabText(i)
    finally:
        app.setFont(before)
