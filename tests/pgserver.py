"""A throwaway PostgreSQL cluster for the branch-server tests: ``initdb`` and ``pg_ctl`` in a
temporary folder, on a free localhost port, stopped afterwards. PostgreSQL refuses to run as
root, so as root its programs run as the ``postgres`` system user (``runuser``)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ADMIN = "vdadmin"


def _bin(name: str) -> str:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian package postgresql)")
    return found


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program (as ``postgres`` when root), in a folder it may enter."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *args], check=True, capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster; yields the administrator's DSN (database ``postgres``)."""
    base = Path(tempfile.mkdtemp(prefix="visitdesk-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    data = base / "data"
    port = _free_port()
    _run(_bin("initdb"), "-D", str(data), "-U", ADMIN, "--auth=trust", "-E", "UTF8",
         "--locale=C.UTF-8", cwd=base)
    _run(_bin("pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "-o",
         f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", "start", cwd=base)
    try:
        yield f"host=127.0.0.1 port={port} dbname=postgres user={ADMIN}"
    finally:
        _run(_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop", cwd=base)
        shutil.rmtree(base, ignore_errors=True)
