"""The accounts window: the table of imported accounts, search, filters and the detail pane.

Other areas plug in here without this module knowing them in advance:
- the repayment-plan calculator (``visitdesk.ui.plan_calculator.PlanCalculator``) is embedded
  as the "还款方案" tab next to the account details, imported on first use;
- the visit record opens through ``visitdesk.ui.visit.open_visit(parent, ctx, account)``;
  the action is disabled while that hook does not exist.

``ctx`` is a :class:`visitdesk.cli.Context` (``data_dir``, ``args``, ``settings``, ``store``),
the same object the headless commands get.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from visitdesk import i18n
from visitdesk.core.accounts import Account, overdue_bucket
from visitdesk.core.money import format_yuan
from visitdesk.core.privacy import MASKABLE_FIELDS, mask_field
from visitdesk.i18n import tr
from visitdesk.ui.accounts_model import (
    BUCKETS,
    COLUMN_KEYS,
    VISIT_STATES,
    AccountIndex,
    AccountsModel,
    read_visit_status,
)
from visitdesk.ui.hooks import optional_attr
from visitdesk.ui.workers import Worker

log = logging.getLogger("visitdesk.ui")

PLAN_MODULE = "visitdesk.ui.plan_calculator"
VISIT_MODULE = "visitdesk.ui.visit"

COLUMN_WIDTHS = {
    "name": 72, "account_no": 148, "id_number": 160, "phone": 100, "total": 96,
    "principal": 96, "overdue_days": 70, "bucket": 58, "visit": 150, "branch": 80,
    "officer": 70,
    "address": 260,
}


PLAN_TABLE_WIDTH = 260
"""Width left to the accounts table while the plan calculator tab is shown."""


class AccountDetail(QWidget):
    """Debt figures, contact data, source row and the extra columns of one account."""

    FIELDS = ("name", "account_no", "id_number", "phone", "address", "branch", "officer")

    def _identifier(self, account: Account, field: str) -> str:
        value = getattr(account, field)
        if field in self.masked and not self.revealed:
            return mask_field(field, value, account.id_type)
        return value
    DEBT = ("principal", "interest", "late_fee", "other_fees", "total")
    OVERDUE = ("overdue_days", "bucket", "overdue_since", "due_date", "as_of")
    SOURCE = ("file", "sheet", "row")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: dict[str, QLabel] = {}
        self.masked: frozenset[str] = frozenset(MASKABLE_FIELDS)
        """Fields shown masked until "show" (``Settings.mask_detail``)."""
        self.on_reveal: Callable[[Account], None] | None = None
        """Called when the officer reveals the account's identifiers (records the access)."""
        self.revealed = False
        outer = QVBoxLayout(self)
        self.empty = QLabel(tr("ui.detail.none"))
        self.empty.setWordWrap(True)
        outer.addWidget(self.empty)
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        for title, keys in (("ui.detail.customer", self.FIELDS), ("ui.detail.debt", self.DEBT),
                            ("ui.detail.overdue", self.OVERDUE),
                            ("ui.detail.source", self.SOURCE)):
            box = QGroupBox(tr(title))
            form = QFormLayout(box)
            for key in keys:
                value = QLabel()
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setWordWrap(key in ("address", "file"))
                self.values[key] = value
                form.addRow(tr(f"ui.detail.{key}"), value)
            if title == "ui.detail.customer":
                self.reveal_button = QPushButton(tr("privacy.detail.show"))
                self.reveal_button.clicked.connect(self.reveal)
                form.addRow("", self.reveal_button)
            body.addWidget(box)
        self.values["total"].setStyleSheet("font-weight: bold")
        self.extra_box = QGroupBox(tr("ui.detail.extra"))
        self.extra_form = QFormLayout(self.extra_box)
        body.addWidget(self.extra_box)
        body.addStretch(1)
        outer.addWidget(self.body)
        self.account: Account | None = None
        self.set_account(None)

    def reveal(self) -> None:
        """Show this account's identifiers in full (the access is recorded by ``on_reveal``)."""
        account = self.account
        if account is None or self.revealed:
            return
        if self.on_reveal is not None:
            self.on_reveal(account)
        self.revealed = True
        self.set_account(account, revealed=True)

    def set_account(self, account: Account | None, *, revealed: bool = False) -> None:
        self.account = account
        self.revealed = revealed
        self.empty.setVisible(account is None)
        self.body.setVisible(account is not None)
        if account is None:
            return

        def day(d: Any) -> str:
            return d.isoformat() if d else "—"

        src = account.source
        texts = {
            "name": account.name, "account_no": account.account_no,
            "id_number": self._identifier(account, "id_number"),
            "phone": self._identifier(account, "phone") or "—",
            "address": account.address or "—", "branch": account.branch or "—",
            "officer": account.officer or "—",
            "principal": format_yuan(account.principal), "interest": format_yuan(account.interest),
            "late_fee": format_yuan(account.late_fee),
            "other_fees": format_yuan(account.other_fees), "total": format_yuan(account.total),
            "overdue_days": "—" if account.overdue_days is None else tr(
                "ui.detail.days", days=account.overdue_days),
            "bucket": overdue_bucket(account.overdue_days),
            "overdue_since": day(account.overdue_since), "due_date": day(account.due_date),
            "as_of": day(account.as_of),
            "file": src.file if src else "—", "sheet": (src.sheet or "—") if src else "—",
            "row": str(src.row) if src else "—",
        }
        for key, text in texts.items():
            self.values[key].setText(text)
        hidden = bool(self.masked & {"id_number", "phone"}) and not revealed
        self.reveal_button.setVisible(hidden)
        self.reveal_button.setToolTip(tr("privacy.detail.shown") if revealed else "")
        while self.extra_form.rowCount():
            self.extra_form.removeRow(0)
        for header, value in account.extra.items():
            label = QLabel(value)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.extra_form.addRow(header, label)
        self.extra_box.setVisible(bool(account.extra))


