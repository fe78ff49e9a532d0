"""Time the collection cycle at scale: the worklist and a repayment-export import.

Goals (issue 15): the worklist for 100,000 accounts with 50,000 commitments and 200,000
payments in at most 200 ms; a payments import of 200,000 rows within 1.5× a bare
python-calamine read of the same file. Each figure is printed with its ratio to a bare
baseline measured in the same run: for the worklist, reading the same commitment and payment
rows with plain SQL; for the import, calamine opening and iterating the file.
Run: ``python3 bench/bench_worklist.py [--accounts N] [--payments N]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORKLIST_GOAL_MS = 200.0
IMPORT_GOAL_RATIO = 1.5


def _seed(store, accounts: int, commitments: int, payments: int) -> list[str]:
    from visitdesk.adapters.store import BatchInfo
    from visitdesk.core.accounts import Account

    rng = random.Random(15)
    numbers = [f"6222{i:012d}" for i in range(accounts)]
    store.upsert_accounts(
        [Account(no, f"客户{i}", "x", Decimal(rng.randint(1000, 90000)), overdue_days=rng.randint(1, 400))
         for i, no in enumerate(numbers)], BatchInfo("bench.xlsx", "0" * 64, "S", 0))
    per_plan = 6
    planned = numbers[: commitments // per_plan]
    start = date(2026, 6, 1)
    rows = []
    for k, no in enumerate(planned):
        created = start + timedelta(days=k % 120)
        for n in range(1, per_plan + 1):
            due = created + timedelta(days=30 * n)
            rows.append((f"V{k:06d}-v1-{n}", no, f"V{k:06d}", 1, n, "instalment",
                         due.isoformat(), "500.00", created.isoformat(), None, "x"))
    pays = []
    for i in range(payments):
        no = planned[i % len(planned)] if i % 4 == 0 else numbers[rng.randrange(accounts)]
        day = start + timedelta(days=rng.randint(0, 180))  # all before "today"
        pays.append((f"R{i:09d}", no, day.isoformat(), f"{rng.randint(50, 600)}.00", "import",
                     "", None, None, "", "x"))
    with store.transaction() as c:
        c.executemany("INSERT INTO commitment VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        c.executemany("INSERT INTO payment VALUES (?,?,?,?,?,?,?,?,?,?)", pays)
        c.executemany("INSERT INTO contact (account_no, channel, at, who, result, created_at) "
                      "VALUES (?, 'phone', '2026-10-01T10:00:00', 'x', 'reached', 'x')",
                      [(no,) for no in numbers[::3]])
    return numbers


def _best(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000


def bench_worklist(accounts: int, commitments: int, payments: int) -> float:
    from visitdesk.adapters.collection_store import CollectionStore
    from visitdesk.adapters.store import CaseStore
    from visitdesk.core.settings import Settings

    store = CaseStore(Path(tempfile.mkdtemp(prefix="visitdesk-bench-")))
    _seed(store, accounts, commitments, payments)
    collection = CollectionStore(store, Settings())
    today = date(2026, 12, 4)

    def bare() -> None:
        store.conn.execute("SELECT * FROM commitment").fetchall()
        store.conn.execute("SELECT * FROM payment WHERE account_no IN "
                           "(SELECT account_no FROM commitment)").fetchall()

    base_ms = _best(bare)
    work_ms = _best(lambda: collection.worklist(today))
    entries = collection.worklist(today)
    print(f"worklist: {accounts:,} accounts, {commitments:,} commitments, {payments:,} payments "
          f"→ {len(entries):,} entries")
    print(f"  bare SQL read of the same rows  {base_ms:8.1f} ms")
    print(f"  worklist                        {work_ms:8.1f} ms  ({work_ms / base_ms:.2f}× bare; "
          f"goal ≤ {WORKLIST_GOAL_MS:.0f} ms: {'met' if work_ms <= WORKLIST_GOAL_MS else 'NOT met'})")
    store.close()
    return work_ms


def bench_import(rows: int) -> float:
    from python_calamine import CalamineWorkbook

    from visitdesk.adapters.collection_store import CollectionStore
    from visitdesk.adapters.spreadsheet.payments import import_payments
    from visitdesk.adapters.store import CaseStore
    from visitdesk.core.settings import Settings
    from visitdesk.synth import write_workbook

    folder = Path(tempfile.mkdtemp(prefix="visitdesk-bench-"))
    store = CaseStore(folder / "store")
    numbers = _seed(store, 20_000, 0, 0)
    rng = random.Random(2)
    path = folder / "payments.xlsx"
    header = ("交易日期", "卡号/账号", "交易金额", "交易类型", "流水号")
    write_workbook(path, ((date(2026, 11, 1) + timedelta(days=rng.randint(0, 30)),
                           numbers[rng.randrange(len(numbers))], float(rng.randint(1, 9999)),
                           "还款", f"T{i:010d}") for i in range(rows)), headers=header,
                   title="还款流水", sheet="流水")

    def bare() -> None:
        wb = CalamineWorkbook.from_path(str(path))
        for _row in wb.get_sheet_by_index(0).iter_rows():
            pass

    base = _best(bare, 2)
    t = time.perf_counter()
    report = import_payments(CollectionStore(store, Settings()), path, "bench")
    full = (time.perf_counter() - t) * 1000
    ratio = full / base
    print(f"payments import: {rows:,} rows ({path.stat().st_size / 1e6:.1f} MB), "
          f"{report.imported:,} stored")
    print(f"  bare calamine read  {base:8.0f} ms")
    print(f"  visitdesk import    {full:8.0f} ms  ({ratio:.2f}× calamine; goal ≤ "
          f"{IMPORT_GOAL_RATIO}×: {'met' if ratio <= IMPORT_GOAL_RATIO else 'NOT met'})")
    store.close()
    return ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--commitments", type=int, default=50_000)
    parser.add_argument("--payments", type=int, default=200_000)
    parser.add_argument("--import-rows", type=int, default=200_000)
    args = parser.parse_args(argv)
    bench_worklist(args.accounts, args.commitments, args.payments)
    bench_import(args.import_rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
