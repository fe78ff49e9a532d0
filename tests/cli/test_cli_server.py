"""``visitdesk server init`` and ``server user add`` against a real PostgreSQL."""

from __future__ import annotations

import json
import uuid

import pytest
from pgserver import cluster

from visitdesk.__main__ import main
from visitdesk.adapters.server.connection import connect
from visitdesk.cli import EXIT_REFUSED


@pytest.fixture(scope="module")
def server():
    with cluster() as dsn:
        yield dsn


def cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_init_then_add_users_as_a_dba_scripts_it(server, capsys, tmp_path, data_dir):
    name = "c" + uuid.uuid4().hex[:10]
    with connect(server) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    dsn = server.replace("dbname=postgres", f"dbname={name}")
    code, out, err = cli(capsys, "server", "init", "--dsn", dsn, "--json")
    assert code == 0, err
    first = json.loads(out)
    assert first["applied"] == list(range(1, first["version"] + 1))
    code, out, _ = cli(capsys, "server", "init", "--dsn", dsn, "--json")
    assert json.loads(out)["applied"] == []
    secret = tmp_path / "pw.txt"
    secret.write_text("river-lantern-2026\n", encoding="utf-8")
    code, out, err = cli(capsys, "server", "user", "add", "Z77", "--name", "周敏", "--dsn", dsn,
                         "--user-password-file", str(secret), "--json")
    assert code == 0, err
    assert json.loads(out) == {"staff_no": "Z77", "login": "vd_z77", "supervisor": False}
    with connect(dsn) as admin:
        assert admin.execute("SELECT name FROM visitdesk.staff WHERE login = 'vd_z77'"
                             ).fetchone() == ("周敏",)
        admin.execute("DROP OWNED BY vd_z77")
        admin.execute("DROP ROLE vd_z77")
    short = tmp_path / "short.txt"
    short.write_text("123\n", encoding="utf-8")
    assert cli(capsys, "server", "user", "add", "Z78", "--name", "x", "--dsn", dsn,
               "--user-password-file", str(short))[0] == EXIT_REFUSED


def test_an_unreachable_server_is_a_refusal_with_a_message(capsys, data_dir):
    code, out, err = cli(capsys, "server", "init", "--dsn",
                         "host=127.0.0.1 port=1 dbname=x user=y connect_timeout=2")
    assert code == EXIT_REFUSED and "无法连接分行服务器" in err
