"""The documents of a visit, as the window and the headless commands ask for them.

One entry point over the PDF modules, the certificate and the visit repository:

* :meth:`Documents.briefing` — the pre-visit briefing for one or many accounts;
* :meth:`Documents.summary` / :meth:`Documents.handout` — of a visit; for a signed visit the
  stored signed PDF is returned byte for byte (so it still verifies);
* :meth:`Documents.handout_for_terms` — the handout printed before a visit, from proposed terms;
* :meth:`Documents.sign_visit` — signs a finalised visit: renders the summary and (when the
  visit has a plan) the handout with the officer's visible stamp, signs both with PAdES,
  stores them in ``<data>/documents/<visit id>/`` and marks the record signed. Signing happens
  once; exports of a signed visit copy the signed files.

Each signed document carries, in its signed document information, the SHA-256 of the record
version it shows and the audit chain's head at signing time (:func:`anchor_keywords`), so that
``audit verify`` can check the store against documents kept elsewhere (docs/integrity.md).
The files are first written as ``….pdf.pending``, the record is marked signed, and only then
are they renamed; :func:`recover_pending` settles what a killed signing left behind.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from visitdesk.adapters.pdf.common import (
    Tr,
    bank_line,
    fmt_moment_full,
    plan_from_terms,
    require_customer_contact,
)
from visitdesk.atomic import atomic_write_bytes
from visitdesk.core.accounts import Account
from visitdesk.core.audit import Anchor, Problem
from visitdesk.core.errors import InputError, NotFound, StateError
from visitdesk.core.limits import check_signature_image
from visitdesk.core.plans import PlanTerms
from visitdesk.core.settings import Settings
from visitdesk.i18n import tr

if TYPE_CHECKING:  # reportlab, pyHanko and cryptography load only when a document is made
    from visitdesk.adapters.certificates import CertificateInfo, CertificateStore
    from visitdesk.adapters.pdf.styles import StampSpec

DOCUMENTS_FOLDER = "documents"
PENDING_SUFFIX = ".pending"
"""Signed files not yet matched by a record marked signed."""
ANCHOR_RECORD = "visitdesk-record"
ANCHOR_HEAD = "visitdesk-audit-head"


@dataclass(frozen=True)
class SignedVisit:
    record: object
    """The stored, signed ``VisitRecord``."""
    files: dict[str, Path]
    """``summary`` (always) and ``handout`` (when the visit has a plan) → signed PDF."""
    signed_at: dt.datetime
    certificate: CertificateInfo


def stamp_lines(info: CertificateInfo, when: dt.datetime, lang: str) -> tuple[str, ...]:
    """The text of the visible signature: signer, certificate kind, fingerprint, time."""
    t = Tr(lang)
    signer = info.name + (t("docs.stamp.staff_no", staff_no=info.staff_no) if info.staff_no else "")
    cert = (t("docs.stamp.self_issued") if info.self_issued
            else t("docs.stamp.issued_by", issuer=info.issuer))
    return (
        t("docs.stamp.signer", signer=signer),
        cert,
        t("docs.stamp.fingerprint", fp=info.fingerprint_sha256[:23]),
        t("docs.stamp.time", time=fmt_moment_full(when)),
    )


def customer_language(record) -> str:
    """The language of the customer's documents for this visit (default Chinese)."""
    return getattr(record, "customer_language", "") or "zh_CN"


def check_signable(record) -> None:
    """Only a finalised, not yet signed version can be signed (raises StateError)."""
    if record.state == "signed":
        raise StateError(tr("docs.error.already_signed", id=record.id, version=record.version))
    if record.state != "finalised":
        raise StateError(tr("docs.error.not_finalised", id=record.id))


