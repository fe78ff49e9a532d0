"""Render the plan calculator offscreen to docs/screenshots/plan_calculator.png.

Usage: QT_QPA_PLATFORM=offscreen python3 tools/screenshot_plan_calculator.py [OUT.png]
Synthetic account only.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def render(out: Path, language: str = "zh_CN") -> Path:
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from visitdesk import i18n
    from visitdesk.core.accounts import Account
    from visitdesk.core.plans import FeeMode, PlanKind, PlanTerms, Waiver
    from visitdesk.core.settings import Settings
    from visitdesk.fonts import register_qt_font

    i18n.set_language(language)
    app = QApplication.instance() or QApplication([])
    app.setFont(QFont(register_qt_font(), 10))
    from visitdesk.ui.plan_calculator import PlanCalculator

    account = Account("6222020000001234", "测试甲", "110101199001011234", Decimal("12000.00"),
                      interest=Decimal("360.00"), late_fee=Decimal("150.00"),
                      other_fees=Decimal("20.00"), overdue_days=75, as_of=date(2024, 3, 1))
    settings = Settings(daily_interest_rate=Decimal("0.0005"))
    widget = PlanCalculator()
    widget.resize(1500, 820)
    widget.set_account(account, settings, on=date(2024, 3, 8))
    widget.set_terms(PlanTerms(
        PlanKind.INSTALMENTS, date(2024, 3, 8), months=12, fee_mode=FeeMode.FLAT_MONTHLY,
        rate=Decimal("0.006"), down_payment=Decimal("500.00"), due_day=31,
        components=("principal", "interest", "late_fee", "other_fees"),
        waiver=Waiver(fees=Decimal("170.00"), approver="李主管", approval_ref="JM-2024-0308",
                      approved_on=None, reason="失业三个月，收入下降")))
    widget.income_edit.setText("6500")
    widget.expenses_edit.setText("2800")
    widget.other_debts_edit.setText("900")
    widget.show()
    app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(out))
    widget.close()
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs/screenshots/plan_calculator.png"
    print(render(target))
