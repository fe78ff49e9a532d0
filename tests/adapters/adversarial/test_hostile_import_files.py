"""Hostile files handed to the importer: every one is refused with a message that says what is
wrong, without a traceback, a killed process or unbounded memory.

This folder gathers the adversarial import tests (the plain "cannot be read" cases sit in
``tests/adapters/test_import_refused.py``). Each test builds its hostile file itself, so the
attack is readable here; the ones that could kill or exhaust the process run the import in
a child with a 2 GB address-space limit and check the child's peak memory.
"""

from __future__ import annotations

import json
import random
import string
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import pytest
from import_corpus import LOL, cell, good_rows, raw_xlsx, sheet_xml, simple_xlsx

from visitdesk.adapters.spreadsheet import import_file, read_accounts
from visitdesk.adapters.spreadsheet.reader import guarded
from visitdesk.adapters.store import BatchInfo, CaseStore
from visitdesk.core.accounts import Account
from visitdesk.core.errors import ImportRefused
from visitdesk.core.money import ZERO

ROOT = Path(__file__).resolve().parents[3]
PEAK_LIMIT_MB = 300
SST_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST_REL = ('<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
           '2006/relationships/sharedStrings" Target="sharedStrings.xml"/>')


def refused(path: Path, data_dir: Path, *words: str) -> str:
    """Import ``path`` into a store holding one account; it must be refused, unchanged."""
    with CaseStore(data_dir) as store:
        if not store.account_count():
            store.upsert_accounts([Account("0001", "甲", "x", ZERO)], BatchInfo("seed", "h", "", 0))
        before = (store.accounts(), store.batches())
        report = import_file(store, path)
        assert (store.accounts(), store.batches()) == before, "a refused import changed the store"
    assert report.status == "refused", report.to_json()
    assert report.error and "\n" not in report.error
    assert "损坏" not in report.error, f"a hostile file is not 'damaged': {report.error}"
    for word in words:
        assert word in report.error, report.error
    return report.error


def import_in_child(path: Path, data_dir: Path, timeout: float = 120) -> dict:
    """Import ``path`` in a child with 2 GB of address space (a runaway allocation fails
    there, not in the test run); it must exit normally. Adds the child's ``peak_mb``."""
    code = (
        "import json, resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from visitdesk.adapters.spreadsheet import import_file\n"
        "from visitdesk.adapters.store import CaseStore\n"
        f"store = CaseStore({str(data_dir)!r})\n"
        f"r = import_file(store, {str(path)!r}).to_json()\n"
        # VmHWM is this process's own peak; ru_maxrss would also count the test run's
        # memory, which Linux carries into a child across fork and exec.
        "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM:')][0]\n"
        "r['peak_mb'] = int(hwm.split()[1]) / 1024\n"
        "print(json.dumps(r, ensure_ascii=False))\n")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert time.monotonic() - start < timeout
    return json.loads(done.stdout)


