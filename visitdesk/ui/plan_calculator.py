"""The plan calculator: options side by side, a plan editor with a live schedule, and the
affordability check. Self-contained so the main window (beside the account detail) and the
visit window's plan page can both embed it.

All figures come from the domain core (``visitdesk.core.plans``/``options``); this widget only
reads the editor into :class:`PlanTerms` and shows what the core returns. For custom plans a
row editor (:class:`CustomRowsModel` in a :class:`CustomRowsView`) takes the dates and amounts;
the engine's refusal is shown inline beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QRegularExpression,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from visitdesk.core.accounts import Account
from visitdesk.core.capitals import to_capitals
from visitdesk.core.debt import DebtBreakdown, breakdown, product_type_of
from visitdesk.core.errors import InputError, PlanError
from visitdesk.core.money import ZERO, format_plain, format_yuan
from visitdesk.core.options import Affordability, PlanOption, affordability, plan_options
from visitdesk.core.plans import (
    COMPONENTS,
    CustomInstalment,
    FeeMode,
    Plan,
    PlanKind,
    PlanTerms,
    Waiver,
    add_months,
    build_plan,
    custom_total,
    instalment_cap,
)
from visitdesk.core.settings import Settings
from visitdesk.i18n import tr
from visitdesk.ui.rows_model import ROOT_INDEX, ModelIndex, RowsModel

MONEY_PATTERN = r"^\d{0,12}([.]\d{0,2})?$"
RATE_PATTERN = r"^\d{0,2}([.]\d{0,4})?$"


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def _decimal(text: str) -> Decimal:
    text = text.strip()
    if not text or text == ".":
        return ZERO
    try:
        return Decimal(text)
    except InvalidOperation:
        return ZERO


class OptionsModel(RowsModel):
    """The standard options, one row each: option, per month, total paid, fees, last due."""

    COLUMNS = ("option", "monthly_amount", "total_payable", "total_fees", "last_due")
    HEADER_KEY = "plans.column.{}"

    def set_options(self, options: tuple[PlanOption, ...]) -> None:
        self._reset(tuple(options))

    def option(self, row: int) -> PlanOption:
        return self._rows[row]

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        option = self._row(index)
        if option is None:
            return None
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "option":
                return option.label
            if option.plan is None:
                return "—"
            if column == "last_due":
                return option.plan.last_due.isoformat()
            return format_yuan(getattr(option, column))
        if role == Qt.ItemDataRole.ToolTipRole and option.problem:
            return option.problem
        if role == Qt.ItemDataRole.TextAlignmentRole and column != "option":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ScheduleModel(RowsModel):
    """The schedule of the plan being edited."""

    COLUMNS = ("n", "due_date", "principal", "fee", "amount", "balance")
    HEADER_KEY = "plans.column.{}"

    def set_plan(self, plan: Plan | None) -> None:
        self._reset(plan.schedule if plan else ())

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self._row(index)
        if row is None:
            return None
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "n":
                return tr("plans.ui.down_payment_row") if row.n == 0 else str(row.n)
            if column == "due_date":
                return row.due_date.isoformat()
            return format_plain(getattr(row, column))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in ("n", "due_date"):
                return int(Qt.AlignmentFlag.AlignCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def parse_money_text(value: object) -> Decimal | None:
    """A non-negative amount with at most two decimals from what a money editor holds:
    ``Decimal`` or text such as ``"1200"`` or ``"1200.50"``; None for anything else (floats
    included, so no binary rounding ever reaches a schedule)."""
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        text = value.strip()
        if not QRegularExpression(MONEY_PATTERN).match(text).hasMatch() or not any(
                ch.isdigit() for ch in text):
            return None
        amount = Decimal(text)
    else:
        return None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        return None
    return amount.quantize(Decimal("0.01"))


class CustomRowsModel(RowsModel):
    """The rows of a custom schedule as the officer enters them: due date and amount, the
    period number in the vertical header (it follows the row, so inserting a row renumbers
    the rows after it without changing their data).

    Edited in place (``setData`` with a ``QDate``/``date``/ISO text for the date, Decimal
    text for the amount); whether the rows make a valid plan is the engine's business."""

    COLUMNS = ("due_date", "amount")
    HEADER_KEY = "plans.column.{}"
    NUMBERED = True
    DATE_COLUMN = 0
    AMOUNT_COLUMN = 1

    _rows: list[CustomInstalment]

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows = []
        self._start = date.today()

    # domain access
    def rows(self) -> tuple[CustomInstalment, ...]:
        return tuple(self._rows)

    def set_rows(self, rows: tuple[CustomInstalment, ...] | list[CustomInstalment]) -> None:
        self._reset(list(rows))

    def set_start(self, start: date) -> None:
        """The agreement date: the first new row falls a month after it."""
        self._start = start

    def entered(self) -> Decimal:
        return sum((r.amount for r in self._rows), ZERO)

    def default_date(self, position: int) -> date:
        """A month after the row before ``position`` (or after the agreement date)."""
        before = self._rows[position - 1].due_date if position > 0 else self._start
        return add_months(before, 1, before.day)

    # Qt model API
    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() in (self.DATE_COLUMN, self.AMOUNT_COLUMN):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self._row(index)
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.DATE_COLUMN:
                return row.due_date.isoformat()
            return format_plain(row.amount)
        if role == Qt.ItemDataRole.EditRole:
            if column == self.DATE_COLUMN:
                return _qdate(row.due_date)
            return format(row.amount, "f") if row.amount else ""
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == self.AMOUNT_COLUMN:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def setData(self, index: ModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        row = self._row(index)
        if role != Qt.ItemDataRole.EditRole or row is None:
            return False
        if index.column() == self.DATE_COLUMN:
            due = _date_value(value)
            if due is None:
                return False
            self._rows[index.row()] = CustomInstalment(due, row.amount)
        elif index.column() == self.AMOUNT_COLUMN:
            amount = parse_money_text(value)
            if amount is None:
                return False
            self._rows[index.row()] = CustomInstalment(row.due_date, amount)
        else:
            return False
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole,
                                             Qt.ItemDataRole.EditRole])
        return True

    def insertRows(self, row: int, count: int, parent: ModelIndex = ROOT_INDEX) -> bool:
        """New rows a month apart after the row before, amount 0 (to be entered)."""
        if parent.isValid() or count < 1 or not 0 <= row <= len(self._rows):
            return False
        self.beginInsertRows(ROOT_INDEX, row, row + count - 1)
        for position in range(row, row + count):
            self._rows.insert(position, CustomInstalment(self.default_date(position), ZERO))
        self.endInsertRows()
        return True

    def removeRows(self, row: int, count: int, parent: ModelIndex = ROOT_INDEX) -> bool:
        if parent.isValid() or count < 1 or row < 0 or row + count > len(self._rows):
            return False
        self.beginRemoveRows(ROOT_INDEX, row, row + count - 1)
        del self._rows[row:row + count]
        self.endRemoveRows()
        return True


