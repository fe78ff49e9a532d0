"""Headless documents: ``briefing``, ``summary``, ``handout``, ``verify``, ``visit sign`` and
``cert create|import|show|passphrase`` (documented in the Documents section of docs/cli.md).

Heavy libraries (reportlab, pyHanko) are imported inside the commands, never at start-up.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from visitdesk.cli import EXIT_INVALID_SIGNATURE, EXIT_OK, add_command, print_json
from visitdesk.cli.visits import visit_subcommands
from visitdesk.core.errors import InputError, NotFound, SigningError
from visitdesk.i18n import tr

PASSPHRASE_ENV = "VISITDESK_PASSPHRASE"


def register(sub: Any) -> None:
    p = add_command(sub, "briefing", "pre-visit briefing (访前准备单) for one or more accounts",
                    cmd_briefing)
    p.add_argument("account_nos", nargs="+", metavar="ACCOUNT_NO")
    p.add_argument("--date", help="planned visit day, YYYY-MM-DD (default: today)")
    p.add_argument("--out", required=True, metavar="FILE.pdf")

    p = add_command(sub, "summary", "visit summary (上门催收记录) of a visit as PDF", cmd_summary)
    p.add_argument("visit_id", metavar="ID")
    p.add_argument("--version", type=int, help="version of the record (default: the newest)")
    p.add_argument("--out", required=True, metavar="FILE.pdf")

    p = add_command(sub, "handout", "customer handout (还款计划告知书/分期还款协议) as PDF",
                    cmd_handout)
    p.add_argument("visit_id", metavar="ID", nargs="?")
    p.add_argument("--version", type=int, help="version of the record (default: the newest)")
    p.add_argument("--account", metavar="ACCOUNT_NO",
                   help="print before the visit: the account (with --terms, instead of ID)")
    p.add_argument("--terms", metavar="TERMS.json",
                   help="print before the visit: plan terms in the visit record's plan form")
    p.add_argument("--out", required=True, metavar="FILE.pdf")

    p = add_command(sub, "verify", "verify the digital signature of a PDF", cmd_verify)
    p.add_argument("file", metavar="FILE.pdf")
    p.add_argument("--trust", metavar="CA.pem",
                   help="certificates to trust (PEM or DER); the signer must chain to one")
    p.add_argument("--json", action="store_true")

    p = add_command(sub, "cert", "the officer's signing certificate", _usage)
    csub = p.add_subparsers(dest="cert_command", metavar="SUBCOMMAND")
    c = add_command(csub, "create", "create a self-issued certificate (ECDSA P-256)",
                    cmd_cert_create)
    c.add_argument("--name", required=True, help="the officer's name")
    c.add_argument("--staff-no", help="staff number (default: from the settings)")
    c.add_argument("--bank", help="bank name (default: from the settings)")
    c.add_argument("--passphrase-file", metavar="F")
    c.add_argument("--force", action="store_true", help="replace an existing certificate")
    c = add_command(csub, "import", "import the bank's PKCS#12 certificate file",
                    cmd_cert_import)
    c.add_argument("file", metavar="FILE.p12")
    c.add_argument("--passphrase-file", metavar="F")
    c.add_argument("--new-passphrase-file", metavar="F",
                   help="keep the key under this passphrase instead of the file's own "
                   "(required when the file's passphrase is too weak)")
    c.add_argument("--force", action="store_true", help="replace an existing certificate")
    c = add_command(csub, "show", "show the certificate in use", cmd_cert_show)
    c.add_argument("--json", action="store_true")
    c = add_command(csub, "passphrase", "change the passphrase of the stored key",
                    cmd_cert_passphrase)
    c.add_argument("--passphrase-file", metavar="F", help="file with the current passphrase")
    c.add_argument("--new-passphrase-file", metavar="F", required=True)

    s = add_command(visit_subcommands(), "sign",
                    "sign a finalised visit: signed summary and handout", cmd_visit_sign)
    s.add_argument("visit_id", metavar="ID")
    s.add_argument("--passphrase-file", metavar="F")
    s.add_argument("--officer-signature", metavar="PNG", help="the officer's drawn signature")
    s.add_argument("--customer-signature", metavar="PNG", help="the customer's drawn signature")


def _usage(ctx: Any) -> int:
    raise InputError(tr("docs.cli.subcommand_required"))


# --- helpers ---------------------------------------------------------------------------------

def _documents(ctx: Any, with_visits: bool = True):
    from visitdesk.adapters.documents import Documents

    repository = None
    if with_visits:
        from visitdesk.adapters.visit_store import VisitRepository

        repository = VisitRepository(ctx.store, settings=ctx.settings)
    return Documents(ctx.data_dir, ctx.settings, repository=repository, store=ctx.store)


def _write(path: str, data: bytes, *, announce: bool = True) -> None:
    """Write a document atomically; a full disk or an unwritable path is a clear refusal.
    ``announce``: print where it went (not when the command prints JSON)."""
    from visitdesk.adapters.store import unavailable
    from visitdesk.atomic import atomic_write_bytes

    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        full = unavailable(exc)
        if full is not None:
            raise full from exc
        raise InputError(tr("docs.cli.cannot_write", path=path,
                            detail=exc.strerror or str(exc))) from exc
    if announce:
        print(tr("docs.cli.written", path=path, size=len(data)))


def _passphrase(path: str | None, *, allow_prompt: bool = True, prompt_key: str = "docs.cli.prompt") -> str:
    from visitdesk.adapters.certificates import read_passphrase_file

    if path:
        return read_passphrase_file(path)
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if allow_prompt and sys.stdin.isatty():
        import getpass

        return getpass.getpass(tr(prompt_key))
    raise InputError(tr("docs.cli.passphrase_needed", env=PASSPHRASE_ENV))


def _cert_kind(self_issued: bool) -> str:
    return tr("docs.verify.self_issued") if self_issued else tr("docs.verify.issued")


def _signing(func):
    """Certificate and passphrase problems are the user's to fix: exit 2, not 1."""

    def wrapper(ctx: Any) -> int:
        try:
            return func(ctx)
        except SigningError as exc:
            raise InputError(str(exc)) from exc

    return wrapper


