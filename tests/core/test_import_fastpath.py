"""The block fast path gives exactly what the per-row reference path gives."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from visitdesk.core.importing import RowParser
from visitdesk.core.mapping import header_names, load_synonyms, propose_mapping
from visitdesk.synth import HEADERS, Synth

MESS = {
    0: ["", " ", "=cmd", "张  三", "合计", None, "\u3000李四"],
    1: ["", "110105491231002", "12345", "x", 1.1e17, None],
    2: ["", "+86 138 1234 5678", "12345", None, 13812345678.0],
    3: ["", "6.22202E+15", 6.2e15, "12", None, "6222 0212 3456 7890"],
    4: ["", "1.234,56", "-", 0.0, -3.0, "12,345.60", float("nan"), 1e12, None, 12.345],
    5: ["", None, "N/A", 1.005], 8: ["", 2.5, "30天", -1.0, None],
    9: ["", "2024-02-30", 45356.0, "2024年3月5日", None, date(1800, 1, 1)],
    12: ["", None, "  朝阳支行 "],
}


def parsers():
    table = load_synonyms()
    headers = header_names(list(HEADERS) + ["备注"])
    mapping = propose_mapping(headers, table)

    def make():
        return RowParser(file="f.xlsx", sheet="S", headers=headers, columns=mapping.columns,
                         required=table.required, as_of=date(2024, 6, 30))
    return make


def messy_rows(seed: int, n: int, mess_rate: float) -> list[tuple[int, list]]:
    rnd = random.Random(seed)
    out = []
    for i, a in enumerate(Synth(seed).accounts(n)):
        row = [*a.row(), rnd.choice(["", "备注", None])]
        for col, options in MESS.items():
            if rnd.random() < mess_rate:
                row[col] = rnd.choice(options)
        if rnd.random() < mess_rate / 3:
            row = [None] * len(row)
        if rnd.random() < mess_rate / 5 and i > 0:
            row[3] = out[-1][1][3]
        out.append((i + 3, row))
    return out


def outcome(p):
    accounts, problems, skipped = p.finish()
    return accounts, problems, skipped, p.data_rows


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.0, 0.002, 0.05, 0.3]),
       st.sampled_from([1, 7, 64, 1000]))
def test_block_path_equals_row_path(seed, mess_rate, block_size):
    make = parsers()
    rows = messy_rows(seed, 150, mess_rate)
    slow, fast = make(), make()
    for row_no, row in rows:
        slow.feed(row_no, list(row))
    for i in range(0, len(rows), block_size):
        fast.feed_block([(n, list(r)) for n, r in rows[i:i + block_size]])
    assert outcome(fast) == outcome(slow)
