"""Atomic file writes: a temp file in the same folder, fsync, then ``os.replace``.

An existing file is either left as it was or replaced whole; never half-written. A write killed
before its rename leaves its temp file behind (``.NAME.XXXXXXXX.tmp``); the next write to the
same folder, and the data folder's sweep at start (:func:`sweep_stale_temp`), remove those that
nobody has touched for a minute.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

STALE_AFTER = 60.0
"""Seconds after its last change when a temp file counts as left by a killed write."""
_TEMP_NAME = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp")


def sweep_stale_temp(folder: str | os.PathLike[str], *, recursive: bool = False,
                     older_than: float = STALE_AFTER) -> list[Path]:
    """Remove temp files of killed atomic writes in ``folder``; returns what was removed."""
    root = Path(folder)
    now = time.time()
    removed = []
    candidates = root.rglob(".*.tmp") if recursive else root.glob(".*.tmp")
    for path in candidates:
        try:
            if (_TEMP_NAME.fullmatch(path.name) and path.is_file()
                    and now - path.stat().st_mtime > older_than):
                path.unlink()
                removed.append(path)
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_temp(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    return atomic_write_bytes(path, text.encode(encoding))
