"""The visit window along an officer's day: documents, records, discarding, the customer's
language. Dialogs are patched; the store and the documents are real."""

from __future__ import annotations

import pytest
from ui.test_ui_visit import Dialogs, open_window

from visitdesk.adapters.visit_store import VisitRepository


@pytest.fixture
def dialogs(monkeypatch):
    return Dialogs(monkeypatch)


@pytest.fixture
def env(qtbot, data_dir):
    import argparse

    import visit_testdata as vt

    from visitdesk.cli import Context
    from visitdesk.ui import visit as visit_ui

    store, acc = vt.seeded_store(data_dir)
    ctx = Context(data_dir, argparse.Namespace())
    ctx.store = store  # type: ignore[misc]
    ctx.settings = vt.settings()  # type: ignore[misc]
    yield ctx, acc
    for window in visit_ui.open_windows():
        window.close()
    visit_ui._windows.clear()
    store.close()


def test_customer_language_is_chosen_on_the_finish_page_and_stored(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    finish = window.show_page("finish")
    combo = finish.customer_language
    assert combo.currentData() == "zh_CN"  # Chinese unless the officer changes it
    combo.setCurrentIndex(combo.findData("en"))
    assert window.save_now()
    assert VisitRepository(ctx.store).get(window.record.id).customer_language == "en"
