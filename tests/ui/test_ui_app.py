"""Start-up of the window: demo store, settings, language, font, error hook, light imports."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from visitdesk import i18n
from visitdesk.adapters.settings_store import load_settings, save_settings
from visitdesk.cli import build_parser
from visitdesk.core.errors import ImportRefused
from visitdesk.core.settings import Settings
from visitdesk.fonts import FONT_FAMILY
from visitdesk.ui import app as ui_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_book(tmp_path, monkeypatch):
    """The demo workbook as the synthetic generator makes it (the bundled one is its copy)."""
    from visitdesk.synth import write_demo_workbook

    book = write_demo_workbook(tmp_path / "demo_accounts.xlsx")
    monkeypatch.setattr(ui_app, "demo_workbook", lambda: book)
    return book


def _window(qtbot, argv):
    window = ui_app.create_main_window(build_parser().parse_args(argv))
    qtbot.addWidget(window)
    return window


def test_demo_start_presets_fictional_bank_and_fills_the_store_once(qtbot, tmp_path, demo_book):
    demo_dir = tmp_path / "demo"
    window = _window(qtbot, ["--demo", "--data-dir", str(demo_dir)])
    assert window.model.rowCount() == 38  # 40 rows: 2 deliberately bad, 1 with a warning
    assert window.ctx.settings.bank_name == "示例银行"
    assert load_settings(demo_dir).is_configured
    assert not window.needs_first_run
    window.ctx.close()
    again = _window(qtbot, ["--demo", "--data-dir", str(demo_dir)])
    assert again.model.rowCount() == 38
    assert len(again.ctx.store.batches()) == 1  # not imported a second time
    again.ctx.close()


def test_bundled_demo_workbook_imports(qtbot, tmp_path):
    book = ui_app.demo_workbook()
    assert book.is_file(), "resources/samples/demo_accounts.xlsx is missing"
    window = _window(qtbot, ["--demo", "--data-dir", str(tmp_path / "demo")])
    assert window.model.rowCount() > 0
    window.ctx.close()


def test_demo_keeps_settings_the_user_already_made(qtbot, tmp_path, demo_book):
    demo_dir = tmp_path / "demo"
    demo_dir.mkdir()
    save_settings(demo_dir, Settings(bank_name="我的银行", officer_name="王五", staff_no="9"))
    window = _window(qtbot, ["--demo", "--data-dir", str(demo_dir)])
    assert window.ctx.settings.bank_name == "我的银行"
    window.ctx.close()


def test_first_start_asks_for_the_first_run_page(qtbot, data_dir, monkeypatch):
    window = _window(qtbot, ["--data-dir", str(data_dir)])
    assert window.needs_first_run
    assert window.model.rowCount() == 0
    assert "尚无账户" in window.count_label.text()
    from visitdesk.ui import settings_page

    def fill_and_save(dialog):
        e = dialog.form.editors
        e["bank_name"].setText("示例银行")
        e["officer_name"].setText("李明")
        e["staff_no"].setText("D1")
        dialog.accept()
        return 1

    monkeypatch.setattr(settings_page.SettingsDialog, "exec", fill_and_save)
    window.show_first_run()
    assert load_settings(data_dir).is_configured
    assert window.ctx.settings.is_configured
    window.ctx.close()


def test_app_font_is_the_bundled_cjk_font(qtbot, data_dir):
    window = _window(qtbot, ["--data-dir", str(data_dir)])
    assert QApplication.font().family() == FONT_FAMILY
    window.ctx.close()


def test_qt_standard_buttons_follow_the_language(qtbot, data_dir):
    window = _window(qtbot, ["--data-dir", str(data_dir)])
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"
    ui_app.apply_language("en")
    box2 = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box2)
    assert box2.button(QDialogButtonBox.StandardButton.Cancel).text() == "Cancel"
    ui_app.apply_language("zh_CN")
    window.ctx.close()


def test_lang_option_overrides_the_setting_and_switching_rebuilds_live(qtbot, data_dir):
    window = _window(qtbot, ["--lang", "en", "--data-dir", str(data_dir)])
    assert i18n.language() == "en"
    assert window.act_import.text() == "Import…"
    window.switch_language("zh_CN")
    new = window._holder["window"]
    qtbot.addWidget(new)
    assert new is not window
    assert new.act_import.text() == "导入…"
    assert load_settings(data_dir).language == "zh_CN"
    new.ctx.close()


def test_run_app_shows_window_and_returns_exit_code(qtbot, data_dir, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    hooked = []
    monkeypatch.setattr(ui_app, "install_excepthook", hooked.append)
    save_settings(data_dir, Settings(bank_name="示例银行", officer_name="李明", staff_no="D1"))
    shown = []

    def fake_exec(self=None):
        QApplication.processEvents()  # the start-up dialogs queued for the event loop run now
        shown.extend(w for w in QApplication.topLevelWidgets()
                     if w.isVisible() and type(w).__name__ == "MainWindow")
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert ui_app.run_app(build_parser().parse_args(["--data-dir", str(data_dir)])) == 0
    assert shown
    assert hooked == [data_dir / "visitdesk.log"]
    for w in shown:
        w.close()


def test_uncaught_error_is_logged_and_shown_as_a_readable_message(qtbot, monkeypatch, caplog):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    texts = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: texts.append(self.text()) or 0)
    ui_app.install_excepthook(Path("/tmp/visitdesk.log"))
    with caplog.at_level(logging.ERROR, logger="visitdesk"):
        try:
            raise KeyError("boom")
        except KeyError:
            sys.excepthook(*sys.exc_info())
        sys.excepthook(ImportRefused, ImportRefused("文件已损坏，无法导入。"), None)
    assert "KeyError" in texts[0] and "/tmp/visitdesk.log" in texts[0]
    assert "Traceback" not in texts[0]
    assert texts[1] == "文件已损坏，无法导入。"
    assert "Traceback" in caplog.text


def test_start_up_does_not_load_pdf_or_signing_libraries(tmp_path):
    code = (
        "import sys\n"
        "from visitdesk.cli import build_parser\n"
        "from visitdesk.ui.app import create_main_window\n"
        f"w = create_main_window(build_parser().parse_args(['--data-dir', {str(tmp_path)!r}]))\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'reportlab', 'pyhanko', 'openpyxl'})\n"
        "print(','.join(heavy))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_demo_branch_does_not_repeat_the_bank_name(qtbot, tmp_path, demo_book):
    """Walk-through bug: the demo documents were headed "示例银行 示例银行朝阳支行"."""
    demo_dir = tmp_path / "demo"
    window = _window(qtbot, ["--demo", "--data-dir", str(demo_dir)])
    settings = window.ctx.settings
    assert settings.branch and not settings.branch.startswith(settings.bank_name)
    window.ctx.close()


def test_run_app_shows_the_window_before_the_accounts_are_read(qtbot, data_dir, monkeypatch):
    from ui_testdata import synth_accounts

    from visitdesk.adapters.store import BatchInfo, CaseStore

    with CaseStore(data_dir) as store:
        store.upsert_accounts(synth_accounts(50), BatchInfo("a.xlsx", "h", "S", 0))
    save_settings(data_dir, Settings(bank_name="示例银行", officer_name="李明", staff_no="D1"))
    monkeypatch.setattr(ui_app, "install_excepthook", lambda _path: None)
    seen = []

    def fake_exec(self=None):
        [window] = [w for w in QApplication.topLevelWidgets()
                    if w.isVisible() and type(w).__name__ == "MainWindow"]
        seen.append(window.model.rowCount())  # on screen, nothing delivered by the worker yet
        qtbot.waitUntil(lambda: window.model.rowCount() == 50, timeout=10000)
        seen.append(window.model.rowCount())
        window.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert ui_app.run_app(build_parser().parse_args(["--data-dir", str(data_dir)])) == 0
    assert seen == [0, 50]
