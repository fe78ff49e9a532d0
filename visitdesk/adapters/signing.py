"""PAdES signatures on visitdesk documents (pyHanko), and their verification.

Signing: the officer's key is unlocked once per batch (:class:`DocumentSigner`); each document
gets a PAdES B-B signature (``ETSI.CAdES.detached``, SHA-256) in a field that covers the
visible stamp box the document drew (drawn signature, signer, certificate kind, time). The
signature size is reserved up front instead of letting pyHanko estimate it by signing twice,
and the signing time printed in the stamp is exactly the claimed signing time.

Verification (:func:`verify_pdf`) is strict: every signature must be cryptographically valid
and its signed byte range intact, the last must cover the whole file, and pyHanko's difference
analysis must find nothing but further signatures after each earlier one — any byte changed
inside a signed range, any page content, annotation or form change after the first signature,
and any incremental update appended after the last, fails.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import (
    as_signing_certificate_v2,
    get_pyca_cryptography_hash,
    simple_cms_attribute,
)
from pyhanko.stamp.base import BaseStamp, BaseStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from visitdesk.adapters.certificates import SigningKey, certificate_info, is_self_issued
from visitdesk.adapters.pdf.styles import Placement
from visitdesk.core.errors import NotFound, SigningError
from visitdesk.i18n import tr

FIELD_NAME = "OfficerSignature"

# pyHanko logs every untrusted (e.g. self-issued) certificate with a traceback; the verdict
# is reported by verify_pdf, so keep those out of the user's terminal.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.ERROR)


# --- signing -----------------------------------------------------------------------------------

class _LoadedKeySigner(signers.SimpleSigner):
    """SimpleSigner that keeps the parsed private key (stock pyHanko re-parses it per call)."""

    def __init__(self, key: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key = key
        # asn1crypto re-encodes freshly built structures many times over (about 20 ms a
        # signature); the attributes that never change are encoded once and reloaded from DER.
        self._scv2 = simple_cms_attribute(
            "signing_certificate_v2", as_signing_certificate_v2(self.signing_cert)).dump()

    async def signed_attrs(self, data_digest: bytes, digest_algorithm: str,
                           attr_settings: Any = None, content_type: str = "data",
                           use_pades: bool = False, timestamper: Any = None,
                           dry_run: bool = False, is_pdf_sig: bool = True) -> cms.CMSAttributes:
        if not (use_pades and is_pdf_sig and timestamper is None and content_type == "data"
                and (attr_settings is None or attr_settings.adobe_revinfo_attr is None)):
            return await super().signed_attrs(  # pragma: no cover - not used by visitdesk
                data_digest, digest_algorithm, attr_settings=attr_settings,
                content_type=content_type, use_pades=use_pades, timestamper=timestamper,
                dry_run=dry_run, is_pdf_sig=is_pdf_sig)
        # the same three attributes pyHanko writes for PAdES B-B (no signingTime: PAdES keeps
        # the claimed time in the signature dictionary's /M)
        built = cms.CMSAttributes([
            simple_cms_attribute("content_type", "data"),
            simple_cms_attribute("message_digest", data_digest),
            cms.CMSAttribute.load(self._scv2),
        ])
        return cms.CMSAttributes.load(built.dump())

    def signer_info(self, digest_algorithm: str, signed_attrs: Any, signature: bytes) -> Any:
        info = super().signer_info(digest_algorithm, signed_attrs, signature)
        return cms.SignerInfo.load(info.dump())

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hash_algo))
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), hash_algo)
        return super().sign_raw(data, digest_algorithm)  # pragma: no cover


class _FixedTimePdfSigner(signers.PdfSigner):
    """PdfSigner whose claimed signing time is the one printed in the visible stamp."""

    def __init__(self, *args: Any, signing_time: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._signing_time
        return session


class _FrameStampStyle(BaseStampStyle):
    """Appearance of the signature widget: a thin frame; the stamp itself is page content,
    drawn with the document's embedded CJK font (pyHanko's stamp fonts have no Chinese)."""

    def create_stamp(self, writer: Any, box: Any, text_params: dict) -> BaseStamp:
        return _FrameStamp(writer, self, box)


class _FrameStamp(BaseStamp):
    def _render_inner_content(self) -> list:
        return []


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def signing_now() -> dt.datetime:
    """Signing time, local with offset, whole seconds (as printed in the stamp)."""
    return dt.datetime.now().astimezone().replace(microsecond=0)


class DocumentSigner:
    """Signs any number of PDFs with one unlocked key (load once per batch)."""

    def __init__(self, signing_key: SigningKey) -> None:
        self.signing_key = signing_key
        key = signing_key.key
        cert = _asn1_cert(signing_key.certificate)
        chain = [_asn1_cert(c) for c in signing_key.chain]
        key_info = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        self._signer = _LoadedKeySigner(
            key, signing_cert=cert, signing_key=key_info,
            cert_registry=SimpleCertificateStore.from_certs([cert, *chain]),
        )
        # CMS = certificates + signed attributes + signature; 1.5 KiB of slack covers the
        # attributes and an RSA-4096 signature, so pyHanko never needs a trial signature to
        # estimate it. pyHanko counts the reservation in hex digits (two per byte).
        certs_len = len(cert.dump()) + sum(len(c.dump()) for c in chain)
        self.bytes_reserved = 2 * (certs_len + 1536)
        self._stamp_style = _FrameStampStyle(border_width=0)

    @property
    def info(self):  # -> CertificateInfo
        return self.signing_key.info

    def sign(self, pdf: bytes, *, placement: Placement | None = None,
             signing_time: dt.datetime | None = None, reason: str = "",
             location: str = "", keywords: Sequence[str] = (),
             field_name: str = FIELD_NAME) -> bytes:
        """Return ``pdf`` with a PAdES signature appended as an incremental update;
        ``keywords`` go into the document information of the signed revision (visitdesk
        puts the record hash and the audit chain head there: ``visitdesk.adapters.documents.anchor_keywords``);
        ``field_name`` is the signature field (another for a further signature)."""
        when = signing_time or signing_now()
        meta = signers.PdfSignatureMetadata(
            field_name=field_name, md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES, reason=reason or None,
            location=location or None, name=self.info.name or None,
        )
        box = None
        if placement is not None:
            x1, y1, x2, y2 = (round(v) for v in placement.box)
            box = (x1, y1, x2, y2)
        spec = fields.SigFieldSpec(sig_field_name=field_name,
                                   on_page=placement.page if placement else 0, box=box)
        pdf_signer = _FixedTimePdfSigner(meta, signer=self._signer, new_field_spec=spec,
                                         stamp_style=self._stamp_style, signing_time=when)
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        if keywords:
            writer.document_meta.keywords = list(keywords)
        try:
            out = pdf_signer.sign_pdf(writer, bytes_reserved=self.bytes_reserved)
        except Exception as exc:  # pyHanko raises several types; the user needs one message
            raise SigningError(tr("docs.sign.failed", detail=str(exc))) from exc
        return out.getvalue()


# --- verification ------------------------------------------------------------------------------

STATUS_VALID = "valid"
STATUS_MODIFIED = "modified"
STATUS_INVALID = "invalid"
STATUS_UNSIGNED = "unsigned"
STATUS_UNREADABLE = "unreadable"


@dataclass(frozen=True)
class VerifyResult:
    """What ``visitdesk verify`` reports (JSON fields documented in docs/cli.md)."""

    status: str
    """``valid``, ``modified``, ``invalid``, ``unsigned`` or ``unreadable``."""
    intact: bool
    """The signed bytes hash to the value in the signature."""
    signature_valid: bool
    """The signature over that hash verifies with the certificate's public key."""
    covers_whole_file: bool
    """Nothing was appended after signing."""
    signer: str = ""
    staff_no: str = ""
    organisation: str = ""
    signing_time: dt.datetime | None = None
    """The time the signer claims (not a trusted timestamp)."""
    fingerprint_sha256: str = ""
    trusted: bool = False
    self_issued: bool = False
    signatures: int = 0
    trust_checked: bool = False
    """A trust anchor was given (``--trust``); then an untrusted signer is a failure."""
    detail: str = ""
    problems: tuple[str, ...] = field(default_factory=tuple)
    signers: tuple[SignerInfo, ...] = ()
    """Every signature in file order; the fields above describe the first."""

    @property
    def ok(self) -> bool:
        return self.status == STATUS_VALID

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "status": self.status,
            "intact": self.intact,
            "signature_valid": self.signature_valid,
            "covers_whole_file": self.covers_whole_file,
            "signer": self.signer,
            "staff_no": self.staff_no,
            "organisation": self.organisation,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "fingerprint_sha256": self.fingerprint_sha256,
            "trusted": self.trusted,
            "trust_checked": self.trust_checked,
            "self_issued": self.self_issued,
            "signatures": self.signatures,
            "signers": [s.to_json() for s in self.signers],
            "problems": list(self.problems),
        }


