"""What each window remembers between sessions: size and position, its dock and toolbar
layout, splitter positions and table column widths (``saveGeometry``/``saveState``), kept in
the data folder's settings file by :mod:`visitdesk.adapters.settings_store`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QHeaderView, QMainWindow, QSplitter, QWidget

log = logging.getLogger("visitdesk.ui")


def _parts(window: QWidget, splitters: Mapping[str, QSplitter],
           headers: Mapping[str, QHeaderView]) -> dict[str, Any]:
    parts: dict[str, Any] = {"geometry": window}
    if isinstance(window, QMainWindow):
        parts["state"] = window
    parts.update({f"splitter.{k}": v for k, v in splitters.items()})
    parts.update({f"header.{k}": v for k, v in headers.items()})
    return parts


def restore(data_dir: str | Path, key: str, window: QWidget, *,
            splitters: Mapping[str, QSplitter] | None = None,
            headers: Mapping[str, QHeaderView] | None = None) -> bool:
    """Put ``window`` back as it was saved under ``key``; False when nothing was saved."""
    from visitdesk.adapters.settings_store import load_window_state

    restored = False
    try:
        for name, part in _parts(window, splitters or {}, headers or {}).items():
            data = load_window_state(Path(data_dir), f"{key}/{name}")
            if data is None:
                continue
            blob = QByteArray(data)
            if name == "geometry":
                restored = window.restoreGeometry(blob) or restored
            elif name == "state":
                part.restoreState(blob)
            else:
                part.restoreState(blob)
    except Exception:  # noqa: BLE001 - a damaged layout must never stop a window opening
        log.exception("window layout %s not restored", key)
        return False
    return restored


def save(data_dir: str | Path, key: str, window: QWidget, *,
         splitters: Mapping[str, QSplitter] | None = None,
         headers: Mapping[str, QHeaderView] | None = None) -> None:
    """Remember ``window``'s layout under ``key``."""
    from visitdesk.adapters.settings_store import save_window_states

    states: dict[str, bytes] = {}
    for name, part in _parts(window, splitters or {}, headers or {}).items():
        blob = part.saveGeometry() if name == "geometry" else part.saveState()
        states[f"{key}/{name}"] = bytes(blob.data())
    try:
        save_window_states(Path(data_dir), states)
    except Exception:  # noqa: BLE001 - e.g. a read-only data folder: the app still closes
        log.exception("window layout %s not saved", key)