def rewrite(path: Path, change) -> Path:
    """Rewrite the archive at ``path`` with ``change(parts)`` applied to its {name: bytes};
    ``parts`` may be given as a list of (name, bytes) to keep duplicate names."""
    with zipfile.ZipFile(path) as z:
        parts = [(n, z.read(n)) for n in z.namelist()]
    parts = change(parts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts:
                z.writestr(name, data)
    return path


def with_shared_strings(path: Path, sst: bytes, part: str = "xl/sharedStrings.xml") -> Path:
    def change(parts):
        parts = [(n, d.replace(b"</Relationships>", SST_REL.encode() + b"</Relationships>")
                  if n == "xl/_rels/workbook.xml.rels" else d) for n, d in parts]
        return [*parts, (part, sst)]
    return rewrite(path, change)


# ----------------------------------------------------------------------------------------
# parts that collide, or hide a DTD
# ----------------------------------------------------------------------------------------
HOSTILE_SHEET = sheet_xml([["客户姓名", "&lol9;"]], prolog=LOL).encode()
TWIN_SHEET = sheet_xml([["客户姓名", "证件号码", "卡号", "欠款本金"], *good_rows(3, seed=99)],
                       extra_cells=f'<row r="1048576">{cell("XFD1048576", "x")}</row>').encode()
"""Another sheet in the same place: other accounts, and a far cell that makes calamine try
to allocate the whole grid."""


@pytest.mark.parametrize("twin", [
    "XL/Worksheets/Sheet1.xml",      # a reader that ignores case may take this one
    "xl\\worksheets\\sheet1.xml",    # … or one that reads backslashes as slashes
    "/xl/worksheets/sheet1.xml",
    "xl/worksheets/sheet1.xml",      # the very same name twice
])
def test_parts_whose_names_collide_are_refused(tmp_path, data_dir, twin):
    path = rewrite(simple_xlsx(tmp_path / "twins.xlsx"),
                   lambda parts: [*parts, (twin, TWIN_SHEET)])
    error = refused(path, data_dir, "大小写")
    assert "sheet1.xml" in error.lower()


def test_a_part_with_a_dtd_is_refused_whatever_its_name(tmp_path, data_dir):
    for name in ("XL/Styles.XML", "xl/worksheets/sheet9.xml", "customXml/item1.bin"):
        path = rewrite(simple_xlsx(tmp_path / "dtd.xlsx"),
                       lambda parts, name=name: [*parts, (name, HOSTILE_SHEET)])
        refused(path, data_dir, "实体")


def test_a_dtd_behind_a_long_comment_is_still_found(tmp_path, data_dir):
    comment = "<!--" + "padding " * 2000 + "-->"
    styles = (f'<?xml version="1.0"?>{comment}{LOL}<styleSheet xmlns="{SST_NS}"/>').encode()
    path = rewrite(simple_xlsx(tmp_path / "late.xlsx"),
                   lambda parts: [*parts, ("xl/styles.xml", styles)])
    refused(path, data_dir, "实体")
    rows = [["客户姓名", "证件号码", "卡号", "欠款本金"], *good_rows(2)]
    sheet = sheet_xml(rows, prolog=comment + LOL)
    refused(raw_xlsx(tmp_path / "late_sheet.xlsx", [("S", sheet, "visible")]), data_dir, "实体")


def test_a_utf16_part_with_a_dtd_is_refused(tmp_path, data_dir):
    styles = ('<?xml version="1.0" encoding="UTF-16"?><!--' + "x" * 5000 + "-->" + LOL
              + f'<styleSheet xmlns="{SST_NS}"/>').encode("utf-16")
    path = rewrite(simple_xlsx(tmp_path / "u16.xlsx"),
                   lambda parts: [*parts, ("xl/styles.xml", styles)])
    refused(path, data_dir, "实体")


def test_a_long_comment_without_a_dtd_is_harmless(tmp_path):
    comment = "<!--" + "padding " * 2000 + "-->"
    rows = [["客户姓名", "证件号码", "卡号", "欠款本金"], *good_rows(2)]
    path = raw_xlsx(tmp_path / "comment.xlsx", [("S", sheet_xml(rows, prolog=comment), "visible")])
    assert len(read_accounts(path).accounts) == 2


def test_lying_shared_string_count_under_another_letter_case_does_not_kill_the_process(
        tmp_path):
    sheet = sheet_xml([[("raw", '<c r="A1" t="s"><v>0</v></c>')]])
    sst = (f'<?xml version="1.0"?><sst xmlns="{SST_NS}" count="4000000000" '
           'uniqueCount="4000000000"><si><t>客户姓名</t></si></sst>').encode()
    path = with_shared_strings(raw_xlsx(tmp_path / "sst.xlsx", [("S", sheet, "visible")]), sst,
                               part="xl/SharedStrings.xml")
    report = import_in_child(path, tmp_path / "d")
    assert report["status"] == "refused"
    assert "数量" in report["error"]
    assert report["peak_mb"] <= PEAK_LIMIT_MB


# ----------------------------------------------------------------------------------------
# memory bombs that zip ratios do not catch
# ----------------------------------------------------------------------------------------
def test_one_long_shared_string_repeated_in_many_cells_is_refused_before_expansion(tmp_path):
    """A 1 MB string referred to by 100,000 cells would be 100 GB once every cell has its
    copy; the parts are small and compress well within the ratio limits."""
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>'
                   for r in range(2, 100_002))
    sheet = sheet_xml([["客户姓名", "证件号码", "卡号", "欠款本金"]], extra_cells=rows)
    long_text = "长" * (1 << 19)
    sst = (f'<?xml version="1.0"?><sst xmlns="{SST_NS}" count="100000" uniqueCount="1">'
           f"<si><t>{long_text}</t></si></sst>").encode()
    path = with_shared_strings(raw_xlsx(tmp_path / "copies.xlsx", [("S", sheet, "visible")]), sst)
    assert path.stat().st_size < 2 << 20
    report = import_in_child(path, tmp_path / "d")
    assert report["status"] == "refused", report
    assert "共享文字" in report["error"] and "MB" in report["error"]
    assert report["peak_mb"] <= PEAK_LIMIT_MB


