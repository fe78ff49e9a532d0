"""Look at a file before any reader library does: what it is, and whether it is safe to read.

A reader library is trusted with a file only after these checks:

* the file kind comes from its bytes, not its name (a CSV, HTML page or Word file renamed
  ``.xlsx``, an encrypted workbook in an OLE container, a legacy ``.xls``);
* the zip's declared sizes and compression ratios are checked before anything is inflated,
  and every part we inflate goes through :mod:`zipfile`, which stops at the declared size
  (a part that inflates beyond it fails its CRC check and the file is refused);
* no XML part may carry a DTD (OOXML never does; a DTD is how entity expansion and external
  entities get in). The few parts we parse ourselves go through :mod:`defusedxml`;
* every cell reference of the chosen sheet is scanned, so that a stray cell at XFD1048576
  is found before calamine would try to allocate the whole 17-billion-cell grid (it aborts
  the process when that allocation fails). calamine places a cell by its own reference, not
  by the row element around it, and reads namespace-prefixed elements (``<x:c>``) too, so
  the scan bounds the cell references themselves (a cheap search against a bound at most
  10 % above the last row, with an exact look only at blocks that hit it) and sends
  prefixed or oddly spelt references to the slow reader. The same pass finds formulas
  without a cached value and error cells, which calamine returns as empty strings.
"""

from __future__ import annotations

import array
import functools
import html
import itertools
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeET

from visitdesk.core.cells import CellError
from visitdesk.core.errors import ImportCancelled, ImportRefused
from visitdesk.i18n import tr

MAX_PART_BYTES = 1 << 30
"""Largest declared uncompressed size of one zip part (1 GiB)."""
MAX_TOTAL_BYTES = 2 << 30
"""Largest declared uncompressed size of the whole archive."""
MAX_RATIO = 250
"""Largest compression ratio accepted for a part bigger than :data:`RATIO_FLOOR`."""
RATIO_FLOOR = 5 << 20
MAX_PARTS = 10_000
MAX_CELLS_DENSE = 8_000_000
"""Largest rows × columns grid handed to calamine (it allocates the grid densely)."""
MAX_COLUMNS_DENSE = 1_000
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
"""Excel's own limits (XFD1048576): a reference beyond them is not from Excel."""
CHUNK = 4 << 20
MAX_IMPORT_ROWS = 200_000
"""Most data rows one import takes. Twice the benchmark's 100,000 (which peaks near 300 MB);
a branch's list of overdue accounts is far smaller, and a bigger file is split by branch."""
MAX_SHEET_ROWS = MAX_IMPORT_ROWS + 100
"""Row elements allowed in a sheet: the data rows plus titles, header and notes."""
MAX_ROW_BYTES = 64 << 20
"""Largest XML of one row: no account list has a row anywhere near it."""

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error,
              RuntimeError)
"""What inflating a damaged or hostile archive member can raise."""

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", "<!DOCTYPE".encode("utf-16-le"),
                "<!ENTITY".encode("utf-16-le"))


def refuse(key: str, **params: Any) -> ImportRefused:
    return ImportRefused(tr(key, **params))


@dataclass(frozen=True)
class SheetPart:
    name: str
    hidden: bool
    part: str | None
    """Path of the sheet XML inside the zip (None for chart sheets)."""


@dataclass(frozen=True)
class XlsxFacts:
    sheets: tuple[SheetPart, ...]
    date1904: bool
    shared_strings: str | None


