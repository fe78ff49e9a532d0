"""The outcomes workbook for upload to the bank's central system (``export-outcomes``).

One row per visit (its newest version). Every text cell is written as an explicit string with
Excel's quote prefix, so no value (a customer's words starting with ``=``, ``+``, ``-`` or
``@``) can ever become a formula. The file is written atomically.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from visitdesk.adapters.visit_store import VisitRepository
from visitdesk.atomic import atomic_write_bytes
from visitdesk.core.talking_points import plan_summary
from visitdesk.i18n import tr

COLUMNS = ("visit_id", "version", "state", "account_no", "visit_date", "officer",
           "outcome_code", "outcome", "plan", "follow_up_date", "follow_up_channel")


def outcome_rows(repo: VisitRepository) -> list[list[str]]:
    """The export's rows as text, in visit order."""
    rows = []
    accounts: dict[str, object] = {}
    for record in repo.iter_records():
        if record.account_no not in accounts:
            accounts[record.account_no] = repo.store.account(record.account_no)
        account = accounts[record.account_no]
        outcome = repo.playbook.outcome(record.outcome)
        channel = repo.playbook.channel(record.follow_up.channel)
        start = record.start
        rows.append([
            record.id, str(record.version), tr(f"visit.state.{record.state}"),
            record.account_no, start.date().isoformat() if start else "",
            record.officer.name, record.outcome or "",
            outcome.label.get() if outcome else "",
            plan_summary(record, account, repo.settings),  # type: ignore[arg-type]
            record.follow_up.date.isoformat() if record.follow_up.date else "",
            channel.label.get() if channel else (record.follow_up.channel or ""),
        ])
    return rows


def export_outcomes(repo: VisitRepository, out: Path | str) -> int:
    """Write the workbook to ``out``; returns the number of visits written."""
    wb = Workbook()
    ws = wb.active
    ws.title = tr("visit.export.sheet")[:31]
    header = [tr(f"visit.export.column.{c}") for c in COLUMNS]
    rows = outcome_rows(repo)
    for r, values in enumerate([header, *rows], start=1):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col)
            cell.value = value
            cell.data_type = "s"  # never a formula, whatever the text starts with
            cell.quotePrefix = True
            if r == 1:
                cell.font = Font(bold=True)
    widths = [10, 6, 8, 22, 12, 10, 20, 14, 60, 12, 10]
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = width
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    atomic_write_bytes(out, buffer.getvalue())
    return len(rows)
