"""``visitdesk import FILE`` and ``visitdesk accounts``: the account commands (docs/cli.md)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from visitdesk.cli import EXIT_OK, EXIT_REFUSED, add_command, display_width, pad, print_json
from visitdesk.i18n import tr


def register(sub: Any) -> None:
    p = add_command(sub, "import", "import an account spreadsheet (.xlsx, .xlsm, .csv) into "
                    "the case store", cmd_import)
    p.add_argument("file", metavar="FILE", help="the workbook or CSV file to import")
    p.add_argument("--sheet", metavar="NAME", help="sheet to import (default: the first "
                   "visible sheet with a header row); hidden sheets only when named")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", type=_iso_date, dest="as_of",
                   help="date the file's figures are as of, for rows without their own "
                   "(default: the date a title row states, else today, reported as assumed)")
    p.add_argument("--product-type", choices=("card", "loan"), help="product of the accounts "
                   "whose file does not say (default: the setting default_product_type)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p = add_command(sub, "accounts", "list the accounts in the case store", cmd_accounts)
    p.add_argument("--json", action="store_true", help="print a JSON array of accounts")
    p.add_argument("--unmasked", action="store_true",
                   help="print ID and phone numbers in full (recorded in the access log)")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def cmd_import(ctx) -> int:
    from visitdesk.adapters.spreadsheet import import_file

    args = ctx.args
    report = import_file(ctx.store, Path(args.file), sheet=args.sheet, settings=ctx.settings,
                         product_type=args.product_type,
                         as_of=getattr(args, "as_of", None))
    if args.json:
        print_json(report.to_json())
    elif report.status == "refused":
        print(tr("import.cli.refused", file=report.file, error=report.error), file=sys.stderr)
    else:
        print(tr("import.cli.summary", file=report.file,
                 status=tr(f"import.status.{report.status}"), sheet=report.sheet,
                 header_row=report.header_row, imported=report.imported,
                 updated=report.updated, skipped=report.skipped))
        for note in report.notes:
            print(tr("import.cli.note", message=note.message))
        for p in report.problems:
            print(tr("import.cli.problem", severity=tr(f"import.severity.{p.severity}"),
                     row=p.row, column=p.column, value=p.value, message=p.message))
    return EXIT_REFUSED if report.status == "refused" else EXIT_OK


def cmd_accounts(ctx) -> int:
    from visitdesk.core.accounts import overdue_bucket
    from visitdesk.core.money import format_plain

    accounts = ctx.store.accounts()
    if ctx.args.json:
        from visitdesk.core.privacy import masked_json, valid_fields

        masked = () if ctx.args.unmasked else valid_fields(ctx.settings.mask_export)
        if ctx.args.unmasked:
            from visitdesk.adapters.access_log import record_access
            from visitdesk.cli.privacy import who

            record_access(ctx.store, who(ctx), "*", ("id_number", "phone"), "export")
        print_json([masked_json(a.to_json(), masked) for a in accounts])
        return EXIT_OK
    if not accounts:
        print(tr("import.cli.no_accounts"))
        return EXIT_OK
    columns = [("account_no", False), ("name", False), ("branch", False),
               ("overdue_days", True), ("principal", True), ("total", True)]
    headers = [tr(f"import.field.{c}") for c, _ in columns]
    rows = []
    for a in accounts:
        days = "" if a.overdue_days is None else f"{a.overdue_days} ({overdue_bucket(a.overdue_days)})"
        rows.append([a.account_no, a.name, a.branch, days, format_plain(a.principal),
                     format_plain(a.total)])
    widths = [max(display_width(h), *(display_width(r[i]) for r in rows))
              for i, h in enumerate(headers)]
    out = sys.stdout
    out.write("  ".join(pad(h, w, right) for h, w, (_, right) in zip(headers, widths, columns,
                                                                        strict=True)) + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for r in rows:
        out.write("  ".join(pad(v, w, right) for v, w, (_, right) in zip(r, widths, columns,
                                                                           strict=True)) + "\n")
    out.write(tr("import.cli.accounts_count", count=len(accounts)) + "\n")
    return EXIT_OK
