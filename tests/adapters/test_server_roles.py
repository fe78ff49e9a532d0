"""The branch server enforces who sees and changes what, in the database itself: a raw SQL
session with an officer's login reads only their customers and cannot alter a pushed record.
Real PostgreSQL, started by the fixture (tests/pgserver.py)."""

from __future__ import annotations

import hashlib
import json
import uuid

import psycopg
import pytest
from pgserver import cluster

from visitdesk.adapters.server.admin import add_user, init_schema, login_for, schema_version
from visitdesk.adapters.server.connection import ServerUnavailable, connect
from visitdesk.adapters.server.schema import SCHEMA_VERSION
from visitdesk.core.errors import InputError


@pytest.fixture(scope="module")
def server():
    with cluster() as dsn:
        yield dsn


@pytest.fixture
def branch(server):
    """A fresh database with the schema, a supervisor and two officers."""
    name = "b" + uuid.uuid4().hex[:10]
    with connect(server) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    dsn = server.replace("dbname=postgres", f"dbname={name}")
    with connect(dsn) as admin:
        assert schema_version(admin) == 0
        result = init_schema(admin)
        assert result.applied == tuple(range(1, SCHEMA_VERSION + 1))
        logins = {}
        for staff_no, who, sup in (("S01", "赵主管", True), ("A01", "李明", False),
                                   ("B02", "王芳", False)):
            if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s",
                             (login_for(staff_no),)).fetchone():
                admin.execute(f"DROP OWNED BY {login_for(staff_no)}")
                admin.execute(f"DROP ROLE {login_for(staff_no)}")
            logins[staff_no] = add_user(admin, staff_no, who, "pw-" + staff_no, supervisor=sup)
    yield dsn, logins


def as_user(dsn: str, login: str) -> psycopg.Connection:
    return connect(dsn.replace("user=vdadmin", f"user={login}"))


def _seed(dsn, logins):
    with as_user(dsn, logins["S01"]) as sup:
        for no, officer in (("6222000000000001", "A01"), ("6222000000000002", "B02"),
                            ("6222000000000003", None)):
            sup.execute("INSERT INTO visitdesk.account (account_no, data, assigned_to) "
                        "VALUES (%s, %s, %s)", (no, json.dumps({"name": "甲"}),
                                                logins[officer] if officer else None))


def _record(account_no: str, officer: str) -> tuple:
    body = json.dumps({"id": "V000001", "account_no": account_no}, ensure_ascii=False)
    return ("V000001", 1, "finalised", account_no, officer,
            hashlib.sha256(body.encode()).hexdigest(), body)


def test_init_is_idempotent_and_reports_the_version(branch):
    dsn, _ = branch
    with connect(dsn) as admin:
        again = init_schema(admin)
        assert again.applied == () and schema_version(admin) == SCHEMA_VERSION


def test_an_officer_reads_only_the_accounts_assigned_to_them(branch):
    dsn, logins = branch
    _seed(dsn, logins)
    with as_user(dsn, logins["A01"]) as a:
        assert [r[0] for r in a.execute("SELECT account_no FROM visitdesk.account")] == [
            "6222000000000001"]
    with as_user(dsn, logins["B02"]) as b:
        assert [r[0] for r in b.execute("SELECT account_no FROM visitdesk.account")] == [
            "6222000000000002"]
        # not even by naming it, nor by changing the assignment
        assert b.execute("SELECT * FROM visitdesk.account WHERE account_no = "
                         "'6222000000000001'").fetchall() == []
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            b.execute("UPDATE visitdesk.account SET assigned_to = current_user")
    with as_user(dsn, logins["S01"]) as sup:
        assert sup.execute("SELECT count(*) FROM visitdesk.account").fetchone()[0] == 3


def test_an_officer_pushes_records_only_for_own_accounts_and_never_changes_them(branch):
    dsn, logins = branch
    _seed(dsn, logins)
    insert = ("INSERT INTO visitdesk.visit_record (id, version, state, account_no, officer, "
              "sha256, body) VALUES (%s, %s, %s, %s, %s, %s, %s)")
    with as_user(dsn, logins["A01"]) as a:
        a.execute(insert, _record("6222000000000001", logins["A01"]))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # B's customer
            a.execute(insert, _record("6222000000000002", logins["A01"]))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # posing as B
            a.execute(insert, ("V9", 1, "finalised", "6222000000000001", logins["B02"], "0" * 64,
                               "{}"))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            a.execute("UPDATE visitdesk.visit_record SET body = '{}'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            a.execute("DELETE FROM visitdesk.visit_record")
    with as_user(dsn, logins["B02"]) as b:
        assert b.execute("SELECT count(*) FROM visitdesk.visit_record").fetchone()[0] == 0
    with as_user(dsn, logins["S01"]) as sup:
        assert sup.execute("SELECT officer FROM visitdesk.visit_record").fetchall() == [
            (logins["A01"],)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sup.execute("DELETE FROM visitdesk.visit_record")
    with connect(dsn) as admin:  # even the owner's session cannot rewrite it
        with pytest.raises(psycopg.errors.RaiseException):
            admin.execute("UPDATE visitdesk.visit_record SET body = '{}'")
        with pytest.raises(psycopg.errors.RaiseException):
            admin.execute("TRUNCATE visitdesk.visit_record")


def test_user_add_refuses_a_bad_staff_number_and_a_second_login(branch):
    dsn, logins = branch
    with connect(dsn) as admin:
        with pytest.raises(InputError):
            add_user(admin, "A01; DROP", "x", "pw")
        with pytest.raises(InputError):
            add_user(admin, "A01", "李明", "pw")
        with pytest.raises(InputError):
            add_user(admin, "C03", " ", "pw")


def test_a_server_that_cannot_be_reached_is_a_clear_message():
    with pytest.raises(ServerUnavailable) as info:
        connect("host=127.0.0.1 port=1 dbname=x user=y", timeout=2)
    assert "127.0.0.1" in str(info.value) or "1" in str(info.value)
