"""Screenshots of the visit window: a stage page, a situation, the problems panel.

Synthetic data only. Run: ``QT_QPA_PLATFORM=offscreen python3 tools/screenshots_visit.py``
(writes ``docs/screenshots/visit_stage.png``, ``visit_situation.png``, ``visit_problems.png``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import Shot, run_shots  # noqa: E402


def _window(data_dir: Path):
    """A visit window on a fresh store with one synthetic account and the demo bank."""
    import argparse as ap
    import dataclasses
    from dataclasses import replace
    from datetime import date

    from PySide6.QtCore import QDate, QDateTime, QTime

    from visitdesk.adapters.settings_store import save_settings
    from visitdesk.adapters.store import BatchInfo, CaseStore
    from visitdesk.cli import Context
    from visitdesk.core.accounts import Account
    from visitdesk.core.settings import Settings
    from visitdesk.synth import Synth
    from visitdesk.ui.app import DEMO_SETTINGS
    from visitdesk.ui.visit import open_visit

    settings = replace(Settings(), **DEMO_SETTINGS)
    save_settings(data_dir, settings)
    synth = Synth(20241120, as_of=date(2026, 11, 1)).account()
    account = Account(
        **{**dataclasses.asdict(synth), "overdue_days": 96, "as_of": date(2026, 11, 1)}
    )
    store = CaseStore(data_dir)
    store.upsert_accounts([account], BatchInfo("逾期客户清单.xlsx", "0" * 64, "逾期客户", 0))
    ctx = Context(data_dir, ap.Namespace())
    ctx.store = store  # type: ignore[misc]
    ctx._closers.append(store)
    ctx.settings = settings  # type: ignore[misc]
    window = open_visit(None, ctx, account)
    window.resize(1360, 860)
    facts = window.page_by_key["facts"]
    for key, (h, m) in (("actual_start", (10, 5)), ("actual_end", (10, 50))):
        facts.moments[key].edit.setDateTime(QDateTime(QDate(2026, 11, 20), QTime(h, m)))
    facts.met.choose("customer")
    facts.identity.choose("id_card")
    facts.others_present.no.click()
    opening = window.page_by_key["stage:opening"].form.editors
    for fid in ("showed_work_id", "showed_authorisation", "purpose_explained"):
        opening[fid].yes.click()
    opening["customer_mood"].choose("worried")
    opening["willing_to_talk"].choose("yes")
    return window


def _settle(window) -> None:
    from PySide6.QtWidgets import QApplication

    window.save_now()
    window.revalidate()
    for _ in range(5):
        QApplication.processEvents()


def visit_stage(data_dir: Path) -> object:
    """Stage 2 with the account's figures in the talking points, half answered."""
    window = _window(data_dir)
    page = window.show_page("stage:debt_details")
    page.form.editors["breakdown_explained"].yes.click()
    page.form.editors["calculation_shown"].yes.click()
    page.form.editors["figures_accepted"].choose("questions")
    page.form.editors["questions_raised"].edit.setPlainText("客户询问滞纳金是按月还是按天计算的。")
    window.show()
    _settle(window)
    return window


def visit_situation(data_dir: Path) -> object:
    """The dispute situation, opened by the answer "disputes the amount"."""
    window = _window(data_dir)
    page = window.show_page("stage:debt_details")
    page.form.editors["breakdown_explained"].yes.click()
    page.form.editors["figures_accepted"].choose("disputes")
    situation = window.show_page("situation:dispute")
    editors = situation.form.editors
    editors["disputed_part"].choose("interest_fees")
    editors["customer_account"].edit.setPlainText("客户称已于上月在柜台还过一笔，认为利息多算了。")
    editors["customer_amount"].edit.setText("1200.00")
    editors["evidence_shown"].yes.click()
    window.show()
    _settle(window)
    window.notice.show()
    return window


def visit_problems(data_dir: Path) -> object:
    """A blocked finalise: the problems panel lists what is missing and a screened phrase."""
    from PySide6.QtWidgets import QMessageBox

    window = _window(data_dir)
    listening = window.page_by_key["stage:listening"].form.editors
    listening["default_reason"].choose("income_drop")
    listening["customer_proposal"].edit.setPlainText(
        "外勤人员说：再不还就通知你单位。客户提出每月还一千元。"
    )
    conduct = window.page_by_key["conduct"]
    for item_id, check in conduct.checks.items():
        if item_id != "privacy_kept":
            check.click()
    finish = window.page_by_key["finish"]
    finish.outcome.choose("promised_to_pay")
    original = QMessageBox.warning
    QMessageBox.warning = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok)
    try:
        window.show_page("finish")
        window.finalise()
    finally:
        QMessageBox.warning = original
    window.show()
    window.set_problems_height(300)
    _settle(window)
    return window


SHOTS = [
    Shot("visit_stage", "visit_stage.png", visit_stage),
    Shot("visit_situation", "visit_situation.png", visit_situation),
    Shot("visit_problems", "visit_problems.png", visit_problems),
]


def main(argv: list[str] | None = None) -> int:
    return run_shots(SHOTS, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