class MainWindow(QMainWindow):
    accounts_loaded = Signal(int)
    """Emitted after the table was (re)loaded from the store, with the number of accounts."""

    def __init__(self, ctx: Any, *, on_language: Callable[[str], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._on_language = on_language
        self._loader: Worker | None = None
        self._plan_widget: QWidget | None = None
        self._plan_ready = False
        self._sizes_before_plan: list[int] | None = None
        self.setWindowTitle(tr("app.title"))
        self.setAcceptDrops(True)
        self.resize(1280, 780)

        self.model = AccountsModel(self)
        self._build_table_area()
        self._build_detail_area()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._build_left_tabs())
        splitter.addWidget(self.detail_tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([900, 380])
        self.splitter = splitter
        self.setCentralWidget(splitter)
        self._build_actions()
        self.count_label = QLabel()
        self.statusBar().addPermanentWidget(self.count_label)
        self._update_count()
        self._update_actions()
        self.restore_layout()
        self._apply_masking()

    def after_first_paint(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the window has been painted for the first time (or after a
        second, should it not be painted: started minimised)."""
        self._after_paint: Callable[[], None] | None = callback
        QTimer.singleShot(1000, self, self._run_after_paint)

    def _run_after_paint(self) -> None:
        callback: Callable[[], None] | None = getattr(self, "_after_paint", None)
        self._after_paint = None
        if callback is not None:
            callback()

    def paintEvent(self, event: Any) -> None:  # noqa: N802
        super().paintEvent(event)
        if getattr(self, "_after_paint", None) is not None:
            QTimer.singleShot(0, self, self._run_after_paint)

    # --- what the window remembers ------------------------------------------------------
    def _layout_parts(self) -> dict[str, Any]:
        return {"splitters": {"main": self.splitter},
                "headers": {"accounts": self.table.horizontalHeader()}}

    def restore_layout(self) -> bool:
        from visitdesk.ui import memory

        return memory.restore(self.ctx.data_dir, "main", self, **self._layout_parts())

    def save_layout(self) -> None:
        from visitdesk.ui import memory

        memory.save(self.ctx.data_dir, "main", self, **self._layout_parts())

    # --- building -----------------------------------------------------------------------
    def _build_table_area(self) -> None:
        self.table_area = QWidget()
        layout = QVBoxLayout(self.table_area)
        layout.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("ui.search.placeholder"))
        self.search.setClearButtonEnabled(True)
        # stays usable when the plan calculator narrows the table area
        self.search.setMinimumWidth(self.search.fontMetrics().averageCharWidth() * 16)
        self.search.textChanged.connect(self._search_changed)
        bar.addWidget(self.search, 3)
        self.branch_filter = QComboBox()
        self.branch_filter.setMinimumContentsLength(8)
        self.branch_filter.currentIndexChanged.connect(self._branch_changed)
        bar.addWidget(QLabel(tr("ui.filter.branch")))
        bar.addWidget(self.branch_filter, 1)
        self.bucket_filter = QComboBox()
        # both filters may shrink (the plan tab narrows the table area); the popups show all
        for combo in (self.branch_filter, self.bucket_filter):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.bucket_filter.setMinimumContentsLength(6)
        self.bucket_filter.addItem(tr("ui.filter.all_buckets"), None)
        for bucket in BUCKETS:
            self.bucket_filter.addItem(tr(f"ui.bucket.{bucket}"), bucket)
        self.bucket_filter.currentIndexChanged.connect(self._bucket_changed)
        bar.addWidget(QLabel(tr("ui.filter.bucket")))
        bar.addWidget(self.bucket_filter, 1)
        self.visit_filter = QComboBox()
        self.visit_filter.setObjectName("visitFilter")
        self.visit_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.visit_filter.setMinimumContentsLength(3)
        self.visit_filter.addItem(tr("records.filter.all_visits"), None)
        for state in VISIT_STATES:
            self.visit_filter.addItem(tr(f"records.visit.{state}"), state)
        self.visit_filter.currentIndexChanged.connect(
            lambda _i: self.model.set_visit_filter(self.visit_filter.currentData()))
        bar.addWidget(QLabel(tr("ui.filter.visit")))
        bar.addWidget(self.visit_filter, 1)
        layout.addLayout(bar)
        self._fill_branches()

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        vh = self.table.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        vh.hide()
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(True)
        for col, key in enumerate(COLUMN_KEYS):
            # never narrower than the header text (English headers are longer)
            self.table.setColumnWidth(col, max(COLUMN_WIDTHS.get(key, 100),
                                               hh.sectionSizeHint(col)))
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(self._after_reset)
        self.table.doubleClicked.connect(lambda _i: self.open_detail())
        for enter_key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            enter = QShortcut(QKeySequence(enter_key), self.table)
            enter.setContext(Qt.ShortcutContext.WidgetShortcut)
            enter.activated.connect(self.open_detail)
        self.search.returnPressed.connect(self._search_return)
        layout.addWidget(self.table, 1)
        # an empty store says what to do next, where the accounts would be
        self.empty_label = QLabel(tr("ui.empty.accounts"))
        self.empty_label.setObjectName("emptyAccounts")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet(
            "color: #374151; font-size: 15px; border: 2px dashed #9aa5b1; padding: 32px;")
        self.empty_label.hide()
        layout.addWidget(self.empty_label, 1)
        self._loaded = False

    def _build_left_tabs(self) -> QTabWidget:
        """The accounts table and, beside it, the day's worklist (built when first shown)."""
        self.left_tabs = QTabWidget()
        self.left_tabs.addTab(self.table_area, tr("ui.tab.accounts"))
        self.worklist_slot = QWidget()
        QVBoxLayout(self.worklist_slot).setContentsMargins(0, 0, 0, 0)
        self.worklist_tab_index = self.left_tabs.addTab(self.worklist_slot, tr("ui.tab.worklist"))
        self.worklist_page: Any = None
        self.left_tabs.currentChanged.connect(self._left_tab_changed)
        return self.left_tabs

    def _left_tab_changed(self, index: int) -> None:
        if index != self.worklist_tab_index:
            return
        if self.worklist_page is None:
            from visitdesk.ui.worklist_page import WorklistPage

            self.worklist_page = WorklistPage(self.ctx.data_dir, self.ctx.settings)
            self.worklist_page.account_chosen.connect(self._open_from_worklist)
            layout = self.worklist_slot.layout()
            assert layout is not None
            layout.addWidget(self.worklist_page)
        self.worklist_page.settings = self.ctx.settings
        self.worklist_page.refresh()

    def _open_from_worklist(self, account_no: str) -> None:
        """Show the chosen account in the accounts table, with its history."""
        self.left_tabs.setCurrentIndex(0)
        self.search.clear()
        self.timeline.as_of = self.worklist_page.selected_day()
        if self.select_account(account_no):
            self.detail_tabs.setCurrentIndex(self.timeline_tab_index)

    def _build_detail_area(self) -> None:
        self.detail_tabs = QTabWidget()
        self.detail = AccountDetail()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.detail)
        self.detail_tabs.addTab(scroll, tr("ui.tab.detail"))
        # Slot for the plan calculator: a placeholder until the tab is first shown.
        self.plan_slot = QWidget()
        self.plan_layout = QVBoxLayout(self.plan_slot)
        self.plan_layout.setContentsMargins(0, 0, 0, 0)
        self.plan_tab_index = self.detail_tabs.addTab(self.plan_slot, tr("ui.tab.plan"))
        from visitdesk.ui.worklist_page import TimelinePage

        self.timeline = TimelinePage(lambda: self.ctx.store, lambda: self.ctx.settings)
        self.timeline_tab_index = self.detail_tabs.addTab(self.timeline, tr("ui.tab.timeline"))
        self.detail_tabs.currentChanged.connect(self._tab_changed)

    def _apply_masking(self) -> None:
        """Which identifiers the table and the detail mask (settings); "show" is recorded."""
        from visitdesk.core.privacy import valid_fields

        settings = self.ctx.settings
        self.model.set_masked(valid_fields(settings.mask_list))
        self.detail.masked = frozenset(valid_fields(settings.mask_detail))
        self.detail.on_reveal = self._record_reveal

    def _record_reveal(self, account: Account) -> None:
        from visitdesk.adapters.access_log import record_access
        from visitdesk.cli.privacy import who

        record_access(self.ctx.store, who(self.ctx), account.account_no,
                      sorted(self.detail.masked), "detail")
        log.info("identifiers of one account revealed in the detail pane")

    def _build_actions(self) -> None:
        self.act_import = QAction(tr("ui.action.import"), self)
        self.act_import.setShortcut(QKeySequence.StandardKey.Open)
        self.act_import.triggered.connect(lambda: self.open_import())
        self.act_settings = QAction(tr("ui.action.settings"), self)
        self.act_settings.setShortcut(QKeySequence("Ctrl+,"))
        self.act_settings.triggered.connect(lambda: self.open_settings())
        self.act_visit = QAction(tr("ui.action.visit"), self)
        self.act_visit.setShortcut(QKeySequence("Ctrl+N"))
        self.act_visit.triggered.connect(self.start_visit)
        self.act_visits = QAction(tr("ui.action.visits"), self)
        self.act_visits.setShortcut(QKeySequence("Ctrl+R"))
        self.act_visits.triggered.connect(lambda: self.show_visits())
        self.act_quit = QAction(tr("ui.action.quit"), self)
        self.act_quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.act_quit.triggered.connect(self.close)
        self.act_about = QAction(tr("ui.action.about"), self)
        self.act_about.triggered.connect(self.show_about)
        self.act_find = QAction(tr("ui.action.find"), self)
        self.act_find.setShortcut(QKeySequence.StandardKey.Find)
        self.act_find.triggered.connect(self.focus_search)
        self.addAction(self.act_find)

        self.language_group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for lang in i18n.LANGUAGES:
            act = QAction(tr(f"ui.language.{lang}"), self, checkable=True)
            act.setChecked(lang == i18n.language())
            act.triggered.connect(lambda _c=False, lang=lang: self.switch_language(lang))
            self.language_group.addAction(act)
            self.language_actions[lang] = act

        menu = self.menuBar()
        file_menu = menu.addMenu(tr("ui.menu.file"))
        file_menu.addAction(self.act_import)
        self.recent_menu = file_menu.addMenu(tr("ui.menu.recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        acc_menu = menu.addMenu(tr("ui.menu.accounts"))
        acc_menu.addAction(self.act_find)
        acc_menu.addAction(self.act_visit)
        acc_menu.addAction(self.act_visits)
        set_menu = menu.addMenu(tr("ui.menu.settings"))
        set_menu.addAction(self.act_settings)
        lang_menu = set_menu.addMenu(tr("ui.menu.language"))
        for act in self.language_actions.values():
            lang_menu.addAction(act)
        help_menu = menu.addMenu(tr("ui.menu.help"))
        from visitdesk.ui.help import install_help

        self.act_manual = install_help(self, self.ctx, "import")
        help_menu.addAction(self.act_manual)
        help_menu.addAction(self.act_about)

        tb = self.addToolBar(tr("ui.toolbar"))
        tb.setObjectName("main_toolbar")
        tb.setMovable(False)
        tb.addAction(self.act_import)
        tb.addAction(self.act_visit)
        tb.addAction(self.act_visits)
        tb.addSeparator()
        tb.addAction(self.act_settings)
        # documents area (briefing, certificate, verify); absent or broken must not break us
        try:
            install = optional_attr("visitdesk.ui.documents", "install_document_actions")
            if install is not None:
                install(self)
        except Exception:
            log.exception("document actions failed to install")

    # --- loading ------------------------------------------------------------------------
    def reload_accounts(self, *, background: bool = True) -> None:
        """Read the accounts from the store (in a worker with its own connection)."""
        if not background:
            store = self.ctx.store
            index = AccountIndex(store.accounts(), name_keys=store.name_sort_keys())
            index.set_visits(read_visit_status(self.ctx.data_dir, store))
            self._set_accounts(index)
            return
        from visitdesk.adapters.store import CaseStore

        data_dir = Path(self.ctx.data_dir)

        def job(_progress: Any, _cancelled: Any) -> AccountIndex:
            # Search keys and every column's sort order are computed here, off the UI thread.
            with CaseStore(data_dir) as store:
                index = AccountIndex(store.accounts(), name_keys=store.name_sort_keys())
                index.set_visits(read_visit_status(data_dir, store))
                index.sort_all()
                return index

        self.statusBar().showMessage(tr("ui.status.loading"))
        worker = Worker(job)
        worker.signals.succeeded.connect(self._set_accounts)
        worker.signals.failed.connect(self._load_failed)
        self._loader = worker
        worker.start()

    def _set_accounts(self, accounts: AccountIndex) -> None:
        self._loaded = True
        current = self.current_account()
        self.model.set_accounts(accounts)
        self._fill_branches()
        if current is not None:
            self.select_account(current.account_no)
        elif self.model.rowCount():
            self.table.selectRow(0)
        self.statusBar().clearMessage()
        # Hundreds of thousands of long-lived objects now exist; keep them out of the cyclic
        # garbage collector's full passes, which otherwise stall a sort or keystroke now and
        # then by 100-300 ms.
        gc.collect()
        gc.freeze()
        self.accounts_loaded.emit(len(accounts))

    def _load_failed(self, exc: BaseException) -> None:
        log.error("loading accounts failed", exc_info=exc)
        self.statusBar().clearMessage()
        QMessageBox.warning(self, tr("common.error"), tr("ui.error.load", detail=exc))

    def _fill_branches(self) -> None:
        combo = self.branch_filter
        previous = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(tr("ui.filter.all_branches"), None)
        for branch in self.model.branches():
            combo.addItem(branch, branch)
        index = combo.findData(previous) if previous else 0
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)
        if previous and index < 0:
            self.model.set_branch_filter(None)

    def refresh_visit_status(self) -> None:
        """Re-read every account's visit status (one query) after a visit changed."""
        try:
            visits = read_visit_status(self.ctx.data_dir, self.ctx.store)
        except Exception:  # noqa: BLE001 - the column may lag; the visit itself is saved
            log.exception("reading the visit status failed")
            return
        self.model.set_visit_status(visits)
        visits_window = getattr(self, "visits_window", None)
        if visits_window is not None and visits_window.isVisible():
            visits_window.reload()

    # --- table and detail ---------------------------------------------------------------
    def current_account(self) -> Account | None:
        return self.detail.account

    def select_account(self, account_no: str) -> bool:
        row = self.model.row_of(account_no)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _search_changed(self, text: str) -> None:
        self.model.set_search(text)

    def _search_return(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)

    def _branch_changed(self, _index: int) -> None:
        self.model.set_branch_filter(self.branch_filter.currentData())

    def _bucket_changed(self, _index: int) -> None:
        self.model.set_bucket_filter(self.bucket_filter.currentData())

    def _after_reset(self) -> None:
        # A reset drops the selection: keep the shown account if it is still visible.
        # When it was filtered out, show the first match so typing a name shows its detail.
        shown = self.detail.account
        if shown is not None and self.model.row_of(shown.account_no) >= 0:
            self.select_account(shown.account_no)
        elif self.model.rowCount():
            self.table.selectRow(0)
        elif shown is not None:
            self._show_account(None)
        self._update_count()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_account(self.model.account_at(current.row()) if current.isValid() else None)

    def _show_account(self, account: Account | None) -> None:
        self.detail.set_account(account)
        if self.detail_tabs.currentIndex() == self.timeline_tab_index:
            self.timeline.set_account(account.account_no if account else None)
        if self._plan_ready and self._plan_widget is not None and account is not None:
            self._plan_set_account(account)
        self._update_actions()

    def open_detail(self) -> None:
        """Enter / double-click: show the detail of the current row."""
        index = self.table.currentIndex()
        if index.isValid():
            self._show_account(self.model.account_at(index.row()))
        sizes = self.splitter.sizes()
        if sizes[1] == 0:
            self.splitter.setSizes([max(sizes[0] - 400, 200), 400])
        self.detail_tabs.setCurrentIndex(0)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _update_count(self) -> None:
        total, shown = self.model.total_count, self.model.rowCount()
        empty = total == 0 and getattr(self, "_loaded", False)
        self.empty_label.setVisible(empty)
        self.table.setVisible(not empty)
        if total == 0:
            self.count_label.setText(tr("ui.status.empty"))
        elif shown == total:
            self.count_label.setText(tr("ui.status.count", total=total))
        else:
            self.count_label.setText(tr("ui.status.filtered", shown=shown, total=total))

    def _update_actions(self) -> None:
        hook = optional_attr(VISIT_MODULE, "open_visit")
        self.act_visit.setEnabled(hook is not None and self.detail.account is not None)
        # a disabled action says why in its tooltip
        if hook is None:
            tip = tr("ui.visit.unavailable")
        elif self.detail.account is None:
            tip = tr("ui.visit.select_first")
        else:
            tip = tr("ui.visit.tip", name=self.detail.account.name)
        self.act_visit.setToolTip(tip)

    # --- plan calculator slot -----------------------------------------------------------
    def _tab_changed(self, index: int) -> None:
        if index == self.plan_tab_index and not self._plan_ready:
            self._load_plan_calculator()
        if index == self.plan_tab_index and self._plan_widget is not None and self.detail.account:
            self._plan_set_account(self.detail.account)
        if index == self.timeline_tab_index:
            account = self.detail.account
            self.timeline.set_account(account.account_no if account else None)
        self._fit_splitter_to_tab(index)

    def _fit_splitter_to_tab(self, index: int) -> None:
        """The plan calculator (three panes side by side) needs most of the width: give it
        that while its tab is shown, and hand the table its width back afterwards."""
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if index == self.plan_tab_index:
            if total <= 0 or sizes[1] == 0:
                return
            if self._sizes_before_plan is None:
                self._sizes_before_plan = sizes
            table = min(sizes[0], max(PLAN_TABLE_WIDTH, total // 5))
            self.splitter.setSizes([table, total - table])
        elif self._sizes_before_plan is not None:
            before, self._sizes_before_plan = self._sizes_before_plan, None
            if sum(before) > 0:
                self.splitter.setSizes([round(total * s / sum(before)) for s in before])

    def _load_plan_calculator(self) -> None:
        self._plan_ready = True
        layout = self.plan_layout
        try:
            cls = optional_attr(PLAN_MODULE, "PlanCalculator")
            widget: QWidget | None = cls(self.plan_slot) if cls is not None else None
        except Exception as exc:  # a broken plug-in must not take the window down
            log.exception("plan calculator failed to load")
            widget = None
            placeholder = QLabel(tr("ui.plan.failed", detail=exc))
        else:
            placeholder = QLabel(tr("ui.plan.unavailable"))
        if widget is None:
            placeholder.setWordWrap(True)
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(placeholder)
            return
        self._plan_widget = widget
        layout.addWidget(widget)

    def _plan_set_account(self, account: Account) -> None:
        try:
            self._plan_widget.set_account(account, self.ctx.settings)  # type: ignore[union-attr]
        except Exception:
            log.exception("plan calculator rejected the account")

    # --- actions ------------------------------------------------------------------------
    def open_import(self, path: str | Path | None = None) -> None:
        from visitdesk.ui.import_dialog import ImportDialog

        dialog = ImportDialog(self.ctx.data_dir, self.ctx.settings, path=path, parent=self)
        dialog.exec()
        if dialog.store_changed:
            if dialog.path is not None:
                self._remember_workbook(dialog.path)
            self.reload_accounts()

    def _remember_workbook(self, path: str | Path) -> None:
        from visitdesk.adapters.settings_store import add_recent_workbook

        try:
            add_recent_workbook(Path(self.ctx.data_dir), path)
        except OSError:
            log.exception("recent workbooks not saved")

    def _fill_recent(self) -> None:
        """File ▸ Recent workbooks: the workbooks imported lately, newest first."""
        from visitdesk.adapters.settings_store import recent_workbooks

        self.recent_menu.clear()
        paths = recent_workbooks(Path(self.ctx.data_dir))
        for n, path in enumerate(paths, 1):
            act = self.recent_menu.addAction(f"&{n} {Path(path).name}")
            act.setToolTip(path)
            act.setStatusTip(path)
            act.triggered.connect(lambda _c=False, p=path: self.open_import(p))
        if not paths:
            empty = self.recent_menu.addAction(tr("ui.menu.recent_none"))
            empty.setEnabled(False)

    def open_settings(self, *, first_run: bool = False) -> None:
        """The settings dialog (``first_run``: its welcome page); what it saves takes effect."""
        from visitdesk.ui.settings_page import SettingsDialog

        before = self.ctx.settings
        dialog = SettingsDialog(self.ctx.data_dir, before, first_run=first_run, parent=self)
        if dialog.exec() and dialog.saved is not None:
            self.ctx.settings = dialog.saved
            if dialog.saved.language != before.language:
                self._apply_language(dialog.saved.language)

    def show_first_run(self) -> None:
        self.open_settings(first_run=True)

    def switch_language(self, lang: str) -> None:
        """Menu: store the language setting and rebuild the window in it."""
        from dataclasses import replace

        from visitdesk.adapters.settings_store import save_settings

        if lang == i18n.language():
            return
        self.ctx.settings = replace(self.ctx.settings, language=lang)
        save_settings(Path(self.ctx.data_dir), self.ctx.settings)
        self._apply_language(lang)

    def _apply_language(self, lang: str) -> None:
        if self._on_language is not None:
            self._on_language(lang)
        else:
            QMessageBox.information(self, tr("ui.language.title"), tr("ui.language.restart"))

    def start_visit(self) -> None:
        hook = optional_attr(VISIT_MODULE, "open_visit")
        account = self.current_account()
        if hook is None or account is None:
            return
        hook(self, self.ctx, account)

    def show_visits(self) -> Any:
        """The visits list (one window, raised when already open)."""
        from visitdesk.ui.records import VisitsWindow

        window = getattr(self, "visits_window", None)
        if window is None:
            window = VisitsWindow(self.ctx, self, on_changed=self.refresh_visit_status)
            self.visits_window = window
        else:
            window.reload()
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def show_about(self) -> None:
        from visitdesk.ui.help import show_about

        show_about(self, self.ctx)

    # --- drag and drop ------------------------------------------------------------------
    @staticmethod
    def _dropped_file(event: QDragEnterEvent | QDropEvent) -> str | None:
        mime = event.mimeData()
        if not mime.hasUrls():
            return None
        files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        return files[0] if len(files) == 1 and Path(files[0]).is_file() else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self._dropped_file(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        path = self._dropped_file(event)
        if path:
            event.acceptProposedAction()
            # Not inside the drop handler: the drag source waits for it to return.
            QTimer.singleShot(0, lambda: self.open_import(path))

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        if self._loader is not None and not self._loader.is_done:
            self._loader.wait(10)
        self.save_layout()
        super().closeEvent(event)
