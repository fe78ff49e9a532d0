"""Start-up of the window: Qt application, font, translations, data folder, demo data.

Only what the first window needs is imported here; PDF and signing libraries load when a
document is first made. :func:`create_main_window` does everything except entering the event
loop, so tests can drive start-up (``--demo`` included) without blocking.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QMessageBox

from visitdesk import i18n
from visitdesk.core.errors import VisitdeskError
from visitdesk.core.settings import Settings
from visitdesk.i18n import tr

log = logging.getLogger("visitdesk.ui")

DEMO_WORKBOOK = ("samples", "demo_accounts.xlsx")


def demo_workbook() -> Path:
    """The bundled demo workbook (made by ``python -m visitdesk.synth --demo``)."""
    from visitdesk.paths import resource

    return resource(*DEMO_WORKBOOK)

DEMO_SETTINGS: dict[str, Any] = dict(
    bank_name="示例银行",
    branch="朝阳支行",  # printed after the bank name: "示例银行 朝阳支行"
    officer_name="李明（示例）",
    staff_no="DEMO001",
    officer_phone="010-00000000",
    bank_hotline="400-000-0000",
    payment_channels="示例银行手机银行 App\n示例银行各营业网点柜台\n对公账户转账（账号见还款通知）",
)
"""Fictional identity preset in ``--demo`` so that no first-run page interrupts a demo."""

_translators: list[QTranslator] = []


def application() -> QApplication:
    """The QApplication, created and set up (font) on first call."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    if not app.property("visitdesk_ready"):
        app.setApplicationName("visitdesk")
        app.setOrganizationName("visitdesk")
        from visitdesk import __version__
        from visitdesk.fonts import register_qt_font

        app.setApplicationVersion(__version__)
        from PySide6.QtGui import QIcon

        from visitdesk.paths import resource

        app.setWindowIcon(QIcon(str(resource("icons", "visitdesk.png"))))  # same as the .exe
        try:
            family = register_qt_font()
        except RuntimeError:
            log.exception("bundled font not available; using the system font")
        else:
            font = QFont(family)
            font.setPointSizeF(max(app.font().pointSizeF(), 10.0))
            app.setFont(font)
        app.setProperty("visitdesk_ready", True)
    return app


def apply_language(lang: str) -> None:
    """Set the catalog language and Qt's own translations (standard buttons, dialogs)."""
    i18n.set_language(lang)
    app = QApplication.instance()
    for old in _translators:
        if app is not None:
            app.removeTranslator(old)
    _translators.clear()
    if i18n.language() == "zh_CN":
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        translator = QTranslator()
        if translator.load("qtbase_zh_CN", folder) and app is not None:
            app.installTranslator(translator)
            _translators.append(translator)
        else:
            log.warning("Qt's Chinese translations not found in %s", folder)
    else:
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


def _data_dir(args: argparse.Namespace) -> Path:
    from visitdesk.paths import data_dir, demo_data_dir

    explicit = getattr(args, "data_dir", None)
    if getattr(args, "demo", False) and not explicit:
        return demo_data_dir()
    return data_dir(explicit)


def _prepare_demo(data_dir: Path, settings: Settings, store: Any) -> Settings:
    """Preset the fictional bank and fill an empty demo store from the bundled workbook."""
    from visitdesk.adapters.settings_store import save_settings

    if not settings.is_configured:
        settings = replace(settings, **DEMO_SETTINGS)
        save_settings(data_dir, settings)
    if store.account_count() == 0:
        workbook = demo_workbook()
        if not workbook.is_file():
            log.warning("demo workbook %s missing; the demo store stays empty", workbook)
            return settings
        from visitdesk.adapters.spreadsheet import import_file

        report = import_file(store, workbook, settings=settings)
        log.info("demo store filled: %s imported, status %s", report.imported, report.status)
    return settings


