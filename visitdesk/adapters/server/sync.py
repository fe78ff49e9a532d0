"""Offline-first sync between an officer's PC and the branch server.

**Pull**: the server lists the officer's assigned accounts with a version each (row-level
security shows them nothing else); the PC fetches only those whose version differs from the one
it holds and stores them in one transaction. Accounts no longer listed were unassigned: their
local data and any draft stay, marked as unassigned. **Push**: every finalised or signed visit
version not pushed yet goes up as an immutable item named by (visit id, version, state) with the
sha256 of its JSON. The server accepts an item once; the same item again with the same hash is
a no-op, with another hash a conflict (tampering or a bug), reported and never overwritten.
Each item is its own step, so a sync killed at any point is completed by the next one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg

from visitdesk.adapters.server.admin import schema_version
from visitdesk.adapters.server.schema import SCHEMA_VERSION
from visitdesk.adapters.store import BatchInfo, CaseStore, now_iso
from visitdesk.core.accounts import Account
from visitdesk.core.errors import InputError
from visitdesk.i18n import tr


class SchemaMismatch(InputError):
    """Client and server schema versions differ (update visitdesk, or run ``server init``)."""


def account_from_json(data: dict[str, Any]) -> Account:
    """An account from its documented JSON form (``Account.to_json``)."""
    def day(key: str) -> date | None:
        value = data.get(key)
        return date.fromisoformat(value) if value else None

    return Account(
        account_no=data["account_no"], name=data["name"], id_number=data["id_number"],
        principal=Decimal(data["principal"]), phone=data.get("phone", ""),
        interest=Decimal(data.get("interest", "0")), late_fee=Decimal(data.get("late_fee", "0")),
        other_fees=Decimal(data.get("other_fees", "0")), overdue_days=data.get("overdue_days"),
        overdue_since=day("overdue_since"), due_date=day("due_date"), as_of=day("as_of"),
        address=data.get("address", ""), branch=data.get("branch", ""),
        officer=data.get("officer", ""), extra=dict(data.get("extra") or {}),
        product_type=data.get("product_type", ""), currency=data.get("currency", "CNY"),
        id_type=data.get("id_type", "resident_id"))


def check_schema(conn: psycopg.Connection) -> None:
    found = schema_version(conn)
    if found != SCHEMA_VERSION:
        key = "server.error.client_old" if found > SCHEMA_VERSION else "server.error.server_old"
        raise SchemaMismatch(tr(key, server=found, client=SCHEMA_VERSION))


# --- the supervisor's side ----------------------------------------------------------------
def upload_accounts(conn: psycopg.Connection, accounts: list[Account]) -> tuple[int, int]:
    """Store the branch's account list (a supervisor's login); returns (new, changed).
    An account whose figures did not change keeps its version (officers fetch nothing)."""
    check_schema(conn)
    new = changed = 0
    with conn.transaction(), conn.cursor() as cur:
        for a in accounts:
            data = json.dumps(a.to_json(), ensure_ascii=False, sort_keys=True)
            cur.execute(
                "INSERT INTO visitdesk.account (account_no, data) VALUES (%s, %s) "
                "ON CONFLICT (account_no) DO UPDATE SET data = excluded.data "
                "WHERE visitdesk.account.data IS DISTINCT FROM excluded.data "
                "RETURNING (xmax = 0)", (a.account_no, data))
            row = cur.fetchone()
            if row is not None:
                new, changed = (new + 1, changed) if row[0] else (new, changed + 1)
    return new, changed


def assign(conn: psycopg.Connection, login: str | None, account_nos: list[str]) -> list[str]:
    """Assign the accounts to ``login`` (None: unassign); returns the numbers not found."""
    check_schema(conn)
    with conn.transaction():
        found = {r[0] for r in conn.execute(
            "UPDATE visitdesk.account SET assigned_to = %s WHERE account_no = ANY(%s) "
            "AND assigned_to IS DISTINCT FROM %s RETURNING account_no",
            (login, account_nos, login))}
        found |= {r[0] for r in conn.execute(
            "SELECT account_no FROM visitdesk.account WHERE account_no = ANY(%s)",
            (account_nos,))}
    return [no for no in account_nos if no not in found]


# --- the officer's side ---------------------------------------------------------------------
@dataclass
class SyncReport:
    pulled: int = 0
    """Accounts fetched (new to this PC or changed on the server)."""
    unassigned: int = 0
    pushed: int = 0
    already: int = 0
    """Items the server already had with the same hash (a resumed sync)."""
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    """Items the server refused (e.g. the account is not assigned to this officer there)."""

    def to_json(self) -> dict[str, Any]:
        return {"pulled": self.pulled, "unassigned": self.unassigned, "pushed": self.pushed,
                "already": self.already, "conflicts": self.conflicts, "refused": self.refused}


def sync(store: CaseStore, conn: psycopg.Connection) -> SyncReport:
    """Pull the officer's accounts, then push every finalised or signed visit version."""
    check_schema(conn)
    report = SyncReport()
    _pull(store, conn, report)
    _push(store, conn, report)
    return report


