"""The repayment export (还款流水) → payments, with the account import's safety and reporting.

The file goes through the same checks and readers as an account list (``OpenWorkbook``: kind
from the bytes, zip limits, no DTD, bounded memory), the header row is found and mapped with
``resources/mapping/payments.json``, and every row that cannot be used is reported by row,
column and reason. Good rows are stored in one transaction; a reference already stored is
imported once. Rows of accounts not in the case store (a branch export covers every officer's
accounts) are counted in one note, not reported one by one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from visitdesk.adapters.collection_store import CollectionStore
from visitdesk.adapters.spreadsheet.importer import _locate, file_sha256
from visitdesk.adapters.spreadsheet.reader import OpenWorkbook, Row
from visitdesk.adapters.spreadsheet.safety import refuse
from visitdesk.core.cells import (
    CellRefused,
    clean_text,
    is_blank,
    parse_account_no,
    parse_amount,
    parse_date,
    raw_text,
)
from visitdesk.core.collection.commitments import Payment
from visitdesk.core.errors import ImportRefused
from visitdesk.core.mapping import (
    SynonymTable,
)
from visitdesk.core.money import ZERO, money_str
from visitdesk.i18n import tr
from visitdesk.paths import resource

PAYMENT_FIELDS = ("account_no", "paid_on", "posted_on", "amount", "reference", "kind",
                  "original_reference")
REVERSAL_WORDS = ("冲正", "撤销", "冲销", "退款冲回", "reversal", "reversed", "void")
PAYMENT_WORDS = ("还款", "入账", "转账还款", "自动还款", "repayment", "payment")


@cache
def payment_synonyms() -> SynonymTable:
    import json

    data = json.loads(resource("mapping", "payments.json").read_text(encoding="utf-8"))
    return SynonymTable({k: tuple(v) for k, v in data["fields"].items()},
                        tuple(data["required"]), PAYMENT_FIELDS)


@dataclass(frozen=True)
class PaymentProblem:
    row: int
    column: str
    value: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value,
                "message": self.message}


@dataclass
class PaymentImportReport:
    file: str
    status: str = "refused"
    """``imported`` (every row used), ``partial`` (some rows skipped) or ``refused``."""
    sheet: str = ""
    header_row: int = 0
    imported: int = 0
    duplicates: int = 0
    reversed: int = 0
    skipped: int = 0
    unknown_accounts: int = 0
    total: str = "0.00"
    """Sum of the newly imported payments."""
    problems: list[PaymentProblem] = field(default_factory=list)
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "status": self.status, "sheet": self.sheet,
            "header_row": self.header_row, "imported": self.imported,
            "duplicates": self.duplicates, "reversed": self.reversed, "skipped": self.skipped,
            "unknown_accounts": self.unknown_accounts, "total": self.total,
            "problems": [p.to_json() for p in self.problems], "error": self.error or None,
        }


def _kind(text: str) -> str:
    """``payment``, ``reversal`` or ``other`` from the transaction type text."""
    low = text.strip().lower()
    if not low:
        return "payment"
    if any(w in low for w in REVERSAL_WORDS):
        return "reversal"
    if any(w in low for w in PAYMENT_WORDS):
        return "payment"
    return "other"


def import_payments(collection: CollectionStore, path: str | os.PathLike[str], who: str
                    ) -> PaymentImportReport:
    """Read a repayment export and store its payments (one transaction)."""
    path = Path(path)
    report = PaymentImportReport(path.name)
    try:
        with OpenWorkbook(path) as wb:
            table = payment_synonyms()
            located = _locate(wb, None, table, table.required, None)
            reader, header_no, mapping, rows = (located.reader, located.header_no,
                                                located.mapping, located.rows)
            if mapping.missing_required:
                raise refuse("import.refused.missing_columns", file=path.name,
                             missing="、".join(tr(f"cycle.payments.field.{f}")
                                              for f in mapping.missing_required),
                             found="、".join(h for h in mapping.headers if not h.startswith("[")))
            report.sheet, report.header_row = reader.name, header_no
            index = {f: i for i, (_h, f) in enumerate(mapping.columns.items()) if f}
            headers = list(mapping.headers)
            payments, reversals = _parse(rows, index, headers, reader.date1904, report)
    except ImportRefused as exc:
        report.error = str(exc)
        return report
    known = {r[0] for r in collection.conn.execute("SELECT account_no FROM account")}
    mine = [p for p in payments if p.account_no in known]
    report.unknown_accounts = len(payments) - len(mine)
    result = collection.store_payments(mine, reversals, (path.name, file_sha256(path)), who)
    report.imported, report.duplicates, report.reversed = (result.imported, result.duplicates,
                                                           result.reversed)
    for reference, reason in result.conflicts:
        report.problems.append(PaymentProblem(0, "", reference, reason))
    report.skipped = len(report.problems)
    fresh = {p.reference for p in mine} - {r for r, _ in result.conflicts}
    report.total = money_str(sum((p.amount for p in mine if p.reference in fresh), ZERO))
    report.status = "partial" if report.problems else "imported"
    return report


def _parse(rows: Iterator[Row], index: dict[str, int], headers: list[str], date1904: bool,
           report: PaymentImportReport) -> tuple[list[Payment], list[tuple[str, str]]]:
    """Rows → payments and reversals; a row that cannot be used goes to ``report``.

    The cell rules are those of the account import (``core/cells``). Values that repeat down
    a column (transaction types, account numbers, dates) are parsed once each: a repayment
    export of 200,000 rows holds a few hundred distinct days and types.
    """
    payments: list[Payment] = []
    reversals: list[tuple[str, str]] = []
    width = max(index.values()) + 1
    i_kind, i_ref, i_orig = index.get("kind"), index["reference"], index.get("original_reference")
    i_acc, i_amount = index["account_no"], index["amount"]
    i_paid, i_posted = index.get("paid_on"), index.get("posted_on")
    kinds: dict[Any, str] = {}
    accounts: dict[Any, str] = {}
    days: dict[Any, date] = {}
    append = payments.append

    def problem(row_no: int, col: int | None, name: str, cells: list, key: str,
                **params: Any) -> None:
        report.problems.append(PaymentProblem(
            row_no, headers[col] if col is not None else name,
            raw_text(cells[col]) if col is not None else "", tr(key, **params)))

    for row_no, raw in rows:
        cells = list(raw)
        if len(cells) < width:
            cells += [None] * (width - len(cells))
        if all(map(is_blank, cells)):
            continue
        col: int | None = i_ref
        name = "reference"
        try:
            if i_kind is not None:
                value = cells[i_kind]
                kind = kinds.get(value) if isinstance(value, str) or value is None else None
                if kind is None:
                    kind = _kind("" if is_blank(value) else clean_text(value))
                    if isinstance(value, str) or value is None:
                        kinds[value] = kind
                if kind == "other":
                    problem(row_no, i_kind, "kind", cells, "cycle.payments.not_payment",
                            kind=raw_text(value))
                    continue
            else:
                kind = "payment"
            col, name = i_ref, "reference"
            value = cells[i_ref]
            reference = value if type(value) is str and value.isprintable() and \
                value == value.strip() and "  " not in value else clean_text(value)
            if not reference:
                raise CellRefused("import.cell.required_missing",
                                  field=tr("cycle.payments.field.reference"))
            if kind == "reversal":
                original = clean_text(cells[i_orig]) if i_orig is not None else ""
                reversals.append((reference, original or reference))
                continue
            col, name = i_acc, "account_no"
            value = cells[i_acc]
            account_no = accounts.get(value) if isinstance(value, str) else None
            if account_no is None:
                number = parse_account_no(value)
                # a number cell comes with a "stored as a number" note; the number counts
                account_no = number[0] if isinstance(number, tuple) else number
                if isinstance(value, str):
                    accounts[value] = account_no
            col, name = i_amount, "amount"
            amount = parse_amount(cells[i_amount])
            if amount <= ZERO:
                raise CellRefused("cycle.payments.negative")
            col, name = i_paid, "paid_on"
            value = cells[i_paid] if i_paid is not None else None
            if is_blank(value) and i_posted is not None:
                col, name = i_posted, "posted_on"
                value = cells[i_posted]
            if is_blank(value):
                raise CellRefused("import.cell.required_missing",
                                  field=tr(f"cycle.payments.field.{name}"))
            try:
                paid_on = days[value]
            except (KeyError, TypeError):
                paid_on = parse_date(value, date1904=date1904)
                try:
                    days[value] = paid_on
                except TypeError:
                    pass
        except CellRefused as exc:
            problem(row_no, col, name, cells, exc.problem.key, **dict(exc.problem.params))
            continue
        append(Payment(reference, account_no, paid_on, amount))
    return payments, reversals