def create_main_window(args: argparse.Namespace, *, load_in_background: bool = False) -> Any:
    """Everything :func:`run_app` does before the event loop; returns the (hidden) window.

    The accounts are read before returning, unless ``load_in_background``: then a worker
    reads them while the window is already on screen (the app's start-up path, so that a
    store of 100,000 accounts never holds the window back).
    """
    from visitdesk.adapters.settings_store import load_settings
    from visitdesk.adapters.store import CaseStore
    from visitdesk.cli import Context
    from visitdesk.ui.main_window import MainWindow

    application()
    data_dir = _data_dir(args)
    settings = load_settings(data_dir)
    apply_language(getattr(args, "lang", None) or settings.language)
    store = CaseStore(data_dir)
    if getattr(args, "demo", False):
        settings = _prepare_demo(data_dir, settings, store)
    ctx = Context(data_dir, args)
    ctx.store = store  # type: ignore[misc]
    ctx._closers.append(store)
    ctx.settings = settings  # type: ignore[misc]

    holder: dict[str, Any] = {}

    def rebuild(lang: str) -> None:
        """Switch language live: a new window in the new language replaces the old one."""
        old = holder["window"]
        old.save_layout()
        apply_language(lang)
        new = MainWindow(ctx, on_language=rebuild)
        new.setGeometry(old.geometry())
        holder["window"] = new
        new.reload_accounts()
        new.show()
        old.hide()
        old.deleteLater()
        # every open window follows, not only the main one
        from visitdesk.ui.visit import rebuild_windows

        rebuild_windows(new, ctx)

    window = MainWindow(ctx, on_language=rebuild)
    holder["window"] = window
    if load_in_background:
        # the window paints first, then the worker reads the accounts (started earlier, it
        # competes with the first paint for the interpreter)
        window.after_first_paint(window.reload_accounts)
    else:
        window.reload_accounts(background=False)
    window.needs_first_run = not settings.is_configured  # type: ignore[attr-defined]
    window._holder = holder  # type: ignore[attr-defined]
    return window


def install_excepthook(log_path: Path | None = None) -> None:
    """Uncaught exceptions: log them, show a readable message, keep the app running."""
    showing = {"busy": False}

    def hook(exc_type: type[BaseException], exc: BaseException,
             tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("uncaught exception:\n%s",
                  "".join(traceback.format_exception(exc_type, exc, tb)))
        if showing["busy"] or QApplication.instance() is None:
            return
        showing["busy"] = True
        try:
            if isinstance(exc, VisitdeskError):
                text = str(exc)
            else:
                text = tr("ui.error.unexpected", detail=f"{exc_type.__name__}: {exc}",
                          log=str(log_path) if log_path else "visitdesk.log")
            box = QMessageBox(QMessageBox.Icon.Critical, tr("common.error"), text)
            box.exec()
        finally:
            showing["busy"] = False

    sys.excepthook = hook


def run_app(args: argparse.Namespace) -> int:
    """Open the window and run until it is closed; returns the exit code."""
    app = application()
    data_dir = _data_dir(args)
    install_excepthook(data_dir / "visitdesk.log")
    from visitdesk.private_files import clear_previews
    from visitdesk.ui.lock import LockController, ensure_unlocked, offer_protection

    if not ensure_unlocked(data_dir):
        return 0
    clear_previews()  # previews left by a session that did not close cleanly
    try:
        window = create_main_window(args, load_in_background=True)
    except VisitdeskError as exc:
        QMessageBox.critical(None, tr("common.error"), str(exc))
        return 2
    window.show()
    open_file = getattr(args, "open_file", None)

    def first_dialogs() -> None:
        # both dialogs are modal: the first-run settings, then the workbook from "Open with"
        if getattr(window, "needs_first_run", False):
            window.show_first_run()
        if open_file:
            window.open_import(open_file)
        # a visit draft left open by a session that stopped uncleanly: offer to reopen it
        from visitdesk.ui.visit import offer_recovery

        offer_recovery(window, window.ctx)
        offer_protection(window, window.ctx, demo=bool(getattr(args, "demo", False)))

    lock = LockController(data_dir, idle_minutes=window.ctx.settings.lock_after_minutes)
    QTimer.singleShot(0, first_dialogs)
    code = app.exec()
    lock.stop()
    window.ctx.close()
    clear_previews()
    return code
