"""Where visitdesk finds its bundled resources and keeps its data.

Resources are found the same way from a source checkout, an installed wheel and a
PyInstaller bundle, so nothing else in the code needs to know how it was started.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "visitdesk"
DATA_DIR_ENV = "VISITDESK_DATA_DIR"


def resources_dir() -> Path:
    """The folder holding fonts, playbook, catalogs, mapping tables and samples."""
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources")
    here = Path(__file__).resolve().parent
    candidates += [here.parent / "resources", here / "resources"]
    for candidate in candidates:
        if (candidate / "i18n").is_dir():
            return candidate
    raise FileNotFoundError(
        "visitdesk resources not found; looked in: " + ", ".join(str(c) for c in candidates)
    )


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False, roaming=False))


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: ``--data-dir``, else ``VISITDESK_DATA_DIR``, else the user's folder."""
    if explicit:
        path = Path(explicit)
    elif os.environ.get(DATA_DIR_ENV):
        path = Path(os.environ[DATA_DIR_ENV])
    else:
        path = default_data_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def demo_data_dir() -> Path:
    """A separate store for ``--demo`` so that demo data never mixes with real cases."""
    return data_dir(default_data_dir().parent / f"{APP_NAME}-demo")