# --- commands --------------------------------------------------------------------------------

def cmd_briefing(ctx: Any) -> int:
    args = ctx.args
    from visitdesk.core.limits import check_day

    try:
        day = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        raise InputError(tr("docs.cli.bad_date", value=args.date)) from None
    check_day(day, "--date")
    docs = _documents(ctx, with_visits=False)
    accounts = [docs.account(no) for no in args.account_nos]
    _write(args.out, docs.briefing(accounts, day))
    return EXIT_OK


def cmd_summary(ctx: Any) -> int:
    docs = _documents(ctx)
    _write(ctx.args.out, docs.summary(ctx.args.visit_id, ctx.args.version))
    return EXIT_OK


def cmd_handout(ctx: Any) -> int:
    args = ctx.args
    docs = _documents(ctx, with_visits=args.visit_id is not None)
    if args.visit_id:
        if args.account or args.terms:
            raise InputError(tr("docs.cli.handout_usage"))
        data = docs.handout(args.visit_id, args.version)
    else:
        if not (args.account and args.terms):
            raise InputError(tr("docs.cli.handout_usage"))

        path = Path(args.terms)
        if not path.is_file():
            raise NotFound(tr("docs.error.file_missing", path=str(path)))
        from visitdesk.core.limits import MAX_FILE_BYTES, load_json

        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(tr("integrity.limit.file_size", file=str(path),
                                limit=MAX_FILE_BYTES))
        try:
            terms = load_json(path.read_text(encoding="utf-8"), str(path))
        except UnicodeDecodeError as exc:
            raise InputError(tr("docs.cli.bad_json", path=str(path), detail=str(exc))) from exc
        if isinstance(terms, dict) and isinstance(terms.get("plan"), dict):
            terms = terms["plan"]  # a whole visit-record file is accepted too
        data = docs.handout_for_terms(args.account, terms)
    _write(args.out, data)
    return EXIT_OK


@_signing
def cmd_verify(ctx: Any) -> int:
    from visitdesk.adapters.signing import load_trust, verify_pdf

    args = ctx.args
    trust = load_trust(args.trust) if args.trust else None
    result = verify_pdf(args.file, trust=trust)
    if args.json:
        print_json({"file": args.file, **result.to_json()})
    else:
        print(format_verify(args.file, result))
    return EXIT_OK if result.ok else EXIT_INVALID_SIGNATURE


def format_verify(file: str, r: Any) -> str:
    yes_no = {True: tr("docs.yes"), False: tr("docs.no")}
    lines = [tr("docs.verify.line.file", file=file),
             tr("docs.verify.line.result", result=tr(f"docs.verify.status.{r.status}"))]
    if r.signatures:
        signer = r.signer + (tr("docs.stamp.staff_no", staff_no=r.staff_no) if r.staff_no else "")
        if r.organisation:
            signer += f", {r.organisation}"
        lines += [
            tr("docs.verify.line.signer", signer=signer or "—"),
            tr("docs.verify.line.time",
               time=r.signing_time.isoformat(sep=" ") if r.signing_time else "—"),
            tr("docs.verify.line.fingerprint", fp=r.fingerprint_sha256 or "—"),
            tr("docs.verify.line.certificate", kind=_cert_kind(r.self_issued)),
            tr("docs.verify.line.trusted", trusted=yes_no[r.trusted]
               + ("" if r.trust_checked else tr("docs.verify.no_trust_given"))),
            tr("docs.verify.line.intact", intact=yes_no[r.intact and r.signature_valid]),
            tr("docs.verify.line.whole", whole=yes_no[r.covers_whole_file]),
        ]
    for s in r.signers[1:]:
        signer = s.name + (tr("docs.stamp.staff_no", staff_no=s.staff_no) if s.staff_no else "")
        kind = ("integrity.verify.same_signer" if s.same_signer else
                "integrity.verify.look_alike" if s.look_alike else "integrity.verify.other_signer")
        lines.append(tr("integrity.verify.line.signature", number=s.number, signer=signer or "—",
                        fp=s.fingerprint_sha256 or "—",
                        time=s.signing_time.isoformat(sep=" ") if s.signing_time else "—")
                     + f" — {tr(kind)}")
    lines += [f"  ! {p}" for p in r.problems]
    return "\n".join(lines)


