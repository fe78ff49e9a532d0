"""The import dialog, end to end: file → sheet → mapping → progress → problems → workbook."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from PySide6.QtWidgets import QComboBox
from ui_testdata import account

from visitdesk.adapters import spreadsheet
from visitdesk.adapters.store import BatchInfo, CaseStore
from visitdesk.core.settings import Settings
from visitdesk.synth import Synth, write_demo_workbook
from visitdesk.ui import import_dialog as imp
from visitdesk.ui.import_dialog import ImportDialog, ProblemsModel

WAIT = 20_000


@pytest.fixture
def demo_book(tmp_path):
    return write_demo_workbook(tmp_path / "逾期客户清单.xlsx")


def _open(qtbot, data_dir, path, settings=None) -> ImportDialog:
    dialog = ImportDialog(data_dir, settings or Settings())
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.inspected, timeout=WAIT):
        dialog.set_file(path)
    return dialog


def _combo(dialog: ImportDialog, header: str) -> QComboBox:
    for row in range(dialog.mapping_table.rowCount()):
        if dialog.mapping_table.item(row, 0).text() == header:
            return dialog.mapping_table.cellWidget(row, 1)
    raise AssertionError(f"no row for {header}")


def _import(qtbot, dialog: ImportDialog) -> list:
    with qtbot.waitSignal(dialog.import_finished, timeout=WAIT) as blocker:
        dialog.import_button.click()
    return blocker.args


def test_whole_path_imports_lists_problems_and_saves_them_as_a_workbook(
        qtbot, data_dir, demo_book, tmp_path, monkeypatch):
    dialog = _open(qtbot, data_dir, demo_book)
    assert dialog.mapping.header_row == 2  # below the merged title row
    assert _combo(dialog, "客户姓名").currentData() == "name"
    assert dialog.import_button.isEnabled()

    progress = []
    original_start = dialog.start_import

    def start_and_watch():
        original_start()
        dialog._worker.signals.progress.connect(lambda d, t: progress.append((d, t)))

    monkeypatch.setattr(dialog, "start_import", start_and_watch)
    dialog.import_button.clicked.disconnect()
    dialog.import_button.clicked.connect(dialog.start_import)
    assert _import(qtbot, dialog) == ["partial"]
    assert progress and progress[-1][0] == progress[-1][1] > 0
    assert dialog.progress.maximum() == progress[-1][1]

    assert dialog.pages.currentIndex() == dialog.PAGE_RESULT
    assert dialog.store_changed
    assert "新增 38 个账户" in dialog.summary.text()
    model = dialog.problems_model
    rows = {model.data(model.index(r, 1)) for r in range(model.rowCount())}
    assert rows == {"5", "9", "14"}
    severities = {model.data(model.index(r, 1)): model.data(model.index(r, 4))
                  for r in range(model.rowCount())}
    assert severities == {"5": "错误", "9": "提醒", "14": "错误"}
    with CaseStore(data_dir) as store:
        assert store.account_count() == 38

    target = tmp_path / "out" / "问题清单"
    target.parent.mkdir()
    monkeypatch.setattr(imp.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), "xlsx"))
    dialog.save_button.click()
    saved = target.with_suffix(".xlsx")
    qtbot.waitUntil(lambda: "已保存" in dialog.saved_label.text(), timeout=10000)
    assert saved.is_file()
    texts = [str(c.value) for row in load_workbook(saved).active.iter_rows() for c in row if c.value]
    assert any("1.234,56" in t for t in texts)
    assert "已保存" in dialog.saved_label.text()


def test_saving_problems_where_it_cannot_be_written_says_so_and_allows_another_try(
        qtbot, data_dir, demo_book, tmp_path, monkeypatch):
    dialog = _open(qtbot, data_dir, demo_book)
    assert _import(qtbot, dialog) == ["partial"]
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(imp.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(blocker / "问题清单.xlsx"), "xlsx"))
    warnings = []
    monkeypatch.setattr(imp.QMessageBox, "warning",
                        lambda _parent, _title, text: warnings.append(text))
    dialog.save_button.click()
    assert not dialog.save_button.isEnabled()  # one save at a time
    qtbot.waitUntil(lambda: bool(warnings), timeout=10000)
    assert "问题清单.xlsx" in warnings[0]
    assert dialog.save_button.isEnabled() and "已保存" not in dialog.saved_label.text()


def test_cancel_during_import_leaves_the_store_exactly_as_before(
        qtbot, data_dir, demo_book, monkeypatch):
    with CaseStore(data_dir) as store:
        store.upsert_accounts([account("6222000000000001", "张伟", principal="500.00")],
                              BatchInfo("old.xlsx", "1" * 64, "S", 0))
    gate = threading.Event()
    real = spreadsheet.import_file

    def held_import(store, path, **kw):
        gate.wait(10)  # the test presses Cancel while the import is under way
        return real(store, path, **kw)

    monkeypatch.setattr(spreadsheet, "import_file", held_import)
    dialog = _open(qtbot, data_dir, demo_book)
    with qtbot.waitSignal(dialog.import_finished, timeout=WAIT) as blocker:
        dialog.import_button.click()
        assert dialog.pages.currentIndex() == dialog.PAGE_PROGRESS
        dialog.cancel_button.click()
        assert not dialog.cancel_button.isEnabled()
        gate.set()
    assert blocker.args == ["cancelled"]
    assert dialog.pages.currentIndex() == dialog.PAGE_SETUP
    assert "未作任何更改" in dialog.message.text()
    assert not dialog.store_changed
    with CaseStore(data_dir) as store:
        assert store.account_count() == 1
        assert store.account("6222000000000001").principal == Decimal("500.00")
        assert [b["file_name"] for b in store.batches()] == ["old.xlsx"]


def test_closing_the_dialog_during_import_cancels_it(qtbot, data_dir, demo_book, monkeypatch):
    gate = threading.Event()
    real = spreadsheet.import_file
    monkeypatch.setattr(spreadsheet, "import_file",
                        lambda store, path, **kw: (gate.wait(10), real(store, path, **kw))[1])
    dialog = _open(qtbot, data_dir, demo_book)
    with qtbot.waitSignal(dialog.finished, timeout=WAIT):
        dialog.import_button.click()
        dialog.reject()
        assert dialog.isVisible()  # still waiting for the worker
        gate.set()
    with CaseStore(data_dir) as store:
        assert store.account_count() == 0


def test_refused_file_shows_plain_message_and_blocks_import(qtbot, data_dir, tmp_path):
    fake = tmp_path / "导出.xlsx"
    fake.write_text("姓名,证件号码\n张三,1\n", encoding="utf-8")  # a CSV renamed .xlsx
    dialog = _open(qtbot, data_dir, fake)
    assert dialog.mapping is None
    assert dialog.message.text()
    assert "Traceback" not in dialog.message.text()
    assert not dialog.import_button.isEnabled()


def _book_without_id(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户姓名", "身份信息", "卡号", "欠款本金", "联系电话"])
    for a in Synth(3).accounts(5):
        ws.append([a.name, a.id_number, a.account_no, float(a.principal), a.phone])
    old = wb.create_sheet("旧数据")
    old.sheet_state = "hidden"
    old.append(["姓名", "证件号码", "账号", "本金"])
    a = Synth(4).account()
    old.append([a.name, a.id_number, a.account_no, float(a.principal)])
    path = tmp_path / "缺列.xlsx"
    wb.save(path)
    return path


def test_missing_required_column_is_named_and_can_be_mapped_by_hand(qtbot, data_dir, tmp_path):
    dialog = _open(qtbot, data_dir, _book_without_id(tmp_path))
    assert "证件号码" in dialog.message.text()
    assert "身份信息" in dialog.message.text()  # the headers found are listed
    assert not dialog.import_button.isEnabled()
    combo = _combo(dialog, "身份信息")
    combo.setCurrentIndex(combo.findData("id_number"))
    assert dialog.import_button.isEnabled()
    assert dialog.chosen_mapping()["身份信息"] == "id_number"
    # Mapping two columns to one field is refused before importing.
    phone = _combo(dialog, "联系电话")
    phone.setCurrentIndex(phone.findData("id_number"))
    assert not dialog.import_button.isEnabled()
    assert "多个列" in dialog.message.text()
    phone.setCurrentIndex(phone.findData("phone"))
    assert _import(qtbot, dialog) == ["imported"]
    with CaseStore(data_dir) as store:
        assert store.account_count() == 5


def test_hidden_sheet_is_listed_as_hidden_and_can_be_chosen(qtbot, data_dir, tmp_path):
    dialog = _open(qtbot, data_dir, _book_without_id(tmp_path))
    labels = [dialog.sheet_combo.itemText(i) for i in range(dialog.sheet_combo.count())]
    assert labels == ["客户", "旧数据（隐藏）"]
    assert dialog.sheet_combo.isEnabled()
    with qtbot.waitSignal(dialog.inspected, timeout=WAIT):
        dialog.sheet_combo.setCurrentIndex(1)
    assert dialog.mapping.sheet == "旧数据"
    assert dialog.import_button.isEnabled()
    assert _import(qtbot, dialog) == ["imported"]
    with CaseStore(data_dir) as store:
        assert store.account_count() == 1


def test_browse_uses_the_file_dialog(qtbot, data_dir, demo_book, monkeypatch):
    monkeypatch.setattr(imp.QFileDialog, "getOpenFileName", lambda *a, **k: (str(demo_book), ""))
    dialog = ImportDialog(data_dir, Settings())
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.inspected, timeout=WAIT):
        dialog.browse_button.click()
    assert dialog.file_edit.text() == str(demo_book)
    assert dialog.mapping is not None


def test_problems_model_passes_qtmodeltester(qtmodeltester):
    from visitdesk.core.importing import Problem

    model = ProblemsModel()
    model.set_problems([Problem("S", 5, "卡号", "6.2E+15", "error", "数字丢失"),
                        Problem("S", 9, "证件号码", "123", "warning", "旧证件")])
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(1, 4)) == "提醒"


def test_gbk_csv_imports_through_the_dialog_without_a_sheet_choice(qtbot, data_dir, tmp_path):
    rows = ["客户姓名,证件号码,卡号,欠款本金,联系电话"]
    for a in Synth(8).accounts(4):
        rows.append(f"{a.name},{a.id_number},{a.account_no},{a.principal},{a.phone}")
    path = tmp_path / "网点导出.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("gbk"))
    dialog = _open(qtbot, data_dir, path)
    assert dialog.sheet_combo.count() == 1
    assert not dialog.sheet_combo.isEnabled()
    assert _import(qtbot, dialog) == ["imported"]
    assert "新增 4 个账户" in dialog.summary.text()
    assert not dialog.save_button.isEnabled()  # nothing to save: no problems
    with CaseStore(data_dir) as store:
        assert store.account_count() == 4


@pytest.mark.parametrize("key", ["ui.import.problem_counts", "visitui.finish.state_blocked",
                                 "visitui.problems.title_counts", "visitui.finalise.blocked"])
def test_english_problem_counts_read_right_for_one(key):
    """Walk-through bug: "Problems found: 8 errors, 1 warnings." The English counts are
    written so that they read correctly for any number."""
    from visitdesk import i18n
    from visitdesk.i18n import tr

    i18n.set_language("en")
    text = tr(key, errors=1, warnings=1)
    assert "1 errors" not in text and "1 warnings" not in text, text
    assert "1" in text


def test_english_problem_table_shows_the_whole_severity_word(qtbot, data_dir):
    """Walk-through bug: the 55-pixel severity column showed "Warni…" in English."""
    from visitdesk import i18n
    from visitdesk.core.settings import Settings
    from visitdesk.i18n import tr
    from visitdesk.ui.import_dialog import ImportDialog, ProblemsModel

    i18n.set_language("en")
    dialog = ImportDialog(data_dir, Settings())
    qtbot.addWidget(dialog)
    view = dialog.problems_view
    col = ProblemsModel.KEYS.index("severity")
    needed = view.fontMetrics().horizontalAdvance(tr("ui.import.severity.warning"))
    assert view.columnWidth(col) >= needed + 8
    for c in range(len(ProblemsModel.KEYS) - 1):  # the last column stretches
        assert view.columnWidth(c) >= view.horizontalHeader().sectionSizeHint(c)


def test_the_import_can_say_which_product_the_file_holds(qtbot, data_dir, demo_book):
    from visitdesk.adapters.store import CaseStore

    dialog = _open(qtbot, data_dir, demo_book)
    combo = dialog.product_combo
    assert combo.currentData() is None and "信用卡" in combo.currentText()  # the setting
    combo.setCurrentIndex(combo.findData("loan"))
    _import(qtbot, dialog)
    with CaseStore(data_dir) as store:
        assert {a.product_type for a in store.accounts()} == {"loan"}
