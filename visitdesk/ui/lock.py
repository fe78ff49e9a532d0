"""Unlocking the case store at start, protecting a plain one, and locking an unattended window.

- ``ensure_unlocked``: before the window opens on an encrypted store, the officer gives the
  passphrase (or the bank's IT the recovery key, then a new passphrase). Wrong passphrases are
  counted by ``adapters.keys``; after repeated failures the button stays disabled for the delay
  (a timer, the UI thread does not sleep).
- ``offer_protection``: on a plain store that is not the demo store, the officer is asked to
  set a passphrase; the encryption runs in a worker with progress. "Later" asks again at the
  next start.
- ``LockController``: after ``Settings.lock_after_minutes`` without input, or on Ctrl+L, any open
  visit draft is saved, every window is hidden (not covered: its widgets are not shown at all)
  and a lock screen asks for the passphrase; the windows come back as they were.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from visitdesk.adapters import keys
from visitdesk.i18n import tr

log = logging.getLogger("visitdesk.ui.lock")

LOCK_SHORTCUT = "Ctrl+L"


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMinimumWidth(280)
    return field


class UnlockDialog(QDialog):
    """Asks for the store's passphrase until it is right (or the officer gives up)."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.setWindowTitle(tr("lock.unlock.title"))
        layout = QVBoxLayout(self)
        intro = QLabel(tr("lock.unlock.intro"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.passphrase = _password_field()
        form.addRow(tr("lock.unlock.passphrase"), self.passphrase)
        layout.addLayout(form)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.addButton(tr("lock.unlock.button"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.recovery = QPushButton(tr("lock.unlock.recovery"))
        buttons.addButton(self.recovery, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.try_unlock)
        buttons.rejected.connect(self.reject)
        self.recovery.clicked.connect(self.use_recovery_key)
        layout.addWidget(buttons)
        self._wait = QTimer(self)
        self._wait.setSingleShot(True)
        self._wait.timeout.connect(lambda: self.ok.setEnabled(True))
        self._hold_for_delay()

    def _hold_for_delay(self) -> None:
        delay = keys.delay_for(keys.failures(self.data_dir))
        if delay:
            self.ok.setEnabled(False)
            self._wait.start(int(delay * 1000))

    def try_unlock(self) -> bool:
        if not self.ok.isEnabled():
            return False
        try:
            keys.unlock(self.data_dir, self.passphrase.text(), sleep=lambda _s: None)
        except keys.StoreLocked as exc:
            self.message.setText(str(exc))
            self.passphrase.selectAll()
            self._hold_for_delay()
            return False
        self.accept()
        return True

    def use_recovery_key(self) -> None:
        dialog = RecoveryDialog(self.data_dir, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.accept()


class RecoveryDialog(QDialog):
    """The bank's IT opens the store with the recovery key and sets a new passphrase."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.setWindowTitle(tr("lock.recovery.title"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.recovery_key = QLineEdit()
        self.new = _password_field()
        self.repeat = _password_field()
        form.addRow(tr("lock.recovery.key"), self.recovery_key)
        form.addRow(tr("lock.setup.new"), self.new)
        form.addRow(tr("lock.setup.repeat"), self.repeat)
        layout.addLayout(form)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.try_recover)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def try_recover(self) -> bool:
        from visitdesk.adapters.passphrase_rules import passphrase_problem

        problem = passphrase_problem(self.new.text())
        if not problem and self.new.text() != self.repeat.text():
            problem = tr("privacy.cli.repeat_differs")
        if problem:
            self.message.setText(problem)
            return False
        try:
            data_key = keys.unlock_with_recovery(self.data_dir, self.recovery_key.text(),
                                                 sleep=lambda _s: None)
        except keys.StoreLocked as exc:
            self.message.setText(str(exc))
            return False
        keys.change_passphrase(self.data_dir, data_key, self.new.text())
        self.accept()
        return True


def ensure_unlocked(data_dir: Path, parent: QWidget | None = None) -> bool:
    """True when the store in ``data_dir`` can be opened (plain, or now unlocked)."""
    if not keys.is_encrypted(data_dir) or keys.remembered(data_dir) is not None:
        return True
    return UnlockDialog(data_dir, parent).exec() == QDialog.DialogCode.Accepted


class ProtectDialog(QDialog):
    """Set a passphrase for a plain store; the encryption runs in a worker with progress."""

    def __init__(self, data_dir: Path, personal: tuple[str, ...] = (),
                 parent: QWidget | None = None, *, before: Callable[[], None] | None = None,
                 after: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.personal = personal
        self.before = before or (lambda: None)
        self.after = after or (lambda: None)
        self.setWindowTitle(tr("lock.setup.title"))
        layout = QVBoxLayout(self)
        intro = QLabel(tr("lock.setup.intro"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.new = _password_field()
        self.repeat = _password_field()
        form.addRow(tr("lock.setup.new"), self.new)
        form.addRow(tr("lock.setup.repeat"), self.repeat)
        layout.addLayout(form)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(tr("lock.setup.button"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.later = buttons.addButton(tr("lock.setup.later"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.worker: Any = None
        self.error: BaseException | None = None

    def check(self) -> str:
        from visitdesk.adapters.passphrase_rules import passphrase_problem

        problem = passphrase_problem(self.new.text(), personal=self.personal)
        if problem:
            return problem
        if self.new.text() != self.repeat.text():
            return tr("privacy.cli.repeat_differs")
        return ""

    def start(self) -> None:
        from visitdesk.adapters.crypto_store import encrypt_store
        from visitdesk.ui.workers import Worker

        problem = self.check()
        if problem:
            self.message.setText(problem)
            return
        passphrase = self.new.text()
        self.before()
        self.ok.setEnabled(False)
        self.later.setEnabled(False)
        progress = QProgressDialog(tr("lock.setup.progress"), "", 0, 0, self)
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        self.progress = progress

        def job(report: Callable[[int, int], None], _cancelled: Any) -> None:
            encrypt_store(self.data_dir, passphrase, progress=report, personal=self.personal)

        self.worker = Worker(job)
        def show_progress(done: int, total: int) -> None:
            progress.setMaximum(total)
            progress.setValue(done)

        self.worker.signals.progress.connect(show_progress)
        self.worker.signals.succeeded.connect(lambda _r: self._done(None))
        self.worker.signals.failed.connect(self._done)
        self.worker.start()

    def _done(self, exc: BaseException | None) -> None:
        self.progress.close()
        self.error = exc
        self.after()
        if exc is None:
            self.accept()
            return
        log.error("encrypting the store failed: %s", type(exc).__name__)
        self.message.setText(str(exc))
        self.ok.setEnabled(True)
        self.later.setEnabled(True)


def offer_protection(window: Any, ctx: Any, *, demo: bool) -> ProtectDialog | None:
    """On a plain store that is not the demo store, open (without blocking) the dialog that
    sets a passphrase. While the store is encrypted the window's own connection is closed;
    it is opened again, encrypted, afterwards."""
    if demo or keys.is_encrypted(ctx.data_dir):
        return None
    loader = getattr(window, "_loader", None)

    def close_store() -> None:
        if loader is not None and not loader.is_done:
            loader.wait(30)
        store = ctx.__dict__.pop("store", None)
        if store is not None:
            if store in ctx._closers:
                ctx._closers.remove(store)
            store.close()

    def reopen_store() -> None:
        ctx.store  # noqa: B018 - opens it again (with the key now remembered)

    s = ctx.settings
    dialog = ProtectDialog(ctx.data_dir, (s.staff_no, s.officer_name, s.officer_phone), window,
                           before=close_store, after=reopen_store)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.open()
    return dialog


# --- the lock --------------------------------------------------------------------------------
class LockScreen(QWidget):
    """The only window shown while locked: no account, no visit, a passphrase field."""

    def __init__(self, controller: LockController) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.controller = controller
        self.setWindowTitle(tr("lock.screen.title"))
        self.setObjectName("lockScreen")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel(tr("lock.screen.heading"))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setStyleSheet("font-size: 18pt;")
        layout.addWidget(title)
        encrypted = keys.is_encrypted(controller.data_dir)
        note = QLabel(tr("lock.screen.intro" if encrypted else "lock.screen.plain"))
        note.setWordWrap(True)
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(note)
        self.passphrase = _password_field()
        self.passphrase.setVisible(encrypted)
        self.passphrase.returnPressed.connect(self.try_unlock)
        layout.addWidget(self.passphrase, 0, Qt.AlignmentFlag.AlignCenter)
        self.message = QLabel("")
        self.message.setStyleSheet("color: #b00020;")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.message)
        self.button = QPushButton(tr("lock.unlock.button"))
        self.button.clicked.connect(self.try_unlock)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)
        self.resize(640, 420)
        self._wait = QTimer(self)
        self._wait.setSingleShot(True)
        self._wait.timeout.connect(lambda: self.button.setEnabled(True))

    def try_unlock(self) -> bool:
        if not self.button.isEnabled():
            return False
        data_dir = self.controller.data_dir
        if keys.is_encrypted(data_dir):
            try:
                keys.unlock(data_dir, self.passphrase.text(), sleep=lambda _s: None)
            except keys.StoreLocked as exc:
                self.message.setText(str(exc))
                self.passphrase.clear()
                delay = keys.delay_for(keys.failures(data_dir))
                if delay:
                    self.button.setEnabled(False)
                    self._wait.start(int(delay * 1000))
                return False
        self.passphrase.clear()
        self.message.clear()
        self.controller.unlock()
        return True


class LockController(QObject):
    """Locks the application after idle time or on Ctrl+L; see the module docstring."""

    def __init__(self, data_dir: Path, *, idle_minutes: int = 5,
                 save_drafts: Callable[[], None] | None = None) -> None:
        super().__init__(QApplication.instance())
        self.data_dir = Path(data_dir)
        self.save_drafts = save_drafts or _save_open_visits
        self.locked = False
        self._hidden: list[QWidget] = []
        self.screen: LockScreen | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.lock)
        self.set_idle_minutes(idle_minutes)
        self.shortcut = QKeySequence(LOCK_SHORTCUT)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_idle_minutes(self, minutes: int) -> None:
        self.idle_ms = max(0, int(minutes)) * 60_000
        self._restart()

    def _restart(self) -> None:
        if self.idle_ms and not self.locked:
            self.timer.start(self.idle_ms)
        else:
            self.timer.stop()

    _ACTIVITY = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress,
                           QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin})

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride and not self.locked and isinstance(event, QKeyEvent):
            if QKeySequence(event.keyCombination()) == self.shortcut:
                event.accept()
                QTimer.singleShot(0, self.lock)
                return True
        if kind in self._ACTIVITY and not self.locked and self.idle_ms:
            self.timer.start(self.idle_ms)
        return False

    def stop(self) -> None:
        """Stop watching (the app is closing)."""
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def lock(self) -> None:
        if self.locked:
            return
        try:
            self.save_drafts()
        except Exception:  # noqa: BLE001 - locking must happen even if a save fails
            log.exception("saving drafts before locking failed")
        self.locked = True
        self.timer.stop()
        self._hidden = [w for w in QApplication.topLevelWidgets()
                        if w.isVisible() and not isinstance(w, LockScreen)]
        for w in self._hidden:
            w.hide()
        if self.screen is None:
            self.screen = LockScreen(self)
        self.screen.show()
        self.screen.raise_()
        self.screen.passphrase.setFocus()
        log.info("window locked")

    def unlock(self) -> None:
        if not self.locked:
            return
        self.locked = False
        if self.screen is not None:
            self.screen.hide()
        for w in self._hidden:
            w.show()
        self._hidden = []
        self._restart()
        log.info("window unlocked")


def _save_open_visits() -> None:
    """Save every open visit draft (the visit package's windows)."""
    try:
        from visitdesk.ui.visit import open_windows
    except ImportError:  # pragma: no cover - area not built
        return
    for window in open_windows():
        save = getattr(window, "save_now", None)
        if save is not None:
            save()
