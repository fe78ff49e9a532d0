"""Synthetic accounts for the UI tests (built from ``visitdesk.synth``; never real people)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from visitdesk.core.accounts import Account, SourceRef


def synth_accounts(n: int, seed: int = 11) -> list[Account]:
    from visitdesk.synth import Synth

    return [Account(**dataclasses.asdict(s), source=SourceRef("客户清单.xlsx", "逾期客户", i + 3))
            for i, s in enumerate(Synth(seed).accounts(n))]


def account(no: str, name: str, *, principal: str = "1000.00", days: int | None = 10,
            branch: str = "朝阳支行", phone: str = "13800000000", address: str = "北京市朝阳区人民路1号",
            id_number: str = "110101199003070012", **kw) -> Account:
    return Account(no, name, id_number, Decimal(principal), phone=phone, overdue_days=days,
                   branch=branch, address=address,
                   source=SourceRef("客户清单.xlsx", "逾期客户", 3), **kw)
