"""What the bank's DBA runs on the branch server: create or migrate the schema, add staff.

Both run with an administrator's login (a role that may create roles and schemas). The group
roles are created once per cluster; each step of ``schema.SCHEMA_STEPS`` is applied once, in
a transaction that holds a lock on the step table, so two ``server init`` at once are safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from psycopg import Connection, sql

from visitdesk.adapters.server.schema import (
    OFFICER_ROLE,
    SCHEMA_STEPS,
    SCHEMA_VERSION,
    SUPERVISOR_ROLE,
)
from visitdesk.core.errors import InputError
from visitdesk.i18n import tr


@dataclass(frozen=True)
class InitResult:
    applied: tuple[int, ...]
    """Steps applied by this run (empty when the schema was already current)."""
    version: int


def init_schema(conn: Connection) -> InitResult:
    """Create the group roles, the schema and every step not applied yet."""
    applied: list[int] = []
    with conn.transaction():
        for role in (OFFICER_ROLE, SUPERVISOR_ROLE):
            conn.execute(sql.SQL(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {name}) "
                "THEN CREATE ROLE {role} NOLOGIN; END IF; END $$").format(
                    name=sql.Literal(role), role=sql.Identifier(role)))
        conn.execute("CREATE SCHEMA IF NOT EXISTS visitdesk")
        conn.execute("CREATE TABLE IF NOT EXISTS visitdesk.schema_step ("
                     "step integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        conn.execute("LOCK TABLE visitdesk.schema_step IN EXCLUSIVE MODE")
        # Every client checks the version before it syncs.
        conn.execute("GRANT USAGE ON SCHEMA visitdesk TO visitdesk_officer, visitdesk_supervisor")
        conn.execute("GRANT SELECT ON visitdesk.schema_step TO visitdesk_officer, "
                     "visitdesk_supervisor")
        done = {r[0] for r in conn.execute("SELECT step FROM visitdesk.schema_step")}
        for step in sorted(set(SCHEMA_STEPS) - done):
            conn.execute(SCHEMA_STEPS[step])  # type: ignore[arg-type]  # our own constant SQL
            conn.execute("INSERT INTO visitdesk.schema_step (step) VALUES (%s)", (step,))
            applied.append(step)
    return InitResult(tuple(applied), SCHEMA_VERSION)


def schema_version(conn: Connection) -> int:
    """The newest step the server has (0 before ``server init``)."""
    row = conn.execute("SELECT to_regclass('visitdesk.schema_step') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(step), 0) FROM visitdesk.schema_step").fetchone()
    return int(row[0]) if row else 0


_STAFF_NO = re.compile(r"[A-Za-z0-9_]{1,32}")


def login_for(staff_no: str) -> str:
    """The database login of a staff number: ``vd_`` and the number in lower case."""
    if not _STAFF_NO.fullmatch(staff_no):
        raise InputError(tr("server.error.bad_staff_no", staff_no=staff_no))
    return "vd_" + staff_no.lower()


def add_user(conn: Connection, staff_no: str, name: str, password: str, *,
             supervisor: bool = False) -> str:
    """Create the person's login (member of the officer or supervisor group) and their staff
    row; returns the login. The password goes to the server only (never logged)."""
    login = login_for(staff_no)
    if not name.strip():
        raise InputError(tr("server.error.name_required"))
    group = SUPERVISOR_ROLE if supervisor else OFFICER_ROLE
    with conn.transaction():
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
        if exists:
            raise InputError(tr("server.error.user_exists", staff_no=staff_no, login=login))
        conn.execute(sql.SQL("CREATE ROLE {login} LOGIN PASSWORD {password}").format(
            login=sql.Identifier(login), password=sql.Literal(password)))
        conn.execute(sql.SQL("GRANT {group} TO {login}").format(
            group=sql.Identifier(group), login=sql.Identifier(login)))
        conn.execute("INSERT INTO visitdesk.staff (login, staff_no, name, supervisor) "
                     "VALUES (%s, %s, %s, %s)", (login, staff_no, name.strip(), supervisor))
    return login
