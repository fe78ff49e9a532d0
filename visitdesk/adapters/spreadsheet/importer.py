"""Account import: file → (checked) rows → accounts and problems → one store transaction.

The public functions are re-exported by ``visitdesk.adapters.spreadsheet``; the import
dialog and the CLI call exactly these. ``progress`` and ``cancel`` are plain callables, so
the work can run in a worker thread (no Qt here): ``progress(done_rows, total_rows)`` is
called about every 1,000 rows and ``cancel()`` is checked as often; a cancelled read
raises :class:`ImportCancelled` before anything is stored.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import io
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from visitdesk.adapters.spreadsheet.reader import (
    OpenpyxlSheet,
    OpenWorkbook,
    Row,
    WorkbookInfo,
)
from visitdesk.adapters.spreadsheet.safety import refuse
from visitdesk.atomic import atomic_write_bytes
from visitdesk.core.cells import raw_text
from visitdesk.core.errors import ImportCancelled, ImportRefused
from visitdesk.core.importing import (
    ImportReport,
    ImportRules,
    Note,
    ParseResult,
    Problem,
    RowParser,
    as_of_from_titles,
    bundled_rules,
    field_label,
)
from visitdesk.core.mapping import (
    HEADER_SCAN_ROWS,
    ColumnMapping,
    SynonymTable,
    apply_override,
    column_letter,
    find_header_row,
    header_names,
    load_synonyms,
    propose_mapping,
)
from visitdesk.core.settings import Settings
from visitdesk.i18n import tr

PROGRESS_EVERY = 1000

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


@dataclass(frozen=True)
class MappingProposal:
    """The detected header row and column mapping of one sheet (for the import dialog)."""

    sheet: str
    header_row: int
    """Row number of the header row as Excel shows it."""
    headers: list[str]
    """Headers as written (blank ones named by column, e.g. ``[F]``)."""
    columns: dict[str, str | None]
    """Header → field, or None for a column kept as an extra attribute."""
    unsure: list[str]
    """Headers whose mapping is a guess (partial match or a second claim on a field)."""
    missing_required: list[str]
    """Required fields no column maps to (the import would be refused)."""
    notes: list[str] = field(default_factory=list)
    """What the import will do with columns it does not map (a second candidate for a field
    left out, a recognised column kept as extra, a column without header), in the UI
    language: shown before the import runs."""
    as_of: date | None = None
    """The data date a title row states, or None (the import date would be assumed)."""
    header_rows: int = 1
    """1, or 2 for a two-row header (group headers above sub-headers)."""


def inspect_workbook(path: str | os.PathLike[str]) -> WorkbookInfo:
    """Kind and sheets of a file; raises :class:`ImportRefused` for a file we cannot read."""
    with OpenWorkbook(Path(path)) as wb:
        return WorkbookInfo(wb.kind, wb.sheets)


def detect_mapping(path: str | os.PathLike[str], sheet: str | None = None, *,
                   settings: Settings | None = None,
                   table: SynonymTable | None = None) -> MappingProposal:
    """Find the header row and propose a mapping; raises :class:`ImportRefused`."""
    settings = settings or Settings()
    table = table or load_synonyms()
    with OpenWorkbook(Path(path)) as wb:
        located = _locate(wb, sheet, table, _required(settings, table), None)
        _close(located.rows)
        mapping = located.mapping
        return MappingProposal(located.reader.name, located.header_no, list(mapping.headers),
                               dict(mapping.columns), list(mapping.unsure),
                               list(mapping.missing_required),
                               [n.message for n in column_notes(mapping, table)],
                               located.title_as_of, located.header_rows)


def column_notes(mapping: ColumnMapping, table: SynonymTable) -> list[Note]:
    """Notes naming every header column the import does not map, and why."""
    notes = []
    dropped = {d[0]: d for d in mapping.dropped}
    for i, header in enumerate(mapping.headers):
        if mapping.columns.get(header) is not None:
            continue
        if header in dropped:
            _h, name, used = dropped[header]
            notes.append(Note("column", tr("import.note.dropped", column=header,
                                           field=field_label(name), used=used), column=header))
        elif header == f"[{column_letter(i)}]":
            notes.append(Note("column", tr("import.note.blank_header", column=column_letter(i)),
                              column=header))
        elif table.about_someone_else(header):
            notes.append(Note("column", tr("import.note.someone_else", column=header),
                              column=header))
        else:
            kept = table.recognised_as(header.split("/")[-1]) or table.recognised_as(header)
            if kept:
                notes.append(Note("column", tr("import.note.recognised", column=header,
                                               what=tr(f"import.recognised.{kept}")),
                                  column=header))
    return notes


def _close(rows: Iterator[Row]) -> None:
    """Stop reading rows early (a generator's ``close`` lets the slow reader close its file)."""
    close = getattr(rows, "close", None)
    if close is not None:
        close()


def _required(settings: Settings, table: SynonymTable) -> list[str]:
    return list(dict.fromkeys([*table.required, *settings.extra_required_fields]))


@dataclass
class _Located:
    reader: Any
    header_no: int
    """Excel row of the (last) header row."""
    mapping: ColumnMapping
    rows: Iterator[Row]
    """The rows after the header."""
    title_as_of: date | None
    header_rows: int = 1


def _locate(wb: OpenWorkbook, sheet: str | None, table: SynonymTable,
            required: Sequence[str], cancel: Cancel | None) -> _Located:
    """The header row(s), the proposed mapping and an iterator over the rows after them.
    Shared by every import of a bank export (accounts, and payments with their own table)."""
    names = wb.sheet_names_in_order(sheet)
    first_failure: tuple | None = None
    for name in names:
        reader = wb.open_sheet(name, cancel)
        rows = reader.rows()
        top: list[Row] = []
        for row in rows:
            top.append(row)
            if len(top) >= HEADER_SCAN_ROWS:
                break
        idx = find_header_row([r for _n, r in top], table)
        if idx is None:
            if first_failure is None:
                first_failure = (name, top)
            _close(rows)
            continue
        scan = getattr(reader, "scan", None)
        merged = list(scan.merged) if scan is not None else []
        upper = _two_row_header(top, idx, merged)
        hints: dict[str, list[str]] = {}
        if upper is not None:
            header_no = top[upper + 1][0]
            texts, hints = _combined_headers(top[upper][1], top[upper + 1][1], top[upper][0],
                                             merged)
            last = upper + 1
        else:
            header_no, header_cells = top[idx]
            texts = [_cell_text(c) for c in header_cells]
            last = idx
        cells = list(texts)
        while cells and not cells[-1].strip():
            cells.pop()
        # A column with data but no header is kept (named by its letter), never dropped.
        data_width = _data_width(top[last + 1:])
        if data_width > len(cells):
            cells += [""] * (data_width - len(cells))
        headers = header_names(cells)
        hints = {h: hints[t] for h, t in zip(headers, cells, strict=True) if t in hints}
        mapping = propose_mapping(headers, table, required, hints=hints)
        if isinstance(reader, OpenpyxlSheet):
            _close(rows)
            rest: Iterator[Row] = (r for r in reader.rows(len(headers)) if r[0] > header_no)
        else:
            rest = itertools.chain(top[last + 1:], rows)
        title_as_of = as_of_from_titles(r for _n, r in top[:min(idx, upper or idx)])
        reader.title_as_of = title_as_of
        return _Located(reader, header_no, mapping, rest, title_as_of,
                        2 if upper is not None else 1)
    assert first_failure is not None
    name, top = first_failure
    found = [str(c).strip() for _n, r in top for c in r if c not in (None, "") and str(c).strip()]
    if not found:
        raise refuse("import.refused.no_data", file=wb.path.name)
    raise refuse("import.refused.no_header", file=wb.path.name,
                 found="、".join(dict.fromkeys(found[:12])))


def _data_width(rows: Sequence[Row]) -> int:
    """Columns up to the last one holding anything in the first rows below the header."""
    width = 0
    for _n, values in rows:
        for c in range(len(values) - 1, width - 1, -1):
            v = values[c]
            if v is not None and not (isinstance(v, str) and not v.strip()):
                width = c + 1
                break
    return width


def _two_row_header(top: Sequence[Row], idx: int,
                    merged: Sequence[tuple[int, int, int, int]]) -> int | None:
    """Index in ``top`` of the upper of two header rows, or None for a one-row header.

    Two header rows are told by their merged cells: a group header merged across columns
    in the upper row, or a header merged down across both rows (家庭住址 beside 欠款明细 /
    本金 / 利息)."""
    if not merged:
        return None

    def two_rows_at(i: int) -> bool:
        if i < 0 or i + 1 >= len(top):
            return False
        r = top[i][0] - 1  # 0-based Excel row of the upper candidate
        if top[i + 1][0] - 1 != r + 1:
            return False
        lower = top[i + 1][1]
        filled = sum(1 for v in lower if v is not None and str(v).strip())
        # A group spans some of the columns; a title merged across the whole table is no group.
        across = any(r1 == r and r2 == r and 0 < c2 - c1 < filled - 1
                     for r1, c1, r2, c2 in merged)
        down = any(r1 == r and r2 == r + 1 for r1, _c1, r2, _c2 in merged)
        return across or down

    for upper in (idx - 1, idx):
        if two_rows_at(upper):
            return upper
    return None


def _combined_headers(upper: Sequence[object], lower: Sequence[object], upper_no: int,
                      merged: Sequence[tuple[int, int, int, int]]
                      ) -> tuple[list[str], dict[str, list[str]]]:
    """One header text per column of a two-row header, and other texts to try for each.

    A sub-header under a group is named ``group/sub``; a header merged down across both
    rows keeps its own text. The texts to try are the sub-header alone, the two joined,
    and the group (for a sub-header that only says 金额)."""
    width = max(len(upper), len(lower))
    groups = [None if c >= len(upper) else upper[c] for c in range(width)]
    r = upper_no - 1
    for r1, c1, r2, c2 in merged:
        if r1 == r and r2 == r and c2 > c1 and c1 < width:
            for c in range(c1 + 1, min(c2, width - 1) + 1):
                groups[c] = groups[c1]
    texts: list[str] = []
    hints: dict[str, list[str]] = {}
    for c in range(width):
        g = _cell_text(groups[c])
        s = _cell_text(lower[c] if c < len(lower) else None)
        if g and s and g != s:
            text = f"{g}/{s}"
            hints[text] = [s, g + s, g]
        else:
            text = s or g
        texts.append(text)
    return texts, hints


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    return " ".join((value if isinstance(value, str) else raw_text(value)).split())


def import_rules(settings: Settings) -> ImportRules:
    """The bundled import policy with the bank's amount settings applied."""
    return replace(bundled_rules(), amount_ceiling=settings.import_amount_ceiling,
                   credit_fields=tuple("stated_total" if f == "total" else f
                                       for f in settings.import_credit_fields))


def read_accounts(path: str | os.PathLike[str], *, sheet: str | None = None,
                  mapping: dict[str, str | None] | None = None,
                  settings: Settings | None = None, progress: Progress | None = None,
                  cancel: Cancel | None = None, table: SynonymTable | None = None,
                  as_of: date | None = None) -> ParseResult:
    """Read and check every row; nothing is stored. Raises :class:`ImportRefused` (file
    cannot be imported) or :class:`ImportCancelled`.

    ``as_of`` is the data date for rows that do not carry their own; without it a date
    stated in a title row is used, else the import date is assumed (and the report and
    each account say so)."""
    settings = settings or Settings()
    table = table or load_synonyms()
    path = Path(path)
    with OpenWorkbook(path) as wb:
        located = _locate(wb, sheet, table, _required(settings, table), cancel)
        reader, header_no, proposal, rows = (located.reader, located.header_no,
                                             located.mapping, located.rows)
        if cancel is not None and cancel():
            raise ImportCancelled(tr("import.cancelled"))
        if mapping:
            try:
                proposal = apply_override(proposal, dict(mapping), table,
                                          _required(settings, table))
            except ValueError as exc:
                raise refuse("import.refused.bad_mapping", item=str(exc)) from None
        if proposal.missing_required:
            raise refuse(
                "import.refused.missing_columns", file=path.name,
                missing="、".join(field_label(f) for f in proposal.missing_required),
                found="、".join(h for h in proposal.headers if not h.startswith("[")),
            )
        today = date.today()
        if as_of is not None:
            fallback, source = as_of, "option"
        elif located.title_as_of is not None:
            fallback, source = located.title_as_of, "title"
        else:
            fallback, source = today, "assumed"
        scan = getattr(reader, "scan", None)
        formulas: dict[int, dict[int, str]] = {}
        for (r, c), text in (getattr(scan, "formulas", None) or {}).items():
            formulas.setdefault(r + 1, {})[c] = text
        parser = RowParser(file=path.name, sheet=reader.name, headers=proposal.headers,
                           columns=proposal.columns, required=_required(settings, table),
                           date1904=reader.date1904, as_of=fallback, as_of_source=source,
                           rules=import_rules(settings), formulas=formulas, today=today)
        merged = scan.merged if scan is not None else []
        if merged:
            rows = _fill_merged(rows, merged, header_no)
        with _gc_paused():
            _feed(parser, rows, reader.total_rows, progress, cancel)
            accounts, problems, skipped = parser.finish()
        if parser.data_rows == 0:
            raise refuse("import.refused.no_data", file=path.name)
        far = [
            Problem(reader.name, int("".join(ch for ch in ref if ch.isdigit()) or 0),
                    "".join(ch for ch in ref if ch.isalpha()), "", "warning",
                    tr("import.row.far_cell", cell=ref))
            for _r, ref, _k in reader.notes
        ]
        if "as_of" in proposal.columns.values():
            notes = [Note("as_of", tr("import.note.as_of_column"))]
            source = "column"
        else:
            notes = [Note("as_of", tr(f"import.note.as_of_{source}", date=fallback.isoformat()))]
        if located.header_rows == 2:
            notes.append(Note("header", tr("import.note.two_row_header", first=header_no - 1,
                                           last=header_no), header_no - 1, header_no))
        notes += column_notes(proposal, table) + parser.notes()
        if progress is not None:
            progress(reader.total_rows, reader.total_rows)
        return ParseResult(path.name, reader.name, header_no, dict(proposal.columns),
                           tuple(accounts), tuple(far + problems), skipped, parser.data_rows,
                           tuple(notes), fallback, source, parser.placeholders_by_header())


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while 100,000s of acyclic objects are made.

    Building accounts allocates millions of containers, and the collector's repeated passes
    over them cost about a third of the parsing time; nothing made here forms a cycle, so
    reference counting frees all of it. The previous state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # The objects made meanwhile are long-lived (the accounts): hand them straight
            # to the oldest generation (freeze then unfreeze only splices lists) instead of
            # letting the first allocation after enable() walk all of them, about 0.1 s.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _feed(parser: RowParser, rows: Iterable[Row], total: int, progress: Progress | None,
          cancel: Cancel | None) -> None:
    """Feed rows in blocks of :data:`PROGRESS_EVERY`, reporting progress and checking for
    cancellation between blocks."""
    rows = iter(rows)
    while True:
        block = list(itertools.islice(rows, PROGRESS_EVERY))
        parser.feed_block(block)
        if cancel is not None and cancel():
            raise ImportCancelled(tr("import.cancelled"))
        if len(block) < PROGRESS_EVERY:
            return
        if progress is not None:
            progress(min(block[-1][0], total), total)


