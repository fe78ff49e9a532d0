"""Persist :class:`~visitdesk.core.settings.Settings` in QSettings (an INI file in the data folder).

An INI file beside the case store keeps ``--data-dir`` self-contained (the demo store has its
own settings) and works the same for the window and the headless commands.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from visitdesk.core.settings import Settings

SETTINGS_FILE = "settings.ini"


def _encode(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def _decode(raw: str, hint: Any, default: Any) -> Any:
    text = str(raw).strip()
    try:
        if hint is bool:
            return text.lower() in ("1", "true", "yes")
        if hint is int:
            return int(text)
        if hint is time:
            hours, minutes = text.split(":")
            return time(int(hours), int(minutes))
        if hint is Decimal:
            return Decimal(text)
        if hint == (Decimal | None):
            return Decimal(text) if text else None
        if hint == tuple[str, ...]:
            return tuple(p.strip() for p in text.split(",") if p.strip())
    except (ValueError, InvalidOperation):
        return default
    return text


def load_settings(data_dir: Path) -> Settings:
    from PySide6.QtCore import QSettings

    qs = QSettings(str(data_dir / SETTINGS_FILE), QSettings.Format.IniFormat)
    hints = typing.get_type_hints(Settings)
    defaults = Settings()
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        if qs.contains(f.name):
            values[f.name] = _decode(qs.value(f.name), hints[f.name], getattr(defaults, f.name))
    return Settings(**values)


def save_settings(data_dir: Path, settings: Settings) -> None:
    from PySide6.QtCore import QSettings

    qs = QSettings(str(data_dir / SETTINGS_FILE), QSettings.Format.IniFormat)
    for f in dataclasses.fields(Settings):
        qs.setValue(f.name, _encode(getattr(settings, f.name)))
    qs.sync()


# --- what the windows remember (not settings the officer edits) --------------------------------

WINDOW_GROUP = "window"
"""INI group of window geometry, splitter and column layouts (opaque Qt blobs by name)."""
RECENT_KEY = "recent/workbooks"
RECENT_LIMIT = 6
"""How many recently imported workbooks the File menu offers."""


def _qsettings(data_dir: Path) -> Any:
    from PySide6.QtCore import QSettings

    return QSettings(str(Path(data_dir) / SETTINGS_FILE), QSettings.Format.IniFormat)


def load_window_state(data_dir: Path, name: str) -> bytes | None:
    """A layout saved under ``name`` (e.g. ``main/geometry``), or None."""
    value = _qsettings(data_dir).value(f"{WINDOW_GROUP}/{name}")
    if value is None:
        return None
    data = bytes(value.data()) if hasattr(value, "data") else bytes(value)
    return data or None


def save_window_states(data_dir: Path, states: dict[str, bytes]) -> None:
    qs = _qsettings(data_dir)
    from PySide6.QtCore import QByteArray

    for name, data in states.items():
        qs.setValue(f"{WINDOW_GROUP}/{name}", QByteArray(data))
    qs.sync()


def recent_workbooks(data_dir: Path) -> list[str]:
    """Workbooks imported lately, newest first (those still on disk)."""
    value = _qsettings(data_dir).value(RECENT_KEY)
    if not value:
        return []
    paths = [value] if isinstance(value, str) else [str(v) for v in value]
    return [p for p in paths if p and Path(p).is_file()][:RECENT_LIMIT]


def add_recent_workbook(data_dir: Path, path: str | Path) -> list[str]:
    """Put ``path`` first in the recent list; returns the list."""
    chosen = str(Path(path).resolve())
    paths = [chosen] + [p for p in recent_workbooks(data_dir) if p != chosen]
    qs = _qsettings(data_dir)
    qs.setValue(RECENT_KEY, paths[:RECENT_LIMIT])
    qs.sync()
    return paths[:RECENT_LIMIT]
