"""The plumbing every small table model here shares: a sequence of domain rows, one column per
name, headers from the catalog. Subclasses add ``data`` (and, if editable, ``setData``).
``list_table`` is the read-only view the lists (visits, worklist) show them in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from visitdesk.i18n import tr

ModelIndex = QModelIndex | QPersistentModelIndex
ROOT_INDEX = QModelIndex()
"""The invalid index, as the default ``parent`` of table models."""


class RowsModel(QAbstractTableModel):
    """Rows in ``_rows``; a column per name in ``COLUMNS``, headed by the catalog text
    ``HEADER_KEY.format(name)``; with ``NUMBERED`` the vertical header counts 1, 2, 3…"""

    COLUMNS: tuple[str, ...] = ()
    HEADER_KEY = "{}"
    NUMBERED = False

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: Sequence[Any] = ()

    def _reset(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def _row(self, index: ModelIndex) -> Any:
        """The row ``index`` points into, or None for an index outside the table."""
        if (not index.isValid() or not 0 <= index.row() < len(self._rows)
                or not 0 <= index.column() < len(self.COLUMNS)):
            return None
        return self._rows[index.row()]

    def rowCount(self, parent: ModelIndex = ROOT_INDEX) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = ROOT_INDEX) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            return tr(self.HEADER_KEY.format(self.COLUMNS[section]))
        if (orientation == Qt.Orientation.Vertical and self.NUMBERED
                and 0 <= section < len(self._rows)):
            return str(section + 1)
        return None


def list_table(model: QAbstractItemModel) -> QTableView:
    """A read-only list of rows: whole rows selected one at a time, alternating colours, no
    row numbers, columns the officer can widen, the last one filling the width."""
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    return table
