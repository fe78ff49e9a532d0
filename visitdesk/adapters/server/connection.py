"""Opening a connection to the branch server.

The DSN lives in the settings without a password. The password comes from
``VISITDESK_DB_PASSWORD``, a password file, or a prompt, and is handed to psycopg only; it is
never written to a file or a log. A server that cannot be reached is a clear message
(:class:`ServerUnavailable`), and local work goes on.
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

from visitdesk.core.errors import InputError
from visitdesk.i18n import tr

PASSWORD_ENV = "VISITDESK_DB_PASSWORD"


class ServerUnavailable(InputError):
    """The branch server cannot be reached or refused the login (the CLI exits 2)."""


def password_from(file: str | None) -> str | None:
    """The password from ``file`` (first line), else the environment, else None."""
    if file:
        return Path(file).read_text(encoding="utf-8").splitlines()[0] if Path(
            file).stat().st_size else ""
    return os.environ.get(PASSWORD_ENV)


def connect(dsn: str, password: str | None = None, *, timeout: int = 10) -> psycopg.Connection:
    """A connection in autocommit mode (callers use ``conn.transaction()``)."""
    kwargs: dict[str, object] = {"connect_timeout": timeout, "autocommit": True,
                                 "application_name": "visitdesk"}
    if password is not None:
        kwargs["password"] = password
    try:
        return psycopg.connect(dsn, **kwargs)  # type: ignore[arg-type]
    except psycopg.OperationalError as exc:
        # The driver's message names host and port, never the password.
        raise ServerUnavailable(tr("server.error.unavailable",
                                   detail=str(exc).strip().splitlines()[0])) from None
