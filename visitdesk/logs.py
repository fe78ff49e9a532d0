"""Logging to a rotating file in the data folder: the UI shows messages, the log keeps detail."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path


def setup_logging(data_dir_option: str | None = None) -> Path:
    from visitdesk.paths import data_dir
    from visitdesk.private_files import make_private, private_dir

    path = private_dir(data_dir(data_dir_option)) / "visitdesk.log"
    root = logging.getLogger("visitdesk")
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        make_private(path)
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    return path
