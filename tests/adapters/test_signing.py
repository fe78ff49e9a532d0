"""Certificates, PAdES signatures and their verification, including tampering."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from docs_helpers import flat, pdf_text

from visitdesk.adapters.certificates import CertificateStore
from visitdesk.adapters.documents import stamp_lines
from visitdesk.adapters.pdf.samples import (
    sample_account,
    sample_record,
    sample_settings,
    signature_png,
)
from visitdesk.adapters.pdf.styles import StampSpec
from visitdesk.adapters.pdf.summary import render_summary, summary_content
from visitdesk.adapters.signing import DocumentSigner, load_trust, signing_now, verify_pdf
from visitdesk.core.errors import InputError, SigningError
from visitdesk.core.playbook import load_playbook

PASS = "correct horse"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    store = CertificateStore(tmp_path_factory.mktemp("data"))
    store.create_self_issued(name="李明", staff_no="A1023", bank="示例银行", passphrase=PASS)
    return store


@pytest.fixture(scope="module")
def signer(certs):
    return DocumentSigner(certs.unlock(PASS))


@pytest.fixture(scope="module")
def signed(signer):
    """A signed summary, its signing time and where its stamp was placed."""
    when = signing_now()
    account = sample_account()
    content = summary_content(sample_record(account), account, sample_settings(), load_playbook())
    stamp = StampSpec(signature_png(3), stamp_lines(signer.info, when, "zh_CN"))
    pdf, places = render_summary(content, stamp)
    return signer.sign(pdf, placement=places["officer"], signing_time=when), when, places


def test_self_issued_certificate_is_labelled_and_its_key_encrypted(certs):
    info = certs.info()
    assert info.self_issued and info.key_type == "ECDSA P-256"
    assert (info.name, info.staff_no, info.organisation) == ("李明", "A1023", "示例银行")
    cert = certs.certificate()
    ou = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value
    assert "自签名" in ou and "self-issued" in ou
    raw = certs.key_path.read_bytes()
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(raw, None)  # not readable without the passphrase
    assert b"PRIVATE KEY" not in raw


def test_wrong_passphrase_is_refused_with_a_message(certs):
    with pytest.raises(SigningError, match="口令"):
        certs.unlock("not the passphrase")


def test_short_passphrase_is_refused(tmp_path):
    with pytest.raises(InputError):
        CertificateStore(tmp_path).create_self_issued(name="李明", staff_no="", bank="",
                                                      passphrase="123")


def test_passphrase_change_replaces_the_old_one(tmp_path):
    store = CertificateStore(tmp_path)
    store.create_self_issued(name="王芳", staff_no="A1088", bank="", passphrase=PASS)
    fingerprint = store.info().fingerprint_sha256
    store.change_passphrase(PASS, "a new passphrase")
    with pytest.raises(SigningError):
        store.unlock(PASS)
    assert store.unlock("a new passphrase").info.fingerprint_sha256 == fingerprint


def test_signed_document_verifies_with_signer_time_and_fingerprint(signed, signer):
    pdf, when, _ = signed
    result = verify_pdf(pdf)
    assert result.ok and result.status == "valid"
    assert result.intact and result.signature_valid and result.covers_whole_file
    assert result.signer == "李明" and result.staff_no == "A1023"
    assert result.signing_time == when
    assert result.fingerprint_sha256 == signer.info.fingerprint_sha256
    assert result.self_issued and not result.trusted


def test_visible_stamp_shows_signer_self_issued_label_and_time(signed):
    pdf, when, places = signed
    text = flat(pdf_text(pdf))
    assert "电子签名：李明（工号A1023）" in text
    assert "证书：自签名证书（非银行颁发）" in text
    assert flat(when.isoformat(sep=" ")) in text
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf))
    field = reader.embedded_signatures[0].sig_field
    rect = [float(v) for v in field["/Rect"]]
    box = places["officer"].box
    assert rect == pytest.approx([round(v) for v in box], abs=1)


def test_pdfsig_reports_the_untouched_signature_valid(signed, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed[0])
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in out
    assert "ETSI.CAdES.detached" in out
    assert "Total document signed" in out


def _flip_inside_signed_range(pdf: bytes, where: float) -> bytes:
    from pyhanko.pdf_utils.reader import PdfFileReader

    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    start, length = [int(v) for v in sig.sig_object["/ByteRange"]][:2]
    offset = start + int(length * where)
    data = bytearray(pdf)
    data[offset] ^= 0x01
    return bytes(data)


@pytest.mark.parametrize("where", [0.25, 0.5, 0.9])
def test_any_byte_changed_inside_the_signed_range_fails(signed, where):
    tampered = _flip_inside_signed_range(signed[0], where)
    result = verify_pdf(tampered)
    assert not result.ok
    assert result.status in ("modified", "invalid", "unreadable")


def test_changed_word_inside_the_signed_range_is_reported_modified(signed):
    pdf = signed[0]
    data = pdf.replace(b"/Creator (visitdesk)", b"/Creator (visitdeSk)", 1)
    assert data != pdf
    result = verify_pdf(data)
    assert result.status == "modified" and not result.intact


def test_incremental_update_appended_after_signing_fails(signed):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed[0]))
    info = writer.trailer["/Info"].get_object()
    info[generic.NameObject("/Title")] = generic.TextStringObject("altered after signing")
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue())
    assert not result.ok
    assert result.status == "modified" and not result.covers_whole_file
    assert result.intact  # the signed revision itself is untouched


def test_unsigned_and_unreadable_files_are_reported(tmp_path):
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    canvas.Canvas(buf).save()
    assert verify_pdf(buf.getvalue()).status == "unsigned"
    assert verify_pdf(b"this is not a pdf").status == "unreadable"


def _ca_and_p12(tmp_path, passphrase: str):
    """A bank CA and an RSA officer certificate it issued, as a PKCS#12 file."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "示例银行 测试 CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=90))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False),
                         critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "王芳"),
                         x509.NameAttribute(NameOID.SERIAL_NUMBER, "A1088"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "示例银行")])
    leaf = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=60))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .sign(ca_key, hashes.SHA256()))
    p12 = pkcs12.serialize_key_and_certificates(
        b"officer", key, leaf, [ca], serialization.BestAvailableEncryption(passphrase.encode()))
    ca_path = tmp_path / "ca.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return p12, ca_path


