"""PyInstaller entry script for both bundled executables (``visitdesk`` and ``visitdesk-cli``).

It only hands over to ``visitdesk.__main__:main``, the same entry point as the pip-installed
``visitdesk`` command, after two fixes that a frozen program needs.
"""

import multiprocessing
import os
import sys


def _ensure_std_streams() -> None:
    # A windowed Windows executable starts with sys.stdout/sys.stderr set to None; a stray
    # print or argparse message would then raise. Headless use goes through visitdesk-cli.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


if __name__ == "__main__":
    multiprocessing.freeze_support()
    _ensure_std_streams()
    from visitdesk.__main__ import main

    sys.exit(main())
