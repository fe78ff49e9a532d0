"""The officer's day in the window: the worklist beside the accounts table, and an account's
timeline (imports, visits, contacts, commitments, payments) beside its detail.

Both read the collection cycle (``adapters/collection_store.py``); the worklist is computed in
a worker with its own store connection, so the window never waits for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from visitdesk.core.collection.worklist import WorklistEntry
from visitdesk.core.money import format_plain
from visitdesk.i18n import tr
from visitdesk.ui.rows_model import ModelIndex, RowsModel, list_table
from visitdesk.ui.workers import Worker


def _reason_text(entry: WorklistEntry) -> str:
    parts = []
    for r in entry.reasons:
        text = tr(f"cycle.reason.{r.code}")
        if r.on is not None:
            text += f" {r.on.isoformat()}"
        if r.amount is not None:
            text += f" ¥{format_plain(r.amount)}"
        parts.append(text)
    return "；".join(parts)


def _last_text(entry: WorklistEntry) -> str:
    c = entry.last_contact
    if c is None:
        return "—"
    return (f"{c.at.date().isoformat()} {tr('cycle.channel.' + c.channel)} "
            f"{tr('cycle.result.' + c.result)}")


class WorklistModel(RowsModel):
    COLUMNS = ("account_no", "name", "reasons", "last_contact")
    HEADER_KEY = "ui.worklist.column.{}"

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.names: dict[str, str] = {}

    def set_entries(self, entries: list[WorklistEntry], names: dict[str, str]) -> None:
        self.names = names
        self._reset(entries)

    def entry_at(self, row: int) -> WorklistEntry | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self._row(index)
        if entry is None:
            return None
        column = self.COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == "account_no":
                return entry.account_no
            if column == "name":
                return self.names.get(entry.account_no, "")
            if column == "reasons":
                return _reason_text(entry)
            return _last_text(entry)
        if role == Qt.ItemDataRole.ForegroundRole and column == "reasons" and \
                entry.reasons[0].code in ("broken_plan", "missed"):
            from PySide6.QtGui import QColor

            return QColor("#b3261e")
        return None


class WorklistPage(QWidget):
    """Whom to call or visit on a day, and why; double-click (or Enter) opens the account."""

    account_chosen = Signal(str)

    def __init__(self, data_dir: Path | str, settings: Any, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.settings = settings
        self._worker: Worker | None = None
        self.shown_day: date | None = None
        """The day whose list the table shows (None until the first one arrives)."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr("ui.worklist.date")))
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.dateChanged.connect(lambda _d: self.refresh())
        bar.addWidget(self.day)
        self.refresh_button = QPushButton(tr("ui.worklist.refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        bar.addWidget(self.refresh_button)
        self.status = QLabel()
        bar.addWidget(self.status, 1)
        layout.addLayout(bar)
        self.model = WorklistModel(self)
        self.table = list_table(self.model)
        for col, width in enumerate((170, 80, 360)):
            self.table.setColumnWidth(col, width)
        self.table.activated.connect(self._chosen)
        self.table.doubleClicked.connect(self._chosen)
        layout.addWidget(self.table, 1)

    def selected_day(self) -> date:
        d = self.day.date()
        return date(d.year(), d.month(), d.day())

    def refresh(self) -> None:
        """Compute the list for the chosen day in a worker (a newer request replaces it)."""
        from visitdesk.adapters.collection_store import CollectionStore
        from visitdesk.adapters.store import CaseStore

        if self._worker is not None and not self._worker.is_done:
            self._worker.cancel()
        day, data_dir, settings = self.selected_day(), self.data_dir, self.settings

        def job(_progress: Any, _cancelled: Any
                ) -> tuple[date, list[WorklistEntry], dict[str, str]]:
            with CaseStore(data_dir) as store:
                entries = CollectionStore(store, settings).worklist(day)
                listed = [e.account_no for e in entries]
                names = {no: name for no, name in store.conn.execute(
                    "SELECT account_no, name FROM account")} if listed else {}
            return day, entries, {no: names.get(no, "") for no in listed}

        self.status.setText(tr("ui.status.loading"))
        worker = Worker(job)
        worker.signals.succeeded.connect(self._loaded)
        worker.signals.failed.connect(self._failed)
        self._worker = worker
        worker.start()

    def _loaded(self, result: tuple[date, list[WorklistEntry], dict[str, str]]) -> None:
        day, entries, names = result
        if day != self.selected_day():
            return  # an answer for a day the officer has already left
        self.shown_day = day
        self.model.set_entries(entries, names)
        if entries:
            self.status.setText(tr("ui.worklist.count", count=len(entries)))
        else:
            self.status.setText(tr("ui.worklist.empty"))

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(tr("ui.worklist.failed", detail=str(exc)))

    def _chosen(self, index: ModelIndex) -> None:
        entry = self.model.entry_at(index.row()) if index.isValid() else None
        if entry is not None:
            self.account_chosen.emit(entry.account_no)


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str
    """``import``, ``visit``, ``contact``, ``commitment``, ``payment``."""
    text: str


def timeline(store: Any, settings: Any, account_no: str, today: date) -> list[TimelineEvent]:
    """Everything that happened on the account, newest first."""
    from visitdesk.adapters.collection_store import CollectionStore
    from visitdesk.adapters.visit_store import bank_playbook

    playbook = bank_playbook(store.path.parent)
    events: list[TimelineEvent] = []
    for batch_at, file_name in store.conn.execute(
            "SELECT b.imported_at, b.file_name FROM import_batch b WHERE b.id IN "
            "(SELECT batch_id FROM account WHERE account_no = ? UNION "
            "SELECT batch_id FROM account_history WHERE account_no = ?)",
            (account_no, account_no)):
        events.append(TimelineEvent(datetime.fromisoformat(batch_at).replace(tzinfo=None),
                                    "import", tr("ui.timeline.import", file=file_name)))
    for vid, version, state, outcome, visit_date in store.conn.execute(
            "SELECT id, max(version), state, outcome, visit_date FROM visit "
            "WHERE account_no = ? GROUP BY id", (account_no,)):
        when = datetime.fromisoformat(visit_date) if visit_date else datetime.min
        label = playbook.outcome(outcome)
        events.append(TimelineEvent(when, "visit", tr(
            "ui.timeline.visit", id=vid, version=version, state=tr(f"visit.state.{state}"),
            outcome=label.label.get() if label else "—")))
    collection = CollectionStore(store, settings)
    for c in collection.contacts(account_no):
        if c.channel == "visit":
            continue  # the visit itself is listed
        events.append(TimelineEvent(c.at, "contact", tr(
            "ui.timeline.contact", channel=tr(f"cycle.channel.{c.channel}"),
            result=tr(f"cycle.result.{c.result}"), note=c.note)))
    alloc = collection.allocation(account_no, today)
    for plan in alloc.plans:
        for s in plan.commitments:
            events.append(TimelineEvent(
                datetime.combine(s.commitment.due_date, datetime.min.time()), "commitment",
                tr("ui.timeline.commitment", amount=format_plain(s.commitment.amount),
                   status=tr(f"cycle.status.{s.status}"), plan=tr(f"cycle.plan.{plan.state}"))))
    for p in alloc.payments:
        events.append(TimelineEvent(
            datetime.combine(p.paid_on, datetime.min.time()), "payment",
            tr("ui.timeline.payment", amount=format_plain(p.amount), reference=p.reference)
            + (tr("ui.timeline.reversed") if p.reversed else "")))
    return sorted(events, key=lambda e: e.at, reverse=True)


def badges(store: Any, settings: Any, account_no: str, today: date) -> list[str]:
    """Short flags for the account's header: a broken plan, a payment late or due soon."""
    from visitdesk.adapters.collection_store import CollectionStore

    alloc = CollectionStore(store, settings).allocation(account_no, today)
    out = []
    if any(p.state == "broken" for p in alloc.plans):
        out.append(tr("cycle.reason.broken_plan"))
    states = [s for p in alloc.plans if p.state == "on_track" for s in p.commitments]
    if any(s.days_late > 0 for s in states):
        out.append(tr("cycle.reason.missed"))
    soon = today.toordinal() + settings.worklist_due_days
    if any(s.status == "due" and today.toordinal() <= s.commitment.due_date.toordinal() <= soon
           for s in states):
        out.append(tr("cycle.reason.due_soon"))
    return out


class TimelineModel(RowsModel):
    COLUMNS = ("at", "kind", "text")
    HEADER_KEY = "ui.timeline.column.{}"

    def set_events(self, events: list[TimelineEvent]) -> None:
        self._reset(events)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        event = self._row(index)
        if event is None or role not in (Qt.ItemDataRole.DisplayRole,
                                         Qt.ItemDataRole.ToolTipRole):
            return None
        column = self.COLUMNS[index.column()]
        if column == "at":
            if event.at == datetime.min:
                return "—"
            return event.at.strftime("%Y-%m-%d %H:%M") if event.at.time() != datetime.min.time() \
                else event.at.date().isoformat()
        if column == "kind":
            return tr(f"ui.timeline.kind.{event.kind}")
        return event.text


class TimelinePage(QWidget):
    """The account's history, newest first, with badges for a broken plan and payments due."""

    def __init__(self, store_getter: Any, settings_getter: Any,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store_getter
        self._settings = settings_getter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.badges = QLabel()
        self.badges.setWordWrap(True)
        self.badges.setStyleSheet("color: #b3261e; font-weight: bold;")
        layout.addWidget(self.badges)
        self.model = TimelineModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 130)
        self.table.setColumnWidth(1, 70)
        layout.addWidget(self.table, 1)
        self.account_no: str | None = None
        self.as_of: date | None = None
        """The day statuses are judged on (None: today); the worklist sets its day."""

    def set_account(self, account_no: str | None) -> None:
        self.account_no = account_no
        if account_no is None:
            self.model.set_events([])
            self.badges.setText(tr("ui.timeline.none"))
            return
        today = self.as_of or date.today()
        store, settings = self._store(), self._settings()
        self.model.set_events(timeline(store, settings, account_no, today))
        flags = badges(store, settings, account_no, today)
        self.badges.setText("　".join(flags))
        self.badges.setVisible(bool(flags))
        self.table.resizeRowsToContents()