@_signing
def cmd_visit_sign(ctx: Any) -> int:
    from visitdesk.adapters.documents import check_signable

    args = ctx.args
    docs = _documents(ctx)
    record = docs.record(args.visit_id)  # not found before asking for a passphrase
    pngs = {}
    for who, path in (("officer", args.officer_signature), ("customer", args.customer_signature)):
        if path:
            p = Path(path)
            if not p.is_file():
                raise NotFound(tr("docs.error.file_missing", path=path))
            from visitdesk.core.limits import MAX_SIGNATURE_BYTES, check_signature_image

            if p.stat().st_size > MAX_SIGNATURE_BYTES:
                raise InputError(tr("integrity.limit.image_file", who=tr(f"docs.who.{who}"),
                                    limit=MAX_SIGNATURE_BYTES))
            pngs[who] = p.read_bytes()
            check_signature_image(pngs[who], tr(f"docs.who.{who}"))
    check_signable(record)
    if not docs.certificates.exists():
        raise InputError(tr("docs.cert.none"))
    passphrase = _passphrase(args.passphrase_file)
    result = docs.sign_visit(args.visit_id, passphrase, officer_png=pngs.get("officer"),
                             customer_png=pngs.get("customer"))
    print(tr("docs.cli.signed", id=result.record.id, version=result.record.version,
             signer=result.certificate.name, kind=_cert_kind(result.certificate.self_issued)))
    for kind, path in result.files.items():
        print(f"  {kind}: {path}")
    return EXIT_OK


def _cert_store(ctx: Any):
    from visitdesk.adapters.certificates import CertificateStore

    return CertificateStore(ctx.data_dir)


def _print_cert(info: Any) -> None:
    print(tr("docs.cert.show", name=info.name, staff_no=info.staff_no or "—",
             org=info.organisation or "—", issuer=info.issuer,
             kind=_cert_kind(info.self_issued), fp=info.fingerprint_sha256, key=info.key_type,
             start=info.not_before.date().isoformat(), end=info.not_after.date().isoformat()))


@_signing
def cmd_cert_create(ctx: Any) -> int:
    args = ctx.args
    store = _cert_store(ctx)
    if store.exists() and not args.force:
        raise InputError(tr("docs.cert.exists"))
    passphrase = _passphrase(args.passphrase_file, prompt_key="docs.cli.prompt_new")
    info = store.create_self_issued(
        name=args.name, staff_no=args.staff_no if args.staff_no is not None else ctx.settings.staff_no,
        bank=args.bank if args.bank is not None else ctx.settings.bank_name, passphrase=passphrase)
    print(tr("docs.cert.created"))
    _print_cert(info)
    return EXIT_OK


@_signing
def cmd_cert_import(ctx: Any) -> int:
    args = ctx.args
    path = Path(args.file)
    if not path.is_file():
        raise NotFound(tr("docs.error.file_missing", path=args.file))
    store = _cert_store(ctx)
    if store.exists() and not args.force:
        raise InputError(tr("docs.cert.exists"))
    from visitdesk.adapters.certificates import read_passphrase_file

    new = read_passphrase_file(args.new_passphrase_file) if args.new_passphrase_file else None
    info = store.import_pkcs12(path.read_bytes(), _passphrase(args.passphrase_file), new,
                               personal=(ctx.settings.staff_no, ctx.settings.officer_name))
    print(tr("docs.cert.imported"))
    _print_cert(info)
    return EXIT_OK


def cmd_cert_show(ctx: Any) -> int:
    info = _cert_store(ctx).info()
    if info is None:
        raise NotFound(tr("docs.cert.none"))
    if ctx.args.json:
        print_json(info.to_json())
    else:
        _print_cert(info)
    return EXIT_OK


@_signing
def cmd_cert_passphrase(ctx: Any) -> int:
    from visitdesk.adapters.certificates import read_passphrase_file

    args = ctx.args
    store = _cert_store(ctx)
    if not store.exists():
        raise NotFound(tr("docs.cert.none"))
    old = _passphrase(args.passphrase_file)
    store.change_passphrase(old, read_passphrase_file(args.new_passphrase_file),
                            personal=(ctx.settings.staff_no, ctx.settings.officer_name))
    print(tr("docs.cert.passphrase_changed"))
    return EXIT_OK
