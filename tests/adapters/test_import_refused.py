"""Files that cannot be imported get one plain message and change nothing; hostile files are
refused quickly without exhausting memory."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from import_corpus import LOL, STRICT, XXE, good_rows, raw_xlsx, sheet_xml, simple_xlsx

from visitdesk.adapters.spreadsheet import ImportRefused, import_file, inspect_workbook
from visitdesk.adapters.store import BatchInfo, CaseStore
from visitdesk.core.accounts import Account
from visitdesk.core.money import ZERO

ROOT = Path(__file__).resolve().parents[2]
CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def cfb_file(path: Path, stream: str) -> Path:
    """An OLE compound file whose directory names ``stream`` (enough for sniffing)."""
    body = CFB + b"\x00" * 504 + stream.encode("utf-16-le") + b"\x00" * 1024
    path.write_bytes(body)
    return path


def assert_refused(path: Path, data_dir: Path, *words: str) -> str:
    with CaseStore(data_dir) as store:
        if not store.account_count():
            store.upsert_accounts([Account("0001", "甲", "x", ZERO)],
                                  BatchInfo("seed", "h", "", 0))
        before = (store.accounts(), store.batches())
        report = import_file(store, path)
        assert (store.accounts(), store.batches()) == before, "a refused import changed the store"
    assert report.status == "refused"
    assert report.imported == report.updated == report.skipped == 0
    assert report.error and "\n" not in report.error
    for word in words:
        assert word in report.error, report.error
    return report.error


def test_inspect_workbook_refuses_what_cannot_be_opened(tmp_path):
    path = tmp_path / "e.xlsx"
    path.write_bytes(b"")
    with pytest.raises(ImportRefused):
        inspect_workbook(path)
    with pytest.raises(ImportRefused):
        inspect_workbook(cfb_file(tmp_path / "x.xls", "Workbook"))


def test_empty_file(tmp_path, data_dir):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert_refused(path, data_dir, "空")


def test_csv_renamed_xlsx(tmp_path, data_dir):
    path = tmp_path / "data.xlsx"
    path.write_text("客户姓名,证件号码\n张三,1\n", encoding="utf-8")
    assert_refused(path, data_dir, ".csv")


def test_html_renamed_xlsx_and_xls(tmp_path, data_dir):
    for name in ("report.xlsx", "report.xls"):
        path = tmp_path / name
        path.write_text("<html><body><table><tr><td>客户姓名</td></tr></table></body></html>",
                        encoding="utf-8")
        assert_refused(path, data_dir, "HTML")


def test_word_document_renamed_xlsx(tmp_path, data_dir):
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert_refused(path, data_dir, "Word")
    assert_refused(cfb_file(tmp_path / "old.xlsx", "WordDocument"), data_dir, "Word")


def test_password_protected_workbook(tmp_path, data_dir):
    path = cfb_file(tmp_path / "locked.xlsx", "EncryptionInfo")
    assert_refused(path, data_dir, "密码")


def test_legacy_xls(tmp_path, data_dir):
    path = cfb_file(tmp_path / "old.xls", "Workbook")
    assert_refused(path, data_dir, ".xls")


def test_truncated_and_corrupt_archives(tmp_path, data_dir):
    good = simple_xlsx(tmp_path / "good.xlsx", good_rows(50))
    data = good.read_bytes()
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(data[: len(data) // 2])
    assert_refused(truncated, data_dir, "损坏")
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    assert_refused(garbage, data_dir, "损坏")
    flipped = bytearray(data)
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    at = info.header_offset + 30 + len(info.filename) + 20
    flipped[at] ^= 0xFF
    bad_crc = tmp_path / "flipped.xlsx"
    bad_crc.write_bytes(bytes(flipped))
    assert_refused(bad_crc, data_dir, "损坏")


def test_strict_open_xml(tmp_path, data_dir):
    path = raw_xlsx(tmp_path / "strict.xlsx",
                    [("S", sheet_xml([["客户姓名"]], ns=STRICT), "visible")], ns=STRICT)
    assert_refused(path, data_dir, "Strict")


def test_no_data_rows(tmp_path, data_dir):
    assert_refused(simple_xlsx(tmp_path / "headers_only.xlsx", []), data_dir, "没有数据行")
    assert_refused(simple_xlsx(tmp_path / "blank.xlsx", [[None] * 4, ["合计", "", "", 0]]),
                   data_dir, "没有数据行")
    empty_sheet = raw_xlsx(tmp_path / "nothing.xlsx", [("S", sheet_xml([]), "visible")])
    assert_refused(empty_sheet, data_dir, "没有数据行")
    csv = tmp_path / "only_header.csv"
    csv.write_text("客户姓名,证件号码,卡号,欠款本金\n", encoding="utf-8")
    assert_refused(csv, data_dir, "没有数据行")


def test_no_header_row_lists_what_was_found(tmp_path, data_dir):
    path = raw_xlsx(tmp_path / "nohead.xlsx", [("S", sheet_xml([["甲", "乙"], [1, 2]]), "visible")])
    assert_refused(path, data_dir, "表头", "甲")


def test_billion_laughs_in_sheet_and_shared_strings(tmp_path, data_dir):
    bomb_sheet = sheet_xml([["客户姓名", "&lol9;"]], prolog=LOL)
    path = raw_xlsx(tmp_path / "lol.xlsx", [("S", bomb_sheet, "visible")])
    start = time.monotonic()
    assert_refused(path, data_dir, "实体")
    sst = ('<?xml version="1.0"?>' + LOL + '<sst xmlns="http://schemas.openxmlformats.org/'
           'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>')
    path2 = raw_xlsx(tmp_path / "lol2.xlsx", [("S", sheet_xml([["客户姓名"]]), "visible")],
                     extra_parts={"xl/sharedStrings.xml": sst.encode()})
    assert_refused(path2, data_dir, "实体")
    path3 = raw_xlsx(tmp_path / "lol3.xlsx", [("S", sheet_xml([["客户姓名"]]), "visible")],
                     workbook_prolog=LOL)
    assert_refused(path3, data_dir)
    assert time.monotonic() - start < 10


def test_external_entity_is_never_resolved(tmp_path, data_dir):
    sheet = sheet_xml([["客户姓名", "&xxe;"]], prolog=XXE)
    path = raw_xlsx(tmp_path / "xxe.xlsx", [("S", sheet, "visible")])
    error = assert_refused(path, data_dir, "实体")
    assert "root:" not in error


def test_calamine_itself_does_not_expand_entities(tmp_path):
    """Belt and braces: even without our DTD check calamine refuses unknown entities."""
    from python_calamine import CalamineError, CalamineWorkbook

    sheet = sheet_xml([["客户姓名", ("raw", '<c r="B1" t="inlineStr"><is><t>&lol9;</t></is></c>')]],
                      prolog=LOL)
    path = raw_xlsx(tmp_path / "lolc.xlsx", [("S", sheet, "visible")])
    with pytest.raises(CalamineError):
        list(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows())


def test_decompression_bomb_is_refused_from_declared_sizes(tmp_path, data_dir):
    path = simple_xlsx(tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/padding.xml", b"\x00" * (64 << 20))
    assert path.stat().st_size < 1 << 20
    start = time.monotonic()
    assert_refused(path, data_dir, "体积")
    assert time.monotonic() - start < 5


def test_zip_lying_about_its_size_is_refused(tmp_path, data_dir):
    path = simple_xlsx(tmp_path / "liar.xlsx", good_rows(200))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    # Shrink the declared size in the central directory and local header.
    small = (1000).to_bytes(4, "little")
    local = info.header_offset
    data[local + 22:local + 26] = small
    cd = data.rfind(b"PK\x01\x02" + data[local + 4:local + 6], 0)
    idx = bytes(data).find(b"xl/worksheets/sheet1.xml", len(data) - 2000)
    data[idx - 46 + 24:idx - 46 + 28] = small
    del cd
    liar = tmp_path / "liar2.xlsx"
    liar.write_bytes(bytes(data))
    assert_refused(liar, data_dir, "损坏")


def test_not_a_spreadsheet_at_all(tmp_path, data_dir):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 100)
    assert_refused(path, data_dir, "不是")


def test_absurd_dimension_tag_alone_is_harmless(tmp_path):
    from visitdesk.adapters.spreadsheet import read_accounts

    xml = sheet_xml([["客户姓名", "证件号码", "卡号", "欠款本金"], *good_rows(2)])
    xml = xml.replace("<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>')
    path = raw_xlsx(tmp_path / "dim.xlsx", [("S", xml, "visible")])
    assert len(read_accounts(path).accounts) == 2


def _with_shared_strings(path: Path, sst: str) -> Path:
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/sharedStrings.xml"] = sst.encode()
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_absurd_shared_string_count_is_refused_before_calamine_aborts(tmp_path, data_dir):
    """calamine reserves memory for uniqueCount up front: 4e9 strings abort the process."""
    sheet = sheet_xml([[("raw", '<c r="A1" t="s"><v>0</v></c>')]])
    sst = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
           '2006/main" count="4000000000" uniqueCount="4000000000"><si><t>客户姓名</t></si></sst>')
    path = _with_shared_strings(raw_xlsx(tmp_path / "sst.xlsx", [("S", sheet, "visible")]), sst)
    assert_refused(path, data_dir, "安全")


def test_shared_strings_are_read(tmp_path):
    from visitdesk.adapters.spreadsheet import read_accounts

    rows = good_rows(2)
    strings = ["客户姓名", "证件号码", "卡号", "欠款本金"]
    xml_rows = [[("raw", f'<c r="{c}1" t="s"><v>{i}</v></c>') for i, c in enumerate("ABCD")]]
    xml_rows += rows
    sst = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
           '2006/main" count="4" uniqueCount="4">'
           + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
    path = _with_shared_strings(
        raw_xlsx(tmp_path / "ok.xlsx", [("S", sheet_xml(xml_rows), "visible")]), sst)
    assert len(read_accounts(path).accounts) == 2


def test_long_sheet_gets_an_exact_column_count_before_choosing_the_reader(tmp_path, monkeypatch):
    from visitdesk.adapters.spreadsheet import read_accounts, reader, safety

    monkeypatch.setattr(safety, "MAX_CELLS_DENSE", 30)  # 6 rows × 26 would exceed it
    path = simple_xlsx(tmp_path / "long.xlsx", good_rows(5))
    chosen = []
    real = reader.CalamineSheet.__init__

    def spy(self, *a, **kw):
        chosen.append("calamine")
        real(self, *a, **kw)

    monkeypatch.setattr(reader.CalamineSheet, "__init__", spy)
    assert len(read_accounts(path).accounts) == 5
    assert chosen == ["calamine"]  # 6 rows × 4 columns = 24 cells fits after measuring


@pytest.mark.parametrize("ref", ["A99999999", "ZZZZ1"])
def test_cell_beyond_excels_limits_is_refused_as_absurd(tmp_path, data_dir, ref):
    from import_corpus import cell

    rows = [["客户姓名", "证件号码", "卡号", "欠款本金"], *good_rows(2)]
    number = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    path = raw_xlsx(tmp_path / "huge.xlsx", [("S", sheet_xml(
        rows, extra_cells=f'<row r="{number}">{cell(ref, "x")}</row>'), "visible")])
    start = time.monotonic()
    assert_refused(path, data_dir, ref)
    assert time.monotonic() - start < 5


def test_scan_row_bound_catches_every_cell_below_it():
    import random

    from visitdesk.adapters.spreadsheet.safety import _beyond, row_bound

    rng = random.Random(3)
    for top in [0, 1, 9, 10, 99, 100, 109, 999, 100_002, 199_999, 987_654, 1_048_576]:
        bound = row_bound(top)
        assert top <= bound <= max(top * 1.1, 99)
        search = _beyond(bound).search
        for row in [*range(0, 300), max(bound - 1, 0), bound, bound + 1,
                    *(rng.randint(0, 3 * bound + 100) for _ in range(500))]:
            assert bool(search(f'<c r="A{row}"'.encode())) == (row > bound), (top, row)
        assert search(b'<c r="AB1"') and search(b'<c r=" A1"') and search(b'<c r="a1"')
