"""Widgets for the playbook's typed fields, and a form that builds them from the playbook.

Each :class:`FieldEditor` shows one field type and speaks the record's JSON value form (see
:func:`visitdesk.core.playbook.value_problem`): text as ``str``, yes/no as ``bool``, choices
as option ids, money as a decimal string with two places, date ``YYYY-MM-DD``, time
``HH:MM``. ``None`` means "not answered". A :class:`FieldForm` lays the editors out with their
labels, required marks and help, and shows or hides conditional fields live.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QDate, QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from visitdesk.core.money import round_fen
from visitdesk.core.playbook import Field
from visitdesk.i18n import tr

MONEY_RE = r"^\d{0,12}([.]\d{0,2})?$"
NUMBER_RE = r"^-?\d{0,12}([.]\d{0,4})?$"
TIME_RE = r"^([01]?\d|2[0-3])(:([0-5]\d?)?)?$"
EMPTY_DATE = QDate(2000, 1, 1)
"""The minimum date of a :class:`OptionalDateEdit`: shown as "not filled in"."""


def _validator(pattern: str, parent: QWidget) -> QRegularExpressionValidator:
    return QRegularExpressionValidator(QRegularExpression(pattern), parent)


class OptionalDateEdit(QDateEdit):
    """A date edit with a calendar that can also be empty (its minimum date means empty)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setMinimumDate(EMPTY_DATE)
        self.setSpecialValueText(tr("visitui.field.date_empty"))
        self.setDate(EMPTY_DATE)

    def value(self) -> date | None:
        q = self.date()
        if q == EMPTY_DATE:
            return None
        return date(q.year(), q.month(), q.day())

    def set_value(self, value: date | None) -> None:
        self.setDate(EMPTY_DATE if value is None else QDate(value.year, value.month, value.day))


class FieldEditor(QWidget):
    """One field's editor; ``on_edit(value)`` gets the new JSON value after a user edit.

    A plain callback, not a Qt signal: PySide6 6.12 on Python 3.11 drops a reference to
    ``True`` on every Python-side ``Signal.emit()``, which aborts a long session.
    """

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.on_edit: Callable[[Any], None] | None = None
        self._loading = False
        self.setObjectName(f"field_{field.id}")
        self.problem_label = QLabel()
        self.problem_label.setObjectName("fieldProblem")
        self.problem_label.setStyleSheet("color: #b00020;")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()

    # subclasses implement these three
    def value(self) -> Any:
        raise NotImplementedError

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def focus_widget(self) -> QWidget:
        return self

    def set_value(self, value: Any) -> None:
        """Show ``value`` without emitting ``edited``."""
        self._loading = True
        try:
            self._show(value)
        finally:
            self._loading = False
        self._set_problem("")

    def set_read_only(self, read_only: bool) -> None:
        self.setEnabled(not read_only)

    def _emit(self, *_: object) -> None:
        if not self._loading and self.on_edit is not None:
            self.on_edit(self.value())

    def _set_problem(self, text: str) -> None:
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))


class TextEditor(FieldEditor):
    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit = QLineEdit()
        self.edit.textChanged.connect(self._emit)
        _single(self, self.edit)

    def value(self) -> Any:
        return self.edit.text() or None

    def _show(self, value: Any) -> None:
        self.edit.setText(value if isinstance(value, str) else "")

    def focus_widget(self) -> QWidget:
        return self.edit


class LongTextEditor(FieldEditor):
    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit = QPlainTextEdit()
        self.edit.setTabChangesFocus(True)
        self.edit.setMinimumHeight(64)
        self.edit.setMaximumHeight(110)
        self.edit.textChanged.connect(self._emit)
        _single(self, self.edit)

    def value(self) -> Any:
        return self.edit.toPlainText() or None

    def _show(self, value: Any) -> None:
        self.edit.setPlainText(value if isinstance(value, str) else "")

    def focus_widget(self) -> QWidget:
        return self.edit


