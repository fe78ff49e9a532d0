"""Writing untrusted text into workbooks without ever creating a formula.

Imported names and addresses may start with ``=``, ``+``, ``-`` or ``@``. visitdesk stores
such text unchanged (it is data), and neutralises it only when writing a workbook: openpyxl
turns any string starting with ``=`` into a formula, so every writer sets the cell's type
back to text. The cell then shows exactly what the source said and Excel never evaluates it.
For CSV output (which has no cell types) use :func:`csv_safe`, which prefixes a quote.
"""

from __future__ import annotations

from visitdesk.core.cells import looks_like_formula


def set_text(cell, value: object) -> None:
    """Put ``value`` in an openpyxl cell; strings always as text, never as a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def text_cell(ws, value: object):
    """A write-only-mode cell holding ``value`` as text (for ``ws.append``)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def csv_safe(text: str) -> str:
    """Text for a CSV cell that a spreadsheet must not evaluate (prefixed with ``'``)."""
    return "'" + text if looks_like_formula(text) else text
