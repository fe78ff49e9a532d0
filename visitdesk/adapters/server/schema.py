"""The branch server's schema, as numbered steps applied by ``server init`` (forward only).

Plain PostgreSQL (15 or later), no extensions. Everything lives in the schema ``visitdesk``.
Two group roles carry the rights; each person logs in with a role of their own that is a
member of one of them:

- ``visitdesk_officer`` reads the accounts assigned to them, inserts their own visit records,
  and reads those; nothing they inserted can be updated or deleted;
- ``visitdesk_supervisor`` reads every account and record of the branch and imports and
  assigns accounts; a pushed record cannot be altered by them either.

Row-level security is forced on every table that holds customers' data, so the rules hold for
any query, not only visitdesk's.
"""

from __future__ import annotations

OFFICER_ROLE = "visitdesk_officer"
SUPERVISOR_ROLE = "visitdesk_supervisor"

SCHEMA_STEPS: dict[int, str] = {
    1: """
    CREATE TABLE visitdesk.staff (
        login name PRIMARY KEY,
        staff_no text NOT NULL UNIQUE,
        name text NOT NULL,
        supervisor boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE visitdesk.account (
        account_no text PRIMARY KEY,
        data jsonb NOT NULL,
        assigned_to name REFERENCES visitdesk.staff(login),
        version bigint NOT NULL DEFAULT 1,
        changed_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX account_assigned ON visitdesk.account (assigned_to, account_no);
    -- Every change of an account's data or assignment bumps its version, which officers'
    -- PCs compare with theirs to fetch only what changed.
    CREATE FUNCTION visitdesk.bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.version := OLD.version + 1;
        NEW.changed_at := now();
        RETURN NEW;
    END $$;
    CREATE TRIGGER account_version BEFORE UPDATE ON visitdesk.account
        FOR EACH ROW EXECUTE FUNCTION visitdesk.bump_version();
    -- One row per pushed item: a visit version as finalised, and again as signed.
    CREATE TABLE visitdesk.visit_record (
        id text NOT NULL,
        version integer NOT NULL,
        state text NOT NULL CHECK (state IN ('finalised', 'signed')),
        account_no text NOT NULL,
        officer name NOT NULL DEFAULT current_user,
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        body jsonb NOT NULL,
        pushed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (id, version, state)
    );
    CREATE INDEX visit_record_officer ON visitdesk.visit_record (officer, pushed_at);
    CREATE FUNCTION visitdesk.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'a pushed record is never changed or deleted';
    END $$;
    CREATE TRIGGER visit_record_immutable BEFORE UPDATE OR DELETE ON visitdesk.visit_record
        FOR EACH ROW EXECUTE FUNCTION visitdesk.refuse_change();
    CREATE TRIGGER visit_record_no_truncate BEFORE TRUNCATE ON visitdesk.visit_record
        FOR EACH STATEMENT EXECUTE FUNCTION visitdesk.refuse_change();

    ALTER TABLE visitdesk.account ENABLE ROW LEVEL SECURITY;
    ALTER TABLE visitdesk.account FORCE ROW LEVEL SECURITY;
    ALTER TABLE visitdesk.visit_record ENABLE ROW LEVEL SECURITY;
    ALTER TABLE visitdesk.visit_record FORCE ROW LEVEL SECURITY;
    CREATE POLICY officer_reads_assigned ON visitdesk.account FOR SELECT
        TO visitdesk_officer USING (assigned_to = current_user);
    CREATE POLICY supervisor_manages ON visitdesk.account FOR ALL
        TO visitdesk_supervisor USING (true) WITH CHECK (true);
    CREATE POLICY officer_pushes_own ON visitdesk.visit_record FOR INSERT
        TO visitdesk_officer WITH CHECK (
            officer = current_user AND EXISTS (
                SELECT 1 FROM visitdesk.account a
                WHERE a.account_no = visit_record.account_no AND a.assigned_to = current_user));
    CREATE POLICY officer_reads_own ON visitdesk.visit_record FOR SELECT
        TO visitdesk_officer USING (officer = current_user);
    CREATE POLICY supervisor_reads_all ON visitdesk.visit_record FOR SELECT
        TO visitdesk_supervisor USING (true);

    GRANT USAGE ON SCHEMA visitdesk TO visitdesk_officer, visitdesk_supervisor;
    GRANT SELECT ON visitdesk.staff TO visitdesk_officer, visitdesk_supervisor;
    GRANT SELECT ON visitdesk.account TO visitdesk_officer;
    GRANT SELECT, INSERT, UPDATE ON visitdesk.account TO visitdesk_supervisor;
    GRANT SELECT, INSERT ON visitdesk.visit_record TO visitdesk_officer;
    GRANT SELECT ON visitdesk.visit_record TO visitdesk_supervisor;
    """,
}
SCHEMA_VERSION = max(SCHEMA_STEPS)