class YesNoEditor(FieldEditor):
    """Two radio buttons; neither ticked means not answered."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.yes = QRadioButton(tr("visitui.field.yes"))
        self.no = QRadioButton(tr("visitui.field.no"))
        self.yes.setObjectName(f"field_{field.id}_yes")
        self.no.setObjectName(f"field_{field.id}_no")
        self.group = QButtonGroup(self)
        self.group.addButton(self.yes)
        self.group.addButton(self.no)
        self.group.buttonToggled.connect(self._toggled)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.yes)
        row.addWidget(self.no)
        row.addStretch(1)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(row)
        box.addWidget(self.problem_label)

    def _toggled(self, _button: Any, checked: bool) -> None:
        if checked:
            self._emit()

    def value(self) -> Any:
        if self.yes.isChecked():
            return True
        if self.no.isChecked():
            return False
        return None

    def _show(self, value: Any) -> None:
        if value is None:
            self.group.setExclusive(False)
            self.yes.setChecked(False)
            self.no.setChecked(False)
            self.group.setExclusive(True)
        else:
            (self.yes if value else self.no).setChecked(True)

    def focus_widget(self) -> QWidget:
        return self.yes


class ChoiceEditor(FieldEditor):
    """Single choice: a combo box whose first entry means "not chosen"."""

    def __init__(
        self,
        field: Field,
        parent: QWidget | None = None,
        choices: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(field, parent)
        self.combo = QComboBox()
        self.combo.addItem(tr("visitui.field.choose"), None)
        for oid, label in (
            choices if choices is not None else [(o.id, o.label.get()) for o in field.options]
        ):
            self.combo.addItem(label, oid)
        self.combo.currentIndexChanged.connect(self._emit)
        _single(self, self.combo)

    def value(self) -> Any:
        return self.combo.currentData()

    def _show(self, value: Any) -> None:
        index = self.combo.findData(value) if value is not None else 0
        self.combo.setCurrentIndex(max(index, 0))

    def choose(self, option_id: str | None) -> None:
        """Pick ``option_id`` as the user would (emits ``edited``)."""
        self._show(option_id)

    def focus_widget(self) -> QWidget:
        return self.combo


MULTI_CHOICE_SHORT = 18
"""Options up to this many characters sit in two columns; longer ones in one."""


class MultiChoiceEditor(FieldEditor):
    """Multiple choice: one check box per option, in two columns when the options are short."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.checks: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        # long options (English) one under the other, so the form never needs to scroll sideways
        longest = max((len(o.label.get()) for o in field.options), default=0)
        columns = 2 if longest <= MULTI_CHOICE_SHORT else 1
        for i, option in enumerate(field.options):
            check = QCheckBox(option.label.get())
            check.setObjectName(f"field_{field.id}_{option.id}")
            check.toggled.connect(self._emit)
            self.checks[option.id] = check
            grid.addWidget(check, i // columns, i % columns)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(grid)
        box.addWidget(self.problem_label)

    def value(self) -> Any:
        ticked = [oid for oid, c in self.checks.items() if c.isChecked()]
        return ticked or None

    def _show(self, value: Any) -> None:
        chosen = set(value) if isinstance(value, (list, tuple)) else set()
        for oid, check in self.checks.items():
            check.setChecked(oid in chosen)

    def focus_widget(self) -> QWidget:
        return next(iter(self.checks.values()), self)


class PatternEditor(FieldEditor):
    """A line edit with a validator; text that is not a complete value shows a problem."""

    pattern = ""
    placeholder = ""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit = QLineEdit()
        self.edit.setValidator(_validator(self.pattern, self.edit))
        if self.placeholder:
            self.edit.setPlaceholderText(tr(self.placeholder))
        self.edit.setMaximumWidth(220)
        self.edit.textChanged.connect(self._text_changed)
        _single(self, self.edit)

    def _text_changed(self, _text: str) -> None:
        text = self.edit.text().strip()
        self._set_problem(
            "" if not text or self.convert(text) is not None else tr(self.problem_key())
        )
        self._emit()

    def problem_key(self) -> str:
        return "visitui.field.bad_value"

    def convert(self, text: str) -> Any:
        raise NotImplementedError

    def value(self) -> Any:
        text = self.edit.text().strip()
        return self.convert(text) if text else None

    def _show(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))

    def focus_widget(self) -> QWidget:
        return self.edit


class MoneyEditor(PatternEditor):
    """Money in yuan: stored as a decimal string rounded to the fen (``"1200.00"``)."""

    pattern = MONEY_RE
    placeholder = "visitui.field.money_placeholder"

    def problem_key(self) -> str:
        return "visitui.field.bad_money"

    def convert(self, text: str) -> Any:
        try:
            amount = Decimal(text)
        except InvalidOperation:
            return None
        if not amount.is_finite() or amount < 0:
            return None
        return str(round_fen(amount))


class NumberEditor(PatternEditor):
    pattern = NUMBER_RE

    def problem_key(self) -> str:
        return "visitui.field.bad_number"

    def convert(self, text: str) -> Any:
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        if not number.is_finite():
            return None
        if number == number.to_integral_value() and "." not in text:
            return int(number)
        return str(number)


class TimeEditor(PatternEditor):
    """A time of day ``HH:MM``."""

    pattern = TIME_RE
    placeholder = "visitui.field.time_placeholder"

    def problem_key(self) -> str:
        return "visitui.field.bad_time"

    def convert(self, text: str) -> Any:
        parts = text.split(":")
        if len(parts) != 2 or not parts[0] or len(parts[1]) != 2:
            return None
        hours, minutes = int(parts[0]), int(parts[1])
        if hours > 23 or minutes > 59:
            return None
        return f"{hours:02d}:{minutes:02d}"

    def _show(self, value: Any) -> None:
        self.edit.setText(value if isinstance(value, str) else "")


