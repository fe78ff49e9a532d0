"""The manual in the app (Chinese and English, from the ``help`` catalog) and the About box.

F1 in each window opens the manual at that window's section: :func:`install_help` binds it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from visitdesk.i18n import tr

SECTIONS = ("start", "import", "visit", "sign", "verify", "data")
_shown: dict[str, HelpWindow] = {}


def folders(data_dir: str | Path) -> tuple[str, str]:
    """(data folder, log folder) as the officer should look for them."""
    data = Path(data_dir).resolve()
    return str(data), str(data)  # the log file lives in the data folder (visitdesk.log)


def support_text(settings: Any) -> str:
    return (getattr(settings, "support_contact", "") or "").strip() or tr("ui.about.support_none")


class HelpWindow(QDialog):
    """The manual: contents on the left, the chosen section on the right."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpWindow")
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setWindowTitle(tr("help.title"))
        self.resize(900, 620)
        self.ctx = ctx
        self.contents = QListWidget()
        self.contents.setAccessibleName(tr("help.sections"))
        self.contents.setMaximumWidth(220)
        for key in SECTIONS:
            item = QListWidgetItem(tr(f"help.{key}.title"))
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.contents.addItem(item)
        self.text = QTextBrowser()
        self.text.setObjectName("helpText")
        self.text.setOpenExternalLinks(False)
        self.contents.currentRowChanged.connect(
            lambda row: self.show_section(SECTIONS[row]) if 0 <= row < len(SECTIONS) else None)
        row = QHBoxLayout()
        row.addWidget(self.contents)
        row.addWidget(self.text, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(close)
        self.section = ""
        self.contents.setCurrentRow(0)
        from visitdesk.ui import memory

        memory.restore(ctx.data_dir, "help", self)

    def done(self, result: int) -> None:
        from visitdesk.ui import memory

        memory.save(self.ctx.data_dir, "help", self)
        super().done(result)

    def show_section(self, key: str) -> None:
        data, logs = folders(self.ctx.data_dir)
        body = tr(f"help.{key}.body", data=data, logs=logs,
                  support=support_text(self.ctx.settings))
        self.text.setHtml(f"<h2>{tr(f'help.{key}.title')}</h2>{body}")
        self.section = key
        index = SECTIONS.index(key)
        if self.contents.currentRow() != index:
            self.contents.blockSignals(True)
            self.contents.setCurrentRow(index)
            self.contents.blockSignals(False)


def show_help(parent: QWidget | None, ctx: Any, section: str = "start") -> HelpWindow:
    """Open (or raise) the manual at ``section``."""
    window = _shown.get("help")
    if window is None:
        window = HelpWindow(ctx, parent)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        window.destroyed.connect(lambda *_: _shown.pop("help", None))
        _shown["help"] = window
    window.show_section(section if section in SECTIONS else "start")
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def install_help(window: QWidget, ctx: Any, section: str) -> QAction:
    """F1 in ``window`` opens the manual at ``section``; returns the action (for a menu)."""
    act = QAction(tr("ui.action.manual"), window)
    act.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
    act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    act.triggered.connect(lambda: show_help(window, ctx, section))
    window.addAction(act)
    return act


def show_about(parent: QWidget | None, ctx: Any) -> None:
    from visitdesk import __version__

    data, logs = folders(ctx.data_dir)
    QMessageBox.about(parent, tr("ui.about.title"),
                      tr("ui.about.text", version=__version__, data=data, logs=logs,
                         support=support_text(ctx.settings)))
