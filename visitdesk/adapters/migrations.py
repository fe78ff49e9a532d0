"""Case-store schema, as an ordered list of migrations. Never edit a released step; append one.

Step numbers are reserved by area so that work on different areas does not collide; the
store records each applied step (``schema_step``), so a step added later in a lower range
still reaches a store that has higher ones. Ranges:

| steps | area |
|---|---|
| 1, 10–19 | accounts and imports |
| 2, 20–29 | visits, audit log, visit content |
| 3, 30–39 | records integrity, signatures and certificates |
| 40–49 | encryption, privacy, attachments |
| 50–59 | the window's own state |
| 60–69 | the collection cycle (commitments, payments, contacts) |
| 70–79 | branch server sync |
"""

from __future__ import annotations

MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE import_batch (
        id INTEGER PRIMARY KEY,
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        sheet TEXT NOT NULL DEFAULT '',
        imported_at TEXT NOT NULL,
        imported INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        skipped INTEGER NOT NULL
    );
    CREATE TABLE account (
        account_no TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        id_number TEXT NOT NULL,
        phone TEXT NOT NULL DEFAULT '',
        principal TEXT NOT NULL,
        interest TEXT NOT NULL,
        late_fee TEXT NOT NULL,
        other_fees TEXT NOT NULL,
        overdue_days INTEGER,
        overdue_since TEXT,
        due_date TEXT,
        as_of TEXT,
        address TEXT NOT NULL DEFAULT '',
        branch TEXT NOT NULL DEFAULT '',
        officer TEXT NOT NULL DEFAULT '',
        extra TEXT NOT NULL DEFAULT '{}',
        source_file TEXT,
        source_sheet TEXT,
        source_row INTEGER,
        batch_id INTEGER REFERENCES import_batch(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    -- Figures an account had before a later import refreshed them.
    CREATE TABLE account_history (
        id INTEGER PRIMARY KEY,
        account_no TEXT NOT NULL REFERENCES account(account_no),
        batch_id INTEGER REFERENCES import_batch(id),
        replaced_at TEXT NOT NULL,
        snapshot TEXT NOT NULL
    );
    CREATE INDEX account_history_account ON account_history(account_no);
    """,
    2: """
    -- One row per version of a visit; a finalised or signed version is never edited (guarded
    -- by triggers that visitdesk.adapters.visit_store installs) and an amendment adds a row.
    CREATE TABLE visit (
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        account_no TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('draft', 'finalised', 'signed')),
        record TEXT NOT NULL,
        officer TEXT NOT NULL DEFAULT '',
        outcome TEXT,
        visit_date TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finalised_at TEXT,
        finalised_by TEXT,
        PRIMARY KEY (id, version)
    );
    CREATE INDEX visit_account ON visit(account_no);
    -- Append-only, hash-chained log of every change (visitdesk.core.audit).
    CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        who TEXT NOT NULL,
        at TEXT NOT NULL,
        visit_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        field TEXT NOT NULL,
        old TEXT,
        new TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_log_visit ON audit_log(visit_id);
    -- The newest entry's seq and hash, so that removing entries from the end is detected.
    CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL
    );
    -- The draft open in the window; cleared on a clean close, so a leftover row after a
    -- start means the app did not close cleanly and can offer to reopen it.
    CREATE TABLE open_draft (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        visit_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        opened_at TEXT NOT NULL
    );
    """,
    10: """
    -- Product type (card or loan), currency and kind of ID number of each account.
    ALTER TABLE account ADD COLUMN product_type TEXT NOT NULL DEFAULT '';
    ALTER TABLE account ADD COLUMN currency TEXT NOT NULL DEFAULT 'CNY';
    ALTER TABLE account ADD COLUMN id_type TEXT NOT NULL DEFAULT 'resident_id';
    """,
}
