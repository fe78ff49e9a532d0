"""Optional hooks between window areas: one area uses another's function or widget when that
module provides it, and degrades (a disabled action, a placeholder) when it does not."""

from __future__ import annotations

import importlib
from typing import Any


def optional_attr(module: str, name: str) -> Any:
    """``module.name`` if both exist, else None. A module that exists but fails to import
    (a missing dependency of its own) still raises."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
