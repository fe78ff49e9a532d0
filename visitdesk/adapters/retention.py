"""Removing the personal data of accounts past retention, leaving a tombstone.

An account is past retention on a cut-off date when no import has refreshed it and no visit
of it changed on or after that date. Its row stays (visit records and the audit log refer to
its number) but loses name, ID and phone numbers, address and the extra columns; its earlier
snapshots (``account_history``) are deleted; a tombstone records when, by whom, the cut-off and
the SHA-256 of what was removed. Visit records and the audit log are not touched, so
``audit verify`` still proves the chain.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from visitdesk.adapters.store import CaseStore, now_iso
from visitdesk.core.audit import canonical
from visitdesk.core.masking import mask_card

_PERSONAL = ("name", "id_number", "phone", "address", "extra", "source_file", "source_sheet",
             "source_row")


@dataclass(frozen=True)
class PurgeReport:
    before: date
    purged: tuple[str, ...]
    """Account numbers whose personal data was removed."""

    def to_json(self) -> dict:
        return {"before": self.before.isoformat(), "purged": len(self.purged),
                "accounts": [mask_card(no) for no in self.purged]}


def past_retention(store: CaseStore, before: date) -> list[str]:
    cutoff = before.isoformat()
    rows = store.conn.execute(
        "SELECT a.account_no FROM account a WHERE substr(a.updated_at, 1, 10) < ?"
        " AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.account_no = a.account_no"
        "                 AND substr(v.updated_at, 1, 10) >= ?)"
        " AND NOT EXISTS (SELECT 1 FROM account_tombstone t WHERE t.account_no = a.account_no)"
        " ORDER BY a.rowid", (cutoff, cutoff)).fetchall()
    return [r[0] for r in rows]


def purge_before(store: CaseStore, before: date, who: str) -> PurgeReport:
    """Remove the personal data of every account past retention on ``before``; one transaction."""
    stamp = now_iso()
    cols = ", ".join(_PERSONAL)
    # freed pages are overwritten with zeros rather than left with the removed text in them
    store.conn.execute("PRAGMA secure_delete = ON")
    with store.transaction() as c:
        numbers = past_retention(store, before)
        for no in numbers:
            row = c.execute(f"SELECT {cols} FROM account WHERE account_no = ?", (no,)).fetchone()
            history = c.execute("SELECT snapshot FROM account_history WHERE account_no = ?"
                                " ORDER BY id", (no,)).fetchall()
            removed = {"account": dict(zip(_PERSONAL, row, strict=True)),
                       "history": [h[0] for h in history]}
            digest = hashlib.sha256(canonical(removed).encode("utf-8")).hexdigest()
            c.execute("UPDATE account SET name = '', id_number = '', phone = '', address = '',"
                      " extra = '{}', source_file = NULL, source_sheet = NULL,"
                      " source_row = NULL, updated_at = ? WHERE account_no = ?", (stamp, no))
            c.execute("DELETE FROM account_history WHERE account_no = ?", (no,))
            c.execute("INSERT INTO account_tombstone VALUES (?, ?, ?, ?, ?)",
                      (no, stamp, who, before.isoformat(), digest))
    return PurgeReport(before, tuple(numbers))


def tombstones(store: CaseStore) -> list[dict]:
    cur = store.conn.execute("SELECT account_no, purged_at, who, before, removed_sha256"
                             " FROM account_tombstone ORDER BY purged_at, account_no")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


