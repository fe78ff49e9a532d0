"""``visitdesk lexicon check``: screen texts with the conduct lexicon, so that a bank can test
its own rules (docs/lexicon.md) before officers meet them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from visitdesk.cli import COMMON, add_command, print_json
from visitdesk.core.errors import InputError, NotFound
from visitdesk.i18n import tr


def _texts(ctx: Any) -> list[str]:
    args = ctx.args
    if args.file and args.texts:
        raise InputError(tr("lexicon.cli.file_and_texts"))
    if args.file is None:
        if not args.texts:
            raise InputError(tr("lexicon.cli.nothing"))
        return list(args.texts)
    if args.file == "-":
        raw = sys.stdin.read()
    else:
        path = Path(args.file)
        if not path.is_file():
            raise NotFound(tr("lexicon.cli.no_file", file=str(path)))
        try:
            raw = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(tr("lexicon.cli.unreadable", file=str(path),
                                problem=str(exc))) from exc
    return [line for line in raw.splitlines() if line.strip()]


def cmd_check(ctx: Any) -> int:
    from visitdesk.adapters.visit_store import bank_lexicon
    from visitdesk.core.lexicon import read_lexicon_file, screen

    texts = _texts(ctx)
    lexicon = bank_lexicon(ctx.data_dir)
    if ctx.args.lexicon:
        path = Path(ctx.args.lexicon)
        if not path.is_file():
            raise NotFound(tr("lexicon.cli.no_file", file=str(path)))
        lexicon = read_lexicon_file(path, lexicon)
    results = [(text, screen(text, lexicon)) for text in texts]
    if ctx.args.json:
        print_json([{"text": text, "hits": [h.to_json() for h in hits]}
                    for text, hits in results])
        return 0
    for text, hits in results:
        print(text)
        if not hits:
            print("  " + tr("lexicon.cli.no_hits"))
        for h in hits:
            print("  " + tr("lexicon.cli.hit", severity=tr(f"lexicon.severity.{h.severity}"),
                            category=lexicon.category_label(h.category), rule=h.rule.id,
                            phrase=h.phrase, start=h.start, end=h.end)
                  + (" " + tr("lexicon.cli.quoted") if h.quoted else ""))
    return 0


def register(sub: Any) -> None:
    lexicon = sub.add_parser("lexicon", help="check texts against the conduct lexicon",
                             description="check texts against the conduct lexicon",
                             parents=[COMMON])
    lsub = lexicon.add_subparsers(dest="lexicon_command", metavar="ACTION", required=True)
    p = add_command(lsub, "check", "screen texts with the lexicon in force (the bundled rules "
                    "and the data folder's conduct_lexicon.json) and print every hit", cmd_check)
    p.add_argument("texts", nargs="*", metavar="TEXT", help="texts to check")
    p.add_argument("--file", metavar="FILE",
                   help="check every non-blank line of FILE (UTF-8) as one text; - reads stdin")
    p.add_argument("--lexicon", metavar="FILE.json",
                   help="extra rules to add for this check (same form as conduct_lexicon.json)")
    p.add_argument("--json", action="store_true",
                   help="print a list of {text, hits: [{rule, category, severity, start, end, "
                   "phrase, quoted}]}")