def test_bank_certificate_is_imported_and_trusted_only_with_its_ca(tmp_path):
    p12, ca_path = _ca_and_p12(tmp_path, "bank-issued")
    store = CertificateStore(tmp_path / "data")
    info = store.import_pkcs12(p12, "bank-issued")
    assert not info.self_issued and info.issuer == "示例银行 测试 CA" and info.key_type == "RSA-2048"
    account = sample_account()
    content = summary_content(sample_record(account), account, sample_settings(), load_playbook())
    pdf, places = render_summary(content)
    signed = DocumentSigner(store.unlock("bank-issued")).sign(pdf)
    trusted = verify_pdf(signed, trust=load_trust(ca_path))
    assert trusted.ok and trusted.trusted and trusted.trust_checked and not trusted.self_issued
    untrusted = verify_pdf(signed)
    assert untrusted.ok and not untrusted.trusted
    other = tmp_path / "other.pem"
    other.write_bytes(_other_cert_pem())
    wrong = verify_pdf(signed, trust=load_trust(other))
    assert not wrong.ok and wrong.status == "invalid" and not wrong.trusted


def _other_cert_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Unrelated CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(3)
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def test_import_with_wrong_passphrase_stores_nothing(tmp_path):
    p12, _ = _ca_and_p12(tmp_path, "bank-issued")
    store = CertificateStore(tmp_path / "data")
    with pytest.raises(SigningError):
        store.import_pkcs12(p12, "wrong")
    assert not store.exists()


def test_signature_size_is_reserved_not_estimated(signer, monkeypatch):
    """One signing operation per document: pyHanko's trial signature is never made."""
    calls = []
    original = type(signer._signer).sign_raw

    def counting(self, data, digest_algorithm):
        calls.append(1)
        return original(self, data, digest_algorithm)

    monkeypatch.setattr(type(signer._signer), "sign_raw", counting)
    account = sample_account()
    content = summary_content(sample_record(account), account, sample_settings(), load_playbook())
    pdf, _ = render_summary(content)
    assert verify_pdf(signer.sign(pdf)).ok
    assert len(calls) == 1


def test_damaged_signature_value_is_reported_invalid_not_raised(signed):
    from pyhanko.pdf_utils.reader import PdfFileReader

    pdf = signed[0]
    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    byte_range = [int(v) for v in sig.sig_object["/ByteRange"]]
    gap_start = byte_range[0] + byte_range[1]
    data = bytearray(pdf)
    data[gap_start + 40: gap_start + 48] = b"00000000"  # inside /Contents, not signed bytes
    result = verify_pdf(bytes(data))
    assert not result.ok and result.status == "invalid"


def test_weak_passphrases_are_refused_for_the_signing_key(tmp_path):
    store = CertificateStore(tmp_path / "data")
    for weak in ("12345678", "secret-pass", "lantern A1023 river"):
        with pytest.raises(InputError):
            store.create_self_issued(name="李明", staff_no="A1023", bank="", passphrase=weak)
    assert not store.exists()


def test_a_p12_with_a_weak_passphrase_is_kept_only_under_a_stronger_one(tmp_path):
    p12, _ = _ca_and_p12(tmp_path, "88888888")
    store = CertificateStore(tmp_path / "data")
    with pytest.raises(InputError, match="--new-passphrase-file"):
        store.import_pkcs12(p12, "88888888")
    assert not store.exists()
    store.import_pkcs12(p12, "88888888", "quiet harbor 52 lantern")
    with pytest.raises(SigningError):
        store.unlock("88888888")
    assert store.unlock("quiet harbor 52 lantern").info.staff_no == "A1088"