class DateEditor(FieldEditor):
    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit = OptionalDateEdit()
        self.edit.setMaximumWidth(180)
        self.edit.dateChanged.connect(self._emit)
        _single(self, self.edit)

    def value(self) -> Any:
        day = self.edit.value()
        return day.isoformat() if day else None

    def _show(self, value: Any) -> None:
        try:
            self.edit.set_value(date.fromisoformat(value) if isinstance(value, str) else None)
        except ValueError:
            self.edit.set_value(None)

    def focus_widget(self) -> QWidget:
        return self.edit


def _single(editor: FieldEditor, widget: QWidget) -> None:
    box = QVBoxLayout(editor)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(2)
    box.addWidget(widget)
    box.addWidget(editor.problem_label)


EDITORS: dict[str, Callable[[Field], FieldEditor]] = {
    "text": TextEditor,
    "long_text": LongTextEditor,
    "yes_no": YesNoEditor,
    "single_choice": ChoiceEditor,
    "multi_choice": MultiChoiceEditor,
    "money": MoneyEditor,
    "date": DateEditor,
    "time": TimeEditor,
    "number": NumberEditor,
}


def make_editor(field: Field) -> FieldEditor:
    """The editor for ``field``'s type."""
    return EDITORS[field.type](field)


LABEL_MIN_CHARS = 20
"""A form label is never narrower than this many average characters (unless shorter)."""


def field_label(text: str, required: bool) -> QLabel:
    """A form label; required fields carry a red asterisk and say so to screen readers."""
    label = QLabel(f"{text} <span style='color:#b00020'>*</span>" if required else text)
    label.setTextFormat(Qt.TextFormat.RichText if required else Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    # a long question gets room for a few whole lines, never a sliver that clips them
    metrics = label.fontMetrics()
    slack = metrics.averageCharWidth() * 2  # the marker is rich text, a little wider
    label.setMinimumWidth(min(metrics.horizontalAdvance(text + " *") + slack,
                              metrics.averageCharWidth() * LABEL_MIN_CHARS))
    if required:
        label.setToolTip(tr("visitui.field.required"))
        label.setAccessibleName(f"{text} ({tr('visitui.field.required')})")
    return label


class FieldForm(QWidget):
    """The editors of one stage or situation, in playbook order.

    ``on_edit(field_id, value)`` after each user edit. :meth:`set_answers` shows stored
    answers and applies the conditions; :meth:`apply_conditions` shows or hides conditional
    rows.
    """

    def __init__(self, fields: tuple[Field, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = fields
        self.on_edit: Callable[[str, Any], None] | None = None
        self.editors: dict[str, FieldEditor] = {}
        self.labels: dict[str, QLabel] = {}
        self.rows: dict[str, QWidget] = {}
        """The widget of each field's form row (editor, or editor with its help below)."""
        self.layout_ = QFormLayout(self)
        self.layout_.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for f in fields:
            editor = make_editor(f)
            label = field_label(f.label.get(), f.required)
            label.setBuddy(editor.focus_widget())
            if f.help is not None:
                editor.setToolTip(f.help.get())
                label.setToolTip(f.help.get())
                holder = QWidget()
                col = QVBoxLayout(holder)
                col.setContentsMargins(0, 0, 0, 0)
                col.setSpacing(1)
                col.addWidget(editor)
                hint = QLabel(f.help.get())
                hint.setObjectName("fieldHelp")
                hint.setWordWrap(True)
                hint.setStyleSheet("color: #555;")
                col.addWidget(hint)
                self.layout_.addRow(label, holder)
                self.rows[f.id] = holder
            else:
                self.layout_.addRow(label, editor)
                self.rows[f.id] = editor
            editor.on_edit = lambda value, fid=f.id: self._relay(fid, value)
            self.editors[f.id] = editor
            self.labels[f.id] = label

    def _relay(self, field_id: str, value: Any) -> None:
        if self.on_edit is not None:
            self.on_edit(field_id, value)

    def set_answers(self, answers: dict[str, Any]) -> None:
        for fid, editor in self.editors.items():
            editor.set_value(answers.get(fid))
        self.apply_conditions(answers)

    def apply_conditions(self, answers: dict[str, Any]) -> None:
        for f in self.fields:
            if f.condition is not None:
                self.layout_.setRowVisible(self.rows[f.id], f.visible(answers))

    def is_shown(self, field_id: str) -> bool:
        return not self.rows[field_id].isHidden()

    def set_read_only(self, read_only: bool) -> None:
        for editor in self.editors.values():
            editor.set_read_only(read_only)
