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
    11: """
    -- Pinyin sort key of the customer's name (adapters/collation.py), computed at import so
    -- that sorting 100,000 accounts by name never converts a name; rows stored before this
    -- step get theirs on first read (CaseStore.name_sort_keys).
    ALTER TABLE account ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
    """,
    12: """
    -- The whole balance as the file stated it (NULL: no such column), and whether the
    -- figures' as-of date was assumed (the file did not say; the import date was used).
    ALTER TABLE account ADD COLUMN stated_total TEXT;
    ALTER TABLE account ADD COLUMN as_of_assumed INTEGER NOT NULL DEFAULT 0;
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
    60: """
    -- The collection cycle (visitdesk.core.collection): what customers promised, what they
    -- paid, every contact attempt. Rows are never deleted; a commitment replaced by an
    -- amendment's plan is linked to it (superseded_by), a reversed payment to its reversal.
    CREATE TABLE commitment (
        id TEXT PRIMARY KEY,
        account_no TEXT NOT NULL,
        visit_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        n INTEGER NOT NULL,
        kind TEXT NOT NULL,
        due_date TEXT NOT NULL,
        amount TEXT NOT NULL,
        created_on TEXT NOT NULL,
        superseded_by TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX commitment_account ON commitment(account_no);
    CREATE INDEX commitment_open ON commitment(superseded_by, due_date);
    -- Finalised visit versions already turned into commitments, follow-ups and contacts.
    CREATE TABLE cycle_source (
        visit_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        processed_at TEXT NOT NULL,
        PRIMARY KEY (visit_id, version)
    );
    CREATE TABLE follow_up (
        visit_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        account_no TEXT NOT NULL,
        due_on TEXT NOT NULL,
        channel TEXT
    );
    CREATE INDEX follow_up_due ON follow_up(due_on);
    CREATE TABLE payment_batch (
        id INTEGER PRIMARY KEY,
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        imported INTEGER NOT NULL,
        duplicates INTEGER NOT NULL,
        skipped INTEGER NOT NULL
    );
    CREATE TABLE payment (
        reference TEXT PRIMARY KEY,
        account_no TEXT NOT NULL,
        paid_on TEXT NOT NULL,
        amount TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('import', 'manual')),
        reason TEXT NOT NULL DEFAULT '',
        reversed_by TEXT,
        batch_id INTEGER REFERENCES payment_batch(id),
        who TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE INDEX payment_account ON payment(account_no);
    CREATE TABLE contact (
        id INTEGER PRIMARY KEY,
        account_no TEXT NOT NULL,
        channel TEXT NOT NULL,
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        result TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        consent INTEGER NOT NULL DEFAULT 0,
        visit_id TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX contact_account ON contact(account_no, at);
    CREATE UNIQUE INDEX contact_visit ON contact(visit_id) WHERE visit_id IS NOT NULL;
    CREATE TRIGGER commitment_no_delete BEFORE DELETE ON commitment
    BEGIN SELECT RAISE(ABORT, 'commitments are never deleted'); END;
    CREATE TRIGGER commitment_only_superseded BEFORE UPDATE ON commitment
    WHEN OLD.superseded_by IS NOT NULL OR NEW.id IS NOT OLD.id
      OR NEW.account_no IS NOT OLD.account_no OR NEW.visit_id IS NOT OLD.visit_id
      OR NEW.version IS NOT OLD.version OR NEW.n IS NOT OLD.n OR NEW.kind IS NOT OLD.kind
      OR NEW.due_date IS NOT OLD.due_date OR NEW.amount IS NOT OLD.amount
      OR NEW.created_on IS NOT OLD.created_on OR NEW.created_at IS NOT OLD.created_at
    BEGIN SELECT RAISE(ABORT, 'a commitment only gains the plan that superseded it'); END;
    CREATE TRIGGER payment_no_delete BEFORE DELETE ON payment
    BEGIN SELECT RAISE(ABORT, 'payments are never deleted'); END;
    CREATE TRIGGER payment_only_reversed BEFORE UPDATE ON payment
    WHEN OLD.reversed_by IS NOT NULL OR NEW.reference IS NOT OLD.reference
      OR NEW.account_no IS NOT OLD.account_no OR NEW.paid_on IS NOT OLD.paid_on
      OR NEW.amount IS NOT OLD.amount OR NEW.source IS NOT OLD.source
      OR NEW.reason IS NOT OLD.reason OR NEW.batch_id IS NOT OLD.batch_id
      OR NEW.who IS NOT OLD.who OR NEW.created_at IS NOT OLD.created_at
    BEGIN SELECT RAISE(ABORT, 'a payment only gains the reversal that cancelled it'); END;
    CREATE TRIGGER contact_no_change BEFORE UPDATE ON contact
    BEGIN SELECT RAISE(ABORT, 'contacts are never changed'); END;
    CREATE TRIGGER contact_no_delete BEFORE DELETE ON contact
    BEGIN SELECT RAISE(ABORT, 'contacts are never deleted'); END;
    """,
    61: """
    -- What the payments have paid of each open (not superseded) commitment, kept up to date
    -- with every change of payments or commitments (CollectionStore), so the worklist need
    -- not allocate every payment again. Days are proleptic ordinals (date.toordinal) so the
    -- worklist's query compares integers. Derived data: always rebuilt from commitment and
    -- payment when it does not cover them.
    CREATE TABLE commitment_paid (
        commitment_id TEXT PRIMARY KEY,
        plan_id TEXT NOT NULL,
        account_no TEXT NOT NULL,
        n INTEGER NOT NULL,
        due_date TEXT NOT NULL,
        due_day INTEGER NOT NULL,
        amount TEXT NOT NULL,
        paid TEXT NOT NULL,
        full_day INTEGER
    );
    CREATE INDEX commitment_paid_account ON commitment_paid(account_no);
    """,
    70: """
    -- Branch-server sync (visitdesk.adapters.server.sync): the version of each account this
    -- PC last fetched (assigned = 0 once the server no longer lists it for this officer), and
    -- every visit item the server has accepted.
    CREATE TABLE server_account (
        account_no TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        assigned INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE pushed_item (
        visit_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        state TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        pushed_at TEXT NOT NULL,
        PRIMARY KEY (visit_id, version, state)
    );
    """,
    62: """
    -- The worklist asks for the newest payment day (is "today" after every payment?) and
    -- reads only the commitments that can put an account on it.
    CREATE INDEX payment_day ON payment(paid_on);
    ALTER TABLE commitment_paid ADD COLUMN late_days INTEGER;
    CREATE INDEX commitment_paid_open ON commitment_paid(full_day, late_days);
    """,
    40: """
    -- Every reveal of an account's full identifiers (the window's "show", an unmasked export):
    -- append-only and hash-chained (visitdesk.core.privacy), so a removed or changed entry
    -- is detected.
    CREATE TABLE access_log (
        seq INTEGER PRIMARY KEY,
        who TEXT NOT NULL,
        at TEXT NOT NULL,
        account_no TEXT NOT NULL,
        fields TEXT NOT NULL,
        purpose TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX access_log_account ON access_log(account_no);
    CREATE TRIGGER access_log_no_change BEFORE UPDATE ON access_log
    BEGIN SELECT RAISE(ABORT, 'access log entries are never changed'); END;
    CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
    BEGIN SELECT RAISE(ABORT, 'access log entries are never deleted'); END;
    """,
    41: """
    -- One row per account whose personal data ``retention purge`` removed: when, by whom, up
    -- to which date, and the SHA-256 of what was removed (proof of what existed, not the data).
    -- The account row stays (visits and the audit log refer to it), emptied of personal data.
    CREATE TABLE account_tombstone (
        account_no TEXT PRIMARY KEY,
        purged_at TEXT NOT NULL,
        who TEXT NOT NULL,
        before TEXT NOT NULL,
        removed_sha256 TEXT NOT NULL
    );
    CREATE TRIGGER account_tombstone_no_change BEFORE UPDATE ON account_tombstone
    BEGIN SELECT RAISE(ABORT, 'tombstones are never changed'); END;
    CREATE TRIGGER account_tombstone_no_delete BEFORE DELETE ON account_tombstone
    BEGIN SELECT RAISE(ABORT, 'tombstones are never deleted'); END;
    """,
    42: """
    -- Evidence attached to a visit version (recordings, photos, documents): the bytes in
    -- 1 MiB chunks inside the (encrypted) store, with their SHA-256, size and sniffed type.
    -- Insert-only: an attachment is never changed or removed. The chunks are written before
    -- their row (the row is written once, complete), hence the deferred foreign key.
    CREATE TABLE attachment (
        id INTEGER PRIMARY KEY,
        visit_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('recording', 'photo', 'document')),
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL,
        consent INTEGER NOT NULL DEFAULT 0,
        UNIQUE (visit_id, name)
    );
    CREATE TABLE attachment_chunk (
        attachment_id INTEGER NOT NULL
            REFERENCES attachment(id) DEFERRABLE INITIALLY DEFERRED,
        n INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (attachment_id, n)
    );
    CREATE TRIGGER attachment_no_change BEFORE UPDATE ON attachment
    BEGIN SELECT RAISE(ABORT, 'attachments are never changed'); END;
    CREATE TRIGGER attachment_no_delete BEFORE DELETE ON attachment
    BEGIN SELECT RAISE(ABORT, 'attachments are never deleted'); END;
    CREATE TRIGGER attachment_chunk_no_change BEFORE UPDATE ON attachment_chunk
    BEGIN SELECT RAISE(ABORT, 'attachments are never changed'); END;
    CREATE TRIGGER attachment_chunk_no_delete BEFORE DELETE ON attachment_chunk
    BEGIN SELECT RAISE(ABORT, 'attachments are never deleted'); END;
    """,
}
