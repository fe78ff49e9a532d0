"""Shared data for the privacy tests: a store of synthetic accounts and passphrases."""

from __future__ import annotations

from pathlib import Path

from visitdesk.adapters.store import BatchInfo, CaseStore
from visitdesk.core.accounts import Account
from visitdesk.synth import Synth

PASSPHRASE = "river lantern 42 teapot"
OTHER_PASSPHRASE = "violet tundra mango 7"


def synth_accounts(n: int, seed: int = 5) -> list[Account]:
    return [
        Account(account_no=s.account_no, name=s.name, id_number=s.id_number, phone=s.phone,
                principal=s.principal, interest=s.interest, late_fee=s.late_fee,
                other_fees=s.other_fees, overdue_days=s.overdue_days,
                overdue_since=s.overdue_since, due_date=s.due_date, address=s.address,
                branch=s.branch, officer=s.officer)
        for s in Synth(seed).accounts(n)
    ]


def plain_store(data_dir: Path, n: int, seed: int = 5) -> list[Account]:
    """A plain store in ``data_dir`` holding ``n`` synthetic accounts; returns them."""
    accounts = synth_accounts(n, seed)
    with CaseStore(data_dir) as store:
        store.upsert_accounts(accounts, BatchInfo("synth.xlsx", "0" * 64, "Sheet1", 0))
    return accounts


def identifiers(accounts: list[Account]) -> list[str]:
    return [v for a in accounts for v in (a.name, a.id_number, a.phone) if v]


def found_in_bytes(data: bytes, values: list[str]) -> list[str]:
    """The values present in ``data`` as UTF-8 or UTF-16 (either byte order).

    A two-character name is only 4 bytes in UTF-16: megabytes of ciphertext contain a given
    4-byte sequence by chance (about one in a thousand per name and megabyte), so such short
    values are looked for as UTF-8 (6 bytes) only."""
    def encodings(v: str) -> tuple[str, ...]:
        return ("utf-8", "utf-16-le", "utf-16-be") if len(v) >= 3 else ("utf-8",)

    return [v for v in values if any(v.encode(enc) in data for enc in encodings(v))]
