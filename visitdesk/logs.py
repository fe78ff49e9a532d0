"""Logging to a rotating file in the data folder: the UI shows messages, the log keeps detail."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path


class QuietFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file that never breaks the program: a record that cannot be written
    (a full disk, a log file gone) is dropped instead of printing a logging traceback on the
    user's terminal, and writing resumes once the disk has room again."""

    dropped = 0
    """Records dropped since start (for tests and a curious developer)."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        type(self).dropped += 1
        try:
            if self.stream is not None:
                self.stream.close()
        except OSError:
            pass
        self.stream = None  # reopened by the next emit


def setup_logging(data_dir_option: str | None = None) -> Path:
    from visitdesk.paths import data_dir
    from visitdesk.private_files import make_private, private_dir

    path = private_dir(data_dir(data_dir_option)) / "visitdesk.log"
    root = logging.getLogger("visitdesk")
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        handler = QuietFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        make_private(path)
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    return path
