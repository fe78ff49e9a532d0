"""The officer's signing certificate, kept in the data folder.

Either imported from a PKCS#12 file the bank issued, or — where the bank has none — a
self-issued ECDSA P-256 certificate created here. The private key never leaves the data folder
unencrypted: it is kept as PKCS#12 encrypted under the officer's passphrase
(``BestAvailableEncryption``). The certificate alone is also kept in PEM so that it can be
shown without the passphrase. A self-issued certificate is labelled as such in its subject
(``OU=自签名 self-issued``) and everywhere the app shows it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from visitdesk.atomic import atomic_write_bytes
from visitdesk.core.errors import InputError, NotFound, SigningError
from visitdesk.i18n import tr

CERT_FOLDER = "certificate"
KEY_FILE = "officer.p12"
CERT_FILE = "officer-cert.pem"
SELF_ISSUED_UNIT = "自签名 self-issued"
MIN_PASSPHRASE = 8


@dataclass(frozen=True)
class CertificateInfo:
    """What the certificate page and ``cert show`` display."""

    name: str
    """Common name: the officer's name."""
    staff_no: str
    organisation: str
    issuer: str
    fingerprint_sha256: str
    """Upper-case hex, colon-separated (as certificate viewers show it)."""
    not_before: dt.datetime
    not_after: dt.datetime
    self_issued: bool
    key_type: str
    serial: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "staff_no": self.staff_no,
            "organisation": self.organisation,
            "issuer": self.issuer,
            "fingerprint_sha256": self.fingerprint_sha256,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "self_issued": self.self_issued,
            "key_type": self.key_type,
            "serial": self.serial,
        }


@dataclass(frozen=True)
class SigningKey:
    """A private key unlocked with the passphrase, with its certificate and chain."""

    key: Any
    """``cryptography`` private key object (EC or RSA)."""
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    info: CertificateInfo


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def is_self_issued(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def _key_type(cert: x509.Certificate) -> str:
    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ECDSA " + {"secp256r1": "P-256", "secp384r1": "P-384"}.get(key.curve.name,
                                                                           key.curve.name)
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA-{key.key_size}"
    return type(key).__name__