def _fill_merged(rows: Iterable[Row], merged: Sequence[tuple[int, int, int, int]],
                 header_no: int) -> Iterator[Row]:
    """Fill vertically merged ranges below the header with their top-left value."""
    ranges = sorted((r1 + 1, c1, r2 + 1, c2) for r1, c1, r2, c2 in merged
                    if r2 > r1 and r1 + 1 > header_no)
    if not ranges:
        yield from rows
        return
    pending = iter(ranges)
    upcoming = next(pending, None)
    active: list[list] = []  # [first, c1, last, c2, value]
    for row_no, values in rows:
        while upcoming is not None and upcoming[0] <= row_no:
            first, c1, last, c2 = upcoming
            top = values[c1] if first == row_no and c1 < len(values) else None
            active.append([first, c1, last, c2, top])
            upcoming = next(pending, None)
        if active:
            active = [a for a in active if a[2] >= row_no]
            for a in active:
                if a[0] < row_no and a[4] not in (None, ""):
                    for c in range(a[1], min(a[3], len(values) - 1) + 1):
                        if values[c] in (None, ""):
                            values[c] = a[4]
        yield row_no, values


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_file(store, path: str | os.PathLike[str], *, sheet: str | None = None,
                mapping: dict[str, str | None] | None = None, settings: Settings | None = None,
                progress: Progress | None = None, cancel: Cancel | None = None,
                table: SynonymTable | None = None, as_of: date | None = None,
                product_type: str | None = None) -> ImportReport:
    """Read, check and store a file in one transaction.

    ``product_type`` (``card`` or ``loan``) is given to the accounts whose file does not say
    (otherwise ``Settings.default_product_type`` decides when documents are made). A refused
    file gives ``ImportReport(status="refused", error=message)`` and changes nothing; a
    cancelled import raises :class:`ImportCancelled` and changes nothing.
    """
    from visitdesk.adapters.store import BatchInfo

    path = Path(path)
    with _gc_paused():
        try:
            result = read_accounts(path, sheet=sheet, mapping=mapping, settings=settings,
                                   progress=progress, cancel=cancel, table=table, as_of=as_of)
        except ImportRefused as exc:
            return ImportReport(file=path.name, status="refused", error=str(exc))
        accounts = result.accounts
        if product_type:
            accounts = tuple(a if a.product_type else dataclasses.replace(
                a, product_type=product_type) for a in accounts)
        outcome = store.upsert_accounts(
            accounts, BatchInfo(path.name, file_sha256(path), result.sheet, result.skipped))
    return ImportReport(
        file=path.name,
        status="partial" if result.skipped else "imported",
        sheet=result.sheet,
        header_row=result.header_row,
        columns=dict(result.columns),
        imported=outcome.imported,
        updated=outcome.updated,
        skipped=result.skipped,
        problems=result.problems,
        error=None,
        notes=result.notes,
        as_of=result.as_of,
        as_of_source=result.as_of_source,
        placeholders=dict(result.placeholders),
    )


