"""Every setting visitdesk knows, declared once with its type and default.

The values are plain data; ``visitdesk.adapters.settings_store`` persists them (QSettings, INI
file in the data folder), the settings page edits them, and the domain reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import time
from decimal import Decimal


@dataclass(frozen=True)
class Settings:
    # --- who we are (first-run page) ---
    bank_name: str = ""
    """Bank name printed on documents, e.g. 某某银行."""
    branch: str = ""
    """Branch (网点) name."""
    officer_name: str = ""
    staff_no: str = ""
    officer_phone: str = ""
    bank_hotline: str = ""
    """The bank's customer-service hotline, printed on handouts."""
    payment_channels: str = ""
    """How customers can pay; one channel per line (printed on handouts)."""
    language: str = "zh_CN"
    """UI and document language: ``zh_CN`` (default) or ``en``."""

    # --- conduct rules ---
    contact_start: time = time(8, 0)
    """Earliest time a visit may start without the customer's consent."""
    contact_end: time = time(22, 0)
    """Latest time a visit may run without the customer's consent."""

    # --- figures and plans ---
    daily_interest_rate: Decimal | None = None
    """Daily interest on the overdue principal, as a fraction (0.0005 = 0.05% a day); None: not configured."""
    late_fee_rate: Decimal | None = None
    """Late fee per overdue month as a fraction of the principal; None: not configured."""
    late_fee_min: Decimal = Decimal("0")
    """Smallest late fee charged for a month, when a late-fee rate is configured."""
    instalment_cap: int = 60
    """Most monthly periods a negotiated plan may have (five years for cards)."""
    allow_principal_waiver: bool = False
    """Whether a waiver may reduce the principal (otherwise only interest and fees)."""
    affordability_share: Decimal = Decimal("0.5")
    """Share of disposable income the bank allows for repayment."""
    extra_required_fields: tuple[str, ...] = field(default_factory=tuple)
    """Account fields a bank marks as required on import beyond the four always required."""

    @property
    def is_configured(self) -> bool:
        """True once the first-run page has been completed."""
        return bool(self.bank_name and self.officer_name and self.staff_no)


SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Settings))