# ----------------------------------------------------------------------------------------
# file kind
# ----------------------------------------------------------------------------------------
def sniff(path: Path) -> str:
    """``xlsx`` or ``csv``; anything else raises :class:`ImportRefused` with the reason."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8192)
    except FileNotFoundError:
        raise refuse("import.refused.not_found", file=path.name) from None
    except OSError as exc:
        raise refuse("import.refused.unreadable", file=path.name, detail=exc.strerror or exc) from None
    if size == 0 or not head.strip(b"\x00\t\r\n \xef\xbb\xbf"):
        raise refuse("import.refused.empty", file=path.name)
    suffix = path.suffix.lower()
    if head.startswith(CFB_MAGIC):
        raise _cfb_reason(path)
    if head.startswith(ZIP_MAGICS):
        if suffix in (".csv", ".txt"):
            raise refuse("import.refused.zip_named_csv", file=path.name)
        return "xlsx"
    if head.startswith(b"{\\rtf"):
        raise refuse("import.refused.word", file=path.name)
    if head.startswith(b"%PDF"):
        raise refuse("import.refused.not_spreadsheet", file=path.name)
    lowered = head[:4096].lower()
    if b"<html" in lowered or b"<!doctype html" in lowered or b"<table" in lowered:
        raise refuse("import.refused.html", file=path.name)
    if b"\x00" in head and not (head.startswith((b"\xff\xfe", b"\xfe\xff"))):
        raise refuse("import.refused.not_spreadsheet", file=path.name)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise refuse("import.refused.text_named_xlsx", file=path.name)
    return "csv"


def _cfb_reason(path: Path) -> ImportRefused:
    """An OLE compound file: encrypted OOXML, a legacy .xls, or a Word .doc."""
    with path.open("rb") as fh:
        data = fh.read(4 << 20)
    def has(name: str) -> bool:
        return name.encode("utf-16-le") in data
    if has("EncryptionInfo") or has("EncryptedPackage"):
        return refuse("import.refused.encrypted", file=path.name)
    if has("WordDocument"):
        return refuse("import.refused.word", file=path.name)
    if has("Workbook") or has("Book"):
        return refuse("import.refused.xls", file=path.name)
    return refuse("import.refused.not_spreadsheet", file=path.name)


# ----------------------------------------------------------------------------------------
# zip container
# ----------------------------------------------------------------------------------------
def open_zip(path: Path) -> zipfile.ZipFile:
    """The archive, after checking its declared sizes; refuses corrupt archives and bombs."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise refuse("import.refused.corrupt", file=path.name) from None
    infos = zf.infolist()
    if len(infos) > MAX_PARTS:
        zf.close()
        raise refuse("import.refused.bomb", file=path.name)
    check_part_names(infos, path.name)
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if (info.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES
                or (info.file_size > RATIO_FLOOR and ratio > MAX_RATIO)):
            zf.close()
            raise refuse("import.refused.bomb", file=path.name)
        if info.flag_bits & 0x1:
            zf.close()
            raise refuse("import.refused.encrypted", file=path.name)
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        zf.close()
        if "word/document.xml" in names:
            raise refuse("import.refused.word", file=path.name)
        if any(n.startswith("xl/") for n in names) or "[Content_Types].xml" in names:
            raise refuse("import.refused.corrupt", file=path.name)
        raise refuse("import.refused.not_spreadsheet", file=path.name)
    return zf


def part_key(name: str) -> str:
    """A part name as a lenient reader may look it up: calamine finds parts ignoring ASCII
    case, and zip tools differ on backslashes and a leading slash."""
    return name.replace("\\", "/").lstrip("/").casefold()


def check_part_names(infos: list[zipfile.ZipInfo], file_name: str) -> None:
    """Refuse an archive where two parts could be taken for one another.

    With ``xl/worksheets/sheet1.xml`` beside ``XL/Worksheets/Sheet1.xml`` (or a backslash
    spelling, or the same name twice), what we check and what a reader reads may be
    different parts; no program that writes workbooks does that.
    """
    seen: dict[str, str] = {}
    for info in infos:
        raw = info.orig_filename
        key = part_key(raw.split("\x00", 1)[0])
        if key in seen or "\x00" in raw:
            other = seen.get(key, raw)
            raise refuse("import.refused.duplicate_part", file=file_name,
                         part=_printable(raw), other=_printable(other))
        seen[key] = raw


def _printable(name: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in name)[:80]


def read_part(zf: zipfile.ZipFile, name: str, file_name: str, limit: int = 64 << 20) -> bytes:
    """A small XML part, inflated through zipfile (size-checked) and checked for a DTD."""
    try:
        info = zf.getinfo(name)
        if info.file_size > limit:
            raise refuse("import.refused.bomb", file=file_name)
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except ImportRefused:
        raise
    except (KeyError, *ZIP_ERRORS):
        raise refuse("import.refused.corrupt", file=file_name) from None
    if len(data) > limit:
        raise refuse("import.refused.bomb", file=file_name)
    check_no_dtd(data, file_name)
    return data