def certificate_info(cert: x509.Certificate) -> CertificateInfo:
    issuer = _attr(cert.issuer, NameOID.COMMON_NAME) or cert.issuer.rfc4514_string()
    return CertificateInfo(
        name=_attr(cert.subject, NameOID.COMMON_NAME),
        staff_no=_attr(cert.subject, NameOID.SERIAL_NUMBER),
        organisation=_attr(cert.subject, NameOID.ORGANIZATION_NAME),
        issuer=issuer,
        fingerprint_sha256=fingerprint(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        self_issued=is_self_issued(cert),
        key_type=_key_type(cert),
        serial=format(cert.serial_number, "X"),
    )


def check_passphrase(passphrase: str, personal: Iterable[str] = ()) -> bytes:
    """The passphrase as bytes, once it passes the strength rules (``passphrase_rules``);
    ``personal``: the holder's staff number, name … which it may not contain."""
    from visitdesk.adapters.passphrase_rules import check_passphrase_strength

    if len(passphrase) < MIN_PASSPHRASE:
        raise InputError(tr("docs.cert.passphrase_short", min=MIN_PASSPHRASE))
    check_passphrase_strength(passphrase, personal=personal)
    return passphrase.encode("utf-8")


def read_passphrase_file(path: str | os.PathLike[str]) -> str:
    """The first line of ``path`` (without its line ending): how scripts pass a passphrase."""
    p = Path(path)
    if not p.is_file():
        raise NotFound(tr("docs.error.file_missing", path=str(p)))
    lines = p.read_text(encoding="utf-8").splitlines()
    return lines[0] if lines else ""


class CertificateStore:
    """The officer's certificate and encrypted key in ``data_dir/certificate/``."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.folder = Path(data_dir) / CERT_FOLDER

    @property
    def key_path(self) -> Path:
        return self.folder / KEY_FILE

    @property
    def cert_path(self) -> Path:
        return self.folder / CERT_FILE

    def exists(self) -> bool:
        return self.key_path.is_file() and self.cert_path.is_file()

    # --- reading ------------------------------------------------------------------------------
    def certificate(self) -> x509.Certificate | None:
        if not self.cert_path.is_file():
            return None
        return x509.load_pem_x509_certificate(self.cert_path.read_bytes())

    def info(self) -> CertificateInfo | None:
        cert = self.certificate()
        return certificate_info(cert) if cert else None

    def unlock(self, passphrase: str) -> SigningKey:
        """Decrypt the private key (once per batch: it costs a key derivation)."""
        if not self.key_path.is_file():
            raise SigningError(tr("docs.cert.none"))
        key, cert, chain = _load_p12(self.key_path.read_bytes(), passphrase)
        return SigningKey(key, cert, tuple(chain), certificate_info(cert))

    # --- writing ------------------------------------------------------------------------------
    def create_self_issued(self, *, name: str, staff_no: str, bank: str, passphrase: str,
                           years: int = 5, now: dt.datetime | None = None) -> CertificateInfo:
        """Create an ECDSA P-256 certificate signed by its own key, labelled self-issued."""
        if not name.strip():
            raise InputError(tr("docs.cert.name_required"))
        secret = check_passphrase(passphrase, personal=(staff_no, name))
        key = ec.generate_private_key(ec.SECP256R1())
        attrs = [x509.NameAttribute(NameOID.COMMON_NAME, name.strip()),
                 x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, SELF_ISSUED_UNIT)]
        if staff_no.strip():
            attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, staff_no.strip()))
        if bank.strip():
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, bank.strip()))
        attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"))
        subject = x509.Name(attrs)
        start = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(minutes=5)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256())
        )
        self._write(key, cert, [], secret)
        return certificate_info(cert)

    def import_pkcs12(self, data: bytes, passphrase: str, new_passphrase: str | None = None,
                      personal: Iterable[str] = ()) -> CertificateInfo:
        """Import the bank's PKCS#12; the key is re-encrypted under ``new_passphrase``, else
        under the same passphrase, which must then pass the strength rules itself (the key is
        never kept under a weaker passphrase than the rules allow)."""
        key, cert, chain = _load_p12(data, passphrase)
        if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
            raise InputError(tr("docs.cert.unsupported_key"))
        holder = (_attr(cert.subject, NameOID.SERIAL_NUMBER), *personal)
        if new_passphrase is None:
            try:
                secret = check_passphrase(passphrase, personal=holder)
            except InputError as exc:
                raise InputError(tr("privacy.cert.import_weak", reason=str(exc))) from exc
        else:
            secret = check_passphrase(new_passphrase, personal=holder)
        self._write(key, cert, chain, secret)
        return certificate_info(cert)

    def change_passphrase(self, old: str, new: str, personal: Iterable[str] = ()) -> None:
        info = self.info()
        secret = check_passphrase(new, personal=(*(personal or ()),
                                                 *((info.staff_no, info.name) if info else ())))
        loaded = self.unlock(old)
        self._write(loaded.key, loaded.certificate, list(loaded.chain), secret)

    def _write(self, key: Any, cert: x509.Certificate, chain: list[x509.Certificate],
               secret: bytes) -> None:
        p12 = pkcs12.serialize_key_and_certificates(
            name=_attr(cert.subject, NameOID.COMMON_NAME).encode("utf-8") or None,
            key=key, cert=cert, cas=chain or None,
            encryption_algorithm=serialization.BestAvailableEncryption(secret),
        )
        # the key first: a crash in between leaves a key whose certificate is re-derivable
        atomic_write_bytes(self.key_path, p12)
        atomic_write_bytes(self.cert_path, cert.public_bytes(serialization.Encoding.PEM))
        try:
            os.chmod(self.key_path, 0o600)
        except OSError:  # pragma: no cover - e.g. file systems without modes
            pass


def _load_p12(data: bytes, passphrase: str) -> tuple[Any, x509.Certificate, list]:
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase.encode("utf-8"))
    except ValueError as exc:
        raise SigningError(tr("docs.cert.bad_passphrase")) from exc
    if key is None or cert is None:
        raise SigningError(tr("docs.cert.no_key"))
    return key, cert, list(chain or [])
