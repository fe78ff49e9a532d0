"""Case-store schema, as an ordered list of migrations. Never edit a released step; append one.

Step numbers are reserved by area so that work on different areas does not collide:
1 accounts and imports, 2 visits and audit log, 3 signatures and certificates.
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
}