def _date_value(value: Any) -> date | None:
    if isinstance(value, QDate):
        return _pydate(value) if value.isValid() else None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


class CustomRowDelegate(QStyledItemDelegate):
    """A ``yyyy-MM-dd`` date editor and a money editor that takes Decimal text only."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: ModelIndex) -> QWidget:
        if index.column() == CustomRowsModel.DATE_COLUMN:
            return _date_edit("customDateEditor", parent)
        if index.column() == CustomRowsModel.AMOUNT_COLUMN:
            return _money_edit("customAmountEditor", parent)
        return super().createEditor(parent, option, index)

    def setEditorData(self, editor: QWidget, index: ModelIndex) -> None:
        value = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, QDateEdit) and isinstance(value, QDate):
            editor.setDate(value)
        elif isinstance(editor, QLineEdit):
            editor.setText(value or "")
            editor.selectAll()
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: Any, index: ModelIndex) -> None:
        if isinstance(editor, QDateEdit):
            model.setData(index, editor.date(), Qt.ItemDataRole.EditRole)
        elif isinstance(editor, QLineEdit):
            if editor.text().strip():
                model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)


class CustomRowsView(QTableView):
    """The custom rows table, keyboard friendly: Insert adds a row after the current one,
    Delete removes it, Enter edits the current cell."""

    addRequested = Signal()
    removeRequested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self.state() != QAbstractItemView.State.EditingState:
            if key == Qt.Key.Key_Insert:
                self.addRequested.emit()
                return
            if key == Qt.Key.Key_Delete:
                self.removeRequested.emit()
                return
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                index = self.currentIndex()
                if index.isValid():
                    self.edit(index)
                    return
        super().keyPressEvent(event)


def _money_edit(name: str, parent: QWidget | None = None) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setValidator(QRegularExpressionValidator(QRegularExpression(MONEY_PATTERN), edit))
    edit.setPlaceholderText("0.00")
    edit.setAlignment(Qt.AlignmentFlag.AlignRight)
    return edit


def _date_edit(name: str, parent: QWidget | None = None) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _table(name: str, model: QAbstractTableModel) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view



class _VerticalScroll(QScrollArea):
    """Scrolls its widget up and down only: the editor column (custom rows plus waiver) can
    be taller than a laptop screen, and must not force the whole window taller than that."""

    def __init__(self, inner: QWidget) -> None:
        super().__init__()
        self.inner = inner
        self.setWidget(inner)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        inner = self.inner.minimumSizeHint()
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return QSize(inner.width() + bar, min(inner.height(), 200))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        inner = self.inner.sizeHint()
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return QSize(inner.width() + bar, inner.height())

class PlanCalculator(QWidget):
    """Options table, plan editor with live schedule, and affordability for one account."""

    planChanged = Signal(object)
    """The :class:`Plan` being edited after every change, or None when the terms are refused."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._account: Account | None = None
        self._settings = Settings()
        self._debt: DebtBreakdown | None = None
        self._plan: Plan | None = None
        self._error = ""
        self._custom_target: Decimal | None = None
        self._affordability: Affordability | None = None
        self._loading = False
        self._build()
        self._set_enabled_fields()
        self._refresh_all()

    # --- construction -------------------------------------------------------------------
    def _build(self) -> None:
        self.debt_label = QLabel()
        self.debt_label.setObjectName("debtLabel")
        self.debt_label.setWordWrap(True)
        self.debt_label.setTextFormat(Qt.TextFormat.PlainText)

        # options and affordability (left)
        self.options_model = OptionsModel(self)
        self.options_view = _table("optionsView", self.options_model)
        self.options_view.doubleClicked.connect(self._use_option)
        self.use_option_button = QPushButton(tr("plans.ui.use_option"))
        self.use_option_button.setObjectName("useOptionButton")
        self.use_option_button.clicked.connect(self._use_selected_option)
        options_box = QGroupBox(tr("plans.ui.options"))
        options_layout = QVBoxLayout(options_box)
        options_layout.addWidget(self.options_view)
        options_layout.addWidget(self.use_option_button, 0, Qt.AlignmentFlag.AlignRight)

        self.income_edit = _money_edit("incomeEdit")
        self.expenses_edit = _money_edit("expensesEdit")
        self.other_debts_edit = _money_edit("otherDebtsEdit")
        self.afford_label = QLabel()
        self.afford_label.setObjectName("affordLabel")
        self.afford_label.setWordWrap(True)
        self.use_afford_button = QPushButton(tr("plans.ui.use_affordable"))
        self.use_afford_button.setObjectName("useAffordableButton")
        self.use_afford_button.clicked.connect(self._use_affordable)
        afford_box = QGroupBox(tr("plans.ui.affordability"))
        afford_form = QFormLayout(afford_box)
        afford_form.addRow(tr("plans.ui.income"), self.income_edit)
        afford_form.addRow(tr("plans.ui.expenses"), self.expenses_edit)
        afford_form.addRow(tr("plans.ui.other_debts"), self.other_debts_edit)
        afford_form.addRow(self.afford_label)
        afford_form.addRow(self.use_afford_button)
        for edit in (self.income_edit, self.expenses_edit, self.other_debts_edit):
            edit.textChanged.connect(self._refresh_affordability)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(options_box, 3)
        left_layout.addWidget(afford_box, 2)

        # editor (middle)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("kindCombo")
        for kind in PlanKind:
            self.kind_combo.addItem(tr(f"plans.kind.{kind.value}"), kind.value)
        self.months_spin = QSpinBox()
        self.months_spin.setObjectName("monthsSpin")
        self.months_spin.setRange(1, 60)
        self.months_spin.setValue(12)
        self.months_spin.setSuffix(tr("plans.ui.months_suffix"))
        self.fee_combo = QComboBox()
        self.fee_combo.setObjectName("feeModeCombo")
        for mode in FeeMode:
            self.fee_combo.addItem(tr(f"plans.fee_mode.{mode.value}"), mode.value)
        self.rate_edit = QLineEdit()
        self.rate_edit.setObjectName("rateEdit")
        self.rate_edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(RATE_PATTERN), self.rate_edit))
        self.rate_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.rate_unit = QLabel()
        rate_row = QHBoxLayout()
        rate_row.addWidget(self.rate_edit, 1)
        rate_row.addWidget(self.rate_unit)
        self.down_edit = _money_edit("downPaymentEdit")
        self.start_edit = _date_edit("startEdit")
        self.first_due_check = QCheckBox(tr("plans.ui.set_first_due"))
        self.first_due_check.setObjectName("firstDueCheck")
        self.first_due_edit = _date_edit("firstDueEdit")
        first_due_row = QHBoxLayout()
        first_due_row.addWidget(self.first_due_check)
        first_due_row.addWidget(self.first_due_edit, 1)
        self.due_day_spin = QSpinBox()
        self.due_day_spin.setObjectName("dueDaySpin")
        self.due_day_spin.setRange(0, 31)
        self.due_day_spin.setSpecialValueText(tr("plans.ui.auto"))
        self.grace_spin = QSpinBox()
        self.grace_spin.setObjectName("graceSpin")
        self.grace_spin.setRange(0, 60)
        self.grace_spin.setSuffix(tr("plans.ui.months_suffix"))
        self.component_checks: dict[str, QCheckBox] = {}
        # two per row: one row of four made the editor too wide for the schedule beside it
        components_row = QGridLayout()
        for i, name in enumerate(COMPONENTS):
            check = QCheckBox(tr(f"plans.ui.short.{name}"))
            check.setToolTip(tr(f"plans.component.{name}"))
            check.setObjectName(f"component_{name}")
            check.setChecked(True)
            check.setEnabled(name != "principal")
            self.component_checks[name] = check
            components_row.addWidget(check, i // 2, i % 2)
        components_row.setColumnStretch(2, 1)

        editor_box = QGroupBox(tr("plans.ui.editor"))
        form = QFormLayout(editor_box)
        form.addRow(tr("plans.ui.kind"), self.kind_combo)
        form.addRow(tr("plans.ui.months"), self.months_spin)
        form.addRow(tr("plans.ui.grace"), self.grace_spin)
        form.addRow(tr("plans.ui.fee_mode"), self.fee_combo)
        form.addRow(tr("plans.ui.rate"), rate_row)
        form.addRow(tr("plans.ui.down_payment"), self.down_edit)
        form.addRow(tr("plans.ui.start"), self.start_edit)
        form.addRow(tr("plans.ui.first_due"), first_due_row)
        form.addRow(tr("plans.ui.due_day"), self.due_day_spin)
        form.addRow(tr("plans.ui.components"), components_row)

        self.waiver_box = QGroupBox(tr("plans.ui.waiver"))
        self.waiver_box.setObjectName("waiverBox")
        self.waiver_box.setCheckable(True)
        self.waiver_box.setChecked(False)
        self.waive_interest_edit = _money_edit("waiveInterestEdit")
        self.waive_fees_edit = _money_edit("waiveFeesEdit")
        self.waive_principal_edit = _money_edit("waivePrincipalEdit")
        self.approver_edit = QLineEdit()
        self.approver_edit.setObjectName("approverEdit")
        self.approval_ref_edit = QLineEdit()
        self.approval_ref_edit.setObjectName("approvalRefEdit")
        self.approved_check = QCheckBox()
        self.approved_check.setObjectName("approvedOnCheck")
        self.approved_on_edit = _date_edit("approvedOnEdit")
        approved_row = QHBoxLayout()
        approved_row.addWidget(self.approved_check)
        approved_row.addWidget(self.approved_on_edit, 1)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("reasonEdit")
        waiver_form = QFormLayout(self.waiver_box)
        # one amount per line: side by side they were squeezed to nothing in a narrow pane
        waiver_amounts = QGridLayout()
        waiver_amounts.setContentsMargins(0, 0, 0, 0)
        amount_width = self.fontMetrics().horizontalAdvance("0,000,000.00") + 16
        for row, (label, edit) in enumerate((
                (tr("plans.component.interest"), self.waive_interest_edit),
                (tr("plans.ui.fees"), self.waive_fees_edit),
                (tr("plans.component.principal"), self.waive_principal_edit))):
            edit.setMinimumWidth(amount_width)
            waiver_amounts.addWidget(QLabel(label), row, 0)
            waiver_amounts.addWidget(edit, row, 1)
        waiver_amounts.setColumnStretch(1, 1)
        waiver_form.addRow(tr("plans.ui.waived"), waiver_amounts)
        waiver_form.addRow(tr("plans.ui.approver"), self.approver_edit)
        waiver_form.addRow(tr("plans.ui.approval_ref"), self.approval_ref_edit)
        waiver_form.addRow(tr("plans.ui.approved_on"), approved_row)
        waiver_form.addRow(tr("plans.ui.reason"), self.reason_edit)

        self._build_custom_box()

        editor = QWidget()
        editor_layout = QVBoxLayout(editor)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        editor_layout.addWidget(editor_box)
        editor_layout.addWidget(self.custom_box, 1)
        editor_layout.addWidget(self.waiver_box)
        editor_layout.addStretch(0)

        # schedule (right)
        self.schedule_model = ScheduleModel(self)
        self.schedule_view = _table("scheduleView", self.schedule_model)
        self.totals_label = QLabel()
        self.totals_label.setObjectName("totalsLabel")
        self.totals_label.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setObjectName("messageLabel")
        self.message_label.setWordWrap(True)
        self.message_label.setSizePolicy(QSizePolicy.Policy.Preferred,
                                         QSizePolicy.Policy.Minimum)
        schedule_box = QGroupBox(tr("plans.ui.schedule"))
        schedule_layout = QVBoxLayout(schedule_box)
        schedule_layout.addWidget(self.schedule_view, 1)
        schedule_layout.addWidget(self.totals_label)
        schedule_layout.addWidget(self.message_label)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(_VerticalScroll(editor))
        splitter.addWidget(schedule_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 4)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([560, 480, 520])

        layout = QVBoxLayout(self)
        layout.addWidget(self.debt_label)
        layout.addWidget(splitter, 1)

        today = date.today()
        for date_edit in (self.start_edit, self.first_due_edit, self.approved_on_edit):
            date_edit.setDate(_qdate(today))

        # every editor change rebuilds the plan
        self.kind_combo.currentIndexChanged.connect(self._on_kind_changed)
        self.fee_combo.currentIndexChanged.connect(self._on_fee_mode_changed)
        self.start_edit.dateChanged.connect(self._on_start_changed)
        self.first_due_check.toggled.connect(self._on_editor_changed)
        self.approved_check.toggled.connect(self._on_editor_changed)
        self.waiver_box.toggled.connect(self._on_editor_changed)
        for spin in (self.months_spin, self.due_day_spin, self.grace_spin):
            spin.valueChanged.connect(self._on_editor_changed)
        for edit in (self.rate_edit, self.down_edit, self.waive_interest_edit,
                     self.waive_fees_edit, self.waive_principal_edit, self.approver_edit,
                     self.approval_ref_edit, self.reason_edit):
            edit.textChanged.connect(self._on_editor_changed)
        for date_edit in (self.first_due_edit, self.approved_on_edit):
            date_edit.dateChanged.connect(self._on_editor_changed)
        for check in self.component_checks.values():
            check.toggled.connect(self._on_editor_changed)

    def _build_custom_box(self) -> None:
        """The custom schedule editor, shown only for custom plans."""
        self.custom_model = CustomRowsModel(self)
        view = CustomRowsView()
        view.setObjectName("customView")
        view.setModel(self.custom_model)
        view.setItemDelegate(CustomRowDelegate(view))
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        view.verticalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        view.verticalHeader().setMinimumWidth(view.fontMetrics().horizontalAdvance("000") + 8)
        view.setAlternatingRowColors(True)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        view.setMinimumHeight(120)
        view.setToolTip(tr("plans.ui.custom_hint"))
        view.addRequested.connect(self.add_custom_row)
        view.removeRequested.connect(self.remove_custom_row)
        self.custom_view = view

        self.custom_add_button = QPushButton(tr("plans.ui.custom_add"))
        self.custom_add_button.setObjectName("customAddButton")
        self.custom_add_button.setToolTip("Insert")
        self.custom_add_button.clicked.connect(self.add_custom_row)
        self.custom_remove_button = QPushButton(tr("plans.ui.custom_remove"))
        self.custom_remove_button.setObjectName("customRemoveButton")
        self.custom_remove_button.setToolTip("Delete")
        self.custom_remove_button.clicked.connect(self.remove_custom_row)
        self.custom_fill_button = QPushButton(tr("plans.ui.custom_fill"))
        self.custom_fill_button.setObjectName("customFillButton")
        self.custom_fill_button.clicked.connect(self.fill_custom_remainder)
        buttons = QHBoxLayout()
        buttons.addWidget(self.custom_add_button)
        buttons.addWidget(self.custom_remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.custom_fill_button)

        self.custom_totals_label = QLabel()
        self.custom_totals_label.setObjectName("customTotalsLabel")
        self.custom_totals_label.setWordWrap(True)
        self.custom_message_label = QLabel()
        self.custom_message_label.setObjectName("customMessageLabel")
        self.custom_message_label.setWordWrap(True)
        self.custom_message_label.setStyleSheet("color: #b00020;")

        self.custom_box = QGroupBox(tr("plans.ui.custom"))
        self.custom_box.setObjectName("customBox")
        layout = QVBoxLayout(self.custom_box)
        layout.addWidget(self.custom_view, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.custom_totals_label)
        layout.addWidget(self.custom_message_label)
        self.custom_box.setVisible(False)

        for signal in (self.custom_model.dataChanged, self.custom_model.rowsInserted,
                       self.custom_model.rowsRemoved, self.custom_model.modelReset):
            signal.connect(self._on_custom_rows_changed)

    # --- public API -----------------------------------------------------------------------
    def set_account(self, account: Account | None, settings: Settings,
                    on: date | None = None) -> None:
        """Show ``account`` (None clears). ``on`` is the agreement date (default today); the
        debt is projected to it when the bank's rates are configured. Another account than
        the one shown resets the editor and the affordability inputs."""
        changed = (account.account_no if account else None) != (
            self._account.account_no if self._account else None)
        self._account = account
        self._settings = settings
        # a card plan stops at 60 instalments whatever the setting (the card rules)
        cap = instalment_cap(settings, product_type_of(account, settings)) if account \
            else settings.instalment_cap
        self.months_spin.setMaximum(max(1, cap))
        self.grace_spin.setMaximum(max(1, cap))
        start = on or date.today()
        if changed:
            with self._quiet():
                for edit in (self.income_edit, self.expenses_edit, self.other_debts_edit):
                    edit.clear()
            self.set_terms(PlanTerms(PlanKind.INSTALMENTS, start,
                                     months=min(12, max(1, settings.instalment_cap))))
            return
        with self._quiet():
            self.start_edit.setDate(_qdate(start))
        self._set_enabled_fields()
        self._refresh_all()

    def account(self) -> Account | None:
        return self._account

    def debt(self) -> DebtBreakdown | None:
        return self._debt

    def plan(self) -> Plan | None:
        """The plan as currently edited, or None when the terms are refused."""
        return self._plan

    def error(self) -> str:
        """Why the current terms are refused (empty when they make a plan)."""
        return self._error

    def terms(self) -> PlanTerms | None:
        """The terms in the editor, or None when they cannot even be read."""
        try:
            return self._read_terms()
        except (PlanError, InputError):
            return None

    def set_terms(self, terms: PlanTerms) -> None:
        """Load ``terms`` into the editor (e.g. a plan stored in a visit record)."""
        with self._quiet():
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(terms.kind.value))
            self.months_spin.setValue(terms.months)
            self.fee_combo.setCurrentIndex(self.fee_combo.findData(terms.fee_mode.value))
            self.rate_edit.setText(_percent_input(terms.rate))
            self.down_edit.setText(format_plain(terms.down_payment).replace(",", "")
                                   if terms.down_payment else "")
            self.start_edit.setDate(_qdate(terms.start))
            self.first_due_check.setChecked(terms.first_due is not None)
            if terms.first_due:
                self.first_due_edit.setDate(_qdate(terms.first_due))
            self.due_day_spin.setValue(terms.due_day or 0)
            self.grace_spin.setValue(terms.grace_months)
            for name, check in self.component_checks.items():
                check.setChecked(name in terms.components)
            waiver = terms.waiver
            self.waiver_box.setChecked(waiver is not None)
            w = waiver or Waiver()
            for edit, amount in ((self.waive_interest_edit, w.interest),
                                 (self.waive_fees_edit, w.fees),
                                 (self.waive_principal_edit, w.principal)):
                edit.setText(str(amount) if amount else "")
            self.approver_edit.setText(w.approver)
            self.approval_ref_edit.setText(w.approval_ref)
            self.approved_check.setChecked(w.approved_on is not None)
            if w.approved_on:
                self.approved_on_edit.setDate(_qdate(w.approved_on))
            self.reason_edit.setText(w.reason)
            self.custom_model.set_start(terms.start)
            self.custom_model.set_rows(terms.custom_rows)
        self._set_enabled_fields()
        self._refresh_all()

    # --- reading the editor -----------------------------------------------------------------
    def _read_terms(self) -> PlanTerms:
        kind = PlanKind(self.kind_combo.currentData())
        fee_mode = FeeMode(self.fee_combo.currentData())
        lump = kind is PlanKind.LUMP_SUM
        custom = kind is PlanKind.CUSTOM
        waiver = None
        if self.waiver_box.isChecked():
            # a principal waiver the settings do not allow is passed on, so that the engine
            # refuses it with its message instead of dropping it silently
            waiver = Waiver(
                interest=_decimal(self.waive_interest_edit.text()),
                fees=_decimal(self.waive_fees_edit.text()),
                principal=_decimal(self.waive_principal_edit.text()),
                approver=self.approver_edit.text().strip(),
                approval_ref=self.approval_ref_edit.text().strip(),
                approved_on=(_pydate(self.approved_on_edit.date())
                             if self.approved_check.isChecked() else None),
                reason=self.reason_edit.text().strip(),
            )
        return PlanTerms(
            kind=kind,
            start=_pydate(self.start_edit.date()),
            months=1 if lump else self.months_spin.value(),
            # lump sums and custom rows carry no fee: the fee controls are disabled for them
            fee_mode=FeeMode.NONE if lump or custom else fee_mode,
            rate=(ZERO if lump or custom or fee_mode is FeeMode.NONE
                  else _decimal(self.rate_edit.text()) / 100),
            down_payment=ZERO if lump else _decimal(self.down_edit.text()),
            first_due=(_pydate(self.first_due_edit.date())
                       if self.first_due_check.isChecked() and not custom else None),
            due_day=(self.due_day_spin.value() or None) if not lump and not custom else None,
            grace_months=self.grace_spin.value() if kind is PlanKind.DEFERRAL else 0,
            components=tuple(n for n, c in self.component_checks.items() if c.isChecked()),
            waiver=waiver,
            custom_rows=self.custom_model.rows() if custom else (),
        )

    # --- reactions ----------------------------------------------------------------------
    @contextmanager
    def _quiet(self) -> Iterator[None]:
        """Editor changes made inside do not react (the caller rebuilds once, if at all)."""
        before, self._loading = self._loading, True
        try:
            yield
        finally:
            self._loading = before

    def _on_kind_changed(self) -> None:
        if self._loading:
            return
        kind = PlanKind(self.kind_combo.currentData())
        if kind is PlanKind.DEFERRAL and self.grace_spin.value() == 0:
            with self._quiet():
                self.grace_spin.setValue(3)
                self.months_spin.setValue(1)
        if (kind is PlanKind.CUSTOM and self.custom_model.rowCount() == 0
                and self._plan is not None):
            # start from the plan shown so far: its dates and the debt each row repays
            with self._quiet():
                self.custom_model.set_rows([CustomInstalment(r.due_date, r.principal)
                                            for r in self._plan.instalments])
                self._sync_custom_months()
        self._set_enabled_fields()
        self._rebuild()

    def _on_fee_mode_changed(self) -> None:
        self._set_enabled_fields()
        self._on_editor_changed()

    def _on_start_changed(self) -> None:
        if self._loading:
            return
        self._refresh_all()

    def _on_editor_changed(self, *_: object) -> None:
        if self._loading:
            return
        self._set_enabled_fields()
        self._rebuild()

    def _set_enabled_fields(self) -> None:
        kind = PlanKind(self.kind_combo.currentData())
        mode = FeeMode(self.fee_combo.currentData())
        lump = kind is PlanKind.LUMP_SUM
        custom = kind is PlanKind.CUSTOM
        self.months_spin.setEnabled(not lump and not custom)
        self.grace_spin.setEnabled(kind is PlanKind.DEFERRAL)
        self.fee_combo.setEnabled(not lump and not custom)
        self.rate_edit.setEnabled(not lump and not custom and mode is not FeeMode.NONE)
        self.down_edit.setEnabled(not lump)
        self.due_day_spin.setEnabled(not lump and not custom)
        self.first_due_check.setEnabled(not custom)
        self.first_due_edit.setEnabled(self.first_due_check.isChecked() and not custom)
        self.approved_on_edit.setEnabled(self.approved_check.isChecked())
        # principal waivers only where the bank allows them; a stored one stays editable so
        # that the officer can clear what the engine refuses
        self.waive_principal_edit.setEnabled(
            self._settings.allow_principal_waiver
            or _decimal(self.waive_principal_edit.text()) != 0)
        self.custom_box.setVisible(custom)
        unit = {FeeMode.FLAT_MONTHLY: "plans.ui.rate_monthly", FeeMode.ANNUITY:
                "plans.ui.rate_yearly", FeeMode.EQUAL_PRINCIPAL: "plans.ui.rate_yearly"}
        self.rate_unit.setText(tr(unit.get(mode, "plans.ui.rate_none")))

    # --- custom schedule ------------------------------------------------------------------
    def add_custom_row(self) -> None:
        """Add a row after the current one (at the end without one), a month after the row
        before it; a row added at the end takes the amount still to enter."""
        model = self.custom_model
        current = self.custom_view.currentIndex()
        position = current.row() + 1 if current.isValid() else model.rowCount()
        at_end = position == model.rowCount()
        remaining = self._custom_remaining()
        with self._quiet():
            model.insertRows(position, 1)
            if at_end and remaining is not None and remaining > 0:
                model.setData(model.index(position, CustomRowsModel.AMOUNT_COLUMN),
                              remaining)
        self.custom_view.setCurrentIndex(model.index(position, CustomRowsModel.AMOUNT_COLUMN))
        self._on_custom_rows_changed()

    def remove_custom_row(self) -> None:
        """Remove the current row (the last one without a current row)."""
        model = self.custom_model
        if model.rowCount() == 0:
            return
        current = self.custom_view.currentIndex()
        row = current.row() if current.isValid() else model.rowCount() - 1
        column = current.column() if current.isValid() else CustomRowsModel.DATE_COLUMN
        model.removeRows(row, 1)
        if model.rowCount():
            self.custom_view.setCurrentIndex(model.index(min(row, model.rowCount() - 1),
                                                         column))

    def fill_custom_remainder(self) -> None:
        """Put what is still to enter (or entered too much) into the last row."""
        model = self.custom_model
        remaining = self._custom_remaining()
        if remaining is None or remaining == 0:
            return
        if model.rowCount() == 0:
            self.add_custom_row()
            return
        last = model.rowCount() - 1
        amount = model.rows()[last].amount + remaining
        if amount <= 0:
            self.custom_message_label.setText(tr(
                "plans.ui.custom_fill_too_large", excess=format_yuan(-remaining),
                last=format_yuan(model.rows()[last].amount)))
            self.custom_message_label.setVisible(True)
            return
        model.setData(model.index(last, CustomRowsModel.AMOUNT_COLUMN), amount)

    def _custom_remaining(self) -> Decimal | None:
        if self._custom_target is None:
            return None
        return self._custom_target - self.custom_model.entered()

    def _sync_custom_months(self) -> None:
        count = self.custom_model.rowCount()
        self.months_spin.setValue(max(1, min(count, self.months_spin.maximum())))

    def _on_custom_rows_changed(self, *_: object) -> None:
        if self._loading:
            return
        with self._quiet():
            self._sync_custom_months()
        self._rebuild()

    def _refresh_custom(self, terms: PlanTerms | None, error: str) -> None:
        """The running "entered / total / remaining" line and the engine's message."""
        custom = terms is not None and terms.kind is PlanKind.CUSTOM
        self._custom_target = None
        if not custom or terms is None:
            self.custom_totals_label.setText("")
            self.custom_message_label.setText("")
            return
        model = self.custom_model
        entered = model.entered()
        if self._debt is not None:
            try:
                self._custom_target = custom_total(terms, self._debt, self._settings)
            except PlanError:
                self._custom_target = None
        remaining = self._custom_remaining()
        if remaining is None:
            text = tr("plans.ui.custom_totals_unknown", entered=format_yuan(entered))
        else:
            text = tr("plans.ui.custom_totals", entered=format_yuan(entered),
                      total=format_yuan(self._custom_target or ZERO),
                      remaining=format_yuan(remaining))
        self.custom_totals_label.setText(text)
        self.custom_message_label.setText(error)
        self.custom_message_label.setVisible(bool(error))
        self.custom_fill_button.setEnabled(remaining is not None and remaining != 0)
        self.custom_remove_button.setEnabled(model.rowCount() > 0)

    def _use_selected_option(self) -> None:
        rows = self.options_view.selectionModel().selectedRows()
        if rows:
            self._use_option(rows[0])

    def _use_option(self, index: QModelIndex) -> None:
        option = self.options_model.option(index.row())
        self.set_terms(option.terms)

    def _use_affordable(self) -> None:
        if self._affordability and self._affordability.plan:
            self.set_terms(self._affordability.plan.terms)

    # --- computing ----------------------------------------------------------------------
    def _refresh_all(self) -> None:
        start = _pydate(self.start_edit.date())
        if self._account is None:
            self._debt = None
            self.debt_label.setText(tr("plans.ui.no_account"))
            self.options_model.set_options(())
        else:
            self._debt = breakdown(self._account, self._settings, on=start)
            self.debt_label.setText(self._debt_text(self._debt))
            self.options_model.set_options(plan_options(self._debt, self._settings, start))
        self._refresh_affordability()
        self._rebuild()

    def _debt_text(self, debt: DebtBreakdown) -> str:
        parts = [f"{tr('plans.component.' + n)} {format_yuan(debt.component(n))}"
                 for n in COMPONENTS]
        text = tr("plans.ui.debt_summary", account_no=debt.account_no,
                  total=format_yuan(debt.total), parts=tr("plans.ui.separator").join(parts))
        lines = [text, debt.basis_text()]
        if debt.overdue_days is not None:
            lines[-1] += " " + tr("plans.ui.overdue", days=debt.overdue_days,
                                  months=debt.overdue_months)
        lines += [tr("plans.ui.line", label=ln.label, formula=ln.formula) for ln in debt.lines]
        return "\n".join(lines)

    def _refresh_affordability(self) -> None:
        self._affordability = None
        self.use_afford_button.setEnabled(False)
        if not self.income_edit.text().strip():
            self.afford_label.setText(tr("plans.ui.afford_hint"))
            return
        try:
            self._affordability = affordability(
                _decimal(self.income_edit.text()), _decimal(self.expenses_edit.text()),
                _decimal(self.other_debts_edit.text()), self._settings.affordability_share,
                debt=self._debt, settings=self._settings,
                start=_pydate(self.start_edit.date()))
        except InputError as exc:
            self.afford_label.setText(str(exc))
            return
        self.afford_label.setText(self._affordability.message())
        self.use_afford_button.setEnabled(self._affordability.plan is not None)

    def _rebuild(self) -> None:
        plan: Plan | None = None
        error = ""
        terms: PlanTerms | None = None
        self.custom_model.set_start(_pydate(self.start_edit.date()))
        if self._debt is not None:
            try:
                terms = self._read_terms()
                plan = build_plan(terms, self._debt, self._settings)
            except (PlanError, InputError) as exc:
                error = str(exc)
        self._plan, self._error = plan, error
        self._refresh_custom(terms, error)
        if plan is not None and not self.first_due_check.isChecked() and plan.instalments:
            # show the computed first due date in the (disabled) field
            with self._quiet():
                self.first_due_edit.setDate(_qdate(plan.instalments[0].due_date))
        if not self.approved_check.isChecked():
            with self._quiet():
                self.approved_on_edit.setDate(self.start_edit.date())
        self.schedule_model.set_plan(plan)
        if plan is None:
            self.totals_label.setText("")
            self._show_message(error, "error")
        else:
            totals = tr("plans.ui.totals", total=format_yuan(plan.total_payable),
                        fees=format_yuan(plan.total_fees),
                        monthly=format_yuan(plan.monthly_amount),
                        capitals=to_capitals(plan.total_payable))
            if plan.reduction_total:
                totals += "\n" + tr("plans.ui.reductions", amount=format_yuan(plan.reduction_total))
            self.totals_label.setText(totals)
            problems = plan.agreement_problems()
            if problems:
                self._show_message("\n".join(problems), "warning")
            else:
                self._show_message(tr("plans.ui.can_agree"), "ok")
        self.planChanged.emit(plan)

    def _show_message(self, text: str, level: str) -> None:
        colours = {"error": "#b00020", "warning": "#8a5a00", "ok": "#1b6e20"}
        self.message_label.setStyleSheet(f"color: {colours[level]};")
        self.message_label.setProperty("level", level)
        self.message_label.setText(text)


def _percent_input(rate: Decimal) -> str:
    if not rate:
        return ""
    text = format((rate * 100).normalize(), "f")
    return text

