"""The access log in the case store: who revealed which account's full identifiers, when.

Entries are made by ``record_access`` inside one transaction with the chain's last entry, so
two processes never fork the chain; the table's triggers refuse updates and deletes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from visitdesk.adapters.store import CaseStore, now_iso
from visitdesk.core.privacy import AccessEntry, next_access, valid_fields, verify_access

_COLUMNS = "seq, who, at, account_no, fields, purpose, prev_hash, hash"


def _entry(row: tuple) -> AccessEntry:
    return AccessEntry(row[0], row[1], row[2], row[3], tuple(json.loads(row[4])), row[5],
                       row[6], row[7])


def record_access(store: CaseStore, who: str, account_no: str, fields: Sequence[str],
                  purpose: str) -> AccessEntry:
    """Append one entry: ``who`` saw ``fields`` of ``account_no`` in full, for ``purpose``."""
    with store.transaction() as c:
        row = c.execute(f"SELECT {_COLUMNS} FROM access_log ORDER BY seq DESC LIMIT 1").fetchone()
        entry = next_access(_entry(row) if row else None, who, now_iso(), account_no,
                            valid_fields(fields), purpose)
        c.execute(f"INSERT INTO access_log({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
                  (entry.seq, entry.who, entry.when, entry.account_no,
                   json.dumps(list(entry.fields)), entry.purpose, entry.prev_hash, entry.hash))
    return entry


def access_entries(store: CaseStore, account_no: str | None = None) -> list[AccessEntry]:
    sql = f"SELECT {_COLUMNS} FROM access_log"
    args: tuple = ()
    if account_no is not None:
        sql += " WHERE account_no = ?"
        args = (account_no,)
    return [_entry(r) for r in store.conn.execute(sql + " ORDER BY seq", args).fetchall()]


def verify_access_log(store: CaseStore) -> int | None:
    """``seq`` of the first broken entry, ``None`` when the whole log is intact."""
    return verify_access(access_entries(store))