def _read_file(path: str | os.PathLike[str]) -> bytes:
    p = Path(path)
    if not p.is_file():
        raise NotFound(tr("docs.error.file_missing", path=str(p)))
    return p.read_bytes()


def load_trust(path: str | os.PathLike[str]) -> list[asn1_x509.Certificate]:
    """Certificates (PEM, one or more, or DER) to treat as trust anchors."""
    data = _read_file(path)
    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise SigningError(tr("docs.verify.bad_trust", path=str(Path(path)))) from exc
    return [_asn1_cert(c) for c in certs]


def verify_pdf(source: bytes | str | os.PathLike[str],
               trust: list[asn1_x509.Certificate] | None = None) -> VerifyResult:
    """Verify every PAdES signature of a PDF. Never raises for a bad file: it reports it.

    Each signature must be intact and valid; the last must cover the whole file; and what was
    added after each earlier signature is checked with pyHanko's difference analysis: only
    further signatures may follow (no page content, annotation or form change). The result
    describes the first signature, the document's signer; ``signers`` lists all, naming a
    later signer whose certificate merely looks like the first one's (same name and staff
    number, another key) as a different signer."""
    data = source if isinstance(source, bytes) else _read_file(source)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        reader.root.get("/AcroForm")
    except Exception as exc:  # not a PDF any more: pyHanko raises many types
        return VerifyResult(STATUS_UNREADABLE, False, False, False,
                            detail=str(exc), problems=(tr("docs.verify.unreadable"),))
    try:
        sigs = list(reader.embedded_signatures)
    except Exception as exc:  # a signature whose data no longer parses
        return VerifyResult(STATUS_INVALID, False, False, False, detail=str(exc),
                            problems=(tr("docs.verify.broken"),))
    if not sigs:
        return VerifyResult(STATUS_UNSIGNED, False, False, False,
                            problems=(tr("docs.verify.no_signature"),))
    vc = ValidationContext(trust_roots=list(trust or []), allow_fetching=False,
                           revocation_mode="soft-fail")
    problems: list[str] = []
    try:
        from pyhanko.sign.validation import async_validate_pdf_signature

        statuses = asyncio.run(_validate_all(sigs, vc, async_validate_pdf_signature))
        byte_range = [int(v) for v in sigs[-1].sig_object["/ByteRange"]]
        certs = [x509.load_der_x509_certificate(st.signing_cert.dump()) for st in statuses]
    except Exception as exc:  # a damaged signature: pyHanko and asn1crypto raise many types
        return VerifyResult(STATUS_INVALID, False, False, False, signatures=len(sigs),
                            detail=str(exc), problems=(tr("docs.verify.broken"),))
    intact = all(st.intact for st in statuses)
    valid = all(st.valid for st in statuses)
    covers = byte_range[2] + byte_range[3] == len(data)
    signature_fields = {sig.field_name for sig in sigs}
    changed_between = [not _only_signatures_follow(st, signature_fields)
                       for st in statuses[:-1]]
    if not intact:
        problems.append(tr("docs.verify.not_intact"))
    elif not valid:
        problems.append(tr("docs.verify.bad_signature"))
    if not covers:
        problems.append(tr("docs.verify.appended"))
    for number, changed in enumerate(changed_between, start=1):
        if changed:
            problems.append(tr("integrity.verify.changed_between", number=number))
    trust_checked = bool(trust)
    trusted = all(st.trusted for st in statuses)
    if trust_checked and not trusted:
        problems.append(tr("docs.verify.untrusted"))
    if not intact or not covers or any(changed_between):
        verdict = STATUS_MODIFIED
    elif not valid or (trust_checked and not trusted):
        verdict = STATUS_INVALID
    else:
        verdict = STATUS_VALID
    signers = tuple(_signer(number, cert, st, certs[0])
                    for number, (cert, st) in enumerate(zip(certs, statuses, strict=True), 1))
    first = signers[0]
    return VerifyResult(
        status=verdict, intact=intact, signature_valid=valid, covers_whole_file=covers,
        signer=first.name, staff_no=first.staff_no, organisation=first.organisation,
        signing_time=first.signing_time, fingerprint_sha256=first.fingerprint_sha256,
        trusted=trusted, self_issued=is_self_issued(certs[0]), signatures=len(sigs),
        trust_checked=trust_checked, problems=tuple(problems), signers=signers,
    )


