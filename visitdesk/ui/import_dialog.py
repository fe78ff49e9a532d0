"""The import dialog: file → sheet → column mapping → progress with cancel → problems.

Reading a workbook is the slow part, so inspecting the file, detecting the mapping and the
import itself all run in a :class:`~visitdesk.ui.workers.Worker`; the dialog only shows what
comes back. The import opens its own ``CaseStore`` connection in the worker and runs as one
transaction there: a cancelled or refused import leaves the store exactly as it was.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from visitdesk.core.errors import ImportCancelled, InputError, VisitdeskError
from visitdesk.core.importing import PROBLEM_KINDS
from visitdesk.core.mapping import ACCOUNT_FIELDS, ADDITIVE_FIELDS, ALWAYS_REQUIRED
from visitdesk.i18n import tr
from visitdesk.ui.rows_model import ModelIndex, RowsModel
from visitdesk.ui.workers import Worker

log = logging.getLogger("visitdesk.ui.import")

FILE_FILTER_EXTS = "*.xlsx *.xlsm *.csv"
UNSURE_BRUSH = QBrush(QColor("#fff3c4"))
ERROR_BRUSH = QBrush(QColor("#fde2e1"))
WRAP_LIMIT = 300
"""Up to this many problems the reasons are wrapped (sizing rows costs time per row)."""


class ProblemsModel(RowsModel):
    """Problems of an import report: sheet, row, column, value, severity, reason."""

    COLUMNS = KEYS = ("sheet", "row", "column", "value", "severity", "message")
    HEADER_KEY = "ui.import.problem.{}"
    NUMBERED = True

    def set_problems(self, problems: Any) -> None:
        self._reset(list(problems or ()))

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        problem = self._row(index)
        if problem is None:
            return None
        key = self.KEYS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = getattr(problem, key, None)
            if key == "severity":
                return tr(f"ui.import.severity.{value}")
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.BackgroundRole and key == "severity":
            return ERROR_BRUSH if getattr(problem, "severity", "") == "error" else UNSURE_BRUSH
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "row":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ImportDialog(QDialog):
    """Import one file into the case store in ``data_dir``."""

    inspected = Signal()
    """The file was inspected and its mapping detected (or refused); the form is filled."""
    import_finished = Signal(str)
    """The import ended: ``imported`` | ``partial`` | ``refused`` | ``cancelled`` | ``failed``."""

    PAGE_SETUP, PAGE_PROGRESS, PAGE_RESULT = range(3)

    def __init__(self, data_dir: Path | str, settings: Any, *, path: str | Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.settings = settings
        self.path: Path | None = None
        self.info: Any = None
        self.mapping: Any = None
        self.report: Any = None
        self.store_changed = False
        """True once an import stored something: the owner reloads its table."""
        self._worker: Worker | None = None
        self._running = False
        self._close_when_done = False
        self.setWindowTitle(tr("ui.import.title"))
        self.setAcceptDrops(True)
        self.resize(860, 600)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_setup_page())
        self.pages.addWidget(self._build_progress_page())
        self.pages.addWidget(self._build_result_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self._update_buttons()
        if path is not None:
            self.set_file(path)

    # --- pages --------------------------------------------------------------------------
    def _build_setup_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("ui.import.file")))
        self.file_edit = QLineEdit()
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText(tr("ui.import.file_placeholder"))
        row.addWidget(self.file_edit, 1)
        self.browse_button = QPushButton(tr("ui.import.browse"))
        self.browse_button.clicked.connect(self.browse)
        row.addWidget(self.browse_button)
        v.addLayout(row)

        row = QHBoxLayout()
        row.addWidget(QLabel(tr("ui.import.sheet")))
        self.sheet_combo = QComboBox()
        self.sheet_combo.setMinimumContentsLength(16)
        self.sheet_combo.currentIndexChanged.connect(self._sheet_changed)
        row.addWidget(self.sheet_combo)
        self.header_label = QLabel()
        row.addWidget(self.header_label, 1)
        v.addLayout(row)

        row = QHBoxLayout()
        row.addWidget(QLabel(tr("import.ui.as_of")))
        self.as_of_edit = QDateEdit()
        self.as_of_edit.setCalendarPopup(True)
        self.as_of_edit.setDisplayFormat("yyyy-MM-dd")
        self.as_of_edit.setDate(QDate.currentDate())
        self.as_of_edit.dateChanged.connect(self._as_of_edited)
        row.addWidget(self.as_of_edit)
        self.as_of_label = QLabel()
        self.as_of_label.setWordWrap(True)
        row.addWidget(self.as_of_label, 1)
        v.addLayout(row)
        self._as_of_chosen = False

        # Accounts whose file does not say whether they are cards or loans: this import's
        # choice, else the setting (it decides the agreement and the late-charge wording).
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("import.ui.product_type")))
        self.product_combo = QComboBox()
        self.product_combo.setObjectName("productType")
        default = tr("ui.settings.choice.default_product_type."
                     f"{self.settings.default_product_type}")
        self.product_combo.addItem(tr("import.ui.product_type_default", default=default), None)
        for value in ("card", "loan"):
            self.product_combo.addItem(
                tr(f"ui.settings.choice.default_product_type.{value}"), value)
        row.addWidget(self.product_combo)
        row.addStretch(1)
        v.addLayout(row)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.message)

        # One row per header: a small, fixed-size form (a few dozen columns at most).
        self.mapping_table = QTableWidget(0, 3)
        self.mapping_table.setHorizontalHeaderLabels(
            [tr("ui.import.map.header"), tr("ui.import.map.field"), tr("ui.import.map.note")])
        self.mapping_table.verticalHeader().hide()
        self.mapping_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.mapping_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        hh = self.mapping_table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(True)
        self.mapping_table.setColumnWidth(0, 220)
        self.mapping_table.setColumnWidth(1, 200)
        v.addWidget(self.mapping_table, 1)

        row = QHBoxLayout()
        row.addStretch(1)
        self.import_button = QPushButton(tr("ui.import.start"))
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        row.addWidget(self.import_button)
        close = QPushButton(tr("ui.import.close"))
        close.clicked.connect(self.reject)
        row.addWidget(close)
        v.addLayout(row)
        return page

    def _build_progress_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.addStretch(1)
        self.progress_label = QLabel()
        self.progress_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        v.addWidget(self.progress_label)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        v.addWidget(self.progress)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = QPushButton(tr("ui.import.cancel"))
        self.cancel_button.clicked.connect(self.cancel_import)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        v.addLayout(row)
        v.addStretch(1)
        return page

    def _build_result_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.summary)
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.notes_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.notes_label)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("import.ui.group")))
        self.group_combo = QComboBox()
        self.group_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.group_combo.currentIndexChanged.connect(self._group_changed)
        row.addWidget(self.group_combo)
        row.addStretch(1)
        v.addLayout(row)
        self.problems_model = ProblemsModel(self)
        self.problems_view = QTableView()
        self.problems_view.setModel(self.problems_model)
        self.problems_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.problems_view.setAlternatingRowColors(True)
        self.problems_view.setWordWrap(False)
        self.problems_view.verticalHeader().hide()
        hh = self.problems_view.horizontalHeader()
        hh.setStretchLastSection(True)
        fm = self.problems_view.fontMetrics()
        severity_text = max(fm.horizontalAdvance(tr(f"ui.import.severity.{s}"))
                            for s in ("error", "warning")) + 16
        for col, width in enumerate((90, 55, 110, 150, 55)):
            # never narrower than the header or, for severity, its words ("Warning")
            width = max(width, hh.sectionSizeHint(col))
            if ProblemsModel.KEYS[col] == "severity":
                width = max(width, severity_text)
            self.problems_view.setColumnWidth(col, width)
        v.addWidget(self.problems_view, 1)
        row = QHBoxLayout()
        self.save_button = QPushButton(tr("ui.import.save_problems"))
        self.save_button.clicked.connect(self.save_problems)
        row.addWidget(self.save_button)
        self.saved_label = QLabel()
        row.addWidget(self.saved_label, 1)
        self.again_button = QPushButton(tr("ui.import.another"))
        self.again_button.clicked.connect(self._another)
        row.addWidget(self.again_button)
        done = QPushButton(tr("ui.import.done"))
        done.clicked.connect(self.accept)
        row.addWidget(done)
        v.addLayout(row)
        return page

    # --- choosing the file and sheet ----------------------------------------------------
    def browse(self) -> None:
        start = str(self.path.parent) if self.path else ""
        name, _ = QFileDialog.getOpenFileName(
            self, tr("ui.import.choose"), start,
            f"{tr('ui.import.filter')} ({FILE_FILTER_EXTS});;{tr('ui.import.filter_all')} (*)")
        if name:
            self.set_file(name)

    def set_file(self, path: str | Path) -> None:
        """Inspect ``path`` in the background; ``inspected`` fires when the form is filled."""
        self.path = Path(path)
        self.info = self.mapping = None
        self.file_edit.setText(str(self.path))
        self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        self.sheet_combo.blockSignals(False)
        self.mapping_table.setRowCount(0)
        self.header_label.clear()
        self._set_message(tr("ui.import.inspecting"))
        path_, settings = self.path, self.settings

        def job(_progress: Any, _cancelled: Any) -> tuple[Any, Any]:
            from visitdesk.adapters.spreadsheet import detect_mapping, inspect_workbook

            info = inspect_workbook(path_)
            # No sheet named: the reader takes the first visible sheet that has a header row.
            return info, detect_mapping(path_, settings=settings)

        self._run(job, self._inspected, self._inspect_failed)

    def _inspected(self, result: tuple[Any, Any]) -> None:
        self.info, mapping = result
        self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        for sheet in self.info.sheets:
            label = sheet.name
            if sheet.hidden:
                label = tr("ui.import.sheet_hidden", name=sheet.name)
            self.sheet_combo.addItem(label, sheet.name)
        index = self.sheet_combo.findData(mapping.sheet)
        self.sheet_combo.setCurrentIndex(max(index, 0))
        self.sheet_combo.setEnabled(len(self.info.sheets) > 1)
        self.sheet_combo.blockSignals(False)
        self._show_mapping(mapping)
        self._update_buttons()
        self.inspected.emit()

    def _inspect_failed(self, exc: BaseException) -> None:
        self.info = self.mapping = None
        self.mapping_table.setRowCount(0)
        self._set_message(self._error_text(exc), error=True)
        self._update_buttons()
        self.inspected.emit()

    def _sheet_changed(self, _index: int) -> None:
        sheet = self.sheet_combo.currentData()
        if self.path is None or sheet is None or self._busy():
            return
        path_, settings = self.path, self.settings
        self.mapping = None
        self._set_message(tr("ui.import.inspecting"))
        self.mapping_table.setRowCount(0)

        def job(_progress: Any, _cancelled: Any) -> Any:
            from visitdesk.adapters.spreadsheet import detect_mapping

            return detect_mapping(path_, sheet=sheet, settings=settings)

        def done(mapping: Any) -> None:
            self._show_mapping(mapping)
            self._update_buttons()
            self.inspected.emit()

        self._run(job, done, self._inspect_failed)

    # --- mapping ------------------------------------------------------------------------
    def required_fields(self) -> tuple[str, ...]:
        extra = tuple(getattr(self.settings, "extra_required_fields", ()) or ())
        return ALWAYS_REQUIRED + tuple(f for f in extra if f not in ALWAYS_REQUIRED)

    def _show_as_of(self, mapping: Any) -> None:
        stated = getattr(mapping, "as_of", None)
        self.as_of_edit.blockSignals(True)
        if stated is not None:
            self.as_of_edit.setDate(QDate(stated.year, stated.month, stated.day))
            self.as_of_label.setText(tr("import.ui.as_of_title"))
            self.as_of_label.setStyleSheet("")
        else:
            self.as_of_edit.setDate(QDate.currentDate())
            self.as_of_label.setText(tr("import.ui.as_of_assumed"))
            self.as_of_label.setStyleSheet("color: #8a5300")
        self.as_of_edit.blockSignals(False)
        self._as_of_chosen = False

    def _as_of_edited(self, _date: Any) -> None:
        self._as_of_chosen = True
        self.as_of_label.setText(tr("import.ui.as_of_chosen"))
        self.as_of_label.setStyleSheet("")

    def chosen_as_of(self) -> Any:
        """The data date the user set, or None (the file's title date or the import date)."""
        if not self._as_of_chosen:
            return None
        return self.as_of_edit.date().toPython()

    def _show_mapping(self, mapping: Any) -> None:
        self.mapping = mapping
        self._show_as_of(mapping)
        unsure = set(getattr(mapping, "unsure", ()) or ())
        headers = list(mapping.headers)
        self.header_label.setText(tr("ui.import.header_row", row=mapping.header_row))
        table = self.mapping_table
        table.setRowCount(len(headers))
        for row, header in enumerate(headers):
            item = QTableWidgetItem(str(header))
            table.setItem(row, 0, item)
            combo = QComboBox()
            combo.addItem(tr("ui.import.map.extra"), None)
            for field in ACCOUNT_FIELDS:
                combo.addItem(tr(f"import.field.{field}"), field)
            current = mapping.columns.get(header)
            combo.setCurrentIndex(max(combo.findData(current), 0) if current else 0)
            combo.currentIndexChanged.connect(lambda _i: self._mapping_edited())
            table.setCellWidget(row, 1, combo)
            note = QTableWidgetItem(tr("ui.import.map.unsure") if header in unsure else "")
            if header in unsure:
                for col_item in (item, note):
                    col_item.setBackground(UNSURE_BRUSH)
            table.setItem(row, 2, note)
        self._mapping_edited()

    def chosen_mapping(self) -> dict[str, str | None]:
        """Header → field as the combos now say (None: keep as an extra column)."""
        out: dict[str, str | None] = {}
        for row in range(self.mapping_table.rowCount()):
            item = self.mapping_table.item(row, 0)
            if item is None:
                continue
            header = item.text()
            combo = self.mapping_table.cellWidget(row, 1)
            out[header] = combo.currentData() if isinstance(combo, QComboBox) else None
        return out

    def mapping_problems(self) -> list[str]:
        chosen = self.chosen_mapping()
        fields = [f for f in chosen.values() if f]
        problems = []
        required = self.required_fields()
        if "total" in fields:  # a total stands in for the principal (it is the debt)
            required = tuple(f for f in required if f != "principal")
        missing = [f for f in required if f not in fields]
        if missing:
            problems.append(tr(
                "ui.import.missing_required",
                fields="、".join(tr(f"import.field.{f}") for f in missing),
                headers="、".join(chosen) or "—"))
        doubled = sorted({f for f in fields if fields.count(f) > 1 and f not in ADDITIVE_FIELDS},
                         key=ACCOUNT_FIELDS.index)
        if doubled:
            problems.append(tr("import.ui.mapped_twice",
                               fields="、".join(tr(f"import.field.{f}") for f in doubled)))
        return problems

    def _mapping_edited(self) -> None:
        problems = self.mapping_problems() if self.mapping is not None else []
        unsure = bool(getattr(self.mapping, "unsure", None))
        notes = list(getattr(self.mapping, "notes", ()) or ())
        chosen = self.chosen_mapping() if self.mapping is not None else {}
        summed = sorted({f for f in chosen.values()
                         if f in ADDITIVE_FIELDS and list(chosen.values()).count(f) > 1},
                        key=ACCOUNT_FIELDS.index)
        notes += [tr("import.ui.summed", field=tr(f"import.field.{f}"),
                     columns="、".join(h for h, g in chosen.items() if g == f)) for f in summed]
        tail = "".join("\n• " + n for n in notes)
        if problems:
            self._set_message("\n".join(problems) + tail, error=True)
        elif unsure:
            self._set_message(tr("ui.import.check_unsure") + tail)
        elif self.mapping is not None:
            self._set_message(tr("ui.import.ready") + tail)
        self._update_buttons()

    # --- import -------------------------------------------------------------------------
    def start_import(self) -> None:
        if self.path is None or self.mapping is None or self.mapping_problems() or self._busy():
            return
        path_, data_dir, settings = self.path, self.data_dir, self.settings
        sheet = self.sheet_combo.currentData() if self.sheet_combo.count() > 1 else None
        mapping = self.chosen_mapping()
        as_of = self.chosen_as_of()
        product_type = self.product_combo.currentData()

        def job(progress: Any, cancelled: Any) -> Any:
            from visitdesk.adapters.spreadsheet import import_file
            from visitdesk.adapters.store import CaseStore

            def report_progress(done: Any, total: Any = 0) -> None:
                progress(int(done or 0), int(total or 0))

            with CaseStore(data_dir) as store:
                return import_file(store, path_, sheet=sheet, mapping=mapping,
                                   settings=settings, progress=report_progress,
                                   cancel=cancelled, as_of=as_of, product_type=product_type)

        self.progress.setRange(0, 0)
        self.progress_label.setText(tr("ui.import.reading", file=path_.name))
        self.cancel_button.setEnabled(True)
        self.pages.setCurrentIndex(self.PAGE_PROGRESS)
        worker = self._run(job, self._import_done, self._import_failed)
        worker.signals.progress.connect(self._progress)

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
            self.progress_label.setText(tr("ui.import.progress", done=done, total=total))
        else:
            self.progress_label.setText(tr("ui.import.progress_rows", done=done))

    def cancel_import(self) -> None:
        if self._worker is not None and not self._worker.is_done:
            self._worker.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText(tr("ui.import.cancelling"))

    def _import_done(self, report: Any) -> None:
        self.report = report
        status = getattr(report, "status", "imported")
        if status != "refused" and (report.imported or report.updated):
            self.store_changed = True
        self._show_report(report)
        self.import_finished.emit(status)

    def _import_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ImportCancelled):
            self.pages.setCurrentIndex(self.PAGE_SETUP)
            self._set_message(tr("ui.import.cancelled"))
            self.import_finished.emit("cancelled")
            return
        self.report = None
        self.problems_model.set_problems(())
        self.summary.setText(self._error_text(exc))
        self.summary.setStyleSheet("color: #b00020")
        self.save_button.setEnabled(False)
        self.pages.setCurrentIndex(self.PAGE_RESULT)
        self.import_finished.emit("refused" if isinstance(exc, InputError) else "failed")

    def _show_report(self, report: Any) -> None:
        problems = list(report.problems or ())
        errors = sum(1 for p in problems if p.severity == "error")
        warnings = len(problems) - errors
        if report.status == "refused":
            text = tr("ui.import.refused", reason=report.error or "")
            self.summary.setStyleSheet("color: #b00020")
        else:
            text = tr(f"ui.import.status.{report.status}", imported=report.imported,
                      updated=report.updated, skipped=report.skipped)
            self.summary.setStyleSheet("")
        if problems:
            text += "\n" + tr("ui.import.problem_counts", errors=errors, warnings=warnings)
        sheet = getattr(report, "sheet", "") or ""
        text = tr("ui.import.result_file", file=report.file, sheet=sheet or "—") + "\n" + text
        self.summary.setText(text)
        notes = list(getattr(report, "notes", ()) or ())
        self.notes_label.setText("\n".join("• " + n.message for n in notes))
        self.notes_label.setVisible(bool(notes))
        self._problems = problems
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        self.group_combo.addItem(tr("import.ui.group_all", count=len(problems)), None)
        for kind in PROBLEM_KINDS:
            count = sum(1 for p in problems if getattr(p, "kind", "other") == kind)
            if count:
                self.group_combo.addItem(tr(f"import.kind.{kind}", count=count), kind)
        self.group_combo.setCurrentIndex(0)
        self.group_combo.blockSignals(False)
        self.group_combo.setVisible(bool(problems))
        self.problems_model.set_problems(problems)
        if len(problems) <= WRAP_LIMIT:
            # Few problems: wrap the reasons so each can be read whole.
            self.problems_view.setWordWrap(True)
            self.problems_view.resizeRowsToContents()
        else:
            self.problems_view.setWordWrap(False)
        self.problems_view.setVisible(bool(problems))
        self.save_button.setEnabled(bool(problems))
        self.saved_label.clear()
        self.pages.setCurrentIndex(self.PAGE_RESULT)

    def _group_changed(self, _index: int) -> None:
        kind = self.group_combo.currentData()
        problems = list(getattr(self, "_problems", ()))
        if kind is not None:
            problems = [p for p in problems if getattr(p, "kind", "other") == kind]
        self.problems_model.set_problems(problems)
        if len(problems) <= WRAP_LIMIT:
            self.problems_view.resizeRowsToContents()

    def save_problems(self) -> None:
        if self.report is None:
            return
        stem = self.path.stem if self.path else "import"
        start = str((self.path.parent if self.path else Path.home())
                    / tr("ui.import.problems_file", stem=stem))
        name, _ = QFileDialog.getSaveFileName(self, tr("ui.import.save_problems"), start,
                                              f"{tr('ui.import.filter_xlsx')} (*.xlsx)")
        if not name:
            return
        target = Path(name)
        if target.suffix.lower() != ".xlsx":
            target = target.with_suffix(".xlsx")
        report = self.report

        def job(_progress: Any, _cancelled: Any) -> Path:
            # tens of thousands of problems take seconds to write: never on the UI thread
            from visitdesk.adapters.spreadsheet import write_problems_workbook

            write_problems_workbook(report, target)
            return target

        def saved(path: Path) -> None:
            self.save_button.setEnabled(True)
            self.saved_label.setText(tr("ui.import.saved", file=path.name))

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.saved_label.clear()
            log.warning("could not save problems to %s: %s", target, exc)
            QMessageBox.warning(self, tr("common.error"),
                                tr("ui.import.save_failed", file=target, detail=exc))

        self.save_button.setEnabled(False)  # one save at a time
        self.saved_label.setText(tr("ui.import.saving", file=target.name))
        self._run(job, saved, failed)

    def _another(self) -> None:
        self.pages.setCurrentIndex(self.PAGE_SETUP)
        self.browse()

    # --- plumbing -----------------------------------------------------------------------
    def _run(self, job: Any, on_success: Any, on_failure: Any) -> Worker:
        worker = Worker(job)

        def finish(handler: Any, value: Any) -> None:
            # Delivered in the UI thread: the dialog is idle again before the handler runs,
            # so whatever the handler (or a listener to its signals) does sees the final state.
            self._running = False
            handler(value)
            self._update_buttons()
            if self._close_when_done:
                self._close_when_done = False
                super(ImportDialog, self).reject()

        worker.signals.succeeded.connect(lambda result: finish(on_success, result))
        worker.signals.failed.connect(lambda exc: finish(on_failure, exc))
        self._worker = worker
        self._running = True
        self._update_buttons()
        worker.start()
        return worker

    def _busy(self) -> bool:
        return self._running

    def _update_buttons(self) -> None:
        busy = self._busy()
        ready = self.mapping is not None and not self.mapping_problems()
        self.import_button.setEnabled(ready and not busy)
        self.browse_button.setEnabled(not busy)
        self.sheet_combo.setEnabled(not busy and self.sheet_combo.count() > 1)

    def _set_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020" if error else "")

    def _error_text(self, exc: BaseException) -> str:
        if isinstance(exc, VisitdeskError):
            return str(exc)
        log.error("import step failed", exc_info=exc)
        return tr("ui.import.unexpected", detail=f"{type(exc).__name__}: {exc}")

    def reject(self) -> None:
        if self._busy():
            # Closing during an import cancels it; the dialog closes once the worker is done.
            self._close_when_done = True
            self.cancel_import()
            return
        super().reject()

    # --- drop a file on the dialog --------------------------------------------------------
    def dragEnterEvent(self, event: Any) -> None:  # noqa: N802
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if len(urls) == 1 and not self._busy():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: Any) -> None:  # noqa: N802
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            event.acceptProposedAction()
            self.pages.setCurrentIndex(self.PAGE_SETUP)
            self.set_file(urls[0].toLocalFile())
