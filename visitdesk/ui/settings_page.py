"""The settings dialog, generated from the fields of :class:`visitdesk.core.settings.Settings`.

The first tab is the first-run page (who we are: bank, branch, officer, contact, payment
channels, language); the second holds the rules and figures. Each field's editor follows its
type (text, time, whole number, yes/no, decimal, percentage), so a setting added to
``Settings`` appears here with only a label in the catalog. Input is checked into a report of
problems before anything is saved.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QStyle,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from visitdesk import i18n
from visitdesk.adapters.settings_store import save_settings
from visitdesk.core.collection.contacts import parse_limits
from visitdesk.core.errors import InputError
from visitdesk.core.settings import Settings
from visitdesk.i18n import tr

FIRST_RUN_FIELDS: tuple[str, ...] = (
    "bank_name", "branch", "officer_name", "staff_no", "officer_phone", "bank_hotline",
    "payment_channels", "support_contact", "language",
)
REQUIRED_FIELDS: tuple[str, ...] = ("bank_name", "officer_name", "staff_no")
"""What ``Settings.is_configured`` needs."""
PERCENT_FIELDS: frozenset[str] = frozenset(
    {"daily_interest_rate", "late_fee_rate", "affordability_share", "minimum_payment_share"})
"""Stored as fractions, edited as percentages (0.0005 ↔ 0.05 %)."""
MULTILINE_FIELDS: frozenset[str] = frozenset({"payment_channels"})
LIST_FIELDS: frozenset[str] = frozenset({"contact_limits"})
"""Settings that are a list of short texts, edited as one line separated by commas."""
INT_RANGES: dict[str, tuple[int, int]] = {"lock_after_minutes": (0, 240), "retention_years": (1, 30),
                                          "attachment_limit_mb": (1, 100_000), "plan_grace_days": (0, 60)}
"""Whole-number settings whose range is not the usual 1–360."""
CHOICE_FIELDS: dict[str, tuple[str, ...]] = {
    "default_product_type": ("card", "loan"),
    "late_fee_base": ("principal", "minimum_payment"),
}
"""Text settings with a fixed set of values, edited with a list (``ui.settings.choice.*``)."""
OPTIONAL_ACCOUNT_FIELDS: tuple[str, ...] = (
    "phone", "address", "interest", "late_fee", "other_fees", "overdue_days",
    "overdue_since", "due_date", "branch", "officer",
)
"""Account fields a bank may additionally mark as required on import."""
CHECK_FIELDS: dict[str, tuple[str, ...]] = {
    "extra_required_fields": OPTIONAL_ACCOUNT_FIELDS,
    **{f"mask_{place}": ("id_number", "phone")
       for place in ("list", "detail", "briefing", "export")},
    "import_credit_fields": ("principal", "interest", "late_fee", "other_fees", "total"),
}
"""Settings that are a set of account fields, edited with one check box per field."""
HUNDRED = Decimal(100)


@dataclasses.dataclass(frozen=True)
class SettingsReport:
    """The outcome of checking the form: the settings, or the problems (field, message)."""

    settings: Settings | None
    problems: tuple[tuple[str, str], ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class SettingsForm(QWidget):
    """Both tabs of settings editors; :meth:`collect` turns them into a report."""

    def __init__(self, settings: Settings, *, first_run: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hints = typing.get_type_hints(Settings)
        self.editors: dict[str, QWidget] = {}
        self.tabs = QTabWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if first_run:
            intro = QLabel(tr("ui.settings.first_run_intro"))
            intro.setWordWrap(True)
            layout.addWidget(intro)
        layout.addWidget(self.tabs)
        names = [f.name for f in dataclasses.fields(Settings)]
        self._add_tab(tr("ui.settings.tab.identity"), [n for n in names if n in FIRST_RUN_FIELDS])
        self._add_tab(tr("ui.settings.tab.rules"), [n for n in names if n not in FIRST_RUN_FIELDS])
        self.set_settings(settings)

    def _add_tab(self, title: str, names: list[str]) -> None:
        page = QWidget()
        form = QFormLayout(page)
        for name in names:
            editor = self._make_editor(name)
            self.editors[name] = editor
            label = tr(f"ui.settings.field.{name}")
            if name in REQUIRED_FIELDS:
                label += " *"
            label_widget = QLabel(label)
            label_widget.setToolTip(tr(f"ui.settings.help.{name}"))
            editor.setToolTip(tr(f"ui.settings.help.{name}"))
            form.addRow(label_widget, editor)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        self.tabs.addTab(scroll, title)

    def _make_editor(self, name: str) -> QWidget:
        hint = self._hints[name]
        if name == "language":
            combo = QComboBox()
            for lang in i18n.LANGUAGES:
                combo.addItem(tr(f"ui.language.{lang}"), lang)
            return combo
        if name in CHOICE_FIELDS:
            combo = QComboBox()
            for value in CHOICE_FIELDS[name]:
                combo.addItem(tr(f"ui.settings.choice.{name}.{value}"), value)
            return combo
        if name in CHECK_FIELDS:
            box = QWidget()
            grid = QGridLayout(box)
            grid.setContentsMargins(0, 0, 0, 0)
            for i, field in enumerate(CHECK_FIELDS[name]):
                check = QCheckBox(tr(f"ui.detail.{field}"))
                check.setObjectName(field)
                grid.addWidget(check, i // 3, i % 3)
            return box
        if name in MULTILINE_FIELDS:
            edit = QPlainTextEdit()
            edit.setFixedHeight(self.fontMetrics().height() * 4 + 12)
            return edit
        if hint is bool:
            return QCheckBox()
        if hint is int:
            spin = QSpinBox()
            spin.setRange(*INT_RANGES.get(name, (1, 360)))
            return spin
        if hint is time:
            time_edit = QTimeEdit()
            time_edit.setDisplayFormat("HH:mm")
            return time_edit
        line = QLineEdit()
        if name in PERCENT_FIELDS:
            line.setPlaceholderText(tr("ui.settings.percent_placeholder"))
        elif hint in (Decimal, Decimal | None):
            line.setPlaceholderText(tr("ui.settings.amount_placeholder"))
        return line

    # --- values -------------------------------------------------------------------------
    def set_settings(self, settings: Settings) -> None:
        for name, editor in self.editors.items():
            value = getattr(settings, name)
            if name == "language" or name in CHOICE_FIELDS:
                assert isinstance(editor, QComboBox)
                editor.setCurrentIndex(max(editor.findData(value), 0))
            elif name in CHECK_FIELDS:
                for check in editor.findChildren(QCheckBox):
                    check.setChecked(check.objectName() in value)
            elif isinstance(editor, QPlainTextEdit):
                editor.setPlainText(value)
            elif isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QSpinBox):
                editor.setValue(int(value))
            elif isinstance(editor, QTimeEdit):
                editor.setTime(QTime(value.hour, value.minute))
            elif isinstance(editor, QLineEdit):
                if name in LIST_FIELDS:
                    editor.setText(", ".join(value))
                elif value is None:
                    editor.setText("")
                elif name in PERCENT_FIELDS:
                    editor.setText(_plain(value * HUNDRED))
                else:
                    editor.setText(str(value))

    def collect(self, base: Settings | None = None) -> SettingsReport:
        """Read every editor; problems name the field and say what is expected."""
        values: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        for name, editor in self.editors.items():
            hint = self._hints[name]
            if name == "language" or name in CHOICE_FIELDS:
                assert isinstance(editor, QComboBox)
                values[name] = editor.currentData()
            elif name in CHECK_FIELDS:
                values[name] = tuple(c.objectName() for c in editor.findChildren(QCheckBox)
                                     if c.isChecked())
            elif isinstance(editor, QPlainTextEdit):
                lines = [ln.strip() for ln in editor.toPlainText().splitlines()]
                values[name] = "\n".join(ln for ln in lines if ln)
            elif isinstance(editor, QCheckBox):
                values[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox):
                values[name] = editor.value()
            elif isinstance(editor, QTimeEdit):
                t = editor.time()
                values[name] = time(t.hour(), t.minute())
            elif isinstance(editor, QLineEdit):
                text = editor.text().strip()
                if name in LIST_FIELDS:
                    items = tuple(p.strip() for p in text.split(",") if p.strip())
                    try:
                        parse_limits(items)
                    except InputError as exc:
                        problems.append((name, str(exc)))
                        continue
                    values[name] = items
                    continue
                if hint is str:
                    values[name] = text
                    continue
                label = tr(f"ui.settings.field.{name}")
                if not text:
                    if hint == (Decimal | None):
                        values[name] = None
                    else:
                        problems.append((name, tr("ui.settings.error.required", field=label)))
                    continue
                try:
                    number = Decimal(text.replace(",", "").rstrip("%").strip())
                except InvalidOperation:
                    number = Decimal("NaN")
                if not number.is_finite() or number < 0:
                    problems.append((name, tr("ui.settings.error.number", field=label,
                                              value=text)))
                    continue
                if name in PERCENT_FIELDS:
                    if number > HUNDRED:
                        problems.append((name, tr("ui.settings.error.percent", field=label)))
                        continue
                    number = number / HUNDRED
                values[name] = number
        for name in REQUIRED_FIELDS:
            if not values.get(name):
                problems.append((name, tr("ui.settings.error.required",
                                          field=tr(f"ui.settings.field.{name}"))))
        if values.get("contact_start") and values.get("contact_end") and \
                values["contact_start"] >= values["contact_end"]:
            problems.append(("contact_end", tr("ui.settings.error.hours")))
        if problems:
            return SettingsReport(None, tuple(problems))
        base = base or Settings()
        return SettingsReport(dataclasses.replace(base, **values), ())


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


class SettingsDialog(QDialog):
    """Edit and save the settings. ``saved`` holds what was saved once accepted."""

    def __init__(self, data_dir: Path | str, settings: Settings, *, first_run: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.base = settings
        self.saved: Settings | None = None
        self.setWindowTitle(tr("ui.settings.first_run_title") if first_run
                            else tr("ui.settings.title"))
        self.form = SettingsForm(settings, first_run=first_run)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b00020")
        self.problems.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(self.form, 1)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)
        # wide enough for the widest tab without a horizontal scroll bar (English is longer)
        widest = 0
        for i in range(self.form.tabs.count()):
            scroll = self.form.tabs.widget(i)
            inner = scroll.widget() if isinstance(scroll, QScrollArea) else scroll
            if inner is not None:
                widest = max(widest, inner.sizeHint().width())
        scrollbar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        self.resize(max(560, widest + scrollbar + 60), 540)

    def accept(self) -> None:
        report = self.form.collect(self.base)
        if not report.ok or report.settings is None:
            self.problems.setText("\n".join(msg for _, msg in report.problems))
            self.problems.show()
            first = report.problems[0][0]
            editor = self.form.editors.get(first)
            if editor is not None:
                for i in range(self.form.tabs.count()):
                    page = self.form.tabs.widget(i)
                    if page is not None and page.isAncestorOf(editor):
                        self.form.tabs.setCurrentIndex(i)
                editor.setFocus()
            return
        save_settings(self.data_dir, report.settings)
        self.saved = report.settings
        super().accept()
