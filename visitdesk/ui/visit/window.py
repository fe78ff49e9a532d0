"""The visit window: a stage navigator, one page per stage or section, the problems panel, and
autosave.

The window holds the current :class:`VisitRecord`. Pages turn each edit into a new record
(:meth:`VisitWindow.apply`); the window then saves it through
:meth:`VisitRepository.save_draft` within a second (a non-restarting timer, so steady typing
still saves) and re-validates it shortly after the last edit. Validation only fills the
problems panel and the per-page status; it never blocks typing. Finalise runs the same rules
and refuses while errors or unacknowledged warnings remain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, QKeyCombination, QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QFont,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPen,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from visitdesk import i18n
from visitdesk.adapters.crypto_store import DB_ERRORS
from visitdesk.adapters.visit_store import FinaliseRefused, VisitRepository
from visitdesk.core.accounts import Account
from visitdesk.core.errors import VisitdeskError
from visitdesk.core.validation import ValidationIssue, ValidationReport, raised_situations
from visitdesk.core.visit import VisitRecord
from visitdesk.i18n import tr
from visitdesk.ui.visit.pages import (
    ConductPage,
    FactsPage,
    FinishPage,
    Page,
    PlanPage,
    SituationPage,
    StagePage,
    documents_hook,
)

_SAVE_ERRORS: tuple[type[Exception], ...] = (VisitdeskError, *DB_ERRORS)

log = logging.getLogger("visitdesk.ui.visit")

SAVE_DELAY_MS = 700
"""Autosave: an edit reaches the store at most this long after it was made."""
VALIDATE_DELAY_MS = 300
"""Live validation waits this long after the last edit."""

MISSING_CODES = frozenset(
    {
        "required",
        "actual_start_missing",
        "actual_end_missing",
        "met_missing",
        "identity_missing",
        "others_present_missing",
        "others_who_missing",
        "debt_discussed_missing",
        "debt_discussed_with_met_missing",
        "recording_missing",
        "recording_reference_missing",
        "dispute_reference_missing",
        "dispute_verifier_missing",
        "outcome_missing",
        "follow_up_date_missing",
        "follow_up_channel_missing",
        "conduct",
    }
)
"""Issues that only say something is not filled in yet: a page with only these is "in
progress", not "has problems" (until a finalise has been tried)."""

STATUS_COLOURS = {
    "not_started": "#8a8a8a",
    "in_progress": "#1565c0",
    "complete": "#2e7d32",
    "problems": "#c62828",
    "not_raised": "#b0b0b0",
}
ROLE_KEY = Qt.ItemDataRole.UserRole
ROLE_LOCATION = Qt.ItemDataRole.UserRole + 1


WHERE_COLUMN_MIN = 260
"""Narrowest width of the problems panel's "where" column."""


def status_icon(status: str, size: int = 16) -> QIcon:
    """A shape per status (so it does not rest on colour alone): ring, half, tick, bang."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(STATUS_COLOURS.get(status, "#8a8a8a"))
    rect = QRectF(1.5, 1.5, size - 3, size - 3)
    p.setPen(QPen(colour, 1.6))
    if status in ("not_started", "not_raised"):
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(rect)
    elif status == "in_progress":
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(rect)
        p.setBrush(QBrush(colour))
        p.drawPie(rect, 90 * 16, 180 * 16)
    else:
        p.setBrush(QBrush(colour))
        p.drawEllipse(rect)
        p.setPen(QPen(QColor("white"), 2.0))
        s = float(size)
        if status == "complete":
            p.drawPolyline(
                [
                    QPointF(s * 0.28, s * 0.52),
                    QPointF(s * 0.45, s * 0.68),
                    QPointF(s * 0.72, s * 0.34),
                ]
            )
        else:
            p.drawLine(QPointF(s / 2, s * 0.25), QPointF(s / 2, s * 0.58))
            p.drawPoint(QPointF(s / 2, s * 0.74))
    p.end()
    return QIcon(pix)


class Notice(QFrame):
    """A bar above the pages that tells the officer something happened (situation opened);
    ``on_go(key)`` shows the page it is about."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.on_go: Callable[[str], None] | None = None
        self.setObjectName("notice")
        self.setStyleSheet("#notice { background: #e3f2fd; border: 1px solid #90caf9; }")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        row.addWidget(self.label, 1)
        self.go_button = QPushButton(tr("visitui.notice.go"))
        self.go_button.clicked.connect(self._go_clicked)
        row.addWidget(self.go_button)
        close = QPushButton(tr("visitui.notice.dismiss"))
        close.clicked.connect(self.hide)
        row.addWidget(close)
        self._target = ""
        self.hide()

    def _go_clicked(self) -> None:
        if self.on_go is not None and self._target:
            self.on_go(self._target)

    def show_message(self, text: str, target: str = "") -> None:
        self.label.setText(text)
        self._target = target
        self.go_button.setVisible(bool(target))
        self.show()


