"""Cold start: how long until the main window is painted, against a bare QMainWindow.

Each start is a fresh Python process (as an officer double-clicking the icon), timed from
the moment the process is spawned to its window's first paint event; the bare QMainWindow is
measured the same way in the same run, so the difference is what visitdesk itself costs.
The demo store is prepared once before timing (the first demo start imports the workbook).

    python bench/bench_startup.py [--runs 5]

Goal (issue 14): the main window painted within 0.3 s on the demo store.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PAINT_PROBE = """
import time
from PySide6.QtCore import QEvent, QObject, QTimer

class Probe(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not getattr(self, "done", False):
            self.done = True
            print("PAINTED", flush=True)
            QTimer.singleShot(0, app.quit)
        return False
"""

BARE = PAINT_PROBE + """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1280, 780)
probe = Probe()
window.installEventFilter(probe)
window.show()
app.exec()
"""

VISITDESK = PAINT_PROBE + """
import argparse, sys
sys.path.insert(0, {root!r})
from visitdesk.ui.app import application, create_main_window
app = application()
args = argparse.Namespace(demo=True, data_dir={data!r}, lang=None, open_file=None)
window = create_main_window(args, load_in_background=True)
probe = Probe()
window.installEventFilter(probe)
window.show()
app.exec()
window.ctx.close()
"""


def timed(script: str, pycache: str) -> float:
    """Seconds from spawning a Python process running ``script`` to its first paint.

    Bytecode is cached (in ``pycache``, outside the tree) as an installed copy has it: the
    first, untimed start compiles."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "PYTHONPYCACHEPREFIX": pycache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env)
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - start
    child.wait(60)
    if not line.startswith("PAINTED"):
        raise RuntimeError(f"the window was not painted (exit {child.returncode})")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="visitdesk-bench-") as tmp:
        data = str(Path(tmp) / "demo")
        visitdesk = VISITDESK.format(root=str(ROOT), data=data)
        pycache = str(Path(tmp) / "pycache")
        timed(visitdesk, pycache)  # prepares the demo store and the bytecode, not timed
        timed(BARE, pycache)
        bare_runs, app_runs = [], []
        for _ in range(opts.runs):  # interleaved, so both see the same machine load
            bare_runs.append(timed(BARE, pycache))
            app_runs.append(timed(visitdesk, pycache))
    bare, app = statistics.median(bare_runs), statistics.median(app_runs)
    print(f"runs: {opts.runs} (median; each a fresh process, spawn to first paint)")
    print(f"  bare QMainWindow          {bare:6.3f} s   (min {min(bare_runs):.3f})")
    print(f"  visitdesk main window     {app:6.3f} s   (min {min(app_runs):.3f})")
    print(f"  visitdesk's own cost      {app - bare:6.3f} s   (goal: window painted ≤ 0.3 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