class Documents:
    """Documents of one data folder. ``repository`` is a ``VisitRepository``."""

    def __init__(self, data_dir: str | Path, settings: Settings, repository=None,
                 store=None, playbook=None) -> None:
        self.data_dir = Path(data_dir)
        self.settings = settings
        self.repository = repository
        self.store = store if store is not None else getattr(repository, "store", None)
        self._playbook = playbook

    @property
    def certificates(self) -> CertificateStore:
        from visitdesk.adapters.certificates import CertificateStore

        return CertificateStore(self.data_dir)

    @property
    def lang(self) -> str:
        from visitdesk import i18n

        return i18n.language()

    @property
    def playbook(self):
        if self._playbook is None:
            if self.repository is not None:
                self._playbook = self.repository.playbook
            else:
                from visitdesk.core.playbook import load_playbook

                self._playbook = load_playbook()
        return self._playbook

    # --- lookups ----------------------------------------------------------------------------
    def account(self, account_no: str) -> Account:
        account = self.store.account(account_no) if self.store is not None else None
        if account is None:
            raise NotFound(tr("cli.error.account_not_found", account_no=account_no))
        return account

    def record(self, visit_id: str, version: int | None = None):
        return self.repository.get(visit_id, version)

    def signed_path(self, record, kind: str) -> Path:
        return (self.data_dir / DOCUMENTS_FOLDER / record.id
                / f"{record.id}-v{record.version}-{kind}-signed.pdf")

    # --- documents --------------------------------------------------------------------------
    def briefing(self, accounts: Sequence[Account | str], visit_day: dt.date, *,
                 route: Sequence[tuple[str, str, str, str, str]] = ()) -> bytes:
        """Briefings for the accounts (in this order); ``route`` puts a day plan's order and
        times on the first page (``visitdesk dayplan``)."""
        import dataclasses

        from visitdesk.adapters.pdf.briefing import briefing_content, render_briefing

        resolved = [a if isinstance(a, Account) else self.account(a) for a in accounts]
        content = briefing_content(resolved, self.settings, self.playbook, visit_day, self.lang)
        if route:
            content = dataclasses.replace(content, route=tuple(route))
        return render_briefing(content)

    def summary(self, visit_id: str, version: int | None = None) -> bytes:
        record = self.record(visit_id, version)
        stored = self._stored(record, "summary")
        if stored is not None:
            return stored
        return self._summary_pdf(record, None)[0]

    def handout(self, visit_id: str, version: int | None = None) -> bytes:
        record = self.record(visit_id, version)
        if not record.plan:
            raise InputError(tr("docs.error.no_plan", id=record.id))
        stored = self._stored(record, "handout")
        if stored is not None:
            return stored
        require_customer_contact(self.settings)
        return self._handout_pdf(record, None)[0]

    def summary_of(self, record) -> bytes:
        """The summary of a record in hand (e.g. an open draft, for preview); unsigned."""
        return self._summary_pdf(record, None)[0]

    def handout_of(self, record) -> bytes:
        """The handout of a record in hand (preview before saving or signing); unsigned."""
        if not record.plan:
            raise InputError(tr("docs.error.no_plan", id=record.id or "—"))
        require_customer_contact(self.settings)
        return self._handout_pdf(record, None)[0]

    def handout_for_terms(self, account: Account | str, terms: PlanTerms | dict) -> bytes:
        """The handout printed before the visit: proposed terms, blank signature lines."""
        from visitdesk.adapters.pdf.handout import handout_content, render_handout

        if not isinstance(account, Account):
            account = self.account(account)
        require_customer_contact(self.settings)
        plan = plan_from_terms(terms, account, self.settings)
        return render_handout(handout_content(account, plan, self.settings, lang=self.lang,
                                              playbook=self.playbook))[0]

    def _stored(self, record, kind: str) -> bytes | None:
        if record.state != "signed":
            return None
        path = self.signed_path(record, kind)
        if not path.is_file() and _pending(path).is_file():
            recover_pending(self.data_dir, self.repository)  # a signing killed at its end
        return path.read_bytes() if path.is_file() else None

    def _summary_pdf(self, record, stamp: StampSpec | None):
        from visitdesk.adapters.pdf.summary import render_summary, summary_content

        account = self.account(record.account_no)
        from visitdesk.adapters.visit_store import bank_lexicon

        content = summary_content(record, account, self.settings, self.playbook, self.lang,
                                  bank_lexicon(self.data_dir))
        if self.store is not None:
            from dataclasses import replace

            from visitdesk.adapters.attachments import list_attachments

            content = replace(content, attachments=tuple(
                (a.name, a.kind, a.size, a.sha256)
                for a in list_attachments(self.store, record.id) if a.version <= record.version))
        return render_summary(content, stamp)

    def _handout_pdf(self, record, stamp: StampSpec | None):
        from visitdesk.adapters.pdf.handout import handout_content, render_handout

        account = self.account(record.account_no)
        plan = plan_from_terms(record.plan, account, self.settings)
        return render_handout(handout_content(account, plan, self.settings, record=record,
                                              lang=customer_language(record),
                                              playbook=self.playbook), stamp)

    # --- signing ----------------------------------------------------------------------------
    def sign_visit(self, visit_id: str, passphrase: str, *, who: str = "",
                   officer_png: bytes | None = None, customer_png: bytes | None = None,
                   signer=None) -> SignedVisit:
        """Sign a finalised visit (see the module docstring). ``signer`` (a
        ``DocumentSigner``) may be passed to sign many visits with one unlocked key."""
        from visitdesk.adapters.pdf.styles import StampSpec, decode_png
        from visitdesk.adapters.signing import DocumentSigner, signing_now
        from visitdesk.adapters.visit_store import signed_version
        from visitdesk.core.audit import canonical, text_sha256
        from visitdesk.core.visit import Signature

        record = self.record(visit_id)
        check_signable(record)
        if record.plan:  # the handout is signed with the summary: refuse before anything
            require_customer_contact(self.settings)
        when = signing_now()
        if signer is None:
            signer = DocumentSigner(self.certificates.unlock(passphrase))
        drawn = {}
        for who_, png in (("officer", officer_png), ("customer", customer_png)):
            if png is not None:
                check_signature_image(png, tr(f"docs.who.{who_}"))
                if decode_png(png) is None:
                    raise InputError(tr("docs.error.not_png", who=tr(f"docs.who.{who_}")))
                drawn[who_] = Signature(base64.b64encode(png).decode("ascii"), when)
        signed = signed_version(record, drawn.get("officer"), drawn.get("customer"))
        digest = text_sha256(canonical(signed.to_json()))
        keywords = anchor_keywords(record.id, record.version, digest,
                                   self.repository.audit_head())
        officer_drawn = signed.signatures.get("officer")
        officer_png = decode_png(officer_drawn.png_base64) if officer_drawn else None
        location = bank_line(self.settings)
        # the summary is the bank's (officer's language), the handout the customer's
        renderers = {"summary": (self._summary_pdf, self.lang)}
        if record.plan:
            renderers["handout"] = (self._handout_pdf, customer_language(record))
        outputs: dict[str, bytes] = {}
        for kind, (render, lang) in renderers.items():
            stamp = StampSpec(officer_png, stamp_lines(signer.info, when, lang))
            pdf, places = render(signed, stamp)
            outputs[kind] = signer.sign(pdf, placement=places.get("officer"), signing_time=when,
                                        reason=tr(f"docs.sign.reason.{kind}", id=record.id),
                                        location=location, keywords=keywords)
        files = {kind: self.signed_path(signed, kind) for kind in outputs}
        pending = {kind: _pending(path) for kind, path in files.items()}
        try:
            for kind, data in outputs.items():
                atomic_write_bytes(pending[kind], data)
            stored = self.repository.mark_signed(
                record.id, who or record.officer.name, version=record.version,
                officer=drawn.get("officer"), customer=drawn.get("customer"),
                expected_sha256=digest)
        except BaseException:
            for path in pending.values():
                path.unlink(missing_ok=True)
            raise
        for kind, path in files.items():
            os.replace(pending[kind], path)
        return SignedVisit(stored, files, when, signer.info)


