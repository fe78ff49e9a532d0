"""Render the plan calculator offscreen to docs/screenshots/.

Usage: QT_QPA_PLATFORM=offscreen python3 tools/screenshot_plan_calculator.py [OUT_DIR]
Writes ``plan_calculator.png`` (instalments with a waiver) and ``plan_custom.png`` (a custom
schedule entered row by row, the remainder put in the last row). Synthetic account only.
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


def _calculator(language: str):  # -> PlanCalculator
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from visitdesk import i18n
    from visitdesk.core.accounts import Account
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
    return app, widget


def _save(app, widget, out: Path) -> Path:
    widget.show()
    app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(out))
    widget.close()
    return out


def render(out: Path, language: str = "zh_CN") -> Path:
    """Instalments with a flat monthly fee, a down payment and a fee waiver awaiting its
    approval date."""
    from visitdesk.core.plans import FeeMode, PlanKind, PlanTerms, Waiver

    app, widget = _calculator(language)
    widget.set_terms(PlanTerms(
        PlanKind.INSTALMENTS, date(2024, 3, 8), months=12, fee_mode=FeeMode.FLAT_MONTHLY,
        rate=Decimal("0.006"), down_payment=Decimal("500.00"), due_day=31,
        components=("principal", "interest", "late_fee", "other_fees"),
        waiver=Waiver(fees=Decimal("170.00"), approver="李主管", approval_ref="JM-2024-0308",
                      approved_on=None, reason="失业三个月，收入下降")))
    widget.income_edit.setText("6500")
    widget.expenses_edit.setText("2800")
    widget.other_debts_edit.setText("900")
    return _save(app, widget, out)


def render_custom(out: Path, language: str = "zh_CN") -> Path:
    """A custom schedule after a down payment: four rows entered, the remainder put into the
    last one with the fill button."""
    from visitdesk.core.plans import CustomInstalment, PlanKind, PlanTerms

    app, widget = _calculator(language)
    rows = [("2024-04-10", "3000.00"), ("2024-05-10", "2000.00"), ("2024-07-10", "2000.00"),
            ("2024-09-10", "2000.00"), ("2024-12-10", "1000.00")]
    widget.set_terms(PlanTerms(
        PlanKind.CUSTOM, date(2024, 3, 8), months=len(rows), down_payment=Decimal("1000.00"),
        custom_rows=tuple(CustomInstalment(date.fromisoformat(d), Decimal(a))
                          for d, a in rows)))
    widget.fill_custom_remainder()
    widget.custom_view.setCurrentIndex(widget.custom_model.index(len(rows) - 1, 2))
    return _save(app, widget, out)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Screenshots of the plan calculator.")
    parser.add_argument("--out", type=Path, default=ROOT / "docs/screenshots",
                        help="folder for plan_calculator.png and plan_custom.png")
    folder = parser.parse_args().out
    print(render(folder / "plan_calculator.png"))
    print(render_custom(folder / "plan_custom.png"))