def test_shared_strings_used_once_each_are_not_mistaken_for_a_bomb(tmp_path):
    headers = ["客户姓名", "证件号码", "卡号", "欠款本金"]
    rows = good_rows(300)
    strings = headers + [r[0] for r in rows] + ["备注" * 3000]
    index = {s: i for i, s in enumerate(strings)}
    xml_rows = [[("raw", f'<c r="{c}1" t="s"><v>{i}</v></c>') for i, c in enumerate("ABCD")]]
    for n, r in enumerate(rows, start=2):
        xml_rows.append([("raw", f'<c r="A{n}" t="s"><v>{index[r[0]]}</v></c>'), *r[1:]])
    sst = (f'<?xml version="1.0"?><sst xmlns="{SST_NS}" count="{len(strings)}" '
           f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{s}</t></si>" for s in strings)
           + "</sst>").encode()
    path = with_shared_strings(
        raw_xlsx(tmp_path / "ok.xlsx", [("S", sheet_xml(xml_rows), "visible")]), sst)
    assert len(read_accounts(path).accounts) == 300


def test_oversized_csv_is_refused_before_it_is_read(tmp_path, data_dir):
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:
        fh.write("客户姓名,证件号码,卡号,欠款本金\n".encode())
        fh.write(b"".join(f"{r[0]},{r[1]},{r[2]},{r[3]}\n".encode() for r in good_rows(200)))
        fh.seek(600 << 20)  # a sparse hole: 600 MB on paper, no disk used
        fh.write("张三,110101199003077777,6222000000000000,1.00\n".encode())
    report = import_in_child(path, tmp_path / "d", timeout=30)
    assert report["status"] == "refused"
    assert "600 MB" in report["error"] and "512 MB" in report["error"]
    assert report["peak_mb"] <= PEAK_LIMIT_MB, "the file was read before its size was checked"


def test_csv_with_a_ten_megabyte_field_says_so(tmp_path, data_dir):
    path = tmp_path / "field.csv"
    text = "客户姓名,证件号码,卡号,欠款本金\n张三,110101199003077777,6222,1.00\n"
    path.write_text(text + '李四,"' + "很长" * (5 << 20) + '",6223,2.00\n', encoding="utf-8")
    refused(path, data_dir, "字符", "第 3 行")


def test_a_row_over_the_row_size_limit_says_so(tmp_path, data_dir, monkeypatch):
    from visitdesk.adapters.spreadsheet import safety

    monkeypatch.setattr(safety, "MAX_ROW_BYTES", 1 << 20)  # 64 MB in use; kept small here
    monkeypatch.setattr(safety, "CHUNK", 64 << 10)  # … with blocks to match
    noise = "".join(random.Random(5).choices(string.ascii_letters, k=2 << 20))
    rows = [["客户姓名", "证件号码", "卡号", "欠款本金"], *good_rows(2), ["x", noise]]
    path = raw_xlsx(tmp_path / "row.xlsx", [("S", sheet_xml(rows), "visible")])
    refused(path, data_dir, "1 MB")