MAX_PROLOG = 64 << 10
"""Bytes read to find a part's root element: a longer prolog (comments, processing
instructions) is refused, since it could hide a DTD past the part of the file we look at."""


def check_no_dtd(head: bytes, file_name: str) -> str | None:
    """Refuse a part that carries a DTD; return the name of its root element (None when the
    part is not XML). ``head`` is the start of the part, at least :data:`MAX_PROLOG` bytes
    when the part is that long.

    A DTD may only stand in the prolog, before the root element, but the prolog may hold
    any number of comments and processing instructions first: the prolog is walked to the
    root element rather than searched for a fixed number of bytes.
    """
    if any(m in head[:4096] for m in _DTD_MARKERS):
        raise refuse("import.refused.hostile_xml", file=file_name)
    text = _xml_text(head[:MAX_PROLOG])
    if text is None:
        return None
    i = 0
    while True:
        j = text.find("<", i)
        if j < 0 or j + 1 >= len(text):
            break
        if text.startswith("<?", j):
            end = text.find("?>", j + 2)
            step = 2
        elif text.startswith("<!--", j):
            end = text.find("-->", j + 4)
            step = 3
        elif text.startswith("<!", j):
            raise refuse("import.refused.hostile_xml", file=file_name)
        else:
            name = _ROOT_NAME.match(text, j + 1)
            return name.group(0) if name else ""
        if end < 0:
            break
        i = end + step
    if len(head) >= MAX_PROLOG:
        raise refuse("import.refused.hostile_xml", file=file_name)
    return ""


