"""Fixtures of the visit-window tests (test_ui_visit*.py): a seeded store with one account and
its context, and the message boxes recorded instead of shown."""

from __future__ import annotations

import argparse

import pytest
import visit_testdata as vt
from PySide6.QtWidgets import QMessageBox

from visitdesk.cli import Context
from visitdesk.ui import visit as visit_ui


class Dialogs:
    """Records the message boxes the window shows; answers questions with ``answer``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.shown: list[tuple[str, str, str]] = []
        self.answer = QMessageBox.StandardButton.Yes
        self.exec_answer = QMessageBox.StandardButton.Yes
        for kind in ("warning", "information", "critical"):
            monkeypatch.setattr(QMessageBox, kind, self._recorder(kind))
        monkeypatch.setattr(QMessageBox, "question", self._question)
        monkeypatch.setattr(QMessageBox, "exec", lambda box: self._exec(box))

    def _recorder(self, kind: str):
        def show(_parent, title, text, *args, **kwargs):
            self.shown.append((kind, title, text))
            return QMessageBox.StandardButton.Ok

        return staticmethod(show)

    def _question(self, _parent, title, text, *args, **kwargs):
        self.shown.append(("question", title, text))
        return self.answer

    def _exec(self, box):
        self.shown.append(("exec", box.windowTitle(), box.text()))
        return self.exec_answer

    def kinds(self) -> list[str]:
        return [k for k, _, _ in self.shown]


@pytest.fixture
def dialogs(monkeypatch):
    return Dialogs(monkeypatch)


@pytest.fixture
def env(qtbot, data_dir):
    store, acc = vt.seeded_store(data_dir)
    ctx = Context(data_dir, argparse.Namespace())
    ctx.store = store  # type: ignore[misc]
    ctx.settings = vt.settings()  # type: ignore[misc]
    yield ctx, acc
    for window in visit_ui.open_windows():
        window.close()
    visit_ui._windows.clear()
    store.close()
