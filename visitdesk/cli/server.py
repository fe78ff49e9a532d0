"""``visitdesk server init`` and ``server user add``: what the bank's DBA runs on the branch
server (docs/server.md; the contract in docs/cli.md, "Branch server")."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from visitdesk.cli import COMMON, EXIT_OK, add_command, print_json
from visitdesk.core.errors import InputError
from visitdesk.i18n import tr


def register(sub: Any) -> None:
    server = sub.add_parser("server", help="the branch server (PostgreSQL): set up and staff",
                            parents=[COMMON])
    server_sub = server.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    p = add_command(server_sub, "init", "create or migrate the branch server's schema and roles",
                    cmd_init)
    _connection_options(p)
    p.add_argument("--json", action="store_true")
    user = server_sub.add_parser("user", help="staff logins", parents=[COMMON])
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    p = add_command(user_sub, "add", "create a login for an officer (or a supervisor)",
                    cmd_user_add)
    p.add_argument("staff_no", metavar="STAFF_NO")
    p.add_argument("--name", required=True)
    p.add_argument("--supervisor", action="store_true")
    p.add_argument("--user-password-file", metavar="FILE",
                   help="the new login's password (first line); asked for when not given")
    _connection_options(p)
    p.add_argument("--json", action="store_true")


    p = add_command(server_sub, "import", "upload the branch's account list (a supervisor's "
                    "login): changed accounts get a new version, officers fetch only those",
                    cmd_import)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--sheet", metavar="NAME")
    _connection_options(p)
    p.add_argument("--json", action="store_true")
    p = add_command(server_sub, "assign", "assign accounts to an officer (a supervisor's login)",
                    cmd_assign)
    p.add_argument("account_nos", nargs="+", metavar="ACCOUNT_NO")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--officer", metavar="STAFF_NO")
    who.add_argument("--unassign", action="store_true")
    _connection_options(p)
    p.add_argument("--json", action="store_true")

    p = add_command(sub, "sync", "exchange data with the branch server: fetch this officer's "
                    "accounts, push finalised and signed visit records", cmd_sync)
    p.add_argument("--dsn", help="default: the server_dsn setting")
    p.add_argument("--password-file", metavar="FILE")
    p.add_argument("--json", action="store_true")


def _connection_options(p: Any) -> None:
    p.add_argument("--dsn", required=True, help="PostgreSQL connection string without the "
                   "password, e.g. 'host=db.branch port=5432 dbname=visitdesk user=dba "
                   "sslmode=verify-full sslrootcert=bank-ca.pem'")
    p.add_argument("--password-file", metavar="FILE", help="the password of the DSN's login "
                   "(first line); else $VISITDESK_DB_PASSWORD, else a prompt, else none")


def _connect(ctx: Any):
    from visitdesk.adapters.server.connection import connect, password_from

    args = ctx.args
    dsn = args.dsn or ctx.settings.server_dsn
    if not dsn:
        raise InputError(tr("server.error.no_dsn"))
    try:
        password = password_from(args.password_file)
    except OSError as exc:
        raise InputError(tr("server.error.password_file", file=args.password_file,
                            detail=exc.strerror or str(exc))) from None
    if password is None and sys.stdin.isatty():
        password = getpass.getpass(tr("server.prompt.password")) or None
    conn = connect(dsn, password)
    ctx._closers.append(conn)
    return conn


def cmd_init(ctx: Any) -> int:
    from visitdesk.adapters.server.admin import init_schema

    result = init_schema(_connect(ctx))
    if ctx.args.json:
        print_json({"version": result.version, "applied": list(result.applied)})
    else:
        print(tr("server.cli.initialised", version=result.version,
                 applied=len(result.applied)))
    return EXIT_OK


def cmd_user_add(ctx: Any) -> int:
    from visitdesk.adapters.server.admin import add_user
    from visitdesk.adapters.server.connection import password_from

    args = ctx.args
    if args.user_password_file:
        try:
            new_password = password_from(args.user_password_file) or ""
        except OSError as exc:
            raise InputError(tr("server.error.password_file", file=args.user_password_file,
                                detail=exc.strerror or str(exc))) from None
    elif sys.stdin.isatty():
        new_password = getpass.getpass(tr("server.prompt.new_password", staff_no=args.staff_no))
    else:
        raise InputError(tr("server.error.new_password_needed"))
    if len(new_password) < 12:
        raise InputError(tr("server.error.weak_password"))
    login = add_user(_connect(ctx), args.staff_no, args.name, new_password,
                     supervisor=args.supervisor)
    if args.json:
        print_json({"staff_no": args.staff_no, "login": login, "supervisor": args.supervisor})
    else:
        print(tr("server.cli.user_added", staff_no=args.staff_no, login=login))
    return EXIT_OK


def cmd_import(ctx: Any) -> int:
    from visitdesk.adapters.server.sync import upload_accounts
    from visitdesk.adapters.spreadsheet import read_accounts
    from visitdesk.core.errors import ImportRefused

    args = ctx.args
    try:
        result = read_accounts(args.file, sheet=args.sheet, settings=ctx.settings)
    except ImportRefused as exc:
        raise InputError(str(exc)) from None
    new, changed = upload_accounts(_connect(ctx), list(result.accounts))
    if args.json:
        print_json({"file": result.file, "new": new, "changed": changed,
                    "unchanged": len(result.accounts) - new - changed,
                    "skipped": result.skipped})
    else:
        print(tr("server.cli.imported", file=result.file, new=new, changed=changed,
                 skipped=result.skipped))
    return EXIT_OK


def cmd_assign(ctx: Any) -> int:
    from visitdesk.adapters.server.admin import login_for
    from visitdesk.adapters.server.sync import assign

    args = ctx.args
    login = None if args.unassign else login_for(args.officer)
    conn = _connect(ctx)
    if login is not None and not conn.execute(
            "SELECT 1 FROM visitdesk.staff WHERE login = %s", (login,)).fetchone():
        from visitdesk.core.errors import NotFound

        raise NotFound(tr("server.error.no_officer", staff_no=args.officer))
    missing = assign(conn, login, list(args.account_nos))
    if args.json:
        print_json({"officer": args.officer, "assigned": len(args.account_nos) - len(missing),
                    "missing": missing})
    else:
        print(tr("server.cli.assigned", count=len(args.account_nos) - len(missing),
                 officer=args.officer or "—"))
        for no in missing:
            print(tr("server.cli.missing", account=no), file=sys.stderr)
    if missing:
        from visitdesk.cli import EXIT_NOT_FOUND

        return EXIT_NOT_FOUND
    return EXIT_OK


def cmd_sync(ctx: Any) -> int:
    from visitdesk.adapters.server.sync import sync
    from visitdesk.cli import EXIT_INVALID_SIGNATURE

    report = sync(ctx.store, _connect(ctx))
    if ctx.args.json:
        print_json(report.to_json())
    else:
        print(tr("server.cli.synced", pulled=report.pulled, unassigned=report.unassigned,
                 pushed=report.pushed, already=report.already,
                 conflicts=len(report.conflicts), refused=len(report.refused)))
        for item in report.conflicts:
            print(tr("server.cli.conflict", **item), file=sys.stderr)
        for item in report.refused:
            print(tr("server.cli.refused", **item), file=sys.stderr)
    # 4: a conflict (the server holds another version of an item: tampering or a bug)
    return EXIT_INVALID_SIGNATURE if report.conflicts else EXIT_OK