_ROOT_NAME = re.compile(r"[^\s/>]+")
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
         (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"))


def _xml_text(head: bytes) -> str | None:
    """The start of a part as text when it looks like XML (by its first bytes), else None."""
    codec = "latin-1"  # ASCII-compatible: enough to read the markup of the prolog
    for bom, name in _BOMS:
        if head.startswith(bom):
            codec = name
            head = head[len(bom):] if bom[0] not in b"<\x00" else head
            break
    if codec.startswith("utf-16"):
        head = head[: len(head) & ~1]
    text = head.decode(codec, "replace")
    return text if text.lstrip().startswith("<") else None


_UNIQUE_COUNT = re.compile(rb'\b(?:uniqueCount|count)="(\d+)"')


def check_shared_strings_head(head: bytes, size: int, file_name: str) -> None:
    """calamine reserves memory for the declared number of shared strings before reading
    them; a declared count of four billion makes it abort the process (tested). Each string
    takes at least five bytes (``<si/>``), so a count beyond ``size / 5`` is a lie."""
    start = head.find(b"<sst")
    if start < 0:
        return
    tag = head[start:head.find(b">", start) + 1]
    for count in _UNIQUE_COUNT.findall(tag):
        if int(count) > size // 5 + 16:
            raise refuse("import.refused.hostile_structure", file=file_name)


MAX_SHARED_TEXT = 128 << 20
"""Largest amount of shared-string text (bytes of XML) the cells of a sheet may expand to.
A reader copies a shared string into every cell that refers to it, so one long string
referred to by a million cells is a memory bomb hidden behind small parts."""
_SI_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")


@dataclass
class SharedStrings:
    """Where each shared string starts and how long it may be (an upper bound: the bytes of
    XML up to the next string), measured while its part is inflated anyway."""

    part: str
    lengths: array.array = field(default_factory=lambda: array.array("Q"))

    @property
    def longest(self) -> int:
        return max(self.lengths, default=0)


def check_parts(zf: zipfile.ZipFile, skip: set[str], file_name: str) -> SharedStrings | None:
    """Every part of the archive, whatever its name or case: no DTD (the prolog walked to the
    root element), and each XML part outside the worksheets inflated whole (size and CRC
    enforced). The shared-strings part is recognised by its root element, not its name,
    and measured; returns it (None when there is none)."""
    shared: SharedStrings | None = None
    for info in zf.infolist():
        if info.filename in skip or info.is_dir():
            continue
        try:
            with zf.open(info) as fh:
                head = fh.read(MAX_PROLOG)
                root = check_no_dtd(head, file_name)
                if root is None or part_key(info.filename).startswith("xl/worksheets/"):
                    continue  # not XML, or a sheet (scanned in full when it is chosen)
                if root.rpartition(":")[2] == "sst":
                    if shared is not None:
                        raise refuse("import.refused.duplicate_part", file=file_name,
                                     part=_printable(info.filename),
                                     other=_printable(shared.part))
                    check_shared_strings_head(head, info.file_size, file_name)
                    shared = SharedStrings(info.filename)
                    _measure_strings(fh, head, shared)
                else:
                    while fh.read(CHUNK):
                        pass
        except ImportRefused:
            raise
        except ZIP_ERRORS:
            raise refuse("import.refused.corrupt", file=file_name) from None
    return shared


def _measure_strings(fh, head: bytes, shared: SharedStrings) -> None:
    lengths = shared.lengths
    data, base = head, 0  # base: offset of data[0] in the part
    last = -1  # offset of the previous string's start
    while True:
        for m in _SI_START.finditer(data):
            at = base + m.start()
            if at <= last:
                continue  # found again in the overlap
            if last >= 0:
                lengths.append(at - last)
            last = at
        block = fh.read(CHUNK)
        if not block:
            if last >= 0:
                lengths.append(base + len(data) - last)
            return
        keep = data[-32:]
        base += len(data) - len(keep)
        data = keep + block


def _expansion_counter(zf: zipfile.ZipFile, part: str, shared: SharedStrings | None):
    """None when the sheet cannot expand shared strings beyond :data:`MAX_SHARED_TEXT` even
    if every value in it referred to the longest string (a value takes at least 8 bytes,
    ``<v>0</v>``); else a function adding up, block by block, the real length of every string
    the values refer to (each value read as a string index, an upper bound)."""
    if shared is None or not shared.lengths:
        return None
    if zf.getinfo(part).file_size // 8 * shared.longest <= MAX_SHARED_TEXT:
        return None
    lengths = shared.lengths
    n = len(lengths)

    def add(chunk: bytes) -> int:
        return sum(lengths[i] for i in map(int, _V_INDEX.findall(chunk)) if i < n)
    return add


_V_INDEX = re.compile(rb"<v(?:\s[^>]*)?>\s*(\d{1,12})\s*<")
"""A value that may be a shared-string index. Prefixed ``<x:v>`` is not looked for: a sheet
with prefixed elements goes to the slow reader, which shares one string object per index."""


def exact_max_column(zf: zipfile.ZipFile, part: str, file_name: str) -> int:
    """The widest column actually used (a second, slower pass for very long sheets)."""
    best = 0
    pattern = re.compile(rb'<c r="([A-Z]{1,3})\d')
    try:
        with zf.open(part) as fh:
            tail = b""
            while True:
                block = fh.read(CHUNK)
                if not block:
                    break
                data = tail + block
                tail = data[-16:]
                for letters in set(pattern.findall(data)):
                    best = max(best, col_index(letters))
    except ZIP_ERRORS:
        raise refuse("import.refused.corrupt", file=file_name) from None
    return best


def _parse_xml(data: bytes, file_name: str):
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except Exception:  # defusedxml's DTDForbidden etc., and plain ParseError
        raise refuse("import.refused.corrupt", file=file_name) from None


def workbook_facts(zf: zipfile.ZipFile, file_name: str) -> XlsxFacts:
    """Sheets (name, hidden, part), the date system and the shared-strings part."""
    root = _parse_xml(read_part(zf, "xl/workbook.xml", file_name), file_name)
    if root.tag.startswith("{" + STRICT_NS + "}"):
        raise refuse("import.refused.strict", file=file_name)
    if not root.tag.startswith("{" + MAIN_NS + "}"):
        raise refuse("import.refused.corrupt", file=file_name)
    ns = {"m": MAIN_NS}
    pr = root.find("m:workbookPr", ns)
    date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    targets: dict[str, tuple[str, str]] = {}
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name in zf.namelist():
        rels = _parse_xml(read_part(zf, rels_name, file_name), file_name)
        for rel in rels:
            target = rel.get("Target", "")
            full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            targets[rel.get("Id", "")] = (rel.get("Type", ""), full)
    sheets = []
    for sheet in root.iterfind("m:sheets/m:sheet", ns):
        rid = sheet.get(f"{{{REL_NS}}}id", "")
        kind, part = targets.get(rid, ("", None))  # type: ignore[assignment]
        if part is not None and not kind.endswith("/worksheet"):
            part = None
        state = sheet.get("state", "visible")
        sheets.append(SheetPart(sheet.get("name", ""), state != "visible", part))
    shared = next((p for k, p in targets.values() if k.endswith("/sharedStrings")), None)
    return XlsxFacts(tuple(sheets), date1904, shared)


# ----------------------------------------------------------------------------------------
# sheet scan
# ----------------------------------------------------------------------------------------
def scan_sheet(zf: zipfile.ZipFile, part: str, file_name: str, *, cancel=None,
               shared: SharedStrings | None = None) -> SheetScan:
    """One streaming pass over the sheet XML (see the module docstring).

    It measures the grid calamine would allocate: the largest row number of any row *or
    cell* reference, the widest column, and cells whose position is implicit, spelt oddly
    or namespace-prefixed (each of which sends the sheet to the slow path). The same pass
    finds formulas without a cached value, error cells and merged ranges.
    """
    scan = SheetScan()
    expansion = _expansion_counter(zf, part, shared)
    expanded = 0
    for chunk, final in _row_chunks(zf, part, file_name, cancel):
        scan.rows += _scan_extent(chunk, scan)
        _scan_cells(chunk, scan, final)
        # Both refused as soon as known: the rest of the sheet is never inflated.
        if scan.rows > MAX_SHEET_ROWS:
            raise refuse("import.refused.too_many_rows", file=file_name,
                         limit=f"{MAX_IMPORT_ROWS:,}")
        if expansion is not None:
            expanded += expansion(chunk)
            if expanded > MAX_SHARED_TEXT:
                raise refuse("import.refused.shared_expansion", file=file_name,
                              size=expanded >> 20, limit=MAX_SHARED_TEXT >> 20)
    if scan.max_row > EXCEL_MAX_ROWS or scan.max_col > EXCEL_MAX_COLUMNS:
        far = scan.far_cell if scan.max_col > EXCEL_MAX_COLUMNS else f"A{scan.max_row}"
        raise refuse("import.refused.dimensions", file=file_name, cell=far)
    return scan


def _row_chunks(zf: zipfile.ZipFile, part: str, file_name: str,
                cancel=None) -> Iterator[tuple[bytes, bool]]:
    """The sheet XML in blocks cut after a ``</row>`` (so no cell is split), with a flag on
    the last one (``zipfile`` inflates no more than the declared size and checks the CRC)."""
    try:
        fh = zf.open(part)
    except KeyError:
        raise refuse("import.refused.corrupt", file=file_name) from None
    tail = b""
    first = True
    try:
        while True:
            block = fh.read(CHUNK)
            if first:
                check_no_dtd(block, file_name)
                first = False
            if not block:
                if tail:
                    yield tail, True
                break
            data = tail + block if tail else block
            cut = data.rfind(b"</row>")
            if cut < 0:
                if len(data) > MAX_ROW_BYTES:  # a single absurd row
                    raise refuse("import.refused.row_too_big", file=file_name,
                                 limit=MAX_ROW_BYTES >> 20)
                tail = data
                continue
            cut += 6
            chunk, tail = data[:cut], data[cut:]
            yield chunk, False
            if cancel is not None and cancel():
                raise ImportCancelled(tr("import.cancelled"))
    except (ImportRefused, ImportCancelled):
        raise
    except ZIP_ERRORS:
        raise refuse("import.refused.corrupt", file=file_name) from None
    finally:
        fh.close()


_ROW_NUM = re.compile(rb'<row r="(\d+)"')
_CELL_REF = re.compile(rb'<c r="([A-Z]+)([0-9]+)"')
_ODD_REF = re.compile(rb'<c r="(?![A-Z]+[0-9]+")')
"""A cell reference calamine might read differently from us: treated as unreferenced."""
_UNREFERENCED = re.compile(rb'<(?:c|row)(?! r=")[\s>/]')
"""A cell or row without an ``r`` attribute first (legal, but then positions are implicit)."""
_PREFIX_HINT = re.compile(rb':(?:c|row)[\s>/]')
_PREFIXED = re.compile(rb'<[^\s<>/:!?"]+:(?:c|row)[\s>/]')
"""``<x:c …>``: calamine reads namespace-prefixed cells too, so they must not go unseen."""
_V = re.compile(rb"<v>([^<]*)</v>")
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')
_FORMULA = re.compile(rb"<f[\s>/]")
_F_TEXT = re.compile(rb"<f(?:\s[^>]*)?>([^<]*)</f>")
MAX_FORMULAS = 200_000
_ERROR_TYPE = re.compile(rb't="e"')
MAX_MERGES = 100_000


def row_bound(row: int) -> int:
    """The bound cell rows are checked against when the row elements reach ``row``: ``row``
    itself below 100, else ``row`` with its first two digits rounded up (100,002 →
    109,999), so at most 10 % above it."""
    digits = str(row)
    if row < 100:
        return row
    return (int(digits[:2]) + 1) * 10 ** (len(digits) - 2) - 1


def _at_most(digits: str) -> str:
    """A regular expression for the numbers of ``len(digits)`` digits up to ``digits``."""
    n = len(digits)
    if digits == "9" * n:
        return f"[0-9]{{{n}}}"
    first = int(digits[0])
    alternatives = []
    if first > 0:
        alternatives.append(f"[0-{first - 1}]" + (f"[0-9]{{{n - 1}}}" if n > 1 else ""))
    alternatives.append(f"{first}(?:{_at_most(digits[1:])})" if n > 1 else str(first))
    return "|".join(alternatives)


@functools.lru_cache(maxsize=64)
def _beyond(bound: int) -> re.Pattern[bytes]:
    """A search for any cell reference that is not one column letter and a row number up to
    ``bound`` (a :func:`row_bound`): wide columns, rows further down, odd spellings. Such
    cells are rare, and only the blocks holding them get the exact (slower) look."""
    digits = str(bound)
    n = len(digits)
    allowed = ([f"[0-9]{{1,{n - 1}}}"] if n > 1 else []) + [_at_most(digits)]
    return re.compile(f'<c r="(?![A-Z](?:{"|".join(allowed)})")'.encode())


@dataclass
class SheetScan:
    max_row: int = 0
    max_col: int = 0
    """1-based, 0 when the sheet is empty."""
    row_limit: int = 0
    """No cell lies below this row (checked by the scan; at most 10 % above ``max_row``)."""
    far_cell: str = ""
    """Reference of the cell furthest out (when the grid is too big), e.g. ``XFD1048576``."""
    unreferenced: bool = False
    """Some cells or rows carry no ``r`` attribute (legal; such sheets take the slow path)."""
    bad_cells: dict[tuple[int, int], CellError] = field(default_factory=dict)
    """(row 0-based, col 0-based) → error for formulas without a cached value and #errors."""
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Merged ranges as (first row, first col, last row, last col), 0-based."""
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    """(row, col) 0-based → formula text (``=B2*1.05``) of formulas with a cached value; the
    import imports the value with a warning quoting the formula (at most MAX_FORMULAS)."""
    rows: int = 0
    """Row elements with a row number (``<row r="…"``; other spellings go to the slow
    reader, which counts the rows it yields)."""

    def bad_by_row(self) -> dict[int, list[tuple[int, CellError]]]:
        out: dict[int, list[tuple[int, CellError]]] = {}
        for (r, c), err in self.bad_cells.items():
            out.setdefault(r, []).append((c, err))
        return out

    @property
    def dense_ok(self) -> bool:
        return (not self.unreferenced and self.max_col <= MAX_COLUMNS_DENSE
                and max(self.max_row, self.row_limit) * self.max_col <= MAX_CELLS_DENSE)


def col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _scan_extent(chunk: bytes, scan: SheetScan) -> int:
    """Update the extent from ``chunk``; returns the number of row elements in it."""
    rows = _ROW_NUM.findall(chunk)
    if rows:
        top = max(map(int, rows))
        if top > scan.max_row:
            scan.max_row = top
        if scan.max_col < 26:
            scan.max_col = 26  # one-letter columns are bounded by Z; wider ones are examined
    if not scan.unreferenced and (
            _UNREFERENCED.search(chunk)
            or (_PREFIX_HINT.search(chunk) and _PREFIXED.search(chunk))):
        scan.unreferenced = True
    bound = row_bound(scan.max_row)
    if bound > scan.row_limit:
        scan.row_limit = bound
    if _beyond(bound).search(chunk):
        # Rare: wide columns, a cell below the row elements, or an odd reference.
        if _ODD_REF.search(chunk):
            scan.unreferenced = True
        for letters, row in _CELL_REF.findall(chunk):
            r = int(row)
            if r > scan.max_row:
                scan.max_row = r
                if scan.max_col < 26:
                    scan.max_col = 26
            if len(letters) > 1:
                c = col_index(letters)
                if c > scan.max_col or (c == scan.max_col and not scan.far_cell):
                    scan.max_col = c
                    scan.far_cell = (letters + row).decode()
        scan.row_limit = max(scan.row_limit, scan.max_row)
    return len(rows)


def _scan_cells(chunk: bytes, scan: SheetScan, final: bool) -> None:
    if _FORMULA.search(chunk) or _ERROR_TYPE.search(chunk):
        _find_bad_cells(chunk, scan)
    if final and b"<mergeCell " in chunk:
        # <mergeCells> follows <sheetData>, so it is always in the last chunk.
        for a_col, a_row, b_col, b_row in _MERGE.findall(chunk):
            if len(scan.merged) < MAX_MERGES:
                scan.merged.append((int(a_row) - 1, col_index(a_col) - 1,
                                    int(b_row) - 1, col_index(b_col) - 1))


def _positions(chunk: bytes, needle: bytes) -> Iterator[int]:
    """Where ``needle`` occurs in ``chunk`` (non-overlapping)."""
    start = chunk.find(needle)
    while start >= 0:
        yield start
        start = chunk.find(needle, start + len(needle))


def _find_bad_cells(chunk: bytes, scan: SheetScan) -> None:
    seen = set()
    for pos in itertools.chain(_positions(chunk, b"<f"), _positions(chunk, b't="e"')):
        c0 = chunk.rfind(b"<c ", 0, pos)
        if c0 < 0 or c0 in seen:
            continue
        seen.add(c0)
        end_tag = chunk.find(b">", c0)
        if chunk[end_tag - 1:end_tag] == b"/":
            continue  # <c r="A1" t="e"/> is an empty cell
        c1 = chunk.find(b"</c>", c0)
        if c1 < 0:
            continue
        cell = chunk[c0:c1]
        m = re.match(rb'<c r="([A-Z]{1,3})(\d+)"', cell)
        if not m:
            continue
        key = (int(m.group(2)) - 1, col_index(m.group(1)) - 1)
        v = _V.search(cell)
        value = v.group(1) if v else b""
        f = _F_TEXT.search(cell)
        formula = "=" + html.unescape(f.group(1).decode("utf-8", "replace")) if f else "=…"
        if b't="e"' in cell[: cell.find(b">") + 1]:
            scan.bad_cells[key] = CellError(value.decode("utf-8", "replace") or "#ERROR",
                                            formula if b"<f" in cell else "")
        elif b"<f" in cell and not value:
            scan.bad_cells[key] = CellError("formula", formula)
        elif b"<f" in cell and len(scan.formulas) < MAX_FORMULAS:
            scan.formulas[key] = formula
