"""The import dialog: data date shown and settable, several columns for one fee, notes and
warnings grouped after the import."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox

from visitdesk.adapters.store import CaseStore
from visitdesk.core.settings import Settings
from visitdesk.synth import Synth
from visitdesk.ui.import_dialog import ImportDialog

WAIT = 20_000


def _book(path, headers, rows, titles=()):
    wb = Workbook()
    ws = wb.active
    for t in titles:
        ws.append(t)
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _open(qtbot, data_dir, path) -> ImportDialog:
    dialog = ImportDialog(data_dir, Settings())
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.inspected, timeout=WAIT):
        dialog.set_file(path)
    return dialog


def _combo(dialog, header) -> QComboBox:
    for row in range(dialog.mapping_table.rowCount()):
        if dialog.mapping_table.item(row, 0).text() == header:
            return dialog.mapping_table.cellWidget(row, 1)
    raise AssertionError(header)


def _import(qtbot, dialog):
    with qtbot.waitSignal(dialog.import_finished, timeout=WAIT) as blocker:
        dialog.import_button.click()
    return blocker.args


def test_assumed_data_date_is_shown_and_the_chosen_one_is_stored(qtbot, data_dir, tmp_path):
    people = Synth(3).accounts(2)
    path = _book(tmp_path / "a.xlsx", ["客户姓名", "证件号码", "卡号", "本金"],
                 [[p.name, p.id_number, p.account_no, 100.0] for p in people])
    dialog = _open(qtbot, data_dir, path)
    assert "没有写明数据日期" in dialog.as_of_label.text()
    assert dialog.as_of_edit.date() == QDate.currentDate()
    dialog.as_of_edit.setDate(QDate(2024, 6, 30))
    assert _import(qtbot, dialog) == ["imported"]
    with CaseStore(data_dir) as store:
        stored = store.accounts()
    assert {(a.as_of, a.as_of_assumed) for a in stored} == {(date(2024, 6, 30), False)}
    assert "数据日期按指定为 2024-06-30。" in dialog.notes_label.text()


def test_title_data_date_is_shown_as_taken_from_the_file(qtbot, data_dir, tmp_path):
    people = Synth(3).accounts(1)
    path = _book(tmp_path / "t.xlsx", ["客户姓名", "证件号码", "卡号", "本金"],
                 [[p.name, p.id_number, p.account_no, 100.0] for p in people],
                 titles=[["统计日期：2024-05-31"]])
    dialog = _open(qtbot, data_dir, path)
    assert dialog.as_of_edit.date() == QDate(2024, 5, 31)
    assert dialog.as_of_label.text() == "取自文件标题。"


def test_user_maps_two_columns_to_one_fee_and_they_add_up(qtbot, data_dir, tmp_path):
    people = Synth(3).accounts(1)
    path = _book(tmp_path / "f.xlsx", ["客户姓名", "证件号码", "卡号", "本金", "年费", "杂项"],
                 [[p.name, p.id_number, p.account_no, 100.0, 10.0, 2.5] for p in people])
    dialog = _open(qtbot, data_dir, path)
    combo = _combo(dialog, "杂项")
    combo.setCurrentIndex(combo.findData("other_fees"))
    assert dialog.import_button.isEnabled()
    assert "“其他费用”由 年费、杂项 相加。" in dialog.message.text()
    combo_b = _combo(dialog, "本金")
    _combo(dialog, "年费").setCurrentIndex(_combo(dialog, "年费").findData("principal"))
    assert not dialog.import_button.isEnabled() and combo_b.currentData() == "principal"
    _combo(dialog, "年费").setCurrentIndex(_combo(dialog, "年费").findData("other_fees"))
    assert _import(qtbot, dialog) == ["imported"]
    with CaseStore(data_dir) as store:
        [account] = store.accounts()
    assert account.other_fees == Decimal("12.50")


def test_notes_and_warnings_are_grouped_after_the_import(qtbot, data_dir, tmp_path):
    people = Synth(3).accounts(3)
    rows = [[p.name, p.id_number, p.account_no, 100.0, "-"] for p in people]
    rows[0][2] = rows[0][2][:-1] + str((int(rows[0][2][-1]) + 1) % 10)  # fails Luhn
    rows += [["合计", None, None, 300.0], ["制表人：王五"]]
    path = _book(tmp_path / "g.xlsx", ["客户姓名", "证件号码", "卡号", "本金", "地址"], rows)
    dialog = _open(qtbot, data_dir, path)
    assert _import(qtbot, dialog) == ["imported"]
    notes = dialog.notes_label.text()
    assert "第 6 行：表尾（签字、日期、备注）已跳过。" in notes
    assert "“地址”列有 3 个单元格为占位符" in notes
    groups = [dialog.group_combo.itemText(i) for i in range(dialog.group_combo.count())]
    assert groups == ["全部（1）", "可疑号码（1）"]
    dialog.group_combo.setCurrentIndex(1)
    assert dialog.problems_model.rowCount() == 1
    dialog.grab().save(str(tmp_path / "dialog.png"))
