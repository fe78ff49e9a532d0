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
    """The bank's customer-service hotline. Required before any document for the customer
    (handout, agreement) is produced: they must be able to call the bank, object and complain."""
    payment_channels: str = ""
    """How customers can pay; one channel per line (printed on handouts)."""
    support_contact: str = ""
    """Whom the officer calls when the program misbehaves (the bank's IT support), shown in
    the About box and the manual."""
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
    """Late charge per overdue month as a fraction of its base (``late_fee_base``): a card's
    违约金 or a loan's 罚息; None: not configured."""
    late_fee_min: Decimal = Decimal("0")
    """Smallest late charge for a month, when a late-charge rate is configured."""
    late_fee_base: str = "principal"
    """What a card's 违约金 is a share of: ``"principal"`` (the overdue principal) or
    ``"minimum_payment"`` (the unpaid minimum payment, ``minimum_payment_share`` of the
    principal). Loans' 罚息 is always charged on the principal."""
    minimum_payment_share: Decimal = Decimal("0.1")
    """A card's minimum payment as a share of its principal (for ``late_fee_base``)."""
    instalment_cap: int = 60
    """Most monthly periods a negotiated plan may have. Cards never exceed 60 (five years,
    Art. 70 of the card rules) whatever this says; see ``plans.instalment_cap``."""
    default_product_type: str = "card"
    """Product type (``"card"`` or ``"loan"``) assumed for an account whose file does not
    say; it decides the agreement, the cap on instalments and the late-charge wording."""
    stale_figures_days: int = 30
    """Figures older than this many days on the visit day are flagged on the briefing."""
    allow_principal_waiver: bool = False
    """Whether a waiver may reduce the principal (otherwise only interest and fees)."""
    affordability_share: Decimal = Decimal("0.5")
    """Share of disposable income the bank allows for repayment."""
    extra_required_fields: tuple[str, ...] = field(default_factory=tuple)
    """Account fields a bank marks as required on import beyond the four always required."""
    import_amount_ceiling: Decimal = Decimal("100000000.00")
    """Largest amount an import accepts in one cell; anything above is a row error."""
    import_credit_fields: tuple[str, ...] = field(default_factory=tuple)
    """Amount fields that may be negative on import (a credit balance), e.g. ``other_fees``;
    in every other amount field a negative figure is a row error."""
    figures_max_age_days: int = 30
    """Documents and talking points warn when an account's figures (its ``as_of`` date) are
    older than this many days, or when the date was assumed at import."""

    # --- privacy ---
    lock_after_minutes: int = 5
    """The window locks after this many minutes without keyboard or mouse input (0: never)."""
    mask_list: tuple[str, ...] = ("id_number", "phone")
    """Fields masked in the accounts table and its search results (search matches in full)."""
    mask_detail: tuple[str, ...] = ("id_number", "phone")
    """Fields masked in an account's detail until "show" (which is recorded)."""
    mask_briefing: tuple[str, ...] = ("id_number", "phone")
    """Fields masked on a briefing for several accounts (a single-account one masks the ID)."""
    mask_export: tuple[str, ...] = ("id_number", "phone")
    """Fields masked in exports (``accounts --json`` unless ``--unmasked``)."""
    attachment_limit_mb: int = 2048
    """Largest evidence file a visit may get, in MB (default 2 GB)."""
    retention_years: int = 2
    """Years the personal data of an account is kept after its last import or visit;
    ``retention purge`` refuses a cut-off date more recent than this (bank policy may say more)."""

    # --- the collection cycle after the visit ---
    plan_grace_days: int = 3
    """A payment this many days after its due date still counts as on time."""
    plan_broken_days_late: int = 30
    """A plan is broken once a payment is more than this many days late …"""
    plan_broken_missed: int = 2
    """… or once this many payments are past due (and grace) without being paid in full."""
    contact_limits: tuple[str, ...] = (
        "visit:1/2", "phone:3/10", "sms:2/6", "email:1/5", "letter:1/2")
    """Most contacts of one customer per channel, a day and in any seven days
    (``channel:per_day/per_week``). Industry self-regulation caps calls at three a day; a
    bank sets its own limits here."""
    worklist_due_days: int = 7
    """The worklist shows payments due within this many days."""
    reminder_days_before: int = 3
    """A payment reminder is offered this many days before the due date."""

    # --- the branch server ---
    server_dsn: str = ""
    """PostgreSQL connection string of the branch server, without the password (empty: this
    PC works alone). See docs/server.md."""

    @property
    def is_configured(self) -> bool:
        """True once the first-run page has been completed."""
        return bool(self.bank_name and self.officer_name and self.staff_no)


SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Settings))
