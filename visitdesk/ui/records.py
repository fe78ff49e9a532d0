"""Records the officer can find: the visits list, each visit's documents (every version), and
the visit status shown per account in the main window.

- :class:`VisitsWindow` lists every visit (newest version of each), filtered by state, date and
  account, sortable; it opens a visit, shows its documents, discards a draft.
- :class:`VisitDocumentsDialog` lists the summary and handout of every version of one visit,
  each to preview, save as or print (the stored signed file for a signed version).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from visitdesk.core.errors import VisitdeskError
from visitdesk.i18n import tr
from visitdesk.ui.accounts_model import VISIT_STATES
from visitdesk.ui.rows_model import list_table

log = logging.getLogger("visitdesk.ui.records")

UNSIGNED_COLOUR = "#b45309"
"""Finalised but not signed: amber, with words (never colour alone)."""


# --- the visits list --------------------------------------------------------------------------

@dataclass(frozen=True)
class VisitRow:
    id: str
    version: int
    account_no: str
    name: str
    state: str
    outcome: str
    day: str
    signed: bool


VISIT_COLUMNS = ("id", "version", "name", "account_no", "state", "outcome", "day", "signed")
SORT_ROLE = Qt.ItemDataRole.UserRole + 10


class VisitsModel(QAbstractTableModel):
    """The visits (newest version of each), one row each."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[VisitRow] = []

    def set_rows(self, rows: list[VisitRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(VISIT_COLUMNS)

    def row_at(self, row: int) -> VisitRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        r = self.rows[index.row()]
        key = VISIT_COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(r, key)
        if role == SORT_ROLE:
            if key == "version":
                return r.version
            if key == "state":
                return VISIT_STATES.index(r.state)
            return self._text(r, key)
        if role == Qt.ItemDataRole.ForegroundRole and key == "signed" \
                and r.state == "finalised":
            return QColor(UNSIGNED_COLOUR)
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "version":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(r: VisitRow, key: str) -> str:
        if key == "state":
            return tr(f"visit.state.{r.state}")
        if key == "signed":
            if r.signed:
                return tr("records.signed.yes")
            return tr("records.signed.not_yet") if r.state == "finalised" else "—"
        if key == "version":
            return str(r.version)
        return str(getattr(r, key) or "—")

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(VISIT_COLUMNS):
            return tr(f"records.col.{VISIT_COLUMNS[section]}")
        return None


class VisitsFilter(QSortFilterProxyModel):
    """State, date range and account (number or name) filters over :class:`VisitsModel`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.state: str | None = None
        self.date_from = ""
        self.date_to = ""
        self.account = ""
        self.setSortRole(SORT_ROLE)

    def set_filters(self, *, state: str | None, date_from: str, date_to: str,
                    account: str) -> None:
        self.beginFilterChange()
        self.state, self.date_from, self.date_to = state, date_from, date_to
        self.account = account.strip().lower()
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int,  # noqa: N802
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, VisitsModel)
        r = model.rows[source_row]
        if self.state and r.state != self.state:
            return False
        if self.date_from and (not r.day or r.day < self.date_from):
            return False
        if self.date_to and (not r.day or r.day > self.date_to):
            return False
        return not self.account or self.account in f"{r.account_no}\x00{r.name}".lower()


def read_visit_rows(ctx: Any) -> list[VisitRow]:
    """Every visit as a row of the list (from the window's store)."""
    from visitdesk.adapters.visit_store import VisitRepository

    repo = VisitRepository(ctx.store, settings=ctx.settings)
    names: dict[str, str] = {}
    rows = []
    playbook = repo.playbook
    for s in repo.list():
        if s.account_no not in names:
            account = ctx.store.account(s.account_no)
            names[s.account_no] = account.name if account is not None else ""
        outcome = playbook.outcome(s.outcome) if s.outcome else None
        rows.append(VisitRow(s.id, s.version, s.account_no, names[s.account_no], s.state,
                             outcome.label.get() if outcome else (s.outcome or ""),
                             s.visit_date or (s.updated_at or "")[:10], s.state == "signed"))
    return rows


class VisitsWindow(QDialog):
    """All visits, filtered and sorted; open one, see its documents, discard a draft."""

    def __init__(self, ctx: Any, parent: QWidget | None = None, *,
                 on_changed: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("visitsWindow")
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.ctx = ctx
        self.on_changed = on_changed
        self.setWindowTitle(tr("records.title"))
        self.resize(1100, 640)

        self.state_filter = QComboBox()
        self.state_filter.addItem(tr("records.filter.all_states"), None)
        for state in VISIT_STATES[1:]:
            self.state_filter.addItem(tr(f"visit.state.{state}"), state)
        self.use_dates = QCheckBox(tr("records.filter.dates"))
        self.date_from = QDateEdit(QDate.currentDate().addMonths(-1))
        self.date_to = QDateEdit(QDate.currentDate())
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            edit.dateChanged.connect(self._refilter)
        self.use_dates.toggled.connect(self._dates_toggled)
        self.account_filter = QLineEdit()
        self.account_filter.setClearButtonEnabled(True)
        self.account_filter.setPlaceholderText(tr("records.filter.account"))
        self.state_filter.currentIndexChanged.connect(self._refilter)
        self.account_filter.textChanged.connect(self._refilter)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr("records.filter.state")))
        bar.addWidget(self.state_filter)
        bar.addSpacing(12)
        bar.addWidget(self.use_dates)
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel("—"))
        bar.addWidget(self.date_to)
        bar.addSpacing(12)
        bar.addWidget(self.account_filter, 1)

        self.model = VisitsModel(self)
        self.proxy = VisitsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = list_table(self.proxy)
        self.table.setObjectName("visitsTable")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())

        self.empty = QLabel(tr("records.empty"))
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #5f6b7a; padding: 24px;")
        self.count = QLabel()

        self.open_button = QPushButton(tr("records.open"))
        self.documents_button = QPushButton(tr("records.documents"))
        self.discard_button = QPushButton(tr("records.discard"))
        self.open_button.clicked.connect(self.open_selected)
        self.documents_button.clicked.connect(self.documents_of_selected)
        self.discard_button.clicked.connect(self.discard_selected)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.count, 1)
        for b in (self.open_button, self.documents_button, self.discard_button):
            row.addWidget(b)
        row.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(row)
        from visitdesk.ui import memory
        from visitdesk.ui.help import install_help

        install_help(self, ctx, "visit")
        self.reload()
        memory.restore(ctx.data_dir, "visits", self,
                       headers={"visits": self.table.horizontalHeader()})

    def done(self, result: int) -> None:
        from visitdesk.ui import memory

        memory.save(self.ctx.data_dir, "visits", self,
                    headers={"visits": self.table.horizontalHeader()})
        super().done(result)

    # --- data ---------------------------------------------------------------------------------
    def reload(self) -> None:
        current = self.selected()
        try:
            rows = read_visit_rows(self.ctx)
        except VisitdeskError as exc:
            QMessageBox.warning(self, tr("records.title"), str(exc))
            rows = []
        self.model.set_rows(rows)
        for col in range(len(VISIT_COLUMNS) - 1):
            self.table.resizeColumnToContents(col)
        if current is not None:
            self.select(current.id)
        elif self.proxy.rowCount():
            self.table.selectRow(0)
        self._after_filter()

    def _dates_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self._refilter()

    def _refilter(self, *_args: Any) -> None:
        on = self.use_dates.isChecked()
        self.proxy.set_filters(
            state=self.state_filter.currentData(),
            date_from=self.date_from.date().toString("yyyy-MM-dd") if on else "",
            date_to=self.date_to.date().toString("yyyy-MM-dd") if on else "",
            account=self.account_filter.text())
        self._after_filter()

    def _after_filter(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.empty.setVisible(shown == 0)
        if total == 0:
            self.empty.setText(tr("records.empty"))
        elif shown == 0:
            self.empty.setText(tr("records.none_match"))
        self.count.setText(tr("records.count", shown=shown, total=total))
        self._update_buttons()

    def selected(self) -> VisitRow | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_at(self.proxy.mapToSource(index).row())

    def select(self, visit_id: str) -> bool:
        for row in range(self.proxy.rowCount()):
            source = self.proxy.mapToSource(self.proxy.index(row, 0))
            found = self.model.row_at(source.row())
            if found is not None and found.id == visit_id:
                self.table.selectRow(row)
                return True
        return False

    def _update_buttons(self) -> None:
        r = self.selected()
        self.open_button.setEnabled(r is not None)
        self.documents_button.setEnabled(r is not None)
        can_discard = r is not None and r.state == "draft"
        self.discard_button.setEnabled(can_discard)
        # a disabled button says why, before anyone clicks it
        self.discard_button.setToolTip(
            tr("records.discard_tip") if can_discard or r is None
            else tr("records.discard_locked", state=tr(f"visit.state.{r.state}")))

    # --- actions ------------------------------------------------------------------------------
    def open_selected(self) -> Any:
        r = self.selected()
        if r is None:
            return None
        from visitdesk.ui.visit import open_record

        return open_record(self.parentWidget(), self.ctx, r.id)

    def documents_of_selected(self) -> VisitDocumentsDialog | None:
        r = self.selected()
        if r is None:
            return None
        dialog = VisitDocumentsDialog(self.ctx, r.id, parent=self)
        dialog.show()
        return dialog

    def discard_selected(self) -> bool:
        r = self.selected()
        if r is None or r.state != "draft":
            return False
        from visitdesk.ui.visit import discard_draft

        if not discard_draft(self, self.ctx, r.id):
            return False
        self.reload()
        if self.on_changed is not None:
            self.on_changed()
        return True


# --- the documents of one visit ---------------------------------------------------------------

class VisitDocumentsDialog(QDialog):
    """Summary and handout of every version of one visit: preview, save as, print."""

    KIND_ROLE = Qt.ItemDataRole.UserRole
    VERSION_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, ctx: Any, visit_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from visitdesk.adapters.visit_store import VisitRepository

        self.ctx = ctx
        self.visit_id = visit_id
        self.jobs: list[Any] = []
        self.setWindowTitle(tr("records.docs.title", id=visit_id))
        self.resize(720, 380)
        self.tree = QTreeWidget()
        self.tree.setObjectName("visitDocuments")
        self.tree.setRootIsDecorated(False)
        self.tree.setHeaderLabels([tr("records.docs.col.version"), tr("records.docs.col.doc"),
                                   tr("records.docs.col.state")])
        versions = VisitRepository(ctx.store, settings=ctx.settings).versions(visit_id)
        for record in reversed(versions):  # newest first
            kinds = ["summary"] + (["handout"] if record.plan else [])
            for kind in kinds:
                state = tr(f"visit.state.{record.state}")
                if record.state == "finalised":
                    state += tr("records.docs.unsigned_suffix")
                item = QTreeWidgetItem([tr("records.docs.version", version=record.version),
                                        tr(f"records.docs.kind.{kind}"), state])
                item.setData(0, self.KIND_ROLE, kind)
                item.setData(0, self.VERSION_ROLE, record.version)
                if record.state == "finalised":
                    item.setForeground(2, QColor(UNSIGNED_COLOUR))
                self.tree.addTopLevelItem(item)
        for col in range(3):
            self.tree.resizeColumnToContents(col)
        self.tree.itemDoubleClicked.connect(lambda *_: self.preview())
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)
        note = QLabel(tr("records.docs.note"))
        note.setWordWrap(True)
        note.setStyleSheet("color: #5f6b7a")
        self.preview_button = QPushButton(tr("records.docs.preview"))
        self.save_button = QPushButton(tr("records.docs.save"))
        self.print_button = QPushButton(tr("records.docs.print"))
        self.preview_button.clicked.connect(self.preview)
        self.save_button.clicked.connect(lambda: self.save_as())
        self.print_button.clicked.connect(self.print_document)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        for b in (self.preview_button, self.save_button, self.print_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addWidget(note)
        layout.addLayout(row)

    def chosen(self) -> tuple[str, int] | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        return str(item.data(0, self.KIND_ROLE)), int(item.data(0, self.VERSION_ROLE))

    def _maker(self, kind: str, version: int) -> Callable[[], bytes]:
        from visitdesk.ui.documents import _with_documents

        ctx, visit_id = self.ctx, self.visit_id
        return lambda: _with_documents(ctx, lambda d: getattr(d, kind)(visit_id, version))

    def _title(self, kind: str, version: int) -> str:
        return tr("records.docs.file", kind=tr(f"records.docs.kind.{kind}"), id=self.visit_id,
                  version=version)

    def preview(self) -> Any:
        from visitdesk.ui.documents import DocumentTask

        chosen = self.chosen()
        if chosen is None:
            return None
        make = self._maker(*chosen)
        title = self._title(*chosen)
        task = DocumentTask(self, lambda _p, _c: make(), title, title).start()
        self.jobs.append(task)
        return task

    def save_as(self, path: str | None = None) -> Any:
        from visitdesk.ui.documents import DocumentTask

        chosen = self.chosen()
        if chosen is None:
            return None
        title = self._title(*chosen)
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, tr("docui.preview.save_title"), str(Path.home() / f"{title}.pdf"),
                tr("docui.preview.pdf_filter"))
            if not path:
                return None
        target = path if path.lower().endswith(".pdf") else path + ".pdf"
        make = self._maker(*chosen)

        def job(_progress: Any, _cancelled: Any) -> bytes:
            from visitdesk.atomic import atomic_write_bytes

            data = make()
            atomic_write_bytes(target, data)
            return data

        task = DocumentTask(self, job, title, title, preview=False).start()
        self.jobs.append(task)
        return task

    def print_document(self) -> Any:
        from visitdesk.ui.documents import print_pdf

        chosen = self.chosen()
        if chosen is None:
            return None
        job = print_pdf(self, self._maker(*chosen), self._title(*chosen))
        self.jobs.append(job)
        return job