def write_problems_workbook(report: ImportReport, path: str | os.PathLike[str]) -> Path:
    """An .xlsx listing every problem, for the person who fixes the source file.

    Every text is written as a text cell, never as a formula. Written atomically.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from visitdesk.adapters.spreadsheet.writing import set_text

    wb = Workbook()
    ws = wb.active
    ws.title = tr("import.problems.sheet_title")[:31]
    set_text(ws.cell(1, 1), tr("import.problems.title", file=report.file))
    ws.cell(1, 1).font = Font(bold=True, size=13)
    summary = tr("import.problems.summary", imported=report.imported, updated=report.updated,
                 skipped=report.skipped, errors=len(report.errors),
                 warnings=len(report.warnings))
    set_text(ws.cell(2, 1), summary if report.status != "refused" else (report.error or ""))
    headers = [tr(f"import.problems.col.{k}") for k in
               ("sheet", "row", "column", "value", "severity", "message", "kind")]
    header_row = 4
    for i, text in enumerate(headers, start=1):
        cell = ws.cell(header_row, i)
        set_text(cell, text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE4EE")
    error_fill = PatternFill("solid", fgColor="FBE3E3")
    for r, p in enumerate(report.problems, start=header_row + 1):
        set_text(ws.cell(r, 1), p.sheet)
        ws.cell(r, 2, p.row)
        set_text(ws.cell(r, 3), p.column)
        set_text(ws.cell(r, 4), p.value)
        set_text(ws.cell(r, 5), tr(f"import.severity.{p.severity}"))
        set_text(ws.cell(r, 6), p.message)
        ws.cell(r, 6).alignment = Alignment(wrap_text=True, vertical="top")
        set_text(ws.cell(r, 7), tr(f"import.kind.{p.kind}", count="").replace("（）", "")
                 .replace(" ()", ""))
        if p.severity == "error":
            ws.cell(r, 5).fill = error_fill
    for letter, width in zip("ABCDEFG", (14, 8, 16, 24, 8, 60, 14), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    if report.notes:
        # What the import did besides cells: rows skipped as footer or totals, columns
        # left out, placeholders read as not given, where the data date came from.
        notes = wb.create_sheet(tr("import.problems.notes_title")[:31])
        for c, key in enumerate(("row", "column", "note"), start=1):
            cell = notes.cell(1, c)
            set_text(cell, tr(f"import.problems.col.{key}"))
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE4EE")
        for r, n in enumerate(report.notes, start=2):
            if n.first_row is not None:
                span = str(n.first_row) if n.last_row in (None, n.first_row) else \
                    f"{n.first_row}–{n.last_row}"
                set_text(notes.cell(r, 1), span)
            set_text(notes.cell(r, 2), n.column)
            set_text(notes.cell(r, 3), n.message)
        for letter, width in zip("ABC", (12, 18, 90), strict=True):
            notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return atomic_write_bytes(path, buffer.getvalue())


__all__ = [
    "MappingProposal", "column_notes", "detect_mapping", "import_rules", "import_file", "inspect_workbook", "read_accounts",
    "write_problems_workbook",
]
