"""Owner-only files and folders, whatever the umask.

On POSIX every folder visitdesk creates for personal data is 0700 and every file 0600 (the
store, its journal, the key file, the log, settings, documents). On Windows the data folder
sits in the per-user profile (``%LOCALAPPDATA%``), whose ACL already admits only the user,
SYSTEM and administrators; modes are not used there.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
PREVIEW_FOLDER = "visitdesk-preview"
TEMP_DIR_ENV = "VISITDESK_TEMP_DIR"
"""Where the private preview folder is made (default: the system's temp folder)."""


def owner_only_umask() -> None:
    """Every file and folder this process creates from now on is owner-only (POSIX)."""
    if os.name == "posix":
        os.umask(0o077)


def _chmod(path: Path, mode: int) -> None:
    if os.name != "posix":
        return
    try:
        os.chmod(path, mode)
    except OSError:  # pragma: no cover - file systems without modes, or not ours
        pass


def make_private(path: str | os.PathLike[str]) -> Path:
    """Set ``path`` to owner-only (0700 for a folder, 0600 for a file)."""
    p = Path(path)
    if p.is_dir():
        _chmod(p, DIR_MODE)
    elif p.exists():
        _chmod(p, FILE_MODE)
    return p


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and missing parents) owner-only; tighten it if it already exists."""
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    _chmod(p, DIR_MODE)
    return p


def tighten_data_dir(data_dir: str | os.PathLike[str]) -> None:
    """Make the data folder and everything visitdesk keeps in it owner-only (run at start)."""
    root = private_dir(data_dir)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            _chmod(Path(dirpath) / name, DIR_MODE)
        for name in filenames:
            _chmod(Path(dirpath) / name, FILE_MODE)


def preview_dir(base: str | os.PathLike[str] | None = None) -> Path:
    """The private folder for temporary previews and opened attachments (one per user)."""
    root = Path(base or os.environ.get(TEMP_DIR_ENV) or tempfile.gettempdir())
    try:
        user = str(os.getuid())  # type: ignore[attr-defined,unused-ignore]
    except AttributeError:  # Windows: the temp folder is already per user
        user = os.environ.get("USERNAME", "user")
    return private_dir(root / f"{PREVIEW_FOLDER}-{user}")


def new_preview_dir(base: str | os.PathLike[str] | None = None) -> Path:
    """A fresh owner-only sub-folder of ``preview_dir`` for one session's files."""
    return Path(tempfile.mkdtemp(prefix="s-", dir=preview_dir(base)))


def clear_previews(base: str | os.PathLike[str] | None = None) -> None:
    """Remove every temporary preview (at exit, and at start for a run that crashed)."""
    shutil.rmtree(preview_dir(base), ignore_errors=True)
