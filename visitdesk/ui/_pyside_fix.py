"""Work around a PySide6 reference-count bug that aborts the process.

In PySide6 6.12 ``SignalInstance.emit()`` and ``.disconnect()`` return ``True`` without
taking a reference to it, so every call releases one reference to ``True`` that nobody
owned. After a few thousand signal emissions (worker progress, pytest-qt's ``waitSignal``,
model signals emitted from Python) the count reaches zero and Python aborts with
"Fatal Python error: bool_dealloc: deallocating True or False".

Python 3.12 and later make ``True``/``False`` immortal, so the bug is harmless there. On
older Pythons, when a probe shows the bug, this module gives ``True`` and ``False`` a
very large extra reference count once, which the lost references can never use up. It is
imported by ``visitdesk.ui`` so that it runs before any window or test touches Qt.
"""

from __future__ import annotations

import ctypes
import sys

PINNED_REFERENCES = 1 << 40
"""Emitting a million signals a second, this lasts more than 12 days of continuous use."""

_applied = False


def signal_emit_drops_true() -> bool:
    """True when emitting a Python signal loses a reference to ``True`` (the bug)."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    probe.deleteLater()
    return lost >= 8


def _pin(obj: object) -> bool:
    refcnt = ctypes.c_ssize_t.from_address(id(obj))
    before = sys.getrefcount(obj)
    refcnt.value += PINNED_REFERENCES
    if sys.getrefcount(obj) - before != PINNED_REFERENCES:  # not the layout we expected
        refcnt.value -= PINNED_REFERENCES
        return False
    return True


def apply() -> bool:
    """Apply the work-around once if this Python and PySide6 need it; True if applied."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not signal_emit_drops_true():
        return False
    _applied = _pin(True) and _pin(False)
    return _applied
