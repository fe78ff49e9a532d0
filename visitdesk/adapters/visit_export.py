"""The outcomes workbook for upload to the bank's central system (``export-outcomes``).

One row per visit (its newest version). Every text cell is written as an explicit string with
Excel's quote prefix, so no value (a customer's words starting with ``=``, ``+``, ``-`` or
``@``) can ever become a formula. The file is written atomically.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from visitdesk.adapters.spreadsheet.writing import set_text
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
    """Write the workbook to ``out``; returns the number of visits written.

    Beside the visits, two sheets carry the collection cycle: every commitment with its
    status as of today, and every payment."""
    wb = Workbook()
    ws = wb.active
    ws.title = tr("visit.export.sheet")[:31]
    rows = outcome_rows(repo)
    _write_rows(ws, [tr(f"visit.export.column.{c}") for c in COLUMNS], rows,
                [10, 6, 8, 22, 12, 10, 20, 14, 60, 12, 10])
    commitments, payments = cycle_rows(repo)
    _write_rows(wb.create_sheet(tr("cycle.export.commitments")[:31]), list(COMMITMENT_COLUMNS),
                commitments, [18, 22, 10, 8, 4, 12, 12, 12, 12, 12, 12, 12, 12])
    _write_rows(wb.create_sheet(tr("cycle.export.payments")[:31]), list(PAYMENT_COLUMNS),
                payments, [20, 22, 12, 12, 8, 30, 8])
    buffer = io.BytesIO()
    wb.save(buffer)
    atomic_write_bytes(out, buffer.getvalue())
    return len(rows)


COMMITMENT_COLUMNS = ("id", "account_no", "visit_id", "version", "n", "kind", "due_date",
                      "amount", "paid", "outstanding", "status", "plan_state", "superseded_by")
PAYMENT_COLUMNS = ("reference", "account_no", "paid_on", "amount", "source", "reason",
                   "reversed")
"""The cycle sheets' headers: the field names of ``commitments --json`` and
``payments list --json`` (docs/cli.md), for the bank's upload scripts."""


def cycle_rows(repo: VisitRepository) -> tuple[list[list[str]], list[list[str]]]:
    """Commitments (status as of today) and payments, as text rows."""
    from visitdesk.adapters.collection_store import CollectionStore

    collection = CollectionStore(repo.store, repo.settings)
    collection.refresh()
    commitments = []
    for alloc in collection.allocations(date.today()):
        for plan in alloc.plans:
            for state in plan.commitments:
                item = state.to_json()
                item["plan_state"] = plan.state
                commitments.append(["" if item[c] is None else str(item[c])
                                    for c in COMMITMENT_COLUMNS])
    commitments.sort(key=lambda r: (r[6], r[0]))
    payments = [[p.reference, p.account_no, p.paid_on.isoformat(), str(p.amount), p.source,
                 p.reason, "true" if p.reversed else "false"] for p in collection.payments()]
    return commitments, payments


def _write_rows(ws, header: list[str], rows: list[list[str]], widths: list[int]) -> None:
    """A header row in bold and the rows, every cell as an explicit string (never a formula,
    whatever the text starts with)."""
    for r, values in enumerate([header, *rows], start=1):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col)
            set_text(cell, value)
            cell.quotePrefix = True
            if r == 1:
                cell.font = Font(bold=True)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = width
    ws.freeze_panes = "A2"
