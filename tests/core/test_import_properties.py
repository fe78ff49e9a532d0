"""Property: an import never stores a value that differs from its cell except by the
documented normalisations (docs/cli.md): text trimmed, inner whitespace collapsed, invisible
characters removed; amounts exact to the fen (Excel's 15 digits for number cells);
identifiers NFKC-normalised, spaces removed, letters upper-cased."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from visitdesk.core.cells import strip_invisible
from visitdesk.core.importing import RowParser
from visitdesk.core.mapping import load_synonyms, propose_mapping
from visitdesk.synth import Synth

HEADERS = ["客户姓名", "证件号码", "卡号", "欠款本金", "利息", "地址"]
PEOPLE = Synth(5).accounts(20)

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12) | \
    st.sampled_from(["张三", " 李 四 ", "王\u200b五", "赵\u3000六", "\u202e钱七", "-", "N/A", ""])
amounts = (st.decimals(min_value=0, max_value=10**8, places=2).map(float)
           | st.decimals(min_value=-10, max_value=10**9, places=3).map(str)
           | st.sampled_from(["1,234.50", "￥12.3", "１２３．４５", "-", "无", "", "1.234,56"]))
cards = st.sampled_from([p.account_no for p in PEOPLE]).flatmap(
    lambda n: st.sampled_from([n, " ".join([n[:4], n[4:8], n[8:]]),
                               "".join(chr(ord(c) + 0xFEE0) for c in n), float(n[:12])]))


def _text(cell: str) -> str:
    return " ".join(strip_invisible(cell)[0].replace("\u3000", " ").split())


def _amount(cell: object) -> Decimal:
    if isinstance(cell, float):
        return Decimal(format(cell, ".15g")).quantize(Decimal("0.01"))
    text = unicodedata.normalize("NFKC", str(cell)).replace(",", "").lstrip("￥¥")
    return Decimal(text).quantize(Decimal("0.01"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(texts, amounts, amounts, cards, texts), min_size=1, max_size=6),
       st.booleans())
def test_stored_values_equal_their_cells_up_to_documented_normalisations(rows, as_block):
    table = load_synonyms()
    mapping = propose_mapping(HEADERS, table)
    parser = RowParser(file="p.xlsx", sheet="S", headers=HEADERS, columns=mapping.columns,
                       required=table.required, as_of=date(2024, 6, 30))
    cells = {}
    block = []
    for i, (name, principal, interest, card, address) in enumerate(rows):
        person = PEOPLE[i]
        row = [name, person.id_number, card, principal, interest, address]
        cells[i + 2] = row
        block.append((i + 2, row))
    if as_block:
        parser.feed_block(block)
    else:
        for row_no, row in block:
            parser.feed(row_no, row)
    accounts, _problems, _skipped = parser.finish()
    for a in accounts:
        name, id_number, card, principal, interest, address = cells[a.source.row]
        assert a.name == _text(name)
        assert a.id_number == id_number
        assert a.principal == _amount(principal)
        assert a.interest == (Decimal(0) if not _text(str(interest)) or _text(str(interest)) in
                              ("-", "无", "N/A") else _amount(interest))
        assert a.address in ("", _text(address))
        expected = card if isinstance(card, str) else str(int(card))
        assert a.account_no == unicodedata.normalize("NFKC", expected).replace(" ", "").upper()
