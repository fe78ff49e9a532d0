"""The officer's signing certificate in settings: import, create, show, change passphrase.

The certificate is either the bank's PKCS#12 file (imported with its passphrase) or, where the
bank issues none, a self-issued ECDSA P-256 certificate made here; the latter is labelled
自签名 / self-issued wherever it is shown. Key generation, PKCS#12 encryption and decryption
run in a worker so the window never waits on a key derivation. The work itself is
:class:`visitdesk.adapters.certificates.CertificateStore`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from visitdesk.core.errors import InputError, VisitdeskError
from visitdesk.i18n import tr
from visitdesk.ui.workers import Worker


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class _FormDialog(QDialog):
    """A small form with OK/Cancel that checks its input before closing."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.hide()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020")
        self.problem.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def set_intro(self, text: str) -> None:
        self.intro.setText(text)
        self.intro.show()

    def check(self) -> str:
        """An empty string when the input is acceptable, else what is wrong."""
        return ""

    def accept(self) -> None:
        problem = self.check()
        if problem:
            self.problem.setText(problem)
            self.problem.show()
            return
        super().accept()


def _passphrase_problem(new: str, repeat: str) -> str:
    from visitdesk.adapters.certificates import MIN_PASSPHRASE
    from visitdesk.adapters.passphrase_rules import passphrase_problem

    if len(new) < MIN_PASSPHRASE:
        return tr("docui.cert.passphrase_short", min=MIN_PASSPHRASE)
    problem = passphrase_problem(new)
    if problem:
        return problem
    if new != repeat:
        return tr("docui.cert.passphrase_mismatch")
    return ""