def _pull(store: CaseStore, conn: psycopg.Connection, report: SyncReport) -> None:
    listed: dict[str, int] = dict(
        conn.execute("SELECT account_no, version FROM visitdesk.account").fetchall())
    held = dict(store.conn.execute("SELECT account_no, version FROM server_account "
                                   "WHERE assigned = 1").fetchall())
    wanted = [no for no, version in listed.items() if held.get(no) != version]
    accounts: list[Account] = []
    versions: dict[str, int] = {}
    for i in range(0, len(wanted), 1000):
        for no, data, version in conn.execute(
                "SELECT account_no, data, version FROM visitdesk.account "
                "WHERE account_no = ANY(%s)", (wanted[i:i + 1000],)):
            accounts.append(account_from_json(data))
            versions[no] = version
    gone = [no for no in held if no not in listed]
    if accounts:
        store.upsert_accounts(accounts, BatchInfo(tr("server.batch_name"), "0" * 64, "", 0))
    with store.transaction() as c:
        c.executemany("INSERT INTO server_account (account_no, version, assigned) "
                      "VALUES (?, ?, 1) ON CONFLICT(account_no) DO UPDATE SET "
                      "version = excluded.version, assigned = 1", list(versions.items()))
        c.executemany("UPDATE server_account SET assigned = 0 WHERE account_no = ?",
                      [(no,) for no in gone])
    report.pulled, report.unassigned = len(accounts), len(gone)


def _push(store: CaseStore, conn: psycopg.Connection, report: SyncReport) -> None:
    rows = store.conn.execute(
        "SELECT v.id, v.version, v.state, v.account_no, v.record FROM visit v "
        "WHERE v.state IN ('finalised', 'signed') AND NOT EXISTS (SELECT 1 FROM pushed_item p "
        "WHERE p.visit_id = v.id AND p.version = v.version AND p.state = v.state) "
        "ORDER BY v.id, v.version").fetchall()
    for visit_id, version, state, account_no, body in rows:
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        outcome = _push_one(conn, visit_id, version, state, account_no, body, digest)
        item = {"id": visit_id, "version": version, "state": state, "sha256": digest}
        if outcome in ("pushed", "already"):
            with store.transaction() as c:
                c.execute("INSERT OR IGNORE INTO pushed_item VALUES (?, ?, ?, ?, ?)",
                          (visit_id, version, state, digest, now_iso()))
            if outcome == "pushed":
                report.pushed += 1
            else:
                report.already += 1
        elif outcome == "conflict":
            report.conflicts.append(item)
        else:
            report.refused.append(dict(item, reason=outcome))


def _push_one(conn: psycopg.Connection, visit_id: str, version: int, state: str,
              account_no: str, body: str, digest: str) -> str:
    """``pushed``, ``already``, ``conflict`` or the server's reason for refusing."""
    try:
        with conn.transaction():
            inserted = conn.execute(
                "INSERT INTO visitdesk.visit_record (id, version, state, account_no, sha256, "
                "body) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
                (visit_id, version, state, account_no, digest, body)).fetchone()
    except psycopg.errors.InsufficientPrivilege:
        return tr("server.sync.not_assigned", account=account_no)
    if inserted:
        return "pushed"
    row = conn.execute("SELECT sha256 FROM visitdesk.visit_record WHERE id = %s AND "
                       "version = %s AND state = %s", (visit_id, version, state)).fetchone()
    if row is None:  # someone else's item under this id: not visible to us
        return "conflict"
    return "already" if row[0] == digest else "conflict"
