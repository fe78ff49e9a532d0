"""Rows of plain Python values out of an .xlsx/.xlsm or .csv file, safely.

Three readers share one shape (``rows()`` yields ``(excel_row_no, values)``):

* :class:`CalamineSheet` — the fast path (python-calamine, about 15× openpyxl read-only
  here). Numbers arrive as floats, formulas without a cached value and error cells arrive as
  ``""``; the pre-scan in :mod:`.safety` puts a :class:`CellError` in those cells. Merged
  ranges come from the same pre-scan.
* :class:`OpenpyxlSheet` — the slow, bounded path for sheets calamine must not be given (a
  stray cell far out, cells without references): openpyxl read-only streams rows and we
  cap the columns read.
* :class:`CsvSheet` — UTF-8 (with or without BOM), else GB18030 (a superset of GBK); comma
  or tab delimiters.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visitdesk.adapters.spreadsheet import safety
from visitdesk.adapters.spreadsheet.safety import SheetScan, refuse
from visitdesk.core.errors import ImportRefused

MAX_SLOW_COLUMNS = 256
"""Columns read on the slow path: a header row wider than this is not an account list."""
MAX_CSV_BYTES = 512 << 20
CSV_BLOCK = 4 << 20


@dataclass(frozen=True)
class SheetInfo:
    name: str
    hidden: bool = False


@dataclass(frozen=True)
class WorkbookInfo:
    kind: str
    """``xlsx`` or ``csv``."""
    sheets: list[SheetInfo]


Row = tuple[int, list]


def _mark_bad(values: list, bad: Iterable[tuple[int, Any]]) -> None:
    """Put the pre-scan's error markers (formula without value, #error) into a row."""
    for c, err in bad:
        if c < len(values):
            values[c] = err


def reader_failure(exc: BaseException, file_name: str) -> ImportRefused | None:
    """The refusal for an error from inside a reader library, or None to let it through.

    A Rust panic inside calamine arrives as pyo3's ``PanicException``, which derives from
    ``BaseException`` (not ``Exception``); running out of memory arrives as MemoryError.
    Neither may reach the user as a traceback."""
    if isinstance(exc, MemoryError):
        return refuse("import.refused.out_of_memory", file=file_name)
    if type(exc).__name__ == "PanicException":
        return refuse("import.refused.reader_failed", file=file_name)
    if isinstance(exc, Exception):  # CalamineError, OSError, ValueError …: a damaged part
        return refuse("import.refused.corrupt", file=file_name)
    return None


def guarded(rows: Iterable[list], file_name: str) -> Iterator[list]:
    """``rows`` from a reader library, with its failures turned into refusals."""
    try:
        yield from rows
    except ImportRefused:
        raise
    except BaseException as exc:
        refusal = reader_failure(exc, file_name)
        if refusal is None:
            raise
        raise refusal from None


class CalamineSheet:
    def __init__(self, name: str, sheet, scan: SheetScan, date1904: bool,
                 file_name: str = "") -> None:
        self.name = name
        self.file_name = file_name
        self._sheet = sheet
        self.scan = scan
        self.date1904 = date1904
        self.total_rows = max(scan.max_row, 1)
        self.notes: list[tuple[int, str, str]] = []

    def rows(self, max_col: int | None = None) -> Iterator[Row]:
        start = self._sheet.start
        if start is None:
            return iter(())
        # iter_rows yields rows from row 1 (empty ones above the data included) but columns
        # only from the first used one: pad them back so indexes are Excel columns.
        _r0, c0 = start
        bad = self.scan.bad_by_row()
        numbered = enumerate(guarded(self._sheet.iter_rows(), self.file_name), start=1)
        if not c0 and not bad:
            return numbered  # the common case
        return self._patched(numbered, c0, bad)

    @staticmethod
    def _patched(numbered: Iterator[Row], c0: int,
                 bad: dict[int, list[tuple[int, Any]]]) -> Iterator[Row]:
        pad = [""] * c0 if c0 else None
        for row_no, values in numbered:
            if pad is not None:
                values = pad + values
            if bad:
                _mark_bad(values, bad.get(row_no - 1, ()))
            yield row_no, values


