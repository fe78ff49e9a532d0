"""Shared fixtures. Every test runs headless and against its own data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The shared test data modules (visit_testdata, ui_testdata …) live beside this file; the
# tests themselves sit in folders that mirror the package (core/, adapters/, ui/, cli/).
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    """No test ever touches the user's real data folder."""
    monkeypatch.setenv("VISITDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VISITDESK_TEMP_DIR", str(tmp_path / "tmp"))  # previews, opened files
    from visitdesk import i18n

    i18n.set_language("zh_CN")
    yield


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "data"
    path.mkdir(exist_ok=True)
    return path


_SUMMARY = pytest.StashKey[list]()


@pytest.fixture
def summary_lines(request):
    """Lines a test wants shown in the terminal summary (measured figures), with or without
    ``-s``."""
    return request.config.stash.setdefault(_SUMMARY, [])


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for line in config.stash.get(_SUMMARY, []):
        terminalreporter.write_line(line)
