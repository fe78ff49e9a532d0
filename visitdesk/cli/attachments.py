"""``attach``, ``attachments`` and ``attachment export``: evidence of a visit (docs/cli.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from visitdesk.cli import add_command, print_json
from visitdesk.core.errors import InputError
from visitdesk.i18n import tr


def register(sub: Any) -> None:
    p = add_command(sub, "attach", "attach recordings, photos or documents to a visit draft",
                    cmd_attach)
    p.add_argument("visit_id", metavar="VISIT_ID")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--kind", choices=("recording", "photo", "document"),
                   help="default: from the file's content (audio/video, image, other)")
    p.add_argument("--consent", action="store_true",
                   help="the customer was told the conversation is recorded (required for "
                   "recordings)")
    p.add_argument("--who", metavar="NAME", help="who adds them (default: the settings)")
    p.add_argument("--json", action="store_true")
    p = add_command(sub, "attachments", "list a visit's attachments", cmd_attachments)
    p.add_argument("visit_id", metavar="VISIT_ID")
    p.add_argument("--json", action="store_true")
    p = add_command(sub, "attachment", "export one attachment", _usage)
    asub = p.add_subparsers(dest="attachment_command", metavar="SUBCOMMAND")
    e = add_command(asub, "export", "write an attachment to a file (its SHA-256 is checked)",
                    cmd_attachment_export)
    e.add_argument("visit_id", metavar="VISIT_ID")
    e.add_argument("name", metavar="NAME")
    e.add_argument("--out", required=True, metavar="PATH")


def _usage(ctx: Any) -> int:
    raise InputError(tr("docs.cli.subcommand_required"))


def cmd_attach(ctx: Any) -> int:
    from visitdesk.adapters.attachments import add_attachment, kind_for, sniff_file
    from visitdesk.cli.privacy import who

    args = ctx.args
    limit = max(1, int(ctx.settings.attachment_limit_mb)) << 20
    added = []
    for name in args.files:
        path = Path(name)
        kind = args.kind or (kind_for(sniff_file(path)) if path.is_file() else "document")
        added.append(add_attachment(ctx.store, args.visit_id, path, kind=kind,
                                    who=args.who or who(ctx), consent=args.consent, limit=limit))
    if args.json:
        print_json([a.to_json() for a in added])
    else:
        for a in added:
            print(tr("attach.cli.added", name=a.name, kind=tr(f"attach.kind.{a.kind}"),
                     size=a.size, sha256=a.sha256))
    return 0


def cmd_attachments(ctx: Any) -> int:
    from visitdesk.adapters.attachments import list_attachments

    items = list_attachments(ctx.store, ctx.args.visit_id)
    if ctx.args.json:
        print_json([a.to_json() for a in items])
        return 0
    if not items:
        print(tr("attach.cli.none"))
    for a in items:
        print(tr("attach.cli.line", name=a.name, kind=tr(f"attach.kind.{a.kind}"),
                 media=a.media_type, size=a.size, sha256=a.sha256, version=a.version))
    return 0


def cmd_attachment_export(ctx: Any) -> int:
    from visitdesk.adapters.attachments import export_attachment

    a = export_attachment(ctx.store, ctx.args.visit_id, ctx.args.name, Path(ctx.args.out))
    print(tr("attach.cli.exported", name=a.name, path=ctx.args.out, sha256=a.sha256),
          file=sys.stdout)
    return 0
