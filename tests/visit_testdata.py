"""Synthetic accounts, settings and a complete visit record for the visit tests."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from visitdesk.adapters.store import BatchInfo, CaseStore
from visitdesk.core.accounts import Account
from visitdesk.core.settings import Settings
from visitdesk.core.visit import VisitRecord
from visitdesk.synth import Synth

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "visit-answers.json"


def account(seed: int = 7) -> Account:
    s = Synth(seed, as_of=date(2026, 11, 1)).account()
    return Account(
        account_no=s.account_no, name=s.name, id_number=s.id_number, phone=s.phone,
        principal=s.principal, interest=s.interest, late_fee=s.late_fee,
        other_fees=s.other_fees, overdue_days=s.overdue_days, overdue_since=s.overdue_since,
        due_date=s.due_date, as_of=date(2026, 11, 1), address=s.address, branch=s.branch,
        officer=s.officer,
    )


def settings(**changes) -> Settings:
    base = dict(bank_name="示例银行", branch="示例支行", officer_name="李明", staff_no="A1023",
                officer_phone="010-00000000", bank_hotline="95500")
    base.update(changes)
    return Settings(**base)


def example_json() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def complete_record(account_no: str, **changes) -> VisitRecord:
    """The documented example: a record that passes every rule."""
    import dataclasses

    record = VisitRecord.from_json(example_json(), account_no=account_no)
    return dataclasses.replace(record, **changes) if changes else record


def seeded_store(data_dir: Path, acc: Account | None = None) -> tuple[CaseStore, Account]:
    acc = acc or account()
    store = CaseStore(data_dir)
    store.upsert_accounts([acc], BatchInfo("seed.xlsx", "0" * 64, "Sheet1", 0))
    return store, acc
