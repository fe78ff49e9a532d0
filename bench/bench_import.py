"""Import benchmark: 100,000-row (and larger) × 14-column workbooks into a fresh case store.

Prints wall time and peak memory (max RSS of a fresh child process per measurement) of

* ``calamine``  – a bare read by python-calamine alone (open, iterate every row),
* ``openpyxl``  – a bare read by openpyxl in read-only mode (``--no-openpyxl`` skips it),
* ``import``    – visitdesk's whole import (safety checks, parsing, one store transaction),
* ``import-encrypted`` – the same into an encrypted (SQLCipher) store (``--encryption``),

and the import's ratios to the bare reads, and peak memory as a multiple of the file's size.
Goals (issue 10): import ≤ 1.5× the bare calamine read, peak ≤ 300 MB; a workbook of the
xlsx maximum (1,048,576 rows) imports or is refused with a clear message in bounded memory.
Workbooks are generated once and cached under /tmp (the 1M-row one takes minutes).

    python bench/bench_import.py [--rows 100000 500000 1048574] [--no-openpyxl] [--encryption]

``--encryption`` adds the import into an encrypted store and its ratio to the plain one (goal,
issue 13: ≤ 1.3×).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path("/tmp/visitdesk-bench")

CHILD = r"""
import json, resource, sys, tempfile, time
sys.path.insert(0, {root!r})
mode, path = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if mode == "calamine":
    from python_calamine import CalamineWorkbook
    wb = CalamineWorkbook.from_path(path)
    rows = 0
    for _ in wb.get_sheet_by_index(0).iter_rows():
        rows += 1
elif mode == "openpyxl":
    from openpyxl import load_workbook
    wb = load_workbook(path, read_only=True, data_only=True)
    rows = 0
    for _ in wb.worksheets[0].iter_rows(values_only=True):
        rows += 1
    wb.close()
elif mode == "phases":
    from pathlib import Path
    from python_calamine import CalamineWorkbook
    from visitdesk.adapters.spreadsheet import read_accounts, safety
    from visitdesk.adapters.spreadsheet.importer import file_sha256
    from visitdesk.adapters.store import BatchInfo, CaseStore
    t = time.perf_counter()
    zf = safety.open_zip(Path(path))
    facts = safety.workbook_facts(zf, "x")
    shared = safety.check_parts(zf, {{facts.sheets[0].part}}, "x")
    safety.scan_sheet(zf, facts.sheets[0].part, "x", shared=shared)
    scan = time.perf_counter() - t
    t = time.perf_counter()
    CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    load = time.perf_counter() - t
    t = time.perf_counter()
    result = read_accounts(path)
    read = time.perf_counter() - t
    import os
    encrypted = len(sys.argv) > 3 and sys.argv[3] == "encrypted"
    writes = {{}}
    for label, key in [("store transaction", None)] + (
            [("store transaction (encrypted)", os.urandom(32))] if encrypted else []):
        with tempfile.TemporaryDirectory() as tmp:
            with CaseStore(tmp, key=key) as store:
                t = time.perf_counter()
                store.upsert_accounts(result.accounts,
                                      BatchInfo("b", file_sha256(Path(path)), "", 0))
                writes[label] = time.perf_counter() - t
    rows = len(result.accounts)
    print(json.dumps({{"phases": {{"pre-scan": scan, "calamine load": load,
                                   "parse (rest of read)": read - scan - load, **writes}}}}))
