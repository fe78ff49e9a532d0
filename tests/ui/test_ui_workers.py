"""The background worker: results, progress and errors come back in the UI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from visitdesk.ui.workers import Worker


def test_result_and_progress_are_delivered_in_the_ui_thread(qtbot):
    seen = []

    def job(progress, cancelled):
        for i in range(3):
            progress(i + 1, 3)
        return threading.current_thread().name

    worker = Worker(job)
    ui = QApplication.instance().thread()
    worker.signals.progress.connect(lambda d, t: seen.append((d, t, QThread.currentThread() is ui)))
    worker.signals.succeeded.connect(
        lambda r: seen.append(("done", r != threading.current_thread().name,
                               QThread.currentThread() is ui)))
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        worker.start()
    assert seen == [(1, 3, True), (2, 3, True), (3, 3, True), ("done", True, True)]
    assert worker.is_done


def test_cancel_is_seen_by_the_job_and_its_exception_comes_back(qtbot):
    started, release = threading.Event(), threading.Event()

    class Stopped(Exception):
        pass

    def job(progress, cancelled):
        started.set()
        release.wait(5)
        if cancelled():
            raise Stopped("cancelled")
        return "finished"

    worker = Worker(job)
    failures = []
    worker.signals.failed.connect(failures.append)
    worker.start()
    assert started.wait(5)
    worker.cancel()
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        release.set()
    assert worker.is_cancelled
    assert len(failures) == 1 and isinstance(failures[0], Stopped)


def test_many_signal_emissions_do_not_abort_the_process(qtbot):
    # PySide6 6.12 loses a reference to True on every emit(); visitdesk.ui pins True/False so
    # that a long session (or test run) cannot drive the count to zero and abort.
    import gc
    import sys

    from PySide6.QtCore import QObject, Signal

    import visitdesk.ui  # noqa: F401  (applies the work-around)

    class Beacon(QObject):
        ping = Signal(int)

    beacon = Beacon()
    received = []
    beacon.ping.connect(received.append)
    for i in range(50_000):
        beacon.ping.emit(i)
    gc.collect()
    assert len(received) == 50_000
    assert sys.getrefcount(True) > 1000


def test_installed_pyside_does_not_lose_references_when_signals_are_emitted():
    # PySide6 6.12.0 dropped a reference to True on every Signal.emit(); on Python 3.11 the
    # process aborts after a few thousand signals (pyproject.toml keeps that release out).
    import sys

    from PySide6.QtCore import QObject, Signal

    class Probe(QObject):
        ping = Signal()

    probe = Probe()
    before = sys.getrefcount(True)
    for _ in range(1000):
        probe.ping.emit()
    assert before - sys.getrefcount(True) < 10
