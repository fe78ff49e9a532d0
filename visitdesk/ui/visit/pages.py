"""The pages of the visit window: visit facts, the seven stages, situations, conduct, plan and
finish.

A page shows part of the current :class:`VisitRecord` and turns each user edit into a new
record through its session (``session.apply(change)``); it never saves or validates itself.
Every page can say whether it owns a validation ``location`` and focus the widget for it, so
the problems panel can jump there.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from visitdesk.core import visit as visit_core
from visitdesk.core.playbook import Field, Playbook, Text
from visitdesk.core.talking_points import BLANK, plan_summary, situation_guidance, stage_points
from visitdesk.core.validation import (
    MAY_DISCUSS_DEBT,
    ValidationIssue,
    ValidationReport,
    may_discuss_debt,
    raised_situations,
)
from visitdesk.core.visit import CUSTOMER_LANGUAGES, FollowUp, Person, VisitRecord
from visitdesk.i18n import tr
from visitdesk.ui.hooks import optional_attr
from visitdesk.ui.visit.editors import ChoiceEditor, FieldForm, OptionalDateEdit, field_label

if TYPE_CHECKING:
    from visitdesk.core.accounts import Account
    from visitdesk.core.settings import Settings

log = logging.getLogger("visitdesk.ui.visit")

Change = Callable[[VisitRecord], VisitRecord]
EMPTY_MOMENT = QDateTime.fromString("2000-01-01T00:00:00", Qt.DateFormat.ISODate)
DOCUMENTS_MODULE = "visitdesk.ui.documents"


class Session(Protocol):
    """What pages need from the window (the window implements it)."""

    playbook: Playbook
    account: Account
    settings: Settings
    record: VisitRecord

    def apply(self, change: Change) -> None: ...


def documents_hook(name: str) -> Any:
    """``visitdesk.ui.documents.<name>`` when the documents area provides it, else None."""
    return optional_attr(DOCUMENTS_MODULE, name)


def big_font(widget: QWidget, factor: float = 1.25, bold: bool = False) -> QFont:
    font = QFont(widget.font())
    size = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
    font.setPointSizeF(size * factor)
    font.setBold(bold)
    return font


def _scroll(inner: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(inner)
    return area


def pseudo_field(
    fid: str, ftype: str, key: str, required: bool = False, options: tuple[Any, ...] = ()
) -> Field:
    """A playbook-like field for record keys (visit facts, finish), labelled from the catalog."""
    label = Text(tr(key), tr(key))
    return Field(fid, ftype, label, None, required, options, None)


class Page(QWidget):
    """Base of every page: a title, an optional banner, and the page's body."""

    key = ""

    def __init__(self, session: Session, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.title_text = title
        self.nav_title = title
        """The (shorter) name in the navigator."""
        self._loading = False
        self.focusables: dict[str, QWidget] = {}
        """Validation location → widget to focus."""
        outer = QVBoxLayout(self)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("pageTitle")
        self.title_label.setFont(big_font(self, 1.4, bold=True))
        self.title_label.setWordWrap(True)
        outer.addWidget(self.title_label)
        self.banner = QLabel()
        self.banner.setObjectName("pageBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "background: #fff4ce; border: 1px solid #e0c060; padding: 6px; color: #3a2e00;"
        )
        self.banner.hide()
        outer.addWidget(self.banner)
        self.body = QVBoxLayout()
        outer.addLayout(self.body, 1)

    # --- overridden by pages ------------------------------------------------------------
    def load(self, record: VisitRecord) -> None:
        """Show ``record`` (no edits are emitted while loading)."""

    def refresh(self, record: VisitRecord, report: ValidationReport | None) -> None:
        """Update what depends on other pages or on the report (talking points, lists)."""

    def set_read_only(self, read_only: bool) -> None:
        """Finalised records are shown but cannot be edited."""

    def owns(self, location: str) -> bool:
        return location in self.focusables

    def location_label(self, location: str) -> str:
        """A short place name for the problems panel (page title · field)."""
        return self.title_text

    def focus_location(self, location: str) -> QWidget | None:
        widget = self.focusables.get(location)
        if widget is None:
            return None
        scroll = self.findChild(QScrollArea)
        if scroll is not None and scroll.isAncestorOf(widget):
            scroll.ensureWidgetVisible(widget)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        return widget

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def apply(self, change: Change) -> None:
        if not self._loading:
            self.session.apply(change)

    def _setter(self, key: str) -> Callable[[Any], None]:
        """A callback (for an editor's signal) that sets the record attribute ``key``."""

        def set_value(value: Any) -> None:
            self.apply(lambda rec: dataclasses.replace(rec, **{key: value}))

        return set_value


class PointsPanel(QGroupBox):
    """The talking points (or guidance) filled with the account's figures, read-only."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setObjectName("talkingPoints")
        self.box = QVBoxLayout(self)
        self.purpose = QLabel()
        self.purpose.setWordWrap(True)
        self.purpose.setStyleSheet("color: #444;")
        self.purpose.setObjectName("stagePurpose")
        self.box.addWidget(self.purpose)
        self.labels: list[QLabel] = []
        self.box.addStretch(1)

    def set_points(self, purpose: str, points: list[Any]) -> None:
        self.purpose.setText(purpose)
        self.purpose.setVisible(bool(purpose))
        while len(self.labels) < len(points):
            label = QLabel()
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setFont(big_font(self, 1.25))
            label.setObjectName("talkingPoint")
            label.setStyleSheet("padding: 4px 2px;")
            self.box.insertWidget(self.box.count() - 1, label)
            self.labels.append(label)
        for i, label in enumerate(self.labels):
            if i < len(points):
                filled = points[i]
                label.setText("• " + filled.text)
                label.setToolTip(
                    tr(
                        "visitui.points.missing",
                        names="、".join("{" + n + "}" for n in filled.missing),
                    )
                    if filled.missing
                    else ""
                )
                label.show()
            else:
                label.hide()

    def texts(self) -> list[str]:
        return [label.text()[2:] for label in self.labels if not label.isHidden()]


class FormPage(Page):
    """A stage or a situation: points or guidance on the left, the fields on the right."""

    section = ""

    def __init__(
        self,
        session: Session,
        title: str,
        points_title: str,
        fields: tuple[Field, ...],
        item_id: str,
    ) -> None:
        super().__init__(session, title)
        self.item_id = item_id
        self.fields = fields
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        self.points = PointsPanel(points_title)
        self.points.setMinimumWidth(320)
        points_area = _scroll(self.points)
        points_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        split.addWidget(points_area)
        self.form_holder = QWidget()
        col = QVBoxLayout(self.form_holder)
        self.top = QVBoxLayout()
        col.addLayout(self.top)
        self.form = FieldForm(fields)
        self.form.on_edit = self._edited
        col.addWidget(self.form)
        col.addStretch(1)
        split.addWidget(_scroll(self.form_holder))
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 6)
        split.setSizes([500, 520])
        self.body.addWidget(split, 1)
        for f in fields:
            self.focusables[f"{self.section}.{item_id}.{f.id}"] = self.form.editors[
                f.id
            ].focus_widget()

    def owns(self, location: str) -> bool:
        return location == f"{self.section}.{self.item_id}" or location.startswith(
            f"{self.section}.{self.item_id}."
        )

    def focus_location(self, location: str) -> QWidget | None:
        return super().focus_location(location) or (self.form.setFocus() or self.form)

    def location_label(self, location: str) -> str:
        fid = location.rsplit(".", 1)[-1]
        editor = self.form.editors.get(fid)
        return f"{self.title_text} · {editor.field.label.get()}" if editor else self.title_text

    def answers(self, record: VisitRecord) -> dict[str, Any]:
        raise NotImplementedError

    def set_value(self, field_id: str, value: Any) -> Change:
        raise NotImplementedError

    def _edited(self, field_id: str, value: Any) -> None:
        if self._loading:
            return
        self.apply(self.set_value(field_id, value))
        self.form.apply_conditions(self.answers(self.session.record))

    def load(self, record: VisitRecord) -> None:
        self._loading = True
        try:
            self.form.set_answers(self.answers(record))
        finally:
            self._loading = False

    def set_read_only(self, read_only: bool) -> None:
        self.form.set_read_only(read_only)


class StagePage(FormPage):
    section = "stages"

    def __init__(self, session: Session, index: int, stage_id: str) -> None:
        stage = session.playbook.stage(stage_id)
        assert stage is not None
        self.stage = stage
        super().__init__(
            session,
            tr("visitui.stage.title", number=index, title=stage.title.get()),
            tr("visitui.points.title"),
            stage.fields,
            stage_id,
        )
        self.key = f"stage:{stage_id}"

    def answers(self, record: VisitRecord) -> dict[str, Any]:
        return record.answers.get(self.stage.id, {})

    def set_value(self, field_id: str, value: Any) -> Change:
        playbook = self.session.playbook
        return lambda r: visit_core.with_answer(r, self.stage.id, field_id, value, playbook)

    def refresh(self, record: VisitRecord, report: ValidationReport | None) -> None:
        s = self.session
        points = stage_points(s.playbook, self.stage.id, s.account, s.settings, record)
        purpose = self.stage.purpose.get()
        self.points.set_points(purpose, points)


class SituationPage(FormPage):
    section = "situations"

    def __init__(self, session: Session, situation_id: str) -> None:
        situation = session.playbook.situation(situation_id)
        assert situation is not None
        self.situation = situation
        super().__init__(
            session,
            tr("visitui.situation.title", title=situation.title.get()),
            tr("visitui.situation.guidance"),
            situation.fields,
            situation_id,
        )
        self.key = f"situation:{situation_id}"
        self.nav_title = situation.title.get()
        self.state_label = QLabel()
        self.state_label.setObjectName("situationState")
        self.state_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.state_label, 1)
        self.open_button = QPushButton(tr("visitui.situation.open"))
        self.open_button.setObjectName("openSituation")
        self.open_button.clicked.connect(self._open)
        self.close_button = QPushButton(tr("visitui.situation.close"))
        self.close_button.setObjectName("closeSituation")
        self.close_button.clicked.connect(self._close)
        row.addWidget(self.open_button)
        row.addWidget(self.close_button)
        self.top.addLayout(row)
        self._read_only = False
        self._withdrawn: Any = None
        """The situation as it was before "withdraw" (with answers), until opened again."""

    def is_raised(self, record: VisitRecord) -> bool:
        return self.situation.id in raised_situations(record, self.session.playbook)

    def answers(self, record: VisitRecord) -> dict[str, Any]:
        raised = record.situations.get(self.situation.id)
        return dict(raised.answers) if raised else {}

    def set_value(self, field_id: str, value: Any) -> Change:
        sid = self.situation.id
        return lambda r: visit_core.with_situation_answer(r, sid, field_id, value)

    def _open(self) -> None:
        sid, kept = self.situation.id, self._withdrawn
        self._withdrawn = None
        if kept is None:
            self.apply(lambda r: visit_core.with_situation(r, sid))
            return

        def restore(r: VisitRecord) -> VisitRecord:
            opened = visit_core.with_situation(r, sid)
            return dataclasses.replace(opened, situations={**opened.situations, sid: kept})

        # undo of "withdraw": the answers filled in before come back
        self.apply(restore)
        self.load(self.session.record)

    def _close(self) -> None:
        current = self.session.record.situations.get(self.situation.id)
        self._withdrawn = current if current is not None and current.answers else None
        self.apply(lambda r: visit_core.without_situation(r, self.situation.id))
        self.load(self.session.record)

    def refresh(self, record: VisitRecord, report: ValidationReport | None) -> None:
        s = self.session
        self.points.set_points(
            "", situation_guidance(s.playbook, self.situation.id, s.account, s.settings, record)
        )
        raised = self.is_raised(record)
        entry = record.situations.get(self.situation.id)
        if not raised and self._withdrawn is not None:
            state = tr("visitui.situation.withdrawn")
        elif not raised:
            state = tr("visitui.situation.not_raised")
        elif entry is None or entry.opened_by == "trigger":
            state = tr("visitui.situation.by_trigger")
        else:
            state = tr("visitui.situation.by_officer")
        self.state_label.setText(state)
        triggered = self.situation.id in s.playbook.triggered_situations(
            record.answers, visit_core.trigger_values(record))
        self.open_button.setVisible(not raised)
        self.close_button.setVisible(raised and not triggered)
        self.open_button.setEnabled(not self._read_only)
        self.close_button.setEnabled(not self._read_only)
        self.form.setEnabled(raised)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        super().set_read_only(read_only)


# --- visit facts --------------------------------------------------------------------------
class MomentEdit(QWidget):
    """Date and time that may be empty, with a "now" button."""

    def __init__(self, now_button: bool, on_change: Callable[[datetime | None], None]) -> None:
        super().__init__()
        self._on_change = on_change
        self._loading = False
        self._tz: Any = None
        self.edit = QDateTimeEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.edit.setMinimumDateTime(EMPTY_MOMENT)
        self.edit.setSpecialValueText(tr("visitui.field.date_empty"))
        self.edit.setDateTime(EMPTY_MOMENT)
        self.edit.dateTimeChanged.connect(self._changed)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit)
        self.now_button = QPushButton(tr("visitui.facts.now"))
        self.now_button.clicked.connect(self.set_now)
        row.addWidget(self.now_button)
        self.now_button.setVisible(now_button)
        row.addStretch(1)

    def value(self) -> datetime | None:
        q = self.edit.dateTime()
        if q == EMPTY_MOMENT:
            return None
        d, t = q.date(), q.time()
        naive = datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())
        return naive.replace(tzinfo=self._tz) if self._tz else naive.astimezone()

    def set_value(self, value: datetime | None) -> None:
        self._loading = True
        try:
            if value is None:
                self.edit.setDateTime(EMPTY_MOMENT)
            else:
                self._show(value)
        finally:
            self._loading = False

    def set_now(self) -> None:
        self._show(datetime.now().astimezone())

    def _show(self, value: datetime) -> None:
        """Show ``value`` to the minute, in its own zone (kept for :meth:`value`)."""
        self._tz = value.tzinfo
        self.edit.setDateTime(
            QDateTime.fromString(
                value.replace(tzinfo=None, second=0, microsecond=0).isoformat(),
                Qt.DateFormat.ISODate,
            )
        )

    def _changed(self, *_: object) -> None:
        if not self._loading:
            self._on_change(self.value())


class FactsPage(Page):
    """Who went, when, where, who was met and how identity was confirmed, who else was there."""

    key = "facts"

    def __init__(self, session: Session) -> None:
        super().__init__(session, tr("visitui.facts.title"))
        self._rows: dict[str, QWidget] = {}
        """Validation location → the form row's field widget (for showing and hiding)."""
        inner = QWidget()
        self.form = QFormLayout(inner)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        pb = session.playbook
        r = session.record
        self.officer_label = QLabel()
        self.form.addRow(tr("visitui.facts.officer"), self.officer_label)
        self.companion_name = QLineEdit()
        self.companion_staff = QLineEdit()
        self.companion_staff.setPlaceholderText(tr("visitui.facts.staff_no"))
        row = QHBoxLayout()
        row.addWidget(self.companion_name, 2)
        row.addWidget(self.companion_staff, 1)
        self._add("companion", tr("visitui.facts.companion"), row, self.companion_name)
        for w in (self.companion_name, self.companion_staff):
            w.textChanged.connect(self._companion_changed)

        self.moments: dict[str, MomentEdit] = {}
        for key, now in (
            ("planned_start", False),
            ("planned_end", False),
            ("actual_start", True),
            ("actual_end", True),
        ):
            edit = MomentEdit(now, self._setter(key))
            edit.setObjectName(key)
            self.moments[key] = edit
            self._add(
                key, tr(f"visitui.facts.{key}"), edit, edit.edit, required=key.startswith("actual")
            )

        self.address_visited = self._text("address_visited", required=False)
        self.new_address = self._text("new_address")

        met_choices = [(c.id, c.label.get()) for c in pb.met_choices]
        self.met = ChoiceEditor(
            pseudo_field("met", "single_choice", "visitui.facts.met"), choices=met_choices
        )
        self.met.on_edit = self._met_changed
        self._add("met", tr("visitui.facts.met"), self.met, self.met.combo, required=True)
        self.met_name = self._text("met_name")
        self.identity = ChoiceEditor(
            pseudo_field("identity_method", "single_choice", "visitui.facts.identity_method"),
            choices=[(c.id, c.label.get()) for c in pb.identity_methods],
        )
        self.identity.on_edit = self._setter("identity_method")
        self._add(
            "identity_method",
            tr("visitui.facts.identity_method"),
            self.identity,
            self.identity.combo,
            required=True,
        )
        self.debt_discussed_met = self._yes_no("debt_discussed")
        self.recording_told = self._yes_no("recording_told")
        self.recording_reference = self._text("recording_reference", required=True)
        self.others_present = self._yes_no("others_present")
        self.others_who = self._text("others_who", required=True)
        self.debt_discussed = self._yes_no("debt_discussed_with_others_present")
        self.consent_others = self._check(
            "consent.discuss_with_others_present", "consent_discuss_with_others"
        )
        self.consent_hours = self._check(
            "consent.outside_contact_hours", "consent_outside_hours", hours=True
        )
        self.body.addWidget(_scroll(inner), 1)
        self._inner = inner
        self.load(r)

    # --- building -------------------------------------------------------------------------
    def _add(
        self, location: str, text: str, widget: Any, focus: QWidget, required: bool = False
    ) -> None:
        label = field_label(text, required)
        label.setBuddy(focus)
        if isinstance(widget, QHBoxLayout):
            holder = QWidget()
            holder.setLayout(widget)
            widget.setContentsMargins(0, 0, 0, 0)
            widget = holder
        self.form.addRow(label, widget)
        self.focusables[location] = focus
        self._rows[location] = widget

    def _text(self, key: str, required: bool = False) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(key)
        edit.textChanged.connect(self._setter(key))
        self._add(key, tr(f"visitui.facts.{key}"), edit, edit, required)
        return edit

    def _yes_no(self, key: str) -> Any:
        from visitdesk.ui.visit.editors import YesNoEditor

        editor = YesNoEditor(pseudo_field(key, "yes_no", f"visitui.facts.{key}"))
        editor.on_edit = self._setter(key)
        self._add(key, tr(f"visitui.facts.{key}"), editor, editor.yes, required=True)
        return editor

    def _check(self, location: str, attr: str, hours: bool = False) -> QCheckBox:
        s = self.session.settings
        text = tr(
            f"visitui.facts.{attr}",
            start=s.contact_start.strftime("%H:%M"),
            end=s.contact_end.strftime("%H:%M"),
        )
        check = QCheckBox(text)
        check.setObjectName(attr)
        check.toggled.connect(self._setter(attr))
        self.form.addRow("", check)
        self.focusables[location] = check
        self._rows[location] = check
        return check

    # --- showing --------------------------------------------------------------------------
    def load(self, record: VisitRecord) -> None:
        self._loading = True
        try:
            off = record.officer
            self.officer_label.setText(
                f"{off.name}（{off.staff_no}）" if off.staff_no else off.name
            )
            comp = record.companion
            self.companion_name.setText(comp.name if comp else "")
            self.companion_staff.setText(comp.staff_no if comp else "")
            for key, edit in self.moments.items():
                edit.set_value(getattr(record, key))
            self.address_visited.setText(record.address_visited)
            self.new_address.setText(record.new_address)
            self.met.set_value(record.met)
            self.met_name.setText(record.met_name)
            self.identity.set_value(record.identity_method)
            self.debt_discussed_met.set_value(record.debt_discussed)
            self.recording_told.set_value(record.recording_told)
            self.recording_reference.setText(record.recording_reference)
            self.others_present.set_value(record.others_present)
            self.others_who.setText(record.others_who)
            self.debt_discussed.set_value(record.debt_discussed_with_others_present)
            self.consent_others.setChecked(record.consent_discuss_with_others)
            self.consent_hours.setChecked(record.consent_outside_hours)
        finally:
            self._loading = False
        self.apply_conditions(record)

    def refresh(self, record: VisitRecord, report: ValidationReport | None) -> None:
        self.apply_conditions(record)

    def apply_conditions(self, record: VisitRecord) -> None:
        met_someone = record.met not in (None, "nobody")
        shown = {
            "met_name": record.met not in (None, "customer", "nobody"),
            "identity_method": record.met in MAY_DISCUSS_DEBT,
            "debt_discussed": met_someone
            and not may_discuss_debt(record)
            and not (record.met in MAY_DISCUSS_DEBT and record.identity_method is None),
            "recording_told": met_someone,
            "recording_reference": met_someone and bool(record.recording_told),
            "others_present": met_someone,
            "others_who": met_someone and bool(record.others_present),
            "debt_discussed_with_others_present": met_someone and bool(record.others_present),
            "consent.discuss_with_others_present": met_someone and bool(record.others_present),
        }
        for location, visible in shown.items():
            self.form.setRowVisible(self._rows[location], visible)

    def is_shown(self, location: str) -> bool:
        return not self._rows[location].isHidden()

    def apply(self, change: Change) -> None:
        super().apply(change)
        if not self._loading:
            self.apply_conditions(self.session.record)

    def _met_changed(self, value: Any) -> None:
        # who was met may open a situation (guarantor, nobody home): record it as triggered
        playbook = self.session.playbook
        self.apply(lambda rec: visit_core.open_triggered(
            dataclasses.replace(rec, met=value), playbook))

    def _companion_changed(self, *_: object) -> None:
        name = self.companion_name.text().strip()
        staff = self.companion_staff.text().strip()
        companion = Person(name, staff) if name else None
        self.apply(lambda rec: dataclasses.replace(rec, companion=companion))

    def set_read_only(self, read_only: bool) -> None:
        self._inner.setEnabled(not read_only)

    def location_label(self, location: str) -> str:
        key = {
            "consent.outside_contact_hours": "consent_outside_hours",
            "consent.discuss_with_others_present": "consent_discuss_with_others",
        }.get(location, location)
        label = tr(f"visitui.facts.{key}", start="", end="")
        return (
            f"{self.title_text} · {label}" if not label.startswith("visitui.") else self.title_text
        )


# --- conduct ------------------------------------------------------------------------------
class ConductPage(Page):
    key = "conduct"

    def __init__(self, session: Session) -> None:
        super().__init__(session, tr("visitui.conduct.title"))
        intro = QLabel(tr("visitui.conduct.intro"))
        intro.setWordWrap(True)
        self.body.addWidget(intro)
        inner = QWidget()
        col = QVBoxLayout(inner)
        self.checks: dict[str, QCheckBox] = {}
        self.helps: dict[str, QLabel] = {}
        for item in session.playbook.conduct:
            check = QCheckBox(item.label.get())
            check.setObjectName(f"conduct_{item.id}")
            check.setFont(big_font(self, 1.15))
            check.toggled.connect(lambda on, i=item.id: self._toggled(i, on))
            help_label = QLabel(item.help.get())
            help_label.setWordWrap(True)
            help_label.setStyleSheet("color: #555; margin-left: 24px;")
            check.setToolTip(item.help.get())
            col.addWidget(check)
            col.addWidget(help_label)
            self.helps[item.id] = help_label
            self.checks[item.id] = check
            self.focusables[f"conduct.{item.id}"] = check
        col.addStretch(1)
        self.body.addWidget(_scroll(inner), 1)
        self.load(session.record)

    def _toggled(self, item_id: str, on: bool) -> None:
        def change(rec: VisitRecord) -> VisitRecord:
            conduct = dict(rec.conduct)
            conduct[item_id] = on
            return dataclasses.replace(rec, conduct=conduct)

        self.apply(change)

    def load(self, record: VisitRecord) -> None:
        self._loading = True
        try:
            for item_id, check in self.checks.items():
                check.setChecked(record.conduct.get(item_id) is True)
        finally:
            self._loading = False

    def refresh(self, record: VisitRecord, report: ValidationReport | None) -> None:
        # an item for a situation (nobody home, workplace …) shows only when it arose
        raised = raised_situations(record, self.session.playbook)
        for item in self.session.playbook.conduct:
            shown = item.applies(raised)
            self.checks[item.id].setVisible(shown)
            self.helps[item.id].setVisible(shown)

    def owns(self, location: str) -> bool:
        return location == "conduct" or location.startswith("conduct.")

    def location_label(self, location: str) -> str:
        check = self.checks.get(location.split(".", 1)[-1])
        return f"{self.title_text} · {check.text()}" if check else self.title_text

    def set_read_only(self, read_only: bool) -> None:
        for check in self.checks.values():
            check.setEnabled(not read_only)


# --- plan ---------------------------------------------------------------------------------
class PlanPage(Page):
    """The plan calculator of the plans area, plus "agreed" and the dispute check."""

    key = "plan"

    def __init__(self, session: Session) -> None:
        super().__init__(session, tr("visitui.plan.title"))
        self.calculator: Any = None
        try:
            from visitdesk.ui.plan_calculator import PlanCalculator
        except ImportError:  # pragma: no cover - the plans area is part of the product
            log.exception("plan calculator not available")
            missing = QLabel(tr("visitui.plan.unavailable"))
            self.body.addWidget(missing)
        else:
            self.calculator = PlanCalculator()
            self.calculator.setObjectName("planCalculator")
            self.calculator.planChanged.connect(self._plan_changed)
            self.body.addWidget(_scroll(self.calculator), 1)
        self.summary = QLabel()
        self.summary.setObjectName("planSummary")
        self.summary.setWordWrap(True)
        self.summary.setFont(big_font(self, 1.1, bold=True))
        self.body.addWidget(self.summary)
        row = QHBoxLayout()
        self.agreed = QCheckBox(tr("visitui.plan.agreed"))
        self.agreed.setObjectName("planAgreed")
        self.agreed.toggled.connect(self._agreed_toggled)
        self.dispute_verified = QCheckBox(tr("visitui.plan.dispute_verified"))
        self.dispute_verified.setObjectName("disputeVerified")
        self.dispute_verified.toggled.connect(self._setter("dispute_verified"))
        self.clear_button = QPushButton(tr("visitui.plan.clear"))
        self.clear_button.setObjectName("clearPlan")
        self.clear_button.clicked.connect(self._clear)
        row.addWidget(self.agreed)
        row.addWidget(self.dispute_verified)
        row.addStretch(1)
        row.addWidget(self.clear_button)
        self.body.addLayout(row)
        # "dispute verified" stands only with the bank's reference and who verified it
        self.dispute_row = QWidget()
        dispute = QFormLayout(self.dispute_row)
        dispute.setContentsMargins(0, 0, 0, 0)
        self.dispute_reference = QLineEdit()
        self.dispute_reference.setObjectName("disputeReference")
        self.dispute_reference.textChanged.connect(self._setter("dispute_reference"))
        self.dispute_verified_by = QLineEdit()
        self.dispute_verified_by.setObjectName("disputeVerifiedBy")
        self.dispute_verified_by.textChanged.connect(self._setter("dispute_verified_by"))
        for key, edit in (("dispute_reference", self.dispute_reference),
                          ("dispute_verified_by", self.dispute_verified_by)):
            lab = field_label(tr(f"visitui.plan.{key}"), True)
            lab.setBuddy(edit)
            dispute.addRow(lab, edit)
        self.body.addWidget(self.dispute_row)
        self.focusables = {
            "plan": self.calculator or self.summary,
            "plan_agreed": self.agreed,
            "dispute_verified": self.dispute_verified,
            "dispute_reference": self.dispute_reference,
            "dispute_verified_by": self.dispute_verified_by,
        }
        self._shown_day: date | None = None

    def load(self, record: VisitRecord) -> None:
        self._loading = True
        try:
            if self.calculator is not None:
                start = self._visit_day(record)
                self._shown_day = start
                self.calculator.set_account(self.session.account, self.session.settings, start)
                if record.plan:
                    try:
                        from visitdesk.core.plans import PlanTerms

                        self.calculator.set_terms(PlanTerms.from_json(record.plan))
                    except Exception:  # a stored plan the editor cannot show
                        log.warning("stored plan not shown in the editor", exc_info=True)
            self.agreed.setChecked(record.plan_agreed)
            self.dispute_verified.setChecked(record.dispute_verified)
            self.dispute_reference.setText(record.dispute_reference)
            self.dispute_verified_by.setText(record.dispute_verified_by)
        finally:
            self._loading = False

    @staticmethod
    def _visit_day(record: VisitRecord) -> date:
        """The agreement date a new plan starts from: the visit's day (today if not set)."""
        return record.start.date() if record.start else date.today()

    def _plan_changed(self, _plan: Any) -> None:
        if self._loading or self.calculator is None:
            return
        terms = self.calculator.terms()
        if terms is None:
            return
        data = terms.to_json()
        self.apply(lambda rec: dataclasses.replace(rec, plan=data))

    def _agreed_toggled(self, on: bool) -> None:
        if self._loading:
            return
        terms = self.calculator.terms() if self.calculator is not None else None

        def change(rec: VisitRecord) -> VisitRecord:
            plan = rec.plan
            if on and plan is None and terms is not None:
                plan = terms.to_json()
            return dataclasses.replace(rec, plan_agreed=on, plan=plan)

        self.apply(change)

    def _clear(self) -> None:
        record = self.session.record
        if record.plan is not None and record.plan_agreed:
            # an agreed plan is not thrown away by one stray click
            answer = QMessageBox.question(
                self, tr("visitui.plan.clear_title"), tr("visitui.plan.clear_confirm"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.apply(lambda rec: dataclasses.replace(rec, plan=None, plan_agreed=False))
        self.load(self.session.record)

    def refresh(self, record: VisitRecord, report: ValidationReport | None) -> None:
        s = self.session
        if record.plan is None and self._visit_day(record) != self._shown_day:
            self.load(record)  # no plan yet: offer figures for the visit's day
        text = plan_summary(record, s.account, s.settings) if record.plan else ""
        self.summary.setText(text or tr("visitui.plan.none"))
        disputed = (
            "dispute" in raised_situations(record, s.playbook) or record.outcome == "disputes"
        )
        self.dispute_verified.setVisible(disputed or record.dispute_verified)
        self.dispute_row.setVisible(record.dispute_verified)
        self.clear_button.setEnabled(record.plan is not None and record.editable)

    def owns(self, location: str) -> bool:
        return location in self.focusables or location.startswith("plan.")

    def set_read_only(self, read_only: bool) -> None:
        if self.calculator is not None:
            self.calculator.setEnabled(not read_only)
        self.agreed.setEnabled(not read_only)
        self.dispute_verified.setEnabled(not read_only)
        self.dispute_row.setEnabled(not read_only)
        self.clear_button.setEnabled(not read_only)


# --- finish -------------------------------------------------------------------------------
class FinishPage(Page):
    """Outcome, follow-up, notes, warnings to acknowledge, and Finalise.

    The "Sign…" and "Print handout" buttons call ``visitdesk.ui.documents.sign_visit`` and
    ``print_handout`` (``(parent, ctx, record)``) when the documents area provides them.
    """

    key = "finish"

    def __init__(self, session: Session) -> None:
        super().__init__(session, tr("visitui.finish.title"))
        pb = session.playbook
        inner = QWidget()
        col = QVBoxLayout(inner)
        form = QFormLayout()
        col.addLayout(form)
        self.outcome = ChoiceEditor(
            pseudo_field("outcome", "single_choice", "visitui.finish.outcome"),
            choices=[(o.id, o.label.get()) for o in pb.outcomes],
        )
        self.outcome.on_edit = self._setter("outcome")
        lab = field_label(tr("visitui.finish.outcome"), True)
        lab.setBuddy(self.outcome.combo)
        form.addRow(lab, self.outcome)
        self.follow_date = OptionalDateEdit()
        self.follow_date.setObjectName("followUpDate")
        self.follow_date.setMaximumWidth(180)
        self.follow_date.dateChanged.connect(self._follow_changed)
        lab = field_label(tr("visitui.finish.follow_up_date"), True)
        lab.setBuddy(self.follow_date)
        form.addRow(lab, self.follow_date)
        self.channel = ChoiceEditor(
            pseudo_field("channel", "single_choice", "visitui.finish.follow_up_channel"),
            choices=[(c.id, c.label.get()) for c in pb.follow_up_channels],
        )
        self.channel.on_edit = self._follow_changed
        lab = field_label(tr("visitui.finish.follow_up_channel"), True)
        lab.setBuddy(self.channel.combo)
        form.addRow(lab, self.channel)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(90)
        self.notes.textChanged.connect(
            lambda: self.apply(lambda rec: dataclasses.replace(rec, notes=self.notes.toPlainText()))
        )
        lab = field_label(tr("visitui.finish.notes"), False)
        lab.setBuddy(self.notes)
        form.addRow(lab, self.notes)

        self.customer_language = QComboBox()
        self.customer_language.setObjectName("customerLanguage")
        for lang in CUSTOMER_LANGUAGES:
            self.customer_language.addItem(tr(f"visitui.finish.customer_language.{lang}"), lang)
        self.customer_language.currentIndexChanged.connect(self._language_changed)
        lab = field_label(tr("visitui.finish.customer_language"), False)
        lab.setBuddy(self.customer_language)
        self.customer_language.setToolTip(tr("visitui.finish.customer_language_tip"))
        form.addRow(lab, self.customer_language)

        self.warnings_box = QGroupBox(tr("visitui.finish.warnings"))
        self.warnings_layout = QVBoxLayout(self.warnings_box)
        self.no_warnings = QLabel(tr("visitui.finish.no_warnings"))
        self.warnings_layout.addWidget(self.no_warnings)
        self.warning_checks: dict[str, QCheckBox] = {}
        self.ack_reasons: dict[str, QLineEdit] = {}
        self.ack_supervisors: dict[str, QLineEdit] = {}
        """For warnings only a supervisor may acknowledge: who that supervisor is."""
        self._warning_rows: dict[str, tuple[QWidget, QLabel]] = {}
        col.addWidget(self.warnings_box)

        self.state_label = QLabel()
        self.state_label.setObjectName("finishState")
        self.state_label.setWordWrap(True)
        self.state_label.setFont(big_font(self, 1.1, bold=True))
        col.addWidget(self.state_label)

        buttons = QHBoxLayout()
        self.finalise_button = QPushButton(tr("visitui.finish.finalise"))
        self.finalise_button.setObjectName("finalise")
        self.amend_button = QPushButton(tr("visitui.finish.amend"))
        self.amend_button.setObjectName("amend")
        # the documents area fills these (signature pad, handout print)
        self.sign_button = QPushButton(tr("visitui.finish.sign"))
        self.sign_button.setObjectName("sign")
        self.print_button = QPushButton(tr("visitui.finish.print_handout"))
        self.print_button.setObjectName("printHandout")
        self.documents_button = QPushButton(tr("visitui.finish.documents"))
        self.documents_button.setObjectName("visitDocuments")
        self.discard_button = QPushButton(tr("visitui.finish.discard"))
        self.discard_button.setObjectName("discardDraft")
        for b in (self.finalise_button, self.amend_button, self.sign_button, self.print_button,
                  self.documents_button, self.discard_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        col.addLayout(buttons)
        self.documents_note = QLabel()
        self.documents_note.setWordWrap(True)
        self.documents_note.setStyleSheet("color: #555;")
        col.addWidget(self.documents_note)
        col.addStretch(1)
        self.body.addWidget(_scroll(inner), 1)
        self.focusables = {
            "outcome": self.outcome.combo,
            "follow_up.date": self.follow_date,
            "follow_up.channel": self.channel.combo,
            "notes": self.notes,
            "follow_up": self.follow_date,
        }
        self.load(session.record)

    def _follow_changed(self, *_: object) -> None:
        follow = FollowUp(self.follow_date.value(), self.channel.value())
        self.apply(lambda rec: dataclasses.replace(rec, follow_up=follow))

    def _language_changed(self, _index: int) -> None:
        lang = self.customer_language.currentData()
        if lang:
            self.apply(lambda rec: dataclasses.replace(rec, customer_language=lang))

    def load(self, record: VisitRecord) -> None:
        self._loading = True
        try:
            self.customer_language.blockSignals(True)
            self.customer_language.setCurrentIndex(
                max(0, self.customer_language.findData(record.customer_language)))
            self.customer_language.blockSignals(False)
            self.outcome.set_value(record.outcome)
            self.follow_date.set_value(record.follow_up.date)
            self.channel.set_value(record.follow_up.channel)
            if self.notes.toPlainText() != record.notes:
                self.notes.setPlainText(record.notes)
        finally:
            self._loading = False

    def refresh(self, record: VisitRecord, report: ValidationReport | None) -> None:
        warnings: tuple[ValidationIssue, ...] = report.warnings if report else ()
        keys = [w.key for w in warnings]
        for key in list(self.warning_checks):
            if key not in keys:
                self.warning_checks.pop(key)
                self.ack_reasons.pop(key, None)
                self.ack_supervisors.pop(key, None)
                row_widget, _label = self._warning_rows.pop(key)
                row_widget.deleteLater()
        for w in warnings:
            check = self.warning_checks.get(w.key)
            if check is None:
                # a check box does not wrap: the (long) message is a label beside it, and
                # below it the reason, without which the warning cannot be acknowledged
                row = QWidget()
                line = QHBoxLayout(row)
                line.setContentsMargins(0, 0, 0, 0)
                check = QCheckBox(tr("visitui.finish.ack"))
                check.setObjectName("ackWarning")
                check.setProperty("issue_key", w.key)
                check.toggled.connect(lambda on, k=w.key: self._ack(k, on))
                label = QLabel()
                label.setWordWrap(True)
                label.setObjectName("ackMessage")
                reason = QLineEdit()
                reason.setObjectName("ackReason")
                reason.setPlaceholderText(tr("visitui.finish.ack_reason"))
                reason.editingFinished.connect(lambda k=w.key: self._reason_edited(k))
                text_col = QVBoxLayout()
                text_col.addWidget(label)
                text_col.addWidget(reason)
                if w.params.get("needs_supervisor"):
                    # threats, disclosure and insults in the officer's own words: only a
                    # supervisor (not the officer or companion) can acknowledge them
                    supervisor = QLineEdit()
                    supervisor.setObjectName("ackSupervisor")
                    supervisor.setPlaceholderText(tr("visitui.finish.ack_supervisor"))
                    supervisor.editingFinished.connect(
                        lambda k=w.key: self._reason_edited(k))
                    text_col.addWidget(supervisor)
                    self.ack_supervisors[w.key] = supervisor
                line.addWidget(check, 0, Qt.AlignmentFlag.AlignTop)
                line.addLayout(text_col, 1)
                self.warnings_layout.addWidget(row)
                self.warning_checks[w.key] = check
                self.ack_reasons[w.key] = reason
                self._warning_rows[w.key] = (row, label)
            self._warning_rows[w.key][1].setText(w.message())
            check.setAccessibleDescription(w.message())
            check.blockSignals(True)
            check.setChecked(w.acknowledged)
            check.blockSignals(False)
            check.setEnabled(record.editable)
            reason = self.ack_reasons[w.key]
            ack = record.acknowledgements.get(w.key)
            if ack is not None and not reason.hasFocus() and reason.text() != ack.reason:
                reason.setText(ack.reason)
            reason.setEnabled(record.editable)
            who_box = self.ack_supervisors.get(w.key)
            if who_box is not None:
                if ack is not None and not who_box.hasFocus() and who_box.text() != ack.by:
                    who_box.setText(ack.by)
                who_box.setEnabled(record.editable)
        self.no_warnings.setVisible(not warnings)
        if not record.editable:
            text = tr(
                "visitui.finish.state_locked",
                state=tr(f"visit.state.{record.state}"),
                version=record.version,
            )
        elif report is None:
            text = ""
        elif report.can_finalise:
            text = tr("visitui.finish.state_ready")
        else:
            text = tr(
                "visitui.finish.state_blocked",
                errors=len(report.errors),
                warnings=len(report.unacknowledged),
            )
        self.state_label.setText(text)
        sign = documents_hook("sign_visit")
        handout = documents_hook("print_handout")
        self.finalise_button.setVisible(record.editable)
        self.amend_button.setVisible(not record.editable)
        can_sign = sign is not None and record.state == "finalised"
        self.sign_button.setEnabled(can_sign)
        self.sign_button.setToolTip(tr("visitui.finish.sign_tip") if can_sign else tr(
            {"draft": "visitui.finish.sign_needs_final",
             "signed": "visitui.finish.sign_done"}.get(record.state,
                                                       "visitui.finish.documents_missing")))
        can_print = handout is not None and not record.editable and bool(record.plan)
        self.print_button.setEnabled(can_print)
        self.print_button.setToolTip(
            tr("visitui.finish.print_tip") if can_print
            else tr("visitui.finish.print_needs_final") if record.editable
            else tr("visitui.finish.print_no_plan"))
        self.documents_button.setEnabled(not record.editable)
        self.documents_button.setToolTip(
            tr("visitui.finish.documents_tip") if not record.editable
            else tr("visitui.finish.documents_needs_final"))
        self.discard_button.setVisible(record.editable)
        self.discard_button.setToolTip(tr("visitui.finish.discard_tip"))
        if record.state == "finalised":
            # locked but not signed yet: visibly so, in words
            text += "\n" + tr("visitui.finish.unsigned")
            self.state_label.setText(text)
            self.state_label.setStyleSheet("color: #b45309;")
        else:
            self.state_label.setStyleSheet("")
        self.documents_note.setText(
            "" if sign and handout else tr("visitui.finish.documents_missing")
        )

    def _ack(self, key: str, on: bool) -> None:
        if not on:
            self.apply(lambda rec: visit_core.without_acknowledgement(rec, key))
            return
        reason = self.ack_reasons[key].text().strip()
        if not reason:
            # a warning never stands without a reason: ask for it first
            check = self.warning_checks[key]
            check.blockSignals(True)
            check.setChecked(False)
            check.blockSignals(False)
            self.ack_reasons[key].setFocus()
            self.state_label.setText(tr("visitui.finish.ack_reason_needed"))
            return
        officer = self.session.record.officer
        by = f"{officer.name}（{officer.staff_no}）" if officer.staff_no else officer.name
        supervisor = self.ack_supervisors.get(key)
        if supervisor is not None:
            by = supervisor.text().strip()
            if not by:
                check = self.warning_checks[key]
                check.blockSignals(True)
                check.setChecked(False)
                check.blockSignals(False)
                supervisor.setFocus()
                self.state_label.setText(tr("visitui.finish.ack_supervisor_needed"))
                return
        now = datetime.now().astimezone().replace(microsecond=0)
        self.apply(lambda rec: visit_core.with_acknowledgement(rec, key, by, reason, now))

    def _reason_edited(self, key: str) -> None:
        """A changed reason of an acknowledged warning replaces the recorded one."""
        check = self.warning_checks.get(key)
        if check is None or not check.isChecked() or self._loading:
            return
        if self.ack_reasons[key].text().strip():
            self._ack(key, True)
        else:
            check.setChecked(False)

    def owns(self, location: str) -> bool:
        return location in self.focusables

    def location_label(self, location: str) -> str:
        key = {
            "follow_up.date": "follow_up_date",
            "follow_up.channel": "follow_up_channel",
            "follow_up": "follow_up_date",
        }.get(location, location)
        label = tr(f"visitui.finish.{key}")
        return (
            f"{self.title_text} · {label}" if not label.startswith("visitui.") else self.title_text
        )

    def set_read_only(self, read_only: bool) -> None:
        for w in (self.outcome, self.follow_date, self.channel, self.notes,
                  self.customer_language):
            w.setEnabled(not read_only)
        if read_only:
            for check in self.warning_checks.values():
                check.setEnabled(False)


def blank_marker() -> str:
    """What a talking point shows for a figure not known yet."""
    return BLANK