else:
    import os
    from visitdesk.adapters.spreadsheet import import_file
    from visitdesk.adapters.store import CaseStore
    with tempfile.TemporaryDirectory() as tmp:
        with CaseStore(tmp, key=os.urandom(32) if mode == "import-encrypted" else None) as store:
            report = import_file(store, path)
            rows = report.imported + report.updated
            print(json.dumps({{"status": report.status, "error": report.error}}))
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"mode": mode, "seconds": seconds, "peak_mb": peak_mb, "rows": rows}}))
"""


def measure(mode: str, path: Path, *extra: str) -> dict:
    code = CHILD.format(root=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code, mode, str(path), *extra], capture_output=True,
                          text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{mode} failed:\n{done.stderr}")
    merged: dict = {}
    for line in done.stdout.strip().splitlines():
        merged.update(json.loads(line))
    return merged


def workbook(rows: int) -> Path:
    path = CACHE / f"accounts-{rows}.xlsx"
    if not path.exists():
        sys.path.insert(0, str(ROOT))
        from visitdesk.synth import Synth, write_workbook

        start = time.perf_counter()
        CACHE.mkdir(parents=True, exist_ok=True)
        if rows <= 100_000:
            write_workbook(path, Synth().rows(rows))
        else:  # openpyxl would take most of an hour on a loaded machine
            write_raw_workbook(path, Synth().rows(rows))
        print(f"generated {path} in {time.perf_counter() - start:.1f} s")
    return path


def write_raw_workbook(path: Path, rows) -> None:
    """The same workbook as ``synth.write_workbook`` (title, header, 14 columns, dates as
    date cells, text inline), with the sheet XML written directly: minutes, not an hour."""
    import datetime
    import zipfile
    from decimal import Decimal
    from xml.sax.saxutils import escape

    from visitdesk.synth import HEADERS

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    epoch = datetime.date(1899, 12, 30)
    letters = [chr(65 + i) for i in range(len(HEADERS))]

    def cell(ref: str, v) -> str:
        if v is None or v == "":
            return ""
        if isinstance(v, datetime.date):
            return f'<c r="{ref}" s="1"><v>{(v - epoch).days}</v></c>'
        if isinstance(v, (int, float, Decimal)):
            return f'<c r="{ref}"><v>{v}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'

    def row(r: int, values) -> str:
        return (f'<row r="{r}">' + "".join(cell(f"{c}{r}", v) for c, v in zip(letters, values, strict=False))
                + "</row>")

    tmp = path.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="'
            '/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.styles+xml"/></Types>'))
        z.writestr("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}"><Relationship '
            f'Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            '<workbookPr/><sheets><sheet name="逾期客户" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>").encode())
        z.writestr("xl/_rels/workbook.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/></Relationships>'))
        z.writestr("xl/styles.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{main}"><fonts count="1">'
            '<font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/>'
            '</borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf/>'
            '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
                     f'<sheetData>{row(1, ["逾期客户清单"])}{row(2, HEADERS)}'.encode())
            block = []
            for r, values in enumerate(rows, start=3):
                block.append(row(r, values))
                if len(block) == 10_000:
                    fh.write("".join(block).encode())
                    block = []
            fh.write(("".join(block) + "</sheetData></worksheet>").encode())
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--no-openpyxl", action="store_true", help="skip the slow openpyxl read")
    parser.add_argument("--encryption", action="store_true",
                        help="also import into an encrypted (SQLCipher) store and compare")
    args = parser.parse_args(argv)
    for rows in args.rows:
        run(rows, openpyxl=not args.no_openpyxl and rows <= 100_000, encryption=args.encryption)
    return 0


def run(n: int, *, openpyxl: bool, encryption: bool = False) -> None:
    path = workbook(n)
    size_mb = path.stat().st_size / 1e6
    print(f"\nworkbook: {path} ({size_mb:.1f} MB, {n:,} rows × 14 columns)")
    modes = ["calamine", "import"] + (["openpyxl"] if openpyxl else [])
    modes += ["import-encrypted"] if encryption else []
    results = {mode: measure(mode, path) for mode in modes}
    base = results["calamine"]["seconds"]
    print(f"{'measurement':<18}{'seconds':>10}{'rows/s':>12}{'peak MB':>10}{'× size':>8}"
          f"{'× calamine':>12}")
    for mode in modes:
        r = results[mode]
        print(f"{mode:<18}{r['seconds']:>10.2f}{r['rows'] / r['seconds']:>12,.0f}"
              f"{r['peak_mb']:>10.0f}{r['peak_mb'] / size_mb:>8.1f}{r['seconds'] / base:>12.2f}")
    imp = results["import"]
    ratio = imp["seconds"] / base
    if imp["status"] != "imported":
        print(f"import {imp['status']} after {imp['seconds']:.2f} s ({ratio:.2f}× calamine),"
              f" peak {imp['peak_mb']:.0f} MB: {imp['error']}")
        return
    print(f"import / bare calamine read: {ratio:.2f}× (goal ≤ 1.5×)"
          f" {'met' if ratio <= 1.5 else 'NOT met'}")
    if "openpyxl" in results:
        print(f"import / bare openpyxl read-only: {imp['seconds'] / results['openpyxl']['seconds']:.2f}×")
    if "import-encrypted" in results:
        enc = results["import-encrypted"]
        cost = enc["seconds"] / imp["seconds"]
        print(f"encrypted import / plain import: {cost:.2f}× (goal ≤ 1.3×)"
              f" {'met' if cost <= 1.3 else 'NOT met'}; peak {enc['peak_mb']:.0f} MB")
    phases = measure("phases", path, *(["encrypted"] if encryption else []))["phases"]
    print("import phases (separate run): " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
    if "store transaction (encrypted)" in phases:
        share = phases["store transaction (encrypted)"] / phases["store transaction"]
        print(f"store transaction encrypted / plain (same process): {share:.2f}×")
    print(f"import peak memory: {imp['peak_mb']:.0f} MB (goal ≤ 300 MB)"
          f" {'met' if imp['peak_mb'] <= 300 else 'NOT met'}; {imp['peak_mb'] / size_mb:.1f}×"
          " the file's size (goal ≤ 5×)")


if __name__ == "__main__":
    raise SystemExit(main())
