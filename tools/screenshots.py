"""Screenshots for the README and docs, made headless (offscreen Qt) from synthetic data.

Each shot is a named function that builds its widget on a fresh temporary data folder and
returns it; the script grabs it to ``docs/screenshots/<file>``. Other areas add their own
shots to :data:`SHOTS`. Run: ``QT_QPA_PLATFORM=offscreen python3 tools/screenshots.py [NAME…]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

OUT_DIR = ROOT / "docs" / "screenshots"


@dataclass(frozen=True)
class Shot:
    name: str
    file: str
    """PNG name under docs/screenshots/ (prefixed with the area)."""
    build: Callable[[Path], object]
    """Gets an empty temporary data folder, returns the widget to grab (already shown)."""


def wait_until(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    """Run the event loop until ``predicate()`` holds (background work finished)."""
    import time

    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("screenshot: background work did not finish")
        QApplication.processEvents()
        time.sleep(0.01)


def _demo_settings(data_dir: Path) -> None:
    from dataclasses import replace

    from visitdesk.adapters.settings_store import save_settings
    from visitdesk.core.settings import Settings
    from visitdesk.ui.app import DEMO_SETTINGS

    save_settings(data_dir, replace(Settings(), **DEMO_SETTINGS))


def _fill_store(data_dir: Path, n: int = 1200) -> None:
    import dataclasses

    from visitdesk.adapters.store import BatchInfo, CaseStore
    from visitdesk.core.accounts import Account, SourceRef
    from visitdesk.synth import Synth

    accounts = []
    for i, s in enumerate(Synth(20240305).accounts(n)):
        extra = {"五级分类": ("关注", "次级", "可疑")[i % 3], "备注": "客户称月底前还款" if i % 4 == 0 else ""}
        accounts.append(Account(**dataclasses.asdict(s), extra=extra,
                                source=SourceRef("逾期客户清单.xlsx", "逾期客户", i + 3)))
    with CaseStore(data_dir) as store:
        store.upsert_accounts(accounts, BatchInfo("逾期客户清单.xlsx", "0" * 64, "逾期客户", 0))


def main_window(data_dir: Path) -> object:
    import argparse as ap

    from visitdesk.ui.app import create_main_window

    _demo_settings(data_dir)
    _fill_store(data_dir)
    window = create_main_window(ap.Namespace(data_dir=str(data_dir), demo=False, lang=None))
    window.resize(1440, 800)
    window.show()
    window.table.selectRow(3)
    return window


def import_dialog(data_dir: Path) -> object:
    from visitdesk.adapters.settings_store import load_settings
    from visitdesk.synth import write_demo_workbook
    from visitdesk.ui.app import application
    from visitdesk.ui.import_dialog import ImportDialog

    application()
    _demo_settings(data_dir)
    workbook = write_demo_workbook(data_dir / "逾期客户清单.xlsx")
    dialog = ImportDialog(data_dir, load_settings(data_dir))
    dialog.show()
    dialog.set_file(workbook)
    wait_until(lambda: not dialog._busy())
    dialog.start_import()
    wait_until(lambda: dialog.pages.currentIndex() == dialog.PAGE_RESULT)
    return dialog


def import_mapping(data_dir: Path) -> object:
    """The mapping step, with an unsure column and a required one missing."""
    from openpyxl import Workbook

    from visitdesk.adapters.settings_store import load_settings
    from visitdesk.synth import Synth
    from visitdesk.ui.app import application
    from visitdesk.ui.import_dialog import ImportDialog

    application()
    _demo_settings(data_dir)
    wb = Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户姓名", "证件号码", "卡号", "当前欠款本金余额", "联系电话", "家庭住址", "催收备注"])
    for a in Synth(5).accounts(20):
        ws.append([a.name, a.id_number, a.account_no, float(a.principal), a.phone, a.address, ""])
    hidden = wb.create_sheet("旧数据")
    hidden.sheet_state = "hidden"
    wb.create_sheet("说明").append(["本表为虚构数据"])
    path = data_dir / "客户清单（网点）.xlsx"
    wb.save(path)
    dialog = ImportDialog(data_dir, load_settings(data_dir))
    dialog.show()
    dialog.set_file(path)
    wait_until(lambda: not dialog._busy())
    return dialog


def settings_first_run(data_dir: Path) -> object:
    from visitdesk.core.settings import Settings
    from visitdesk.ui.app import application
    from visitdesk.ui.settings_page import SettingsDialog

    application()
    dialog = SettingsDialog(data_dir, Settings(), first_run=True)
    e = dialog.form.editors
    e["bank_name"].setText("示例银行")
    e["branch"].setText("示例银行朝阳支行")
    e["officer_name"].setText("李明（示例）")
    e["payment_channels"].setPlainText("示例银行手机银行 App\n示例银行各营业网点柜台")
    dialog.show()
    dialog.accept()  # staff number missing: the dialog names it and stays open
    return dialog


def settings_rules(data_dir: Path) -> object:
    from dataclasses import replace

    from visitdesk.core.settings import Settings
    from visitdesk.ui.app import DEMO_SETTINGS, application
    from visitdesk.ui.settings_page import SettingsDialog

    application()
    settings = replace(Settings(), **DEMO_SETTINGS)
    dialog = SettingsDialog(data_dir, settings)
    dialog.form.tabs.setCurrentIndex(1)
    dialog.show()
    return dialog


SHOTS: list[Shot] = [
    Shot("main_window", "main_window.png", main_window),
    Shot("import_dialog", "import_dialog.png", import_dialog),
    Shot("import_mapping", "import_mapping.png", import_mapping),
    Shot("settings_first_run", "settings_first_run.png", settings_first_run),
    Shot("settings_rules", "settings_rules.png", settings_rules),
]


def take(shot: Shot, out_dir: Path = OUT_DIR) -> Path:
    from PySide6.QtWidgets import QApplication

    from visitdesk.ui.app import application, apply_language

    application()
    apply_language("zh_CN")  # catalog and Qt's own strings (standard buttons)
    with tempfile.TemporaryDirectory(prefix="visitdesk-shot-") as tmp:
        widget = shot.build(Path(tmp))
        for _ in range(5):
            QApplication.processEvents()
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / shot.file
        if not widget.grab().save(str(target)):
            raise OSError(f"could not write {target}")
        ctx = getattr(widget, "ctx", None)
        widget.close()
        if ctx is not None:
            ctx.close()
        QApplication.processEvents()
    return target


def run_shots(shots: list[Shot], description: str, argv: list[str] | None = None) -> int:
    """Command line shared by the screenshot scripts: take the named shots (default: all)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("names", nargs="*", help="shots to take (default: all): "
                        + ", ".join(s.name for s in shots))
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    for shot in shots:
        if not args.names or shot.name in args.names:
            print(take(shot, args.out))
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_shots(SHOTS, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
