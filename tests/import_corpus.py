"""Builders for the messy and hostile import corpus (written into tmp_path by the tests).

``raw_xlsx`` writes a workbook part by part, so that tests can put exactly the XML they
need (formulas without cached values, error cells, DTDs, Strict namespaces, stray cells).
``messy_workbook`` uses openpyxl for the ordinary mess a bank export has.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from visitdesk.synth import HEADERS, Synth

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

BASIC_HEADERS = ("客户姓名", "证件号码", "卡号", "欠款本金")


def col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        s = chr(65 + rem) + s
    return s


def cell(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):  # ("f", formula, cached) or ("e", "#DIV/0!")
        if value[0] == "f":
            cached = "" if value[2] is None else f"<v>{value[2]}</v>"
            return f'<c r="{ref}"><f>{escape(value[1])}</f>{cached}</c>'
        if value[0] == "e":
            return f'<c r="{ref}" t="e"><v>{escape(value[1])}</v></c>'
        if value[0] == "raw":
            return value[1]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(rows: list[list[object]], *, start_row: int = 1, merges: list[str] = (),
              extra_cells: str = "", prolog: str = "", ns: str = MAIN) -> str:
    body = []
    for i, row in enumerate(rows):
        r = start_row + i
        cells = "".join(cell(f"{col_letter(c)}{r}", v) for c, v in enumerate(row))
        body.append(f'<row r="{r}">{cells}</row>')
    body.append(extra_cells)
    merge_xml = ""
    if merges:
        merge_xml = (f'<mergeCells count="{len(merges)}">'
                     + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
            f'<worksheet xmlns="{ns}" xmlns:r="{R}"><sheetData>{"".join(body)}</sheetData>'
            f"{merge_xml}</worksheet>")


def raw_xlsx(path: Path, sheets: list[tuple[str, str, str]], *, date1904: bool = False,
             ns: str = MAIN, workbook_prolog: str = "", extra_parts: dict[str, bytes] = None
             ) -> Path:
    """``sheets``: (name, sheet XML, state) with state ``visible``/``hidden``."""
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
          'package/2006/content-types"><Default Extension="rels" ContentType="application/'
          'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
          'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
          '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          + "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                    for i in range(len(sheets)))
          + "</Types>")
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>')
    wb_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
               'openxmlformats.org/package/2006/relationships">'
               + "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/'
                         f'officeDocument/2006/relationships/worksheet" Target="worksheets/'
                         f'sheet{i + 1}.xml"/>' for i in range(len(sheets)))
               + "</Relationships>")
    pr = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
    wb = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{workbook_prolog}'
          f'<workbook xmlns="{ns}" xmlns:r="{R}">{pr}<sheets>'
          + "".join(f'<sheet name="{escape(n)}" sheetId="{i + 1}" state="{st}" r:id="rId{i + 1}"/>'
                    for i, (n, _x, st) in enumerate(sheets))
          + "</sheets></workbook>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        for i, (_n, xml, _st) in enumerate(sheets):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", xml)
        for name, data in (extra_parts or {}).items():
            z.writestr(name, data)
    return path


def good_rows(n: int, seed: int = 7) -> list[list[object]]:
    """Rows for BASIC_HEADERS: name, ID, card (text), principal (number)."""
    synth = Synth(seed)
    return [[a.name, a.id_number, a.account_no, float(a.principal)] for a in synth.accounts(n)]


def simple_xlsx(path: Path, rows: list[list[object]] | None = None, *,
                headers=BASIC_HEADERS, title: str | None = None, **kw) -> Path:
    body = ([[title]] if title else []) + [list(headers)] + (rows if rows is not None
                                                             else good_rows(3))
    return raw_xlsx(path, [("客户", sheet_xml(body, **kw), "visible")])


def openpyxl_workbook(path: Path, rows: list[list[object]], *, headers=HEADERS,
                      title: str | None = None, merges: list[str] = ()) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "逾期客户"
    if title:
        ws.append([title])
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    for m in merges:
        ws.merge_cells(m)
    wb.save(path)
    return path


def full_rows(n: int, seed: int = 11) -> list[list[object]]:
    return [list(a.row()) for a in Synth(seed).accounts(n)]


LOL = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
       + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                 for i in range(1, 10))
       + "]>")
XXE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'