@dataclass(frozen=True)
class SignerInfo:
    """One signature of a file, in file order (``verify --json``: ``signers``)."""

    number: int
    name: str
    staff_no: str
    organisation: str
    fingerprint_sha256: str
    signing_time: dt.datetime | None
    same_signer: bool
    """Signed with the first signature's certificate (the same key)."""
    look_alike: bool
    """Another certificate whose name and staff number equal the first signer's: a different
    signer that merely looks the same."""

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "signer": self.name, "staff_no": self.staff_no,
                "organisation": self.organisation,
                "fingerprint_sha256": self.fingerprint_sha256,
                "signing_time": self.signing_time.isoformat() if self.signing_time else None,
                "same_signer": self.same_signer, "look_alike": self.look_alike}


def _signer(number: int, cert: x509.Certificate, status: Any,
            first: x509.Certificate) -> SignerInfo:
    info = certificate_info(cert)
    first_info = certificate_info(first)
    same = _public_key(cert) == _public_key(first)
    claimed = status.signer_reported_dt
    return SignerInfo(number, info.name, info.staff_no, info.organisation,
                      info.fingerprint_sha256, claimed.astimezone() if claimed else None,
                      same, not same and (info.name, info.staff_no) == (first_info.name,
                                                                        first_info.staff_no))


def _public_key(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)


def _only_signatures_follow(status: Any, signature_fields: set[str]) -> bool:
    """pyHanko's difference analysis of everything after this signature found nothing but
    further signatures: no page content, annotation, form value or other object changed."""
    from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel

    result = status.diff_result
    if not isinstance(result, DiffResult):  # a SuspiciousModification, or not analysed
        return False
    return (result.modification_level <= ModificationLevel.FORM_FILLING
            and result.changed_form_fields <= signature_fields)


async def _validate_all(sigs: list, vc: ValidationContext, validate: Any) -> list:
    # the difference analysis is only needed where something follows a signature
    return [await validate(s, signer_validation_context=vc, skip_diff=i == len(sigs) - 1)
            for i, s in enumerate(sigs)]