class ImportDialog(_FormDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("docui.cert.import_title"), parent)
        self.set_intro(tr("docui.cert.import_intro"))
        self.path = QLineEdit()
        browse = QPushButton(tr("docui.cert.browse"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.passphrase = _password_edit()
        self.form.addRow(tr("docui.cert.file"), row)
        self.form.addRow(tr("docui.cert.passphrase"), self.passphrase)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("docui.cert.import_title"), str(Path.home()),
                                              tr("docui.cert.p12_filter"))
        if path:
            self.path.setText(path)

    def check(self) -> str:
        if not Path(self.path.text().strip()).is_file():
            return tr("docui.cert.file_missing")
        if not self.passphrase.text():
            return tr("docui.cert.passphrase_needed")
        return ""


class CreateDialog(_FormDialog):
    def __init__(self, settings: Any, parent: QWidget | None = None) -> None:
        super().__init__(tr("docui.cert.create_title"), parent)
        self.set_intro(tr("docui.cert.create_intro"))
        self.name = QLineEdit(getattr(settings, "officer_name", ""))
        self.staff_no = QLineEdit(getattr(settings, "staff_no", ""))
        self.bank = QLineEdit(" ".join(x for x in (getattr(settings, "bank_name", ""),
                                                   getattr(settings, "branch", "")) if x))
        self.passphrase = _password_edit()
        self.repeat = _password_edit()
        self.form.addRow(tr("docui.cert.name"), self.name)
        self.form.addRow(tr("docui.cert.staff_no"), self.staff_no)
        self.form.addRow(tr("docui.cert.organisation"), self.bank)
        self.form.addRow(tr("docui.cert.new_passphrase"), self.passphrase)
        self.form.addRow(tr("docui.cert.repeat_passphrase"), self.repeat)

    def check(self) -> str:
        if not self.name.text().strip():
            return tr("docui.cert.name_required")
        return _passphrase_problem(self.passphrase.text(), self.repeat.text())


class PassphraseDialog(_FormDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("docui.cert.change_title"), parent)
        self.old = _password_edit()
        self.new = _password_edit()
        self.repeat = _password_edit()
        self.form.addRow(tr("docui.cert.old_passphrase"), self.old)
        self.form.addRow(tr("docui.cert.new_passphrase"), self.new)
        self.form.addRow(tr("docui.cert.repeat_passphrase"), self.repeat)

    def check(self) -> str:
        if not self.old.text():
            return tr("docui.cert.passphrase_needed")
        return _passphrase_problem(self.new.text(), self.repeat.text())


class CertificatePage(QWidget):
    """Shows the current certificate and offers import, creation and passphrase change."""

    changed = Signal(object)
    """The new ``CertificateInfo`` (None after a passphrase change) when an operation succeeded."""
    failed = Signal(str)
    """A readable message when an operation failed."""

    def __init__(self, data_dir: Path | str, settings: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from visitdesk.adapters.certificates import CertificateStore

        self.data_dir = Path(data_dir)
        self.settings = settings
        self.store = CertificateStore(self.data_dir)
        self.worker: Worker | None = None

        self.badge = QLabel()
        self.badge.setWordWrap(True)
        self.fields: dict[str, QLabel] = {}
        box = QGroupBox(tr("docui.cert.current"))
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key in ("name", "staff_no", "organisation", "issuer", "kind", "key_type", "valid",
                    "serial", "fingerprint"):
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.fields[key] = value
            form.addRow(tr(f"docui.cert.field.{key}"), value)
        self.fields["fingerprint"].setStyleSheet("font-family: monospace")
        self.import_button = QPushButton(tr("docui.cert.import"))
        self.create_button = QPushButton(tr("docui.cert.create"))
        self.passphrase_button = QPushButton(tr("docui.cert.change"))
        self.import_button.clicked.connect(self.ask_import)
        self.create_button.clicked.connect(self.ask_create)
        self.passphrase_button.clicked.connect(self.ask_change_passphrase)
        buttons = QHBoxLayout()
        for b in (self.import_button, self.create_button, self.passphrase_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        note = QLabel(tr("docui.cert.note"))
        note.setWordWrap(True)
        note.setStyleSheet("color: #5f6b7a")
        layout = QVBoxLayout(self)
        layout.addWidget(self.badge)
        layout.addWidget(box)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(note)
        layout.addStretch(1)
        self.refresh()

    # --- display --------------------------------------------------------------------------
    def refresh(self) -> None:
        info = self.store.info()
        has = info is not None and self.store.exists()
        self.passphrase_button.setEnabled(has)
        if info is None:
            self.badge.setText(tr("docui.cert.none"))
            self.badge.setStyleSheet("color: #8a5a00; font-weight: bold")
            for label in self.fields.values():
                label.setText("—")
            return
        if info.self_issued:
            self.badge.setText(tr("docui.cert.self_issued_warning"))
            self.badge.setStyleSheet("color: #8a5a00; font-weight: bold")
        else:
            self.badge.setText(tr("docui.cert.bank_issued"))
            self.badge.setStyleSheet("color: #1b6e20; font-weight: bold")
        values = {
            "name": info.name or "—",
            "staff_no": info.staff_no or "—",
            "organisation": info.organisation or "—",
            "issuer": info.issuer or "—",
            "kind": tr("docui.cert.self_issued_badge") if info.self_issued
            else tr("docui.cert.issued_by", issuer=info.issuer),
            "key_type": info.key_type,
            "valid": tr("docui.cert.valid_range",
                        start=info.not_before.astimezone().strftime("%Y-%m-%d %H:%M"),
                        end=info.not_after.astimezone().strftime("%Y-%m-%d %H:%M")),
            "serial": info.serial,
            "fingerprint": _wrap_fingerprint(info.fingerprint_sha256),
        }
        for key, text in values.items():
            self.fields[key].setText(text)

    # --- operations (in a worker) ---------------------------------------------------------
    def _run(self, job: Any, done_text: str) -> Worker:
        for b in (self.import_button, self.create_button, self.passphrase_button):
            b.setEnabled(False)
        self.status.setStyleSheet("")
        self.status.setText(tr("docui.cert.working"))
        worker = Worker(lambda _p, _c: job())

        def ok(result: Any) -> None:
            self._idle()
            self.status.setStyleSheet("color: #1b6e20")
            self.status.setText(done_text)
            self.changed.emit(result)

        def bad(exc: BaseException) -> None:
            self._idle()
            text = str(exc) if isinstance(exc, VisitdeskError) else tr(
                "docui.error.unexpected", detail=f"{type(exc).__name__}: {exc}")
            self.status.setStyleSheet("color: #b00020")
            self.status.setText(text)
            self.failed.emit(text)

        worker.signals.succeeded.connect(ok)
        worker.signals.failed.connect(bad)
        self.worker = worker
        worker.start()
        return worker

    def _idle(self) -> None:
        self.import_button.setEnabled(True)
        self.create_button.setEnabled(True)
        self.refresh()

    def _confirm_replace(self) -> bool:
        if self.store.info() is None:
            return True
        answer = QMessageBox.question(self, tr("docui.cert.replace_title"),
                                      tr("docui.cert.replace_text"))
        return answer == QMessageBox.StandardButton.Yes

    def import_file(self, path: str | Path, passphrase: str) -> Worker:
        store = self.store

        def job() -> Any:
            p = Path(path)
            if not p.is_file():
                raise InputError(tr("docui.cert.file_missing"))
            return store.import_pkcs12(p.read_bytes(), passphrase)

        return self._run(job, tr("docui.cert.imported"))

    def create_self_issued(self, name: str, staff_no: str, bank: str, passphrase: str) -> Worker:
        store = self.store
        return self._run(lambda: store.create_self_issued(
            name=name, staff_no=staff_no, bank=bank, passphrase=passphrase),
            tr("docui.cert.created"))

    def change_passphrase(self, old: str, new: str) -> Worker:
        store = self.store
        return self._run(lambda: store.change_passphrase(old, new), tr("docui.cert.changed"))

    # --- user paths -----------------------------------------------------------------------
    def ask_import(self) -> Worker | None:
        dialog = ImportDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted or not self._confirm_replace():
            return None
        return self.import_file(dialog.path.text().strip(), dialog.passphrase.text())

    def ask_create(self) -> Worker | None:
        dialog = CreateDialog(self.settings, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or not self._confirm_replace():
            return None
        return self.create_self_issued(dialog.name.text().strip(), dialog.staff_no.text().strip(),
                           dialog.bank.text().strip(), dialog.passphrase.text())

    def ask_change_passphrase(self) -> Worker | None:
        dialog = PassphraseDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return self.change_passphrase(dialog.old.text(), dialog.new.text())


def _wrap_fingerprint(fp: str) -> str:
    """SHA-256 fingerprints are 95 characters: two lines of 16 bytes each."""
    parts = fp.split(":")
    return ":".join(parts[:16]) + ("\n" + ":".join(parts[16:]) if len(parts) > 16 else "")


class CertificateDialog(QDialog):
    """The certificate page in its own window (Settings menu → 签名证书…)."""

    def __init__(self, data_dir: Path | str, settings: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("docui.cert.title"))
        self.page = CertificatePage(data_dir, settings, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.page, 1)
        layout.addWidget(buttons)
        self.resize(640, 520)

    def reject(self) -> None:
        worker = self.page.worker
        if worker is not None and not worker.is_done:
            return  # a key is being written: wait for it
        super().reject()
