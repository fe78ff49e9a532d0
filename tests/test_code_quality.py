"""Lint and type checks run with the tests, so CI enforces them (STYLE.md: ruff and mypy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_ruff_finds_nothing():
    result = _run("ruff", "check", "visitdesk", "tests", "bench", "tools", "installer")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_no_type_errors_in_the_package():
    result = _run("mypy", "visitdesk", "--ignore-missing-imports")
    assert result.returncode == 0, result.stdout + result.stderr


def test_layering_contract_holds():
    """import-linter checks the contracts in pyproject.toml ([tool.importlinter])."""
    result = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")