def test_reader_failures_become_refusals_not_tracebacks():
    class PanicException(BaseException):  # what pyo3 raises for a Rust panic
        pass

    def failing(exc):
        yield ["客户姓名"]
        raise exc

    for exc, words in ((MemoryError(), "内存"), (PanicException("index out of bounds"), "读取组件"),
                       (ValueError("bad xml"), "损坏")):
        rows = guarded(failing(exc), "a.xlsx")
        assert next(rows) == ["客户姓名"]
        with pytest.raises(ImportRefused, match=words):
            next(rows)
    with pytest.raises(KeyboardInterrupt):
        rows = guarded(failing(KeyboardInterrupt()), "a.xlsx")
        next(rows)
        next(rows)


@pytest.mark.parametrize("stray", ["XFD1048576", "A1048576", "XFD5"])
def test_stray_far_cell_neither_hangs_nor_kills_the_process(tmp_path, stray):
    rows = [["客户姓名", "证件号码", "卡号", "欠款本金"], *good_rows(3)]
    row_no = stray.lstrip(string.ascii_uppercase)
    path = raw_xlsx(tmp_path / "stray.xlsx", [("S", sheet_xml(
        rows, extra_cells=f'<row r="{row_no}">{cell(stray, "x")}</row>'), "visible")])
    report = import_in_child(path, tmp_path / "d")
    assert report["status"] in ("imported", "partial")
    assert report["imported"] == 3
    assert report["peak_mb"] <= PEAK_LIMIT_MB


@pytest.mark.parametrize("hostile", [
    # a cell far below the row element that holds it (only the cell's own reference counts)
    '<row r="9"><c r="Z999999" t="inlineStr"><is><t>x</t></is></c></row>',
    '<row r="9"><c r="A99999999" t="inlineStr"><is><t>x</t></is></c></row>',
    # the same with a namespace prefix, which calamine reads like the plain name
    '<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="9">'
    '<x:c r="Z99999999" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c></x:row>',
    # a tab instead of a space before the reference
    '<row r="9"><c\tr="Z99999999" t="inlineStr"><is><t>x</t></is></c></row>',
])
def test_far_cell_hidden_from_a_plain_scan_neither_hangs_nor_kills_the_process(tmp_path, hostile):
    rows = [["客户姓名", "证件号码", "卡号", "欠款本金"], *good_rows(3)]
    path = raw_xlsx(tmp_path / "hidden.xlsx", [("S", sheet_xml(rows, extra_cells=hostile),
                                                 "visible")])
    report = import_in_child(path, tmp_path / "d")
    assert report["status"] in ("imported", "partial", "refused")
    if report["status"] == "refused":
        assert "尺寸" in report["error"]
    else:
        assert report["imported"] == 3


def test_a_sheet_or_csv_over_the_row_limit_is_refused_while_scanning(tmp_path, data_dir,
                                                                     monkeypatch):
    from visitdesk.adapters.spreadsheet import safety

    monkeypatch.setattr(safety, "MAX_IMPORT_ROWS", 150)
    monkeypatch.setattr(safety, "MAX_SHEET_ROWS", 160)
    monkeypatch.setattr(safety, "CHUNK", 4 << 10)  # small blocks: refused before the end
    rows = good_rows(400)
    refused(simple_xlsx(tmp_path / "many.xlsx", rows), data_dir, "150", "拆")
    csv = tmp_path / "many.csv"
    csv.write_text("客户姓名,证件号码,卡号,欠款本金\n"
                   + "".join(f"{r[0]},{r[1]},{r[2]},{r[3]}\n" for r in rows), encoding="utf-8")
    refused(csv, data_dir, "150")
    assert len(read_accounts(simple_xlsx(tmp_path / "fits.xlsx", rows[:150])).accounts) == 150
