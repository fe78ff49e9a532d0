"""Run long work (imports, PDF batches, signing) off the UI thread.

The UI thread never waits. A :class:`Worker` runs one function in Qt's global thread pool;
the function receives a ``progress(done, total)`` callback and a ``cancelled()`` predicate,
and its result (or exception) comes back by signal, delivered in the thread that owns the
worker's signals object (the UI thread). The function must never touch widgets.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger("visitdesk.ui.workers")

ProgressFn = Callable[[int, int], None]
CancelledFn = Callable[[], bool]
Job = Callable[[ProgressFn, CancelledFn], Any]


class WorkerSignals(QObject):
    progress = Signal(int, int)
    """(done, total); total 0 when unknown."""
    succeeded = Signal(object)
    """The function's return value."""
    failed = Signal(object)
    """The exception it raised (cancellation included, e.g. ``ImportCancelled``)."""
    finished = Signal()
    """Always emitted last, after ``succeeded`` or ``failed``."""


class _Runnable(QRunnable):
    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._worker = worker

    def run(self) -> None:
        self._worker._run()


class Worker:
    """One background job. Create it in the UI thread, connect ``signals``, then ``start()``."""

    def __init__(self, job: Job, *, pool: QThreadPool | None = None) -> None:
        self._job = job
        self._pool = pool or QThreadPool.globalInstance()
        self._cancel = threading.Event()
        self._done = threading.Event()
        self.signals = WorkerSignals()

    # --- UI thread ----------------------------------------------------------------------
    def start(self) -> None:
        self._pool.start(_Runnable(self))

    def cancel(self) -> None:
        """Ask the job to stop; it notices at its next ``cancelled()`` check."""
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def is_done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished (for shutdown and tests only)."""
        return self._done.wait(timeout)

    # --- worker thread ------------------------------------------------------------------
    def _progress(self, done: int, total: int) -> None:
        self.signals.progress.emit(int(done), int(total))

    def _run(self) -> None:
        try:
            result = self._job(self._progress, self._cancel.is_set)
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the UI thread
            if not isinstance(exc, Exception):
                log.error("worker stopped by %r", exc)
            self._done.set()
            self.signals.failed.emit(exc)
        else:
            self._done.set()
            self.signals.succeeded.emit(result)
        self.signals.finished.emit()
