"""The account as the bank's export describes it, and as the case store keeps it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from visitdesk.core.money import ZERO, money_str


@dataclass(frozen=True)
class SourceRef:
    """Where a stored account came from."""

    file: str
    """File name as imported (no folder)."""
    sheet: str
    """Sheet name, or ``""`` for CSV."""
    row: int
    """Row number as Excel (or a text editor, for CSV) shows it."""
    as_of_assumed: bool = False
    """True when the file did not say when its figures were taken, so the account's
    ``as_of`` is the import date (documents warn when the figures may be old). Kept here,
    with the rest of where the figures came from, so that an Account stays within the 21
    attributes of CPython's compact key-sharing instance dict (100,000 of them are built
    per import)."""


@dataclass(frozen=True)
class Account:
    """One overdue account. Money fields are Decimal rounded to the fen."""

    account_no: str
    """Card or account number: the key that identifies the account across imports."""
    name: str
    id_number: str
    """18-character resident ID (X upper-case), or a 15-digit legacy one."""
    principal: Decimal
    phone: str = ""
    interest: Decimal = ZERO
    late_fee: Decimal = ZERO
    """Late fees (滞纳金/违约金) or penalty interest (罚息)."""
    other_fees: Decimal = ZERO
    overdue_days: int | None = None
    overdue_since: date | None = None
    due_date: date | None = None
    as_of: date | None = None
    """Date the figures are as of; the import date when the file does not say."""
    address: str = ""
    branch: str = ""
    officer: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    """Columns the mapping did not recognise, header → text."""
    source: SourceRef | None = None
    product_type: str = ""
    """``"card"`` (credit card), ``"loan"``, or ``""`` when neither the file nor the import
    said; see ``PRODUCT_TYPES``. Decides which agreement and which late-charge wording apply."""
    currency: str = "CNY"
    """ISO 4217 code of every amount on the account (a foreign-currency card balance is not
    printed as 人民币)."""
    id_type: str = "resident_id"
    """Kind of ``id_number``; see ``ID_TYPES``."""
    stated_total: Decimal | None = None
    """The whole balance as the file stated it (欠款总额, 透支余额 …), or None when the file
    had no such column. It never stands in for the principal: the import checks it against
    the parts, and it is the debt only when the file gives no parts."""
    @property
    def as_of_assumed(self) -> bool:
        """True when the file did not say when its figures were taken, so ``as_of`` is the
        import date (documents warn when the figures may be old); see ``SourceRef``."""
        return self.source is not None and self.source.as_of_assumed

    @property
    def total(self) -> Decimal:
        parts = self.principal + self.interest + self.late_fee + self.other_fees
        if self.stated_total is not None and not parts:
            return self.stated_total
        return parts

    def to_json(self) -> dict[str, Any]:
        """The documented JSON form (docs/cli.md, ``visitdesk accounts --json``)."""

        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "account_no": self.account_no,
            "name": self.name,
            "id_number": self.id_number,
            "phone": self.phone,
            "principal": money_str(self.principal),
            "interest": money_str(self.interest),
            "late_fee": money_str(self.late_fee),
            "other_fees": money_str(self.other_fees),
            "total": money_str(self.total),
            "overdue_days": self.overdue_days,
            "overdue_since": iso(self.overdue_since),
            "due_date": iso(self.due_date),
            "as_of": iso(self.as_of),
            "address": self.address,
            "branch": self.branch,
            "officer": self.officer,
            "extra": dict(self.extra),
            "source": (
                {"file": self.source.file, "sheet": self.source.sheet, "row": self.source.row}
                if self.source
                else None
            ),
            "product_type": self.product_type,
            "currency": self.currency,
            "id_type": self.id_type,
            "stated_total": None if self.stated_total is None else money_str(self.stated_total),
            "as_of_assumed": self.as_of_assumed,
        }


PRODUCT_TYPES = ("card", "loan")
"""Known values of ``Account.product_type`` (``""`` means not known)."""

ID_TYPES = ("resident_id", "passport", "hk_macau_permit", "taiwan_permit", "foreign_permanent",
            "other")
"""Known values of ``Account.id_type``: 18-digit resident ID card, passport, Mainland travel
permit for Hong Kong and Macau residents, for Taiwan residents, foreign permanent residence
ID card, anything else."""


OVERDUE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("M1", 1, 30),
    ("M2", 31, 60),
    ("M3", 61, 90),
    ("M4-M6", 91, 180),
    ("M6+", 181, None),
)
"""Overdue buckets as banks name them (M1 = 1–30 days …)."""


def overdue_bucket(days: int | None) -> str:
    if days is None or days <= 0:
        return "M0"
    for label, low, high in OVERDUE_BUCKETS:
        if days >= low and (high is None or days <= high):
            return label
    return "M6+"
