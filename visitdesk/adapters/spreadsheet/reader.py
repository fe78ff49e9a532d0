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

import csv
import io
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


class CalamineSheet:
    def __init__(self, name: str, sheet, scan: SheetScan, date1904: bool) -> None:
        self.name = name
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
        numbered = enumerate(self._sheet.iter_rows(), start=1)
        if not c0 and not bad:
            return numbered  # the common case, with no per-row Python work
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
            for row_no, values in enumerate(rows, start=1):
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
    def __init__(self, path: Path) -> None:
        self.name = ""
        self.date1904 = False
        self.notes: list[tuple[int, str, str]] = []
        data = path.read_bytes()
        if len(data) > MAX_CSV_BYTES:
            raise refuse("import.refused.too_big", file=path.name)
        text = None
        encodings = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ()
        for encoding in (*encodings, "utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            raise refuse("import.refused.encoding", file=path.name)
        if "\x00" in text:
            raise refuse("import.refused.not_spreadsheet", file=path.name)
        first = text[:8192].split("\n", 5)
        sample = "\n".join(first[:5])
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
        try:
            self._records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error:
            raise refuse("import.refused.corrupt", file=path.name) from None
        self.total_rows = max(len(self._records), 1)

    def rows(self, max_col: int | None = None) -> Iterator[Row]:
        yield from enumerate(self._records, start=1)


class OpenWorkbook:
    """A file opened for reading after every safety check; use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kind = safety.sniff(path)
        self._zip: zipfile.ZipFile | None = None
        self._calamine: Any = None
        self.facts: safety.XlsxFacts | None = None
        if self.kind == "xlsx":
            self._zip = safety.open_zip(path)
            try:
                self.facts = safety.workbook_facts(self._zip, path.name)
                self._check_parts()
            except BaseException:
                self.close()
                raise
            if not any(s.part for s in self.facts.sheets):
                self.close()
                raise refuse("import.refused.no_sheets", file=path.name)

    def _check_parts(self) -> None:
        """Every non-worksheet XML part: size enforced while inflating, and no DTD."""
        assert self._zip is not None
        sheet_parts = {s.part for s in self.facts.sheets} if self.facts else set()
        shared = {"xl/sharedStrings.xml"}
        if self.facts and self.facts.shared_strings:
            shared.add(self.facts.shared_strings)
        for info in self._zip.infolist():
            name = info.filename
            if name in sheet_parts or not name.endswith((".xml", ".rels")):
                continue
            if name.startswith("xl/worksheets/"):
                continue
            try:
                with self._zip.open(info) as fh:
                    head = fh.read(4096)
                    safety.check_no_dtd(head, self.path.name)
                    if name in shared:
                        safety.check_shared_strings_head(head, info.file_size, self.path.name)
                    while fh.read(safety.CHUNK):
                        pass
            except ImportRefused:
                raise
            except safety.ZIP_ERRORS:
                raise refuse("import.refused.corrupt", file=self.path.name) from None

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
        scan = safety.scan_sheet(self._zip, part, self.path.name, cancel=cancel)
        if not scan.dense_ok and scan.max_col == 26 and not scan.unreferenced:
            # 26 was an upper bound for one-letter columns; measure before giving up.
            scan.max_col = safety.exact_max_column(self._zip, part, self.path.name)
        if not scan.dense_ok:
            return OpenpyxlSheet(self.path, name, scan, self.facts.date1904)
        return CalamineSheet(name, self._calamine_sheet(name), scan, self.facts.date1904)

    def _calamine_sheet(self, name: str):
        from python_calamine import CalamineWorkbook

        try:
            if self._calamine is None:
                self._calamine = CalamineWorkbook.from_path(str(self.path))
            return self._calamine.get_sheet_by_name(name)
        except Exception:  # CalamineError, OSError, ValueError, … (not a pyo3 PanicException)
            raise refuse("import.refused.corrupt", file=self.path.name) from None

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
