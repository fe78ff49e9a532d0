"""The certificate page: create a self-issued certificate, import PKCS#12, change passphrase."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from PySide6.QtWidgets import QDialog, QMessageBox

from visitdesk.adapters.certificates import CertificateStore
from visitdesk.adapters.pdf.samples import sample_settings
from visitdesk.ui import certificate_page as cp

PASS = "quiet-harbor-52"


def _bank_p12(passphrase: str) -> tuple[bytes, str]:
    """A synthetic 'bank' CA and an officer certificate it issued, as PKCS#12."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "示例银行测试CA")])
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "王芳"),
                                     x509.NameAttribute(NameOID.ORGANIZATION_NAME, "示例银行")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .sign(ca_key, hashes.SHA256()))
    data = pkcs12.serialize_key_and_certificates(
        b"officer", key, cert, None,
        serialization.BestAvailableEncryption(passphrase.encode()))
    return data, cert.fingerprint(hashes.SHA256()).hex(":").upper()


@pytest.fixture
def page(qtbot, data_dir):
    widget = cp.CertificatePage(data_dir, sample_settings())
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_empty_page_says_there_is_no_certificate(page):
    assert page.badge.text() == "尚未设置签名证书。"
    assert page.fields["fingerprint"].text() == "—"
    assert not page.passphrase_button.isEnabled()


def test_create_through_the_dialog_shows_a_self_issued_certificate(qtbot, page, monkeypatch):
    def fill(self):
        assert self.name.text() == "李明"  # prefilled from settings
        self.passphrase.setText(PASS)
        self.repeat.setText(PASS)
        self.accept()
        return self.result()

    monkeypatch.setattr(cp.CreateDialog, "exec", fill)
    with qtbot.waitSignal(page.changed, timeout=30_000):
        page.ask_create()
    info = CertificateStore(page.data_dir).info()
    assert info.self_issued and info.key_type == "ECDSA P-256"
    assert "自签名" in page.badge.text()
    assert page.fields["kind"].text() == "自签名"
    assert page.fields["name"].text() == "李明"
    assert page.fields["staff_no"].text() == "A1023"
    assert page.fields["fingerprint"].text().replace("\n", ":") == info.fingerprint_sha256
    assert page.passphrase_button.isEnabled()
    assert page.status.text() == "自签名证书已创建。"


def test_create_dialog_refuses_short_or_mismatched_passphrases(qtbot):
    dialog = cp.CreateDialog(sample_settings())
    qtbot.addWidget(dialog)
    dialog.passphrase.setText("abc")
    dialog.repeat.setText("abc")
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "至少需要 8 个字符" in dialog.problem.text()
    dialog.passphrase.setText("88888888")
    dialog.repeat.setText("88888888")
    dialog.accept()
    assert "过于常见" in dialog.problem.text()
    dialog.passphrase.setText("quiet harbor 52 lantern")
    dialog.accept()
    assert dialog.problem.text() == "两次输入的口令不一致。"
    dialog.name.setText("")
    dialog.accept()
    assert dialog.problem.text() == "请填写姓名。"


def test_import_bank_pkcs12_through_the_dialog(qtbot, page, tmp_path, monkeypatch):
    data, fingerprint = _bank_p12("bank-issued")
    (tmp_path / "officer.p12").write_bytes(data)

    def fill(self):
        self.path.setText(str(tmp_path / "officer.p12"))
        self.passphrase.setText("bank-issued")
        self.accept()
        return self.result()

    monkeypatch.setattr(cp.ImportDialog, "exec", fill)
    with qtbot.waitSignal(page.changed, timeout=30_000):
        page.ask_import()
    assert page.fields["name"].text() == "王芳"
    assert page.fields["issuer"].text() == "示例银行测试CA"
    assert page.fields["fingerprint"].text().replace("\n", ":") == fingerprint
    assert page.badge.text() == "由银行颁发的证书。"
    assert CertificateStore(page.data_dir).unlock("bank-issued").info.name == "王芳"


def test_import_with_wrong_passphrase_is_reported_and_keeps_nothing(qtbot, page, tmp_path):
    data, _ = _bank_p12("bank-issued")
    (tmp_path / "officer.p12").write_bytes(data)
    with qtbot.waitSignal(page.failed, timeout=30_000) as blocker:
        page.import_file(tmp_path / "officer.p12", "not-it")
    assert "口令错误" in blocker.args[0]
    assert page.status.text() == blocker.args[0]
    assert CertificateStore(page.data_dir).info() is None


def test_replacing_a_certificate_asks_first(qtbot, page, monkeypatch):
    CertificateStore(page.data_dir).create_self_issued(name="李明", staff_no="", bank="",
                                                       passphrase=PASS)
    page.refresh()
    monkeypatch.setattr(cp.CreateDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(cp.QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.No)
    assert page.ask_create() is None


def test_change_passphrase_through_the_dialog(qtbot, page, monkeypatch):
    store = CertificateStore(page.data_dir)
    store.create_self_issued(name="李明", staff_no="", bank="", passphrase=PASS)
    page.refresh()
    before = page.fields["fingerprint"].text()

    def fill(old):
        def exec_(self):
            self.old.setText(old)
            self.new.setText("brand-new-pass")
            self.repeat.setText("brand-new-pass")
            self.accept()
            return self.result()
        return exec_

    monkeypatch.setattr(cp.PassphraseDialog, "exec", fill("wrong-old"))
    with qtbot.waitSignal(page.failed, timeout=30_000) as blocker:
        page.ask_change_passphrase()
    assert "口令错误" in blocker.args[0]
    monkeypatch.setattr(cp.PassphraseDialog, "exec", fill(PASS))
    with qtbot.waitSignal(page.changed, timeout=30_000):
        page.ask_change_passphrase()
    assert page.status.text() == "口令已修改。"
    assert store.unlock("brand-new-pass").info.name == "李明"
    with pytest.raises(Exception, match="口令错误"):
        store.unlock(PASS)
    assert page.fields["fingerprint"].text() == before  # same certificate, new passphrase


def test_certificate_dialog_waits_for_a_running_operation(qtbot, data_dir):
    dialog = cp.CertificateDialog(data_dir, sample_settings())
    qtbot.addWidget(dialog)
    dialog.show()
    worker = dialog.page.create_self_issued("李明", "", "", PASS)
    dialog.reject()
    if not worker.is_done:
        assert dialog.isVisible()
    qtbot.waitUntil(lambda: worker.is_done, timeout=30_000)
    # the result reaches the page by a queued signal: let it arrive before the dialog goes
    qtbot.waitUntil(lambda: dialog.page.create_button.isEnabled(), timeout=30_000)