class OpenpyxlSheet:
    def __init__(self, path: Path, name: str, scan: SheetScan, date1904: bool) -> None:
        self.name = name
        self.path = path
        self.scan = scan
        self.date1904 = date1904
        self.total_rows = max(scan.max_row, 1)
        self.notes: list[tuple[int, str, str]] = []
        if scan.max_col > MAX_SLOW_COLUMNS and scan.far_cell:
            self.notes.append((0, scan.far_cell, "far"))

    def rows(self, max_col: int | None = None) -> Iterator[Row]:
        from openpyxl import load_workbook

        limit = min(max_col or MAX_SLOW_COLUMNS, MAX_SLOW_COLUMNS)
        try:
            wb = load_workbook(self.path, read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds on damaged files
            raise refuse("import.refused.corrupt", file=self.path.name) from None
        try:
            ws = wb[self.name]
            bad = self.scan.bad_by_row()
            rows = ws.iter_rows(min_row=1, max_col=limit, values_only=True)
            filled = 0  # rows with a value (openpyxl also yields the empty rows of gaps)
            for row_no, values in enumerate(rows, start=1):
                filled += values.count(None) != len(values)
                if filled > safety.MAX_SHEET_ROWS:
                    raise refuse("import.refused.too_many_rows", file=self.path.name,
                                 limit=f"{safety.MAX_IMPORT_ROWS:,}")
                out = list(values)
                if bad:
                    _mark_bad(out, bad.get(row_no - 1, ()))
                yield row_no, out
        except ImportRefused:
            raise
        except (KeyError, *safety.ZIP_ERRORS, SyntaxError) as exc:
            raise refuse("import.refused.corrupt", file=self.path.name) from exc
        finally:
            wb.close()


class CsvSheet:
    """A CSV file, read as a stream: its size is checked before anything is read, a first
    pass only decodes (to choose the encoding and count the lines), and rows are parsed one
    at a time, so memory does not grow with the file."""

    def __init__(self, path: Path) -> None:
        self.name = ""
        self.path = path
        self.date1904 = False
        self.notes: list[tuple[int, str, str]] = []
        try:
            size = path.stat().st_size
        except OSError:
            raise refuse("import.refused.corrupt", file=path.name) from None
        if size > MAX_CSV_BYTES:
            raise refuse("import.refused.csv_too_big", file=path.name, size=size >> 20,
                         limit=MAX_CSV_BYTES >> 20)
        with path.open("rb") as fh:
            head = fh.read(8192)
        encodings = ("utf-16",) if head[:2] in (b"\xff\xfe", b"\xfe\xff") else ()
        for encoding in (*encodings, "utf-8-sig", "gb18030"):
            lines = self._decodes(encoding)
            if lines is not None:
                self.encoding = encoding
                break
        else:
            raise refuse("import.refused.encoding", file=path.name)
        sample = "\n".join(head.decode(self.encoding, "ignore").split("\n", 5)[:5])
        self.delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
        self.total_rows = max(lines, 1)
        if lines > safety.MAX_SHEET_ROWS:
            raise refuse("import.refused.too_many_rows", file=path.name,
                         limit=f"{safety.MAX_IMPORT_ROWS:,}")

    def _decodes(self, encoding: str) -> int | None:
        """Line count when the whole file decodes with ``encoding``, else None."""
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 0
        with self.path.open("rb") as fh:
            try:
                while block := fh.read(CSV_BLOCK):
                    text = decoder.decode(block)
                    if "\x00" in text:
                        raise refuse("import.refused.not_spreadsheet", file=self.path.name)
                    lines += text.count("\n")
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                return None
        return lines + 1

    def rows(self, max_col: int | None = None) -> Iterator[Row]:
        with self.path.open(encoding=self.encoding, newline="") as fh:
            records = csv.reader(fh, delimiter=self.delimiter)
            try:
                yield from enumerate(records, start=1)
            except csv.Error as exc:
                if "field larger" in str(exc):
                    raise refuse("import.refused.field_too_long", file=self.path.name,
                                 row=records.line_num, limit=csv.field_size_limit()) from None
                raise refuse("import.refused.corrupt", file=self.path.name) from None


class OpenWorkbook:
    """A file opened for reading after every safety check; use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kind = safety.sniff(path)
        self._zip: zipfile.ZipFile | None = None
        self._calamine: Any = None
        self.facts: safety.XlsxFacts | None = None
        self.shared: safety.SharedStrings | None = None
        if self.kind == "xlsx":
            self._zip = safety.open_zip(path)
            try:
                self.facts = safety.workbook_facts(self._zip, path.name)
                self.shared = safety.check_parts(
                    self._zip, {s.part for s in self.facts.sheets if s.part}, path.name)
            except BaseException:
                self.close()
                raise
            if not any(s.part for s in self.facts.sheets):
                self.close()
                raise refuse("import.refused.no_sheets", file=path.name)

    # --- sheets ----------------------------------------------------------------------------
    @property
    def sheets(self) -> list[SheetInfo]:
        if self.kind == "csv":
            return [SheetInfo("", False)]
        assert self.facts is not None
        return [SheetInfo(s.name, s.hidden) for s in self.facts.sheets if s.part]

    def sheet_names_in_order(self, chosen: str | None) -> list[str]:
        """The chosen sheet, else the visible sheets in workbook order."""
        if self.kind == "csv":
            return [""]
        names = [s.name for s in self.sheets]
        if chosen is not None:
            if chosen not in names:
                raise refuse("import.refused.no_such_sheet", file=self.path.name, sheet=chosen,
                             sheets="、".join(names))
            return [chosen]
        visible = [s.name for s in self.sheets if not s.hidden]
        if not visible:
            raise refuse("import.refused.no_visible_sheet", file=self.path.name)
        return visible

    def open_sheet(self, name: str, cancel: Callable[[], bool] | None = None):
        if self.kind == "csv":
            return CsvSheet(self.path)
        assert self._zip is not None and self.facts is not None
        part = next(s.part for s in self.facts.sheets if s.name == name and s.part)
        # The whole scan finishes before calamine sees the sheet: a stray far cell makes it
        # allocate the whole grid, and a failed allocation aborts the process. (Running a
        # second scan pass beside calamine's load was measured: it cost more than it hid.)
        scan = safety.scan_sheet(self._zip, part, self.path.name, cancel=cancel,
                                 shared=self.shared)
        if not scan.dense_ok and scan.max_col == 26 and not scan.unreferenced:
            # 26 was an upper bound for one-letter columns; measure before giving up.
            scan.max_col = safety.exact_max_column(self._zip, part, self.path.name)
        if not scan.dense_ok:
            return OpenpyxlSheet(self.path, name, scan, self.facts.date1904)
        return CalamineSheet(name, self._calamine_sheet(name), scan, self.facts.date1904,
                             self.path.name)

    def _calamine_sheet(self, name: str):
        from python_calamine import CalamineWorkbook

        try:
            if self._calamine is None:
                self._calamine = CalamineWorkbook.from_path(str(self.path))
            return self._calamine.get_sheet_by_name(name)
        except BaseException as exc:  # CalamineError, OSError, a pyo3 PanicException, …
            refusal = reader_failure(exc, self.path.name)
            if refusal is None:
                raise
            raise refusal from None

    def close(self) -> None:
        if self._calamine is not None:
            try:
                self._calamine.close()
            except Exception:
                pass
            self._calamine = None
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def __enter__(self) -> OpenWorkbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
