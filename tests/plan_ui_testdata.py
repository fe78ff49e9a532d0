"""What the plan calculator's widget tests share: one synthetic account, the date, the font."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtGui import QFont

from visitdesk.core.accounts import Account
from visitdesk.core.settings import Settings
from visitdesk.fonts import register_qt_font
from visitdesk.ui.plan_calculator import PlanCalculator

START = date(2024, 1, 31)
"""The agreement date the tests plan from."""


def account(**kw) -> Account:
    base = dict(account_no="6222000000000001", name="测试甲", id_number="110101199001011234",
                principal=Decimal("10000.00"), interest=Decimal("0"), overdue_days=40,
                as_of=date(2024, 1, 15))
    base.update(kw)
    return Account(**base)


def use_bundled_font(qapp) -> None:
    qapp.setFont(QFont(register_qt_font(), 10))


def new_calculator(qtbot) -> PlanCalculator:
    widget = PlanCalculator()
    qtbot.addWidget(widget)
    widget.set_account(account(), Settings(), on=START)
    return widget
