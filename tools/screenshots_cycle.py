"""Screenshots of the collection cycle in the window: the worklist beside the accounts table and
an account's history. Run: ``QT_QPA_PLATFORM=offscreen python3 tools/screenshots_cycle.py``."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import Shot, _demo_settings, _fill_store, run_shots, wait_until  # noqa: E402

TODAY = date(2027, 2, 24)
"""The day shown: after a few instalments fell due."""


def _cycle_window(data_dir: Path) -> object:
    import argparse as ap
    import dataclasses
    import json

    from PySide6.QtCore import QDate

    from visitdesk.adapters.collection_store import CollectionStore
    from visitdesk.adapters.settings_store import load_settings
    from visitdesk.adapters.store import CaseStore
    from visitdesk.adapters.visit_store import VisitRepository
    from visitdesk.core.collection.contacts import Contact
    from visitdesk.core.visit import Person, VisitRecord
    from visitdesk.ui.app import create_main_window

    _demo_settings(data_dir)
    _fill_store(data_dir, n=60)
    settings = load_settings(data_dir)
    example = json.loads((Path(__file__).resolve().parent.parent / "docs" / "examples"
                          / "visit-answers.json").read_text(encoding="utf-8"))
    with CaseStore(data_dir) as store:
        repo = VisitRepository(store, settings=settings)
        collection = CollectionStore(store, settings)
        accounts = store.accounts()[:4]
        for k, account in enumerate(accounts):
            plan = dict(example["plan"], months=6 + k)
            record = VisitRecord.from_json(dict(example, plan=plan),
                                           account_no=account.account_no)
            record = repo.create(account.account_no, Person("李明（示例）", "DEMO001"),
                                 record=dataclasses.replace(record, officer=Person(
                                     "李明（示例）", "DEMO001")))
            repo.finalise(record.id, "李明（示例）")
        collection.refresh()
        for k, account in enumerate(accounts):
            firsts = [c for c in collection.commitments(account.account_no)][: 3 - k % 3]
            for n, c in enumerate(firsts):
                amount = c.amount if k != 1 or n == 0 else c.amount - Decimal("500.00")
                collection.add_payment(account.account_no, amount, c.due_date,
                                       "柜台还款（示例）", "李明（示例）")
        collection.add_contact(Contact(accounts[0].account_no, "sms",
                                       __import__("datetime").datetime(2026, 11, 27, 10, 0),
                                       "李明（示例）", "sent", "发送还款安排短信"))
    window = create_main_window(ap.Namespace(data_dir=str(data_dir), demo=False, lang=None))
    window.resize(1280, 720)
    window.show()
    window.left_tabs.setCurrentIndex(window.worklist_tab_index)
    page = window.worklist_page
    page.day.setDate(QDate(TODAY.year, TODAY.month, TODAY.day))
    wait_until(lambda: page.shown_day == TODAY)
    return window


def worklist(data_dir: Path) -> object:
    return _cycle_window(data_dir)


def timeline(data_dir: Path) -> object:
    window = _cycle_window(data_dir)
    page = window.worklist_page
    page._chosen(page.model.index(0, 0))
    return window


SHOTS = [
    Shot("worklist", "worklist.png", worklist),
    Shot("timeline", "account_timeline.png", timeline),
]

if __name__ == "__main__":
    sys.exit(run_shots(SHOTS, __doc__.splitlines()[0]))