class Navigator(QListWidget):
    """The stage list; Ctrl+PgUp/PgDn and Alt+Up/Down step between pages, skipping headers
    (the list would otherwise take those keys for its own paging)."""

    STEP_KEYS = {
        (Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier): 1,
        (Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier): -1,
        (Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier): 1,
        (Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier): -1,
    }

    def __init__(self, on_step: Callable[[int], None]) -> None:
        super().__init__()
        self._on_step = on_step

    def _step_for(self, event: QKeyEvent) -> int:
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        for (key, mod), step in self.STEP_KEYS.items():
            if event.key() == key and mods == mod:
                return step
        return 0

    def event(self, event: QEvent) -> bool:  # noqa: D102
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._step_for(event)
        ):
            event.accept()  # handled in keyPressEvent, not by the window's shortcuts
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        step = self._step_for(event)
        if step:
            self._on_step(step)
            event.accept()
            return
        super().keyPressEvent(event)


class VisitWindow(QMainWindow):
    """One visit of one account; non-modal, several may be open.

    ``on_saved`` callbacks get the time shown in the status bar after each save; ``on_closed``
    callbacks get the visit id. (Callbacks, not Qt signals: PySide6 6.12 on Python 3.11
    drops a reference to ``True`` on every Python-side ``Signal.emit()``.)
    """

    def __init__(
        self,
        ctx: Any,
        repo: VisitRepository,
        account: Account,
        record: VisitRecord,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.ctx = ctx
        self.repo = repo
        self.playbook = repo.playbook
        self.settings = repo.settings
        self.account = account
        self.record = record
        self.report: ValidationReport | None = None
        self.last_saved: str = ""
        self.finalise_tried = False
        self._dirty = False
        self.on_saved: list[Callable[[str], None]] = []
        self.on_closed: list[Callable[[str], None]] = []
        self.on_state_changed: list[Callable[[VisitRecord], None]] = []
        """Called after finalise, amend and signing with the record as stored now."""
        self.discarded = False
        """Set when the draft was discarded: closing then saves nothing."""
        self.setObjectName("visitWindow")
        self.resize(1280, 820)

        self.save_timer = QTimer(self)
        self.save_timer.setSingleShot(True)
        self.save_timer.setInterval(SAVE_DELAY_MS)
        self.save_timer.timeout.connect(self._autosave)
        self.validate_timer = QTimer(self)
        self.validate_timer.setSingleShot(True)
        self.validate_timer.setInterval(VALIDATE_DELAY_MS)
        self.validate_timer.timeout.connect(self.revalidate)

        self._build()
        self._update_title()
        self.set_read_only(not record.editable)
        if record.editable:
            self._mark_open()
        self.revalidate()
        self.navigator.setCurrentRow(self._row_of(self._resume_key()))
        from visitdesk.ui import memory

        self._layout_restored = memory.restore(self.ctx.data_dir, "visit", self,
                                               **self._layout_parts())

    def _layout_parts(self) -> dict[str, Any]:
        return {"splitters": {"pages": self.split},
                "headers": {"problems": self.problems.header()}}

    # --- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        self.pages: list[Page] = [FactsPage(self)]
        for i, stage in enumerate(self.playbook.stages, start=1):
            self.pages.append(StagePage(self, i, stage.id))
        for situation in self.playbook.situations:
            self.pages.append(SituationPage(self, situation.id))
        self.pages += [ConductPage(self), PlanPage(self), FinishPage(self)]
        self.page_by_key = {p.key: p for p in self.pages}
        self.finish_page: FinishPage = self.page_by_key["finish"]  # type: ignore[assignment]
        self.finish_page.finalise_button.clicked.connect(self._finalise_clicked)
        self.finish_page.amend_button.clicked.connect(self._amend_clicked)
        self.finish_page.sign_button.clicked.connect(lambda: self._documents("sign_visit"))
        self.finish_page.print_button.clicked.connect(lambda: self._documents("print_handout"))
        self.finish_page.documents_button.clicked.connect(self.show_documents)
        self.finish_page.discard_button.clicked.connect(self.discard)

        self.stack = QStackedWidget()
        for page in self.pages:
            self.stack.addWidget(page)
            page.load(self.record)
        from visitdesk.ui.visit.read_view import ReadView

        # a locked record is read as text (every page but Finish, which keeps its actions)
        self.read_view = ReadView()
        self.stack.addWidget(self.read_view)

        self.navigator = Navigator(self.step_page)
        self.navigator.setObjectName("stageNavigator")
        self.navigator.setIconSize(QSize(16, 16))
        self.navigator.setSpacing(1)
        self.navigator.setMinimumWidth(230)
        self.navigator.setWordWrap(True)
        self.navigator.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.navigator.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.navigator.setAccessibleName(tr("visitui.nav.name"))
        self._nav_header(tr("visitui.nav.record"))
        self._nav_item("facts")
        self._nav_header(tr("visitui.nav.stages"))
        for stage in self.playbook.stages:
            self._nav_item(f"stage:{stage.id}")
        self._nav_header(tr("visitui.nav.situations"))
        for situation in self.playbook.situations:
            self._nav_item(f"situation:{situation.id}")
        self._nav_header(tr("visitui.nav.after"))
        for key in ("conduct", "plan", "finish"):
            self._nav_item(key)
        self.navigator.currentItemChanged.connect(self._nav_changed)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        split.addWidget(self.navigator)
        split.addWidget(self.stack)
        split.setStretchFactor(1, 1)
        split.setSizes([250, 1030])
        self.split = split

        central = QWidget()
        col = QVBoxLayout(central)
        col.setContentsMargins(6, 6, 6, 0)
        self.header = QLabel()
        self.header.setObjectName("visitHeader")
        self.header.setWordWrap(True)
        col.addWidget(self.header)
        self.locked_banner = QLabel()
        self.locked_banner.setObjectName("lockedBanner")
        self.locked_banner.setWordWrap(True)
        self.locked_banner.setStyleSheet(
            "background: #eeeeee; border: 1px solid #aaa; padding: 6px;"
        )
        self.locked_banner.hide()
        col.addWidget(self.locked_banner)
        self.notice = Notice()
        self.notice.on_go = self._go
        col.addWidget(self.notice)
        col.addWidget(split, 1)
        self.setCentralWidget(central)

        # problems panel
        self.problems = QTreeWidget()
        self.problems.setObjectName("problemsList")
        self.problems.setColumnCount(3)
        self.problems.setHeaderLabels(
            [
                tr("visitui.problems.severity"),
                tr("visitui.problems.where"),
                tr("visitui.problems.message"),
            ]
        )
        self.problems.setRootIsDecorated(False)
        self.problems.setMinimumHeight(150)
        self.problems.setAlternatingRowColors(True)
        self.problems.setWordWrap(True)
        # locations are read whole (they wrap), never cut off with "…"
        self.problems.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.problems.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.problems.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(1, WHERE_COLUMN_MIN)
        self.problems.itemClicked.connect(self._problem_activated)
        self.problems.itemActivated.connect(self._problem_activated)
        self.problems_dock = QDockWidget(tr("visitui.problems.title"), self)
        self.problems_dock.setObjectName("problemsDock")
        self.problems_dock.setWidget(self.problems)
        self.problems_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems_dock)

        # status bar: autosave indicator and state
        self.save_label = QLabel(tr("visitui.save.not_yet"))
        self.save_label.setObjectName("autosaveLabel")
        self.state_label = QLabel()
        self.statusBar().addPermanentWidget(self.state_label)
        self.statusBar().addPermanentWidget(self.save_label)

        # keyboard
        for (step_key, mod), step in Navigator.STEP_KEYS.items():
            sc = QShortcut(QKeySequence(QKeyCombination(mod, step_key)), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(lambda s=step: self.step_page(s))
        save = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        save.activated.connect(self._autosave)
        problems = QShortcut(QKeySequence("F8"), self)
        problems.activated.connect(self.focus_problems)
        self._build_menu()

    def _build_menu(self) -> None:
        """The record's actions with their shortcuts, so they can be found and learnt."""
        from visitdesk.ui.help import install_help

        menu = self.menuBar().addMenu(tr("visitui.menu.record"))
        finish = self.finish_page
        self.record_actions: dict[str, QAction] = {}
        for name, button, keys in (
                ("finalise", finish.finalise_button, "Ctrl+Return"),
                ("sign", finish.sign_button, "Ctrl+Shift+S"),
                ("print", finish.print_button, "Ctrl+P"),
                ("documents", finish.documents_button, "Ctrl+D"),
                ("amend", finish.amend_button, ""),
                ("discard", finish.discard_button, "")):
            act = QAction(tr(f"visitui.menu.{name}"), self)
            if keys:
                act.setShortcut(QKeySequence(keys))
            # a shortcut does only what its button would do now (not when hidden/disabled)
            act.triggered.connect(
                lambda _c=False, b=button: b.click() if b.isEnabled() and not b.isHidden()
                else None)
            menu.addAction(act)
            self.record_actions[name] = act
        menu.aboutToShow.connect(self._sync_menu)
        help_menu = self.menuBar().addMenu(tr("ui.menu.help"))
        help_menu.addAction(install_help(self, self.ctx, "visit"))

    def _sync_menu(self) -> None:
        """Menu items follow their buttons: enabled, shown and with the same reason."""
        finish = self.finish_page
        buttons = {"finalise": finish.finalise_button, "sign": finish.sign_button,
                   "print": finish.print_button, "documents": finish.documents_button,
                   "amend": finish.amend_button, "discard": finish.discard_button}
        finish.refresh(self.record, self.report)
        for name, act in self.record_actions.items():
            button = buttons[name]
            act.setEnabled(button.isEnabled() and not button.isHidden())
            act.setToolTip(button.toolTip())

    def _resume_key(self) -> str:
        """Where to start: a resumed draft opens at the first page that still needs work."""
        if self.record.editable:
            for page in self.pages:
                status = self.page_status(page)
                if isinstance(page, PlanPage) or status in ("complete", "not_raised"):
                    continue
                return page.key
        return "facts"

    def _nav_header(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        font = QFont(self.navigator.font())
        font.setBold(True)
        item.setFont(font)
        item.setForeground(QColor("#555555"))
        self.navigator.addItem(item)

    def _nav_item(self, key: str) -> None:
        item = QListWidgetItem(self.page_by_key[key].nav_title)
        item.setData(ROLE_KEY, key)
        self.navigator.addItem(item)

    def _row_of(self, key: str) -> int:
        for row in range(self.navigator.count()):
            if self.navigator.item(row).data(ROLE_KEY) == key:
                return row
        return -1

    # slots return None: PySide must not receive the bool/objects the public methods return
    def _autosave(self) -> None:
        self.save_now()

    def _finalise_clicked(self) -> None:
        self.finalise()

    def _amend_clicked(self) -> None:
        self.amend()

    def _go(self, key: str) -> None:
        self.show_page(key)

    # --- session (used by pages) ----------------------------------------------------------
    def apply(self, change: Any) -> None:
        """Replace the record by ``change(record)``; schedules autosave and validation."""
        if not self.record.editable:
            return
        before = self.record
        try:
            new = change(before)
        except VisitdeskError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        if new == before:
            return
        self.record = new
        self._dirty = True
        if not self.save_timer.isActive():
            self.save_timer.start()
        self.validate_timer.start()
        raised_before = set(raised_situations(before, self.playbook))
        opened = [s for s in raised_situations(new, self.playbook) if s not in raised_before]
        # only situations an answer raised are announced: the officer knows what they opened
        by_answer = [
            s for s in opened
            if getattr(new.situations.get(s), "opened_by", "trigger") != "officer"
        ]
        if by_answer:
            self._announce(by_answer)
        for situation_id in opened:
            if situation_id not in by_answer:
                page = self.page_by_key.get(f"situation:{situation_id}")
                if page is not None:
                    page.refresh(self.record, self.report)
        self._update_nav()

    def _announce(self, situation_ids: list[str]) -> None:
        joiner = "、" if i18n.language() == "zh_CN" else ", "
        titles = joiner.join(s.title.get() for s in self.playbook.situations
                             if s.id in situation_ids)
        text = tr("visitui.notice.situation_opened", titles=titles)
        self.notice.show_message(text, f"situation:{situation_ids[0]}")
        self.statusBar().showMessage(text, 10000)
        page = self.page_by_key.get(f"situation:{situation_ids[0]}")
        if page is not None:
            page.refresh(self.record, self.report)

    # --- saving ---------------------------------------------------------------------------
    @property
    def who(self) -> str:
        return self.record.officer.name or self.settings.officer_name

    def save_now(self) -> bool:
        """Write the draft now if it changed since the last save; True when it is stored."""
        self.save_timer.stop()
        if not self._dirty or not self.record.editable:
            return True
        try:
            result = self.repo.save_draft(self.record, self.who)
        except _SAVE_ERRORS as exc:
            log.exception("autosave failed")
            self.save_label.setText(tr("visitui.save.failed", detail=str(exc)))
            self.save_label.setStyleSheet("color: #b00020;")
            return False
        self._dirty = False
        self.record = result.record
        self.last_saved = datetime.now().strftime("%H:%M:%S")
        self.save_label.setStyleSheet("")
        self.save_label.setText(tr("visitui.save.saved", time=self.last_saved))
        for callback in self.on_saved:
            callback(self.last_saved)
        return True

    def _mark_open(self) -> None:
        try:
            self.repo.mark_open(self.record.id, self.record.version)
        except DB_ERRORS:
            log.exception("could not record the open draft")

    # --- validation and status ------------------------------------------------------------
    def revalidate(self) -> None:
        self.validate_timer.stop()
        try:
            self.report = self.repo.validate(self.record)
        except _SAVE_ERRORS:
            log.exception("validation failed")
            self.report = None
        self._fill_problems()
        self._update_nav()
        current = self.current_page()
        if current is not None:
            current.refresh(self.record, self.report)
        if current is not self.finish_page:
            self.finish_page.refresh(self.record, self.report)
        self._update_state()

    def owner(self, location: str) -> Page | None:
        for page in self.pages:
            if page.owns(location):
                return page
        return None

    def _visible_issues(self) -> list[ValidationIssue]:
        if self.report is None or not self.record.editable:
            return []
        return list(self.report.errors) + list(self.report.warnings)

    def _page_order(self, issue: ValidationIssue) -> int:
        page = self.owner(issue.location)
        return self.pages.index(page) if page is not None else len(self.pages)

    def _fill_problems(self) -> None:
        self.problems.clear()
        # in the order of the navigator, errors before warnings within a page
        issues = sorted(
            self._visible_issues(), key=lambda i: (self._page_order(i), i.severity != "error")
        )
        to_fill = 0
        for issue in issues:
            page = self.owner(issue.location)
            if self._to_fill(issue):
                # not filled in yet: a neutral item, not an error (until finalise is tried)
                level, status = tr("visitui.problems.to_fill"), "not_started"
                to_fill += 1
            elif issue.severity == "error":
                level, status = tr("visitui.problems.error"), "problems"
            elif issue.acknowledged:
                level, status = tr("visitui.problems.acknowledged"), "complete"
            else:
                level, status = tr("visitui.problems.warning"), "in_progress"
            where = page.location_label(issue.location) if page else issue.location
            item = QTreeWidgetItem([level, where, issue.message()])
            item.setIcon(0, status_icon(status))
            item.setData(0, ROLE_LOCATION, issue.location)
            item.setToolTip(1, where)
            item.setToolTip(2, issue.message())
            self.problems.addTopLevelItem(item)
        self._fit_where_column()
        errors = sum(1 for i in issues if i.severity == "error") - to_fill
        warnings = sum(1 for i in issues if i.severity == "warning" and not i.acknowledged)
        self.problems_dock.setWindowTitle(
            tr("visitui.problems.title_to_fill", to_fill=to_fill, errors=errors,
               warnings=warnings)
            if to_fill else
            tr("visitui.problems.title_counts", errors=errors, warnings=warnings)
        )

    def _to_fill(self, issue: ValidationIssue) -> bool:
        """Only says something is not filled in yet, and no finalise was tried."""
        return (issue.severity == "error" and issue.code in MISSING_CODES
                and not self.finalise_tried)

    def _fit_where_column(self) -> None:
        """The "where" column as wide as its longest entry (English labels are long), but
        never more than 45 % of the panel, so the message keeps most of the room."""
        header = self.problems.header()
        wanted = max(WHERE_COLUMN_MIN, self.problems.sizeHintForColumn(1) + 12)
        available = self.problems.viewport().width() or self.width()
        width = min(wanted, max(WHERE_COLUMN_MIN, int(available * 0.45)))
        header.resizeSection(1, width)
        # a location that does not fit on one line shows its page and its field on two
        # lines (never cut off with "…")
        metrics = self.problems.fontMetrics()
        for i in range(self.problems.topLevelItemCount()):
            item = self.problems.topLevelItem(i)
            if item is None:
                continue
            whole = item.toolTip(1)
            fits = metrics.horizontalAdvance(whole) + 16 <= width
            item.setText(1, whole if fits else whole.replace(" · ", "\n", 1))

    def page_status(self, page: Page) -> str:
        """``not_started``, ``in_progress``, ``complete``, ``problems`` (or ``not_raised``)."""
        r = self.record
        if isinstance(page, SituationPage) and not page.is_raised(r):
            return "not_raised"
        issues = [i for i in self._visible_issues() if page.owns(i.location) and not i.acknowledged]
        if any(i.code not in MISSING_CODES for i in issues) or (issues and self.finalise_tried):
            return "problems"
        if not self._started(page):
            return "not_started"
        return "in_progress" if issues else "complete"

    def _started(self, page: Page) -> bool:
        r = self.record
        if isinstance(page, StagePage):
            return bool(r.answers.get(page.stage.id))
        if isinstance(page, SituationPage):
            entry = r.situations.get(page.situation.id)
            return bool(entry and entry.answers)
        if isinstance(page, FactsPage):
            return any(
                v is not None for v in (r.actual_start, r.met, r.others_present, r.identity_method)
            )
        if isinstance(page, ConductPage):
            return any(r.conduct.values())
        if isinstance(page, PlanPage):
            return r.plan is not None
        return (
            r.outcome is not None or r.follow_up.date is not None or r.follow_up.channel is not None
        )

    def _update_nav(self) -> None:
        raised = set(raised_situations(self.record, self.playbook))
        for row in range(self.navigator.count()):
            item = self.navigator.item(row)
            key = item.data(ROLE_KEY)
            if not key:
                continue
            page = self.page_by_key[key]
            status = self.page_status(page)
            text = tr(f"visitui.status.{status}")
            highlighted = isinstance(page, SituationPage) and page.situation.id in raised
            if highlighted:
                text = tr("visitui.status.raised", status=text)
            item.setText(f"{page.nav_title}\n{text}")
            item.setIcon(status_icon(status))
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{page.nav_title}：{text}")
            item.setData(Qt.ItemDataRole.UserRole + 2, status)
            font = QFont(self.navigator.font())
            font.setBold(highlighted)
            item.setFont(font)
            item.setBackground(QBrush(QColor("#fff3cd")) if highlighted else QBrush())
            item.setForeground(QColor("#777777") if status == "not_raised" else QBrush())

    def status_of(self, key: str) -> str:
        item = self.navigator.item(self._row_of(key))
        return str(item.data(Qt.ItemDataRole.UserRole + 2))

    def _update_state(self) -> None:
        r = self.record
        self.state_label.setText(
            tr("visitui.state", id=r.id, version=r.version, state=tr(f"visit.state.{r.state}"))
        )

    def _update_title(self) -> None:
        r = self.record
        self.setWindowTitle(
            tr(
                "visitui.window.title",
                name=self.account.name,
                account_no=self.account.account_no,
                id=r.id,
            )
        )
        self.header.setText(
            tr(
                "visitui.window.header",
                name=self.account.name,
                account_no=self.account.account_no,
                id=r.id,
                version=r.version,
                state=tr(f"visit.state.{r.state}"),
            )
        )

    # --- navigation -----------------------------------------------------------------------
    def current_page(self) -> Page | None:
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, Page) else None

    def _nav_changed(self, current: QListWidgetItem | None, _prev: Any) -> None:
        if current is None:
            return
        key = current.data(ROLE_KEY)
        page = self.page_by_key.get(key)
        if page is None:
            return
        if not self.record.editable and page is not self.finish_page:
            self.stack.setCurrentWidget(self.read_view)
            self.read_view.show_key(key)
            return
        self.stack.setCurrentWidget(page)
        page.refresh(self.record, self.report)

    def show_page(self, key: str) -> Page | None:
        row = self._row_of(key)
        if row < 0:
            return None
        self.navigator.setCurrentRow(row)
        return self.page_by_key[key]

    def step_page(self, step: int) -> None:
        row = self.navigator.currentRow()
        while True:
            row += step
            if row < 0 or row >= self.navigator.count():
                return
            if self.navigator.item(row).data(ROLE_KEY):
                self.navigator.setCurrentRow(row)
                return

    def jump_to(self, location: str) -> QWidget | None:
        """Show the page owning ``location`` and focus its widget; returns that widget."""
        page = self.owner(location)
        if page is None:
            return None
        self.show_page(page.key)
        return page.focus_location(location)

    def _problem_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        location = item.data(0, ROLE_LOCATION)
        if location:
            self.jump_to(location)

    def focus_problems(self) -> None:
        self.problems_dock.show()
        self.problems.setFocus()
        first = self.problems.topLevelItem(0)
        if first is not None and self.problems.currentItem() is None:
            self.problems.setCurrentItem(first)

    # --- finalise, amend, documents -------------------------------------------------------
    def finalise(self) -> bool:
        """Validate and lock the record; shows the report and returns False when blocked."""
        if not self.record.editable:
            return False
        if not self.save_now():
            return False
        self.finalise_tried = True
        self.revalidate()
        report = self.report
        if report is None:
            return False
        if not report.can_finalise:
            self._show_blocked(report)
            return False
        answer = QMessageBox.question(
            self, tr("visitui.finalise.title"),
            tr("visitui.finalise.confirm", id=self.record.id, version=self.record.version)
            + "\n\n" + tr("visitui.finalise.next_plan" if self.record.plan
                           else "visitui.finalise.next_no_plan"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            final = self.repo.finalise(self.record.id, self.who)
        except FinaliseRefused as exc:
            self.report = exc.report
            self._fill_problems()
            self._show_blocked(exc.report)
            return False
        except VisitdeskError as exc:
            QMessageBox.warning(self, tr("visitui.finalise.title"), str(exc))
            return False
        self.record = final
        self.notice.hide()  # what it announced is part of the locked record now
        self.set_read_only(True)
        self.revalidate()
        self.statusBar().showMessage(
            tr("visitui.finalise.done", id=final.id, version=final.version), 10000
        )
        self._state_changed()
        return True

    def _state_changed(self) -> None:
        for callback in self.on_state_changed:
            callback(self.record)

    def show_documents(self) -> Any:
        """The documents of this visit, every version: preview, save as, print."""
        from visitdesk.ui.records import VisitDocumentsDialog

        self.save_now()
        dialog = VisitDocumentsDialog(self.ctx, self.record.id, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.show()
        return dialog

    def discard(self) -> bool:
        """Discard this draft (asks first); the window closes."""
        from visitdesk.ui.visit import discard_draft

        if not self.record.editable:
            return False
        self.save_timer.stop()
        return discard_draft(self, self.ctx, self.record.id)

    def _show_blocked(self, report: ValidationReport) -> None:
        self.problems_dock.show()
        self.problems_dock.raise_()
        text = tr(
            "visitui.finalise.blocked",
            errors=len(report.errors),
            warnings=len(report.unacknowledged),
        )
        lines = [f"• {i.message()}" for i in report.errors]
        lines += [f"• {i.message()}" for i in report.unacknowledged]
        shown = "\n".join(lines[:12]) + ("\n…" if len(lines) > 12 else "")
        QMessageBox.warning(self, tr("visitui.finalise.title"), f"{text}\n\n{shown}")

    def amend(self) -> bool:
        """Ask for a reason and open a new draft version of this finalised record."""
        if self.record.editable:
            return False
        reason, ok = QInputDialog.getMultiLineText(
            self, tr("visitui.amend.title"), tr("visitui.amend.prompt")
        )
        if not ok:
            return False
        if not reason.strip():
            QMessageBox.warning(self, tr("visitui.amend.title"), tr("visitui.amend.no_reason"))
            return False
        try:
            new = self.repo.amend(self.record.id, reason, self.who)
        except VisitdeskError as exc:
            QMessageBox.warning(self, tr("visitui.amend.title"), str(exc))
            return False
        self.record = new
        self.finalise_tried = False
        for page in self.pages:
            page.load(new)
        self.set_read_only(False)
        self._mark_open()
        self.revalidate()
        self.statusBar().showMessage(tr("visitui.amend.done", version=new.version), 10000)
        self._state_changed()
        return True

    def _documents(self, name: str) -> None:
        hook = documents_hook(name)
        if hook is None:
            QMessageBox.information(
                self, tr("visitui.finish.documents_title"), tr("visitui.finish.documents_missing")
            )
            return
        self.save_now()
        hook(self, self.ctx, self.record)
        # signing changes the stored record: show the stored state
        try:
            stored = self.repo.get(self.record.id, self.record.version)
        except VisitdeskError:
            return
        if stored.state != self.record.state:
            self.record = stored
            self.set_read_only(not stored.editable)
            self.revalidate()
            self._state_changed()

    def set_read_only(self, read_only: bool) -> None:
        for page in self.pages:
            page.set_read_only(read_only)
        if read_only:
            try:
                self.read_view.set_record(self.record, self.account, self.settings,
                                          self.playbook)
            except (VisitdeskError, ValueError):
                log.exception("read view failed")
        if hasattr(self, "navigator"):
            self._nav_changed(self.navigator.currentItem(), None)
        # nothing left to fix in a locked record: the panel gives its room to the text
        self.problems_dock.setVisible(not read_only)
        r = self.record
        self.locked_banner.setText(
            tr("visitui.locked", state=tr(f"visit.state.{r.state}"), version=r.version)
            if read_only
            else ""
        )
        self.locked_banner.setVisible(read_only)
        self._update_title()
        self._update_state()

    def set_problems_height(self, height: int) -> None:
        self.resizeDocks([self.problems_dock], [height], Qt.Orientation.Vertical)

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if not getattr(self, "_sized", False):
            self._sized = True
            QTimer.singleShot(0, self, self._initial_dock_height)

    def _initial_dock_height(self) -> None:
        if not getattr(self, "_layout_restored", False):
            self.set_problems_height(200)
        self._fit_where_column()

    # --- closing --------------------------------------------------------------------------
    def flush(self) -> bool:
        """Save pending edits now (on close, on quit)."""
        return self.save_now()

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        if self.discarded:
            self.save_timer.stop()
            for callback in self.on_closed:
                callback(self.record.id)
            super().closeEvent(event)
            return
        ok = self.flush()
        if not ok:
            answer = QMessageBox.question(
                self, tr("visitui.close.title"), tr("visitui.close.unsaved")
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        from visitdesk.ui import memory

        memory.save(self.ctx.data_dir, "visit", self, **self._layout_parts())
        try:
            self.repo.mark_closed(self.record.id)
        except DB_ERRORS:
            log.exception("could not clear the open-draft marker")
        for callback in self.on_closed:
            callback(self.record.id)
        super().closeEvent(event)
