"""Writing untrusted text into workbooks without ever creating a formula.

Imported names and addresses may start with ``=``, ``+``, ``-`` or ``@``. visitdesk stores
such text unchanged (it is data), and neutralises it only when writing a workbook: openpyxl
turns any string starting with ``=`` into a formula, so every writer sets the cell's type
back to text. The cell then shows exactly what the source said and Excel never evaluates it.
For CSV output (which has no cell types) use :func:`csv_safe`, which prefixes a quote.

A workbook cannot hold most control characters (U+0000–U+001F other than tab, line feed and
carriage return); openpyxl refuses the whole cell. They are written as their visible Unicode
"control picture" (U+0007 → ␇) and the cell gets a note saying so, so one odd record never
blocks an export and the reader sees where something was replaced.
"""

from __future__ import annotations

import re

from visitdesk.core.cells import looks_like_formula
from visitdesk.i18n import tr

_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_text(value: str) -> tuple[str, bool]:
    """``value`` with the characters a workbook cannot hold shown as control pictures, and
    whether any was replaced."""
    cleaned = _NOT_IN_XLSX.sub(lambda m: chr(0x2400 + ord(m.group())), value)
    return cleaned, cleaned != value


def _put(cell, value: object) -> None:
    if isinstance(value, str):
        value, replaced = xlsx_text(value)
        cell.value = value
        cell.data_type = "s"
        if replaced:
            from openpyxl.comments import Comment

            cell.comment = Comment(tr("integrity.xlsx.replaced"), "visitdesk")
    else:
        cell.value = value


def set_text(cell, value: object) -> None:
    """Put ``value`` in an openpyxl cell; strings always as text, never as a formula."""
    _put(cell, value)


def text_cell(ws, value: object):
    """A write-only-mode cell holding ``value`` as text (for ``ws.append``)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws)
    _put(cell, value)
    return cell


def csv_safe(text: str) -> str:
    """Text for a CSV cell that a spreadsheet must not evaluate (prefixed with ``'``)."""
    return "'" + text if looks_like_formula(text) else text
