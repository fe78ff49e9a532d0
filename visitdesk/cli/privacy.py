"""The case store's protection: ``store status|encrypt|passphrase|recovery-key`` (docs/cli.md),
and how every command unlocks an encrypted store.

A store stays plain SQLite until a passphrase is set for it (``store encrypt`` or the window's
first start); from then on a command that opens the store needs its passphrase, read from
``--store-passphrase-file``, ``$VISITDESK_STORE_PASSPHRASE``, the command's own
``--passphrase-file`` or ``$VISITDESK_PASSPHRASE`` (the officer may use one passphrase for the
store and the signing key), or asked for on the terminal.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from visitdesk.cli import add_command, print_json
from visitdesk.core.errors import InputError
from visitdesk.i18n import tr

STORE_PASSPHRASE_ENV = "VISITDESK_STORE_PASSPHRASE"
SHARED_PASSPHRASE_ENV = "VISITDESK_PASSPHRASE"
NEW_PASSPHRASE_ENV = "VISITDESK_NEW_PASSPHRASE"


def register(sub: Any) -> None:
    p = add_command(sub, "store", "protect the case store: passphrase and recovery key", _usage)
    ssub = p.add_subparsers(dest="store_command", metavar="SUBCOMMAND")
    c = add_command(ssub, "status", "is the store encrypted; is there a recovery key",
                    cmd_store_status)
    c.add_argument("--json", action="store_true")
    c = add_command(ssub, "encrypt", "encrypt a plain store under a new passphrase",
                    cmd_store_encrypt)
    c.add_argument("--new-passphrase-file", metavar="F",
                   help="file whose first line is the new passphrase")
    c = add_command(ssub, "passphrase", "change the store's passphrase (the store is not "
                    "re-encrypted)", cmd_store_passphrase)
    c.add_argument("--new-passphrase-file", metavar="F")
    c.add_argument("--recovery-key-file", metavar="F",
                   help="open with the recovery key instead of the current passphrase")
    c = add_command(sub, "access-log", "who revealed which account's full identifiers, when",
                    cmd_access_log)
    c.add_argument("--account", metavar="ACCOUNT_NO")
    c.add_argument("--json", action="store_true")
    r = add_command(sub, "retention", "remove personal data of accounts past retention", _usage)
    rsub = r.add_subparsers(dest="retention_command", metavar="SUBCOMMAND")
    c = add_command(rsub, "purge", "remove the personal data of accounts not imported or "
                    "visited since DATE, leaving a tombstone", cmd_retention_purge)
    c.add_argument("--before", metavar="YYYY-MM-DD",
                   help="cut-off date (default: today less the retention setting)")
    c.add_argument("--json", action="store_true")
    c = add_command(ssub, "recovery-key", "create the recovery key and print it as a one-page "
                    "PDF (replaces any earlier one)", cmd_store_recovery_key)
    c.add_argument("--out", required=True, metavar="FILE.pdf")


def _usage(ctx: Any) -> int:
    raise InputError(tr("docs.cli.subcommand_required"))


def _first_line(path: str) -> str:
    from visitdesk.adapters.certificates import read_passphrase_file

    return read_passphrase_file(path)


def store_passphrase(args: Any, *, prompt: bool = True) -> str:
    """The store passphrase from the options, the environment or the terminal."""
    if getattr(args, "store_passphrase_file", None):
        return _first_line(args.store_passphrase_file)
    if os.environ.get(STORE_PASSPHRASE_ENV):
        return os.environ[STORE_PASSPHRASE_ENV]
    if getattr(args, "passphrase_file", None):
        return _first_line(args.passphrase_file)
    if os.environ.get(SHARED_PASSPHRASE_ENV):
        return os.environ[SHARED_PASSPHRASE_ENV]
    if prompt and sys.stdin.isatty():
        import getpass

        return getpass.getpass(tr("privacy.cli.prompt"))
    raise InputError(tr("privacy.cli.passphrase_needed", env=STORE_PASSPHRASE_ENV))


def new_passphrase(args: Any) -> str:
    """A passphrase to set: ``--new-passphrase-file``, ``$VISITDESK_NEW_PASSPHRASE`` or asked
    twice on the terminal."""
    if getattr(args, "new_passphrase_file", None):
        return _first_line(args.new_passphrase_file)
    if os.environ.get(NEW_PASSPHRASE_ENV):
        return os.environ[NEW_PASSPHRASE_ENV]
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass(tr("privacy.cli.prompt_new"))
        if getpass.getpass(tr("privacy.cli.prompt_repeat")) != first:
            raise InputError(tr("privacy.cli.repeat_differs"))
        return first
    raise InputError(tr("privacy.cli.new_needed", env=NEW_PASSPHRASE_ENV))


def unlock_store(data_dir: Path, args: Any) -> None:
    """Make sure the key of an encrypted store in ``data_dir`` is unlocked for this process."""
    from visitdesk.adapters import keys

    if keys.is_encrypted(data_dir) and keys.remembered(data_dir) is None:
        keys.unlock(data_dir, store_passphrase(args))


def who(ctx: Any) -> str:
    """The officer as the logs name them: name and staff number from the settings."""
    s = ctx.settings
    return " ".join(x for x in (s.officer_name, s.staff_no) if x) or tr("privacy.who.unknown")


def cmd_access_log(ctx: Any) -> int:
    from visitdesk.adapters.access_log import access_entries, verify_access_log
    from visitdesk.cli import EXIT_FAILURE

    entries = access_entries(ctx.store, ctx.args.account)
    broken = verify_access_log(ctx.store)
    if ctx.args.json:
        print_json({"intact": broken is None, "broken_at": broken,
                    "entries": [e.to_json() for e in entries]})
    else:
        for e in entries:
            print(tr("privacy.access.line", seq=e.seq, when=e.when, who=e.who,
                     account=e.account_no, fields=", ".join(e.fields), purpose=e.purpose))
        print(tr("privacy.access.intact") if broken is None
              else tr("privacy.access.broken", seq=broken))
    return 0 if broken is None else EXIT_FAILURE


def retention_limit(years: int, today: Any = None) -> Any:
    """The latest cut-off date the retention setting allows: ``years`` before today."""
    from datetime import date

    today = today or date.today()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def cmd_retention_purge(ctx: Any) -> int:
    from datetime import date

    from visitdesk.adapters.retention import purge_before

    years = max(0, int(ctx.settings.retention_years))
    limit = retention_limit(years)
    if ctx.args.before:
        try:
            before = date.fromisoformat(ctx.args.before)
        except ValueError as exc:
            raise InputError(tr("privacy.retention.bad_date", value=ctx.args.before)) from exc
    else:
        before = limit
    if before > limit:
        raise InputError(tr("privacy.retention.too_recent", before=before.isoformat(),
                            years=years, limit=limit.isoformat()))
    report = purge_before(ctx.store, before, who(ctx))
    if ctx.args.json:
        print_json(report.to_json())
    else:
        print(tr("privacy.retention.done", count=len(report.purged), before=before.isoformat()))
    return 0


def _personal(ctx: Any) -> list[str]:
    s = ctx.settings
    return [s.staff_no, s.officer_phone, s.officer_name]


def cmd_store_status(ctx: Any) -> int:
    from visitdesk.adapters import keys
    from visitdesk.adapters.store import STORE_FILE

    data_dir = ctx.data_dir
    encrypted = keys.key_path(data_dir).is_file()
    info = {
        "path": str(Path(data_dir) / STORE_FILE),
        "encrypted": encrypted,
        "encryption_pending": (not encrypted) and keys.is_encrypted(data_dir),
        "recovery_key": encrypted and keys.KeyFile.load(keys.key_path(data_dir)).has_recovery,
        "failed_attempts": keys.failures(data_dir),
    }
    if ctx.args.json:
        print_json(info)
    else:
        print(tr("privacy.cli.status_encrypted" if encrypted else "privacy.cli.status_plain",
                 path=info["path"]))
        if encrypted:
            print(tr("privacy.cli.status_recovery_yes" if info["recovery_key"]
                     else "privacy.cli.status_recovery_no"))
    return 0


def cmd_store_encrypt(ctx: Any) -> int:
    from visitdesk.adapters import keys
    from visitdesk.adapters.crypto_store import encrypt_store

    if keys.key_path(ctx.data_dir).is_file():
        raise InputError(tr("privacy.store.already"))
    if keys.is_encrypted(ctx.data_dir):  # interrupted earlier: resume with the same passphrase
        passphrase = store_passphrase(ctx.args)
    else:
        passphrase = new_passphrase(ctx.args)
    shown = {"pct": -1}

    def progress(done: int, total: int) -> None:
        pct = 100 if not total else done * 100 // total
        if pct // 10 != shown["pct"] // 10:
            shown["pct"] = pct
            print(tr("privacy.cli.progress", done=done, total=total, pct=pct), file=sys.stderr)

    encrypt_store(ctx.data_dir, passphrase, progress=progress, personal=_personal(ctx))
    print(tr("privacy.cli.encrypted"))
    return 0


def cmd_store_passphrase(ctx: Any) -> int:
    from visitdesk.adapters import keys
    from visitdesk.adapters.passphrase_rules import check_passphrase_strength

    data_dir = ctx.data_dir
    if not keys.key_path(data_dir).is_file():
        raise InputError(tr("privacy.cli.not_encrypted"))
    if ctx.args.recovery_key_file:
        data_key = keys.unlock_with_recovery(data_dir, _first_line(ctx.args.recovery_key_file))
    else:
        data_key = keys.remembered(data_dir) or keys.unlock(data_dir, store_passphrase(ctx.args))
    new = new_passphrase(ctx.args)
    check_passphrase_strength(new, personal=_personal(ctx))
    keys.change_passphrase(data_dir, data_key, new)
    print(tr("privacy.cli.passphrase_changed"))
    return 0


def cmd_store_recovery_key(ctx: Any) -> int:
    from datetime import datetime

    from visitdesk import i18n
    from visitdesk.adapters import keys
    from visitdesk.adapters.pdf.recovery import recovery_sheet_pdf
    from visitdesk.adapters.store import STORE_FILE
    from visitdesk.atomic import atomic_write_bytes

    data_dir = ctx.data_dir
    if not keys.key_path(data_dir).is_file():
        raise InputError(tr("privacy.cli.not_encrypted"))
    data_key = keys.remembered(data_dir) or keys.unlock(data_dir, store_passphrase(ctx.args))
    out = Path(ctx.args.out)
    # the sheet is written before the key file learns the new key: a sheet that cannot be
    # written leaves the earlier recovery key valid
    kf = keys.KeyFile.load(keys.key_path(data_dir))
    recovery = kf.set_recovery(data_key)
    pdf = recovery_sheet_pdf(recovery, settings=ctx.settings,
                             store_path=str(Path(data_dir) / STORE_FILE),
                             key_check=keys.key_check(data_key), created=datetime.now(),
                             lang=i18n.language())
    try:
        atomic_write_bytes(out, pdf)
    except OSError as exc:
        raise InputError(tr("docs.cli.cannot_write", path=str(out),
                            detail=exc.strerror or str(exc))) from exc
    kf.save()
    print(tr("privacy.cli.recovery_written", path=str(out)))
    return 0
