"""What the document modules compute before laying anything out.

Plain values and small helpers shared by the summary, the handout and the briefing: the
record's content hash (printed and put in the QR code), the plan a record agreed (rebuilt from
its terms with the plans area's code), how an answer of a playbook field reads on paper.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from visitdesk.core.accounts import Account
from visitdesk.core.audit import canonical
from visitdesk.core.capitals import to_capitals
from visitdesk.core.debt import DebtBreakdown, breakdown, date_words, percent_text
from visitdesk.core.errors import InputError
from visitdesk.core.money import format_plain
from visitdesk.core.plans import FeeMode, Plan, PlanKind, PlanTerms, build_plan
from visitdesk.core.settings import Settings
from visitdesk.i18n import tr

COMPLAINT_HOTLINE = "12378"
"""The national financial consumer complaint hotline."""


def record_hash(record_json: dict[str, Any]) -> str:
    """sha256 of the record's canonical JSON, exactly as the case store keeps it (sorted
    keys, no spaces, UTF-8)."""
    return hashlib.sha256(canonical(record_json).encode("utf-8")).hexdigest()


def qr_payload(record_id: str, version: int, digest: str) -> str:
    """What the summary's QR code carries: record number, version and content hash."""
    return f"visitdesk:record={record_id};version={version};sha256={digest}"


def plan_from_terms(terms_json: dict[str, Any] | PlanTerms, account: Account,
                    settings: Settings) -> Plan:
    """The plan for ``terms`` on the account's debt projected to the agreement date."""
    terms = terms_json if isinstance(terms_json, PlanTerms) else PlanTerms.from_json(terms_json)
    debt = breakdown(account, settings, on=terms.start)
    return build_plan(terms, debt, settings)


@dataclass(frozen=True)
class Tr:
    """``tr`` bound to the document's language (documents may differ from the UI's)."""

    lang: str

    def __call__(self, key: str, **params: Any) -> str:
        return tr(key, lang=self.lang, **params)


def require_customer_contact(settings: Settings) -> None:
    """No customer document without the bank's hotline: the customer must be able to reach
    the bank, object and complain (raises ``InputError``)."""
    if not settings.bank_hotline.strip():
        raise InputError(tr("docs.error.no_hotline"))


def bank_line(settings: Settings) -> str:
    """The bank and branch as the documents name them (empty when neither is set)."""
    return " ".join(x for x in (settings.bank_name, settings.branch) if x)


def debt_notes(debt: DebtBreakdown, lang: str) -> tuple[str, ...]:
    """How the debt was computed: its basis, then the formula of each added amount."""
    return (debt.basis_text(lang), *(ln.formula_in(lang) for ln in debt.lines))


def fmt_date(d: date | None, lang: str) -> str:
    return "—" if d is None else date_words(d, lang)


def fmt_datetime(moment: datetime | None, lang: str) -> str:
    if moment is None:
        return "—"
    return f"{fmt_date(moment.date(), lang)} {moment.strftime('%H:%M')}"


def fmt_moment_full(moment: datetime) -> str:
    """Signing time as printed in the stamp: ISO with seconds and offset."""
    return moment.isoformat(sep=" ", timespec="seconds")


def paren(inner: str, lang: str) -> str:
    """A parenthetical as each language writes it: ``（…）`` or `` (…)``."""
    return f"（{inner}）" if lang == "zh_CN" else f" ({inner})"


def currency_name(code: str, lang: str) -> str:
    """The currency as a document names it: 人民币 / 美元 …, ``Chinese yuan (CNY)`` …; an
    unknown code as itself."""
    key = f"docs.currency.{code or 'CNY'}"
    name = tr(key, lang=lang)
    return code if name == key else name


def currency_unit(code: str, lang: str) -> str:
    """The unit written after Chinese figures (元, 美元, 港元 …) or the code in English."""
    if lang != "zh_CN":
        return code or "CNY"
    key = f"docs.currency_unit.{code or 'CNY'}"
    unit = tr(key, lang=lang)
    return code if unit == key else unit


def yuan(amount: Decimal, lang: str, currency: str = "CNY") -> str:
    """Figures with the currency: ``12,345.60 元`` / ``CNY 12,345.60``; ``1,200.00 美元`` /
    ``USD 1,200.00`` for a foreign-currency account."""
    if lang == "zh_CN":
        return f"{format_plain(amount)} {currency_unit(currency, lang)}"
    return f"{currency or 'CNY'} {format_plain(amount)}"


def capitals(amount: Decimal, currency: str = "CNY") -> str:
    """The amount in Chinese capitals, headed by the currency's Chinese name (人民币 …)."""
    if (currency or "CNY") == "CNY":
        return to_capitals(amount)
    return currency_name(currency, "zh_CN") + to_capitals(amount, prefix=False)


def plan_kind_label(kind: PlanKind, t: Tr, product_type: str = "card") -> str:
    """The plan's kind as documents name it; instalments on a loan are not 个性化分期 (a card
    term)."""
    if kind is PlanKind.INSTALMENTS and product_type == "loan":
        return t("docs.plan.kind.instalments.loan")
    return t(f"docs.plan.kind.{kind.value}")


def fee_text(plan: Plan, t: Tr, currency: str = "CNY") -> str:
    """Whether and how the plan charges fees or interest, in words."""
    terms = plan.terms
    if terms.fee_mode is FeeMode.NONE or terms.rate == 0:
        # a loan has no instalment fee to waive
        return t("docs.plan.fee.none.loan" if plan.debt.product_type == "loan"
                 else "docs.plan.fee.none")
    return t(f"docs.plan.fee.{terms.fee_mode.value}", rate=percent_text(terms.rate),
             total=yuan(plan.total_fees, t.lang, currency))


def debt_rows(debt: DebtBreakdown, t: Tr) -> list[tuple[str, Decimal]]:
    rows = [(component_label(c, t, debt.product_type), debt.component(c))
            for c in ("principal", "interest", "late_fee", "other_fees")]
    if debt.unitemised:
        rows.append((t("docs.debt.unitemised"), debt.unitemised))
    return rows


def component_label(component: str, t: Tr, product_type: str = "card") -> str:
    """A debt component as documents name it; the late charge is 违约金 for a card and 罚息
    for a loan."""
    if component == "late_fee":
        return t(f"docs.debt.late_fee.{product_type}")
    return t(f"docs.debt.{component}")


def display_answer(field: Any, value: Any, lang: str, t: Tr) -> str:
    """How a playbook field's answer reads on paper (labels, not ids)."""
    if value is None or value == "" or value == []:
        return "—"
    ftype = getattr(field, "type", "text") if field is not None else "text"
    if ftype == "yes_no" or isinstance(value, bool):
        return t("docs.yes") if value else t("docs.no")
    if ftype in ("single_choice", "multi_choice"):
        ids = value if isinstance(value, (list, tuple)) else [value]
        labels = []
        for option_id in ids:
            option = field.option(option_id) if field is not None else None
            labels.append(option.label.get(lang) if option else str(option_id))
        return "、".join(labels) if lang == "zh_CN" else ", ".join(labels)
    if ftype == "money":
        try:
            return yuan(Decimal(str(value)), lang)
        except ArithmeticError:
            return str(value)
    if ftype == "date":
        try:
            return fmt_date(date.fromisoformat(str(value)), lang)
        except ValueError:
            return str(value)
    return str(value)
