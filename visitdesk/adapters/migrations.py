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
    30: """
    -- Record integrity (docs/integrity.md). The guards that visitdesk.adapters.visit_store
    -- used to install on every start are replaced by these, kept from here on: audit verify
    -- reports a missing or altered one as tampering instead of quietly re-creating it.
    DROP TRIGGER IF EXISTS visit_locked;
    DROP TRIGGER IF EXISTS visit_no_delete;
    DROP TRIGGER IF EXISTS audit_no_update;
    DROP TRIGGER IF EXISTS audit_no_delete;
    -- A finalised version changes only once more: to signed, adding signatures, nothing else.
    -- A signed version never changes.
    CREATE TRIGGER visit_locked BEFORE UPDATE ON visit
    WHEN OLD.state <> 'draft' AND NOT (
        OLD.state = 'finalised' AND NEW.state = 'signed'
        AND NEW.id = OLD.id AND NEW.version = OLD.version AND NEW.account_no = OLD.account_no
        AND NEW.officer IS OLD.officer AND NEW.outcome IS OLD.outcome
        AND NEW.visit_date IS OLD.visit_date AND NEW.created_at IS OLD.created_at
        AND NEW.finalised_at IS OLD.finalised_at AND NEW.finalised_by IS OLD.finalised_by
        AND json_valid(NEW.record) AND json_extract(NEW.record, '$.state') = 'signed'
        AND json_remove(NEW.record, '$.state', '$.signatures')
            = json_remove(OLD.record, '$.state', '$.signatures'))
    BEGIN SELECT RAISE(ABORT, 'a finalised or signed visit version is never edited'); END;
    CREATE TRIGGER visit_no_skip BEFORE UPDATE ON visit
    WHEN OLD.state = 'draft' AND NEW.state = 'signed'
    BEGIN SELECT RAISE(ABORT, 'a draft is finalised before it is signed'); END;
    CREATE TRIGGER visit_new_draft BEFORE INSERT ON visit
    WHEN NEW.state <> 'draft'
    BEGIN SELECT RAISE(ABORT, 'a visit version starts as a draft'); END;
    CREATE TRIGGER visit_no_delete BEFORE DELETE ON visit
    WHEN OLD.state <> 'draft'
    BEGIN SELECT RAISE(ABORT, 'a finalised visit version is never deleted'); END;
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
    WHEN NEW.seq <= OLD.seq
    BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END;
    CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    BEGIN SELECT RAISE(ABORT, 'the audit head is never removed'); END;
    -- SHA-256 of the record version after each change (visitdesk.core.audit).
    ALTER TABLE audit_log ADD COLUMN record_sha256 TEXT;
    -- Versions stored before record hashes were logged get one baseline entry each, once, the
    -- first time the visits are opened after this step (VisitRepository).
    CREATE TABLE record_hash_baseline (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pending INTEGER NOT NULL
    );
    INSERT INTO record_hash_baseline VALUES (1, 1);
    """,
}