def _pending(path: Path) -> Path:
    return path.with_name(path.name + PENDING_SUFFIX)


# --- anchors: what signed documents say about the store -------------------------------------

def anchor_keywords(visit_id: str, version: int, record_sha256: str,
                    head: tuple[int, str]) -> list[str]:
    """The document-information keywords that make a signed document an :class:`Anchor`."""
    return [f"{ANCHOR_RECORD}:{visit_id}:{version}:{record_sha256}",
            f"{ANCHOR_HEAD}:{head[0]}:{head[1]}"]


def _keywords(data: bytes) -> dict[str, list[str]]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    info = reader.trailer_view.get("/Info")
    raw = str(info.get_object().get("/Keywords", "")) if info is not None else ""
    out: dict[str, list[str]] = {}
    for word in raw.split(","):
        name, _, rest = word.strip().partition(":")
        if name in (ANCHOR_RECORD, ANCHOR_HEAD):
            out[name] = rest.split(":")
    return out


def read_anchor(path: Path) -> Anchor | Problem | None:
    """The anchor of one signed visitdesk document; a :class:`Problem` when its signature no
    longer verifies; None for a file that is not a signed visitdesk document."""
    from visitdesk.adapters.signing import verify_pdf

    try:
        data = path.read_bytes()
        words = _keywords(data)
        record = words[ANCHOR_RECORD]
        head = words[ANCHOR_HEAD]
        visit_id, version, digest = record[0], int(record[1]), record[2]
        head_seq, head_hash = int(head[0]), head[1]
    except Exception:  # not a PDF, or not one of ours: pyHanko raises many types
        return None
    if not verify_pdf(data).ok:
        return Problem("document_modified", visit_id=visit_id, version=version, file=str(path))
    return Anchor(str(path), visit_id, version, digest, head_seq, head_hash)


def document_anchors(folders: Iterable[Path]) -> tuple[list[Anchor], list[Problem]]:
    """Anchors of every signed visitdesk PDF under ``folders`` (each file once)."""
    anchors: list[Anchor] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.pdf")):
            real = path.resolve()
            if real in seen or not path.is_file():
                continue
            seen.add(real)
            found = read_anchor(path)
            if isinstance(found, Anchor):
                anchors.append(found)
            elif found is not None:
                problems.append(found)
    return anchors, problems


def recover_pending(data_dir: Path, repository) -> None:
    """Settle signed files a killed signing left as ``.pending``: kept (renamed) when their
    version is stored as signed with the hash they carry, removed otherwise."""
    folder = Path(data_dir) / DOCUMENTS_FOLDER
    for path in sorted(folder.glob(f"*/*.pdf{PENDING_SUFFIX}")):
        final = path.with_name(path.name[: -len(PENDING_SUFFIX)])
        keep = False
        try:
            record = _keywords(path.read_bytes())[ANCHOR_RECORD]
            version = int(record[1])
            keep = (repository.get(record[0], version).state == "signed"
                    and not final.exists()
                    and repository.stored_sha256(record[0], version) == record[2])
        except Exception:  # unreadable or unknown: never a signed document of a signed record
            keep = False
        if keep:
            os.replace(path, final)
        else:
            path.unlink(missing_ok=True)
        logging.getLogger("visitdesk").info("interrupted signing: %s %s", path.name,
                                            "kept" if keep else "removed")
