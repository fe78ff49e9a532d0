"""The branch as a team, end to end on a real PostgreSQL: the supervisor uploads and assigns,
an officer's PC fetches only their accounts, visits offline, pushes the record; a second sync
changes nothing, a conflicting item is refused with exit 4, an unreachable server is exit 2."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from pgserver import cluster
from visit_testdata import complete_record

from visitdesk.__main__ import main
from visitdesk.adapters.server.admin import add_user, init_schema, login_for
from visitdesk.adapters.server.connection import connect
from visitdesk.adapters.settings_store import save_settings
from visitdesk.adapters.store import CaseStore
from visitdesk.adapters.visit_store import VisitRepository
from visitdesk.cli import EXIT_REFUSED
from visitdesk.core.settings import Settings
from visitdesk.core.visit import Person
from visitdesk.synth import write_demo_workbook


@pytest.fixture(scope="module")
def server():
    with cluster() as dsn:
        yield dsn


@pytest.fixture
def branch(server, tmp_path):
    name = "s" + uuid.uuid4().hex[:10]
    with connect(server) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    dsn = server.replace("dbname=postgres", f"dbname={name}")
    with connect(dsn) as admin:
        init_schema(admin)
        for staff_no, who, sup in (("S01", "赵主管", True), ("A01", "李明", False),
                                   ("B02", "王芳", False)):
            login = login_for(staff_no)
            if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone():
                admin.execute(f"DROP OWNED BY {login}")
                admin.execute(f"DROP ROLE {login}")
            add_user(admin, staff_no, who, "password-" + staff_no, supervisor=sup)
    return dsn


def as_login(dsn: str, staff_no: str) -> str:
    return dsn.replace("user=vdadmin", f"user={login_for(staff_no)}")


def cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def officer_pc(tmp_path, name: str, staff_no: str):
    data = tmp_path / name
    data.mkdir()
    save_settings(data, Settings(bank_name="示例银行", officer_name=name, staff_no=staff_no,
                                 bank_hotline="95500"))
    return data


def test_the_whole_loop(branch, capsys, tmp_path):
    sup = as_login(branch, "S01")
    book = write_demo_workbook(tmp_path / "清单.xlsx")
    code, out, err = cli(capsys, "server", "import", str(book), "--dsn", sup, "--json")
    assert code == 0, err
    uploaded = json.loads(out)
    assert uploaded["new"] > 10 and uploaded["changed"] == 0
    code, out, _ = cli(capsys, "server", "import", str(book), "--dsn", sup, "--json")
    assert json.loads(out)["unchanged"] == uploaded["new"]  # nothing to fetch again
    with connect(sup) as conn:
        numbers = [r[0] for r in conn.execute(
            "SELECT account_no FROM visitdesk.account ORDER BY account_no")]
    mine, theirs = numbers[:3], numbers[3:5]
    assert cli(capsys, "server", "assign", *mine, "--officer", "A01", "--dsn", sup)[0] == 0
    assert cli(capsys, "server", "assign", *theirs, "--officer", "B02", "--dsn", sup)[0] == 0

    a_pc = officer_pc(tmp_path, "李明", "A01")
    a_dsn = as_login(branch, "A01")
    code, out, err = cli(capsys, "--data-dir", str(a_pc), "sync", "--dsn", a_dsn, "--json")
    assert code == 0, err
    assert json.loads(out)["pulled"] == 3
    with CaseStore(a_pc) as store:
        assert sorted(a.account_no for a in store.accounts()) == mine  # and nobody else's
        # offline at the door: a visit, finalised
        repo = VisitRepository(store)
        record = repo.create(mine[0], Person("李明", "A01"),
                             record=complete_record(mine[0]))
        repo.finalise(record.id, "李明")
    code, out, err = cli(capsys, "--data-dir", str(a_pc), "sync", "--dsn", a_dsn, "--json")
    assert code == 0, err
    first = json.loads(out)
    assert (first["pulled"], first["pushed"], first["conflicts"]) == (0, 1, [])
    code, out, _ = cli(capsys, "--data-dir", str(a_pc), "sync", "--dsn", a_dsn, "--json")
    assert json.loads(out) == {"pulled": 0, "unassigned": 0, "pushed": 0, "already": 0,
                               "conflicts": [], "refused": []}
    with connect(sup) as conn:  # the supervisor sees the record, byte for byte
        (body, digest), = conn.execute("SELECT body::text, sha256 FROM visitdesk.visit_record")
        assert json.loads(body)["account_no"] == mine[0]
    with CaseStore(a_pc) as store:
        local = store.conn.execute("SELECT record FROM visit").fetchone()[0]
    assert hashlib.sha256(local.encode()).hexdigest() == digest

    # reassigning one account away: the next sync marks it, keeps the local data
    assert cli(capsys, "server", "assign", mine[2], "--officer", "B02", "--dsn", sup)[0] == 0
    code, out, _ = cli(capsys, "--data-dir", str(a_pc), "sync", "--dsn", a_dsn, "--json")
    assert json.loads(out)["unassigned"] == 1
    with CaseStore(a_pc) as store:
        assert store.account(mine[2]) is not None


def test_a_conflicting_item_is_refused_with_exit_4_and_never_overwritten(branch, capsys,
                                                                         tmp_path):
    sup = as_login(branch, "S01")
    book = write_demo_workbook(tmp_path / "清单.xlsx")
    assert cli(capsys, "server", "import", str(book), "--dsn", sup)[0] == 0
    with connect(sup) as conn:
        no = conn.execute("SELECT min(account_no) FROM visitdesk.account").fetchone()[0]
    assert cli(capsys, "server", "assign", no, "--officer", "A01", "--dsn", sup)[0] == 0
    a_pc = officer_pc(tmp_path, "李明", "A01")
    a_dsn = as_login(branch, "A01")
    assert cli(capsys, "--data-dir", str(a_pc), "sync", "--dsn", a_dsn)[0] == 0
    with CaseStore(a_pc) as store:
        repo = VisitRepository(store)
        record = repo.create(no, Person("李明", "A01"), record=complete_record(no))
        repo.finalise(record.id, "李明")
    with connect(a_dsn) as conn:  # another body under the same item name got there first
        conn.execute("INSERT INTO visitdesk.visit_record (id, version, state, account_no, "
                     "sha256, body) VALUES ('V000001', 1, 'finalised', %s, %s, '{}')",
                     (no, "0" * 64))
    code, out, err = cli(capsys, "--data-dir", str(a_pc), "sync", "--dsn", a_dsn, "--json")
    assert code == 4
    assert [c["id"] for c in json.loads(out)["conflicts"]] == ["V000001"]
    with connect(sup) as conn:
        assert conn.execute("SELECT sha256 FROM visitdesk.visit_record").fetchall() == [
            ("0" * 64,)]


def test_sync_without_a_server_says_so_and_changes_nothing(capsys, tmp_path):
    a_pc = officer_pc(tmp_path, "李明", "A01")
    code, out, err = cli(capsys, "--data-dir", str(a_pc), "sync")
    assert code == EXIT_REFUSED and "DSN" in err
    code, out, err = cli(capsys, "--data-dir", str(a_pc), "sync", "--dsn",
                         "host=127.0.0.1 port=1 dbname=x user=y connect_timeout=2")
    assert code == EXIT_REFUSED and "无法连接分行服务器" in err
