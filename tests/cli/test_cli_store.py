"""``visitdesk store …`` and how the other commands open an encrypted store."""

from __future__ import annotations

import json

import pypdfium2 as pdfium
import pytest
from privacy_testdata import OTHER_PASSPHRASE, PASSPHRASE, found_in_bytes, identifiers, plain_store

from visitdesk.__main__ import main
from visitdesk.adapters import keys
from visitdesk.adapters.store import STORE_FILE
from visitdesk.cli import EXIT_REFUSED


@pytest.fixture(autouse=True)
def _no_keys(monkeypatch):
    for name in ("VISITDESK_PASSPHRASE", "VISITDESK_STORE_PASSPHRASE", "VISITDESK_NEW_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    keys.forget()
    yield
    keys.forget()


def cli(data_dir, capsys, *args):
    keys.forget()  # every call is a new process as far as the key goes
    code = main(["--data-dir", str(data_dir), "--lang", "en", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def encrypted(data_dir, tmp_path, capsys):
    accounts = plain_store(data_dir, 20)
    (tmp_path / "pass.txt").write_text(PASSPHRASE + "\n", encoding="utf-8")
    code, out, err = cli(data_dir, capsys, "store", "encrypt", "--new-passphrase-file",
                         str(tmp_path / "pass.txt"))
    assert code == 0, err
    assert "encrypted" in out and "100%" in err
    return data_dir, accounts, tmp_path / "pass.txt"


def test_a_plain_store_needs_no_passphrase_and_says_it_is_not_encrypted(data_dir, capsys):
    plain_store(data_dir, 3)
    code, out, _ = cli(data_dir, capsys, "accounts", "--json")
    assert code == 0 and len(json.loads(out)) == 3
    code, out, _ = cli(data_dir, capsys, "store", "status", "--json")
    assert json.loads(out) == {"path": str(data_dir / STORE_FILE), "encrypted": False,
                               "encryption_pending": False, "recovery_key": False,
                               "failed_attempts": 0}


def test_encrypted_store_commands_need_the_passphrase(encrypted, capsys, monkeypatch):
    data_dir, accounts, pass_file = encrypted
    code, out, err = cli(data_dir, capsys, "accounts", "--json")
    assert code == EXIT_REFUSED and "--store-passphrase-file" in err and out == ""
    code, out, _ = cli(data_dir, capsys, "accounts", "--json", "--store-passphrase-file",
                       str(pass_file))
    assert code == 0 and {a["account_no"] for a in json.loads(out)} == {
        a.account_no for a in accounts}
    monkeypatch.setenv("VISITDESK_STORE_PASSPHRASE", PASSPHRASE)
    code, out, _ = cli(data_dir, capsys, "accounts", "--json")
    assert code == 0 and len(json.loads(out)) == 20
    code, out, _ = cli(data_dir, capsys, "store", "status", "--json")
    assert json.loads(out)["encrypted"] is True
    assert found_in_bytes((data_dir / STORE_FILE).read_bytes(), identifiers(accounts)) == []


def test_wrong_store_passphrase_exits_2_with_a_count(encrypted, capsys, monkeypatch):
    data_dir, _, _ = encrypted
    monkeypatch.setenv("VISITDESK_STORE_PASSPHRASE", "not it at all")
    code, _, err = cli(data_dir, capsys, "accounts")
    assert code == EXIT_REFUSED and "Wrong passphrase (1 failed attempts)" in err
    assert "Traceback" not in err


def test_passphrase_change_and_recovery_key_sheet(encrypted, capsys, tmp_path):
    data_dir, _, pass_file = encrypted
    new = tmp_path / "new.txt"
    new.write_text(OTHER_PASSPHRASE, encoding="utf-8")
    code, _, err = cli(data_dir, capsys, "store", "passphrase", "--store-passphrase-file",
                       str(pass_file), "--new-passphrase-file", str(new))
    assert code == 0, err
    code, _, _ = cli(data_dir, capsys, "accounts", "--store-passphrase-file", str(pass_file))
    assert code == EXIT_REFUSED
    sheet = tmp_path / "recovery.pdf"
    code, out, err = cli(data_dir, capsys, "store", "recovery-key", "--out", str(sheet),
                         "--store-passphrase-file", str(new))
    assert code == 0, err
    pdf = pdfium.PdfDocument(str(sheet))
    assert len(pdf) == 1
    text = pdf[0].get_textpage().get_text_range()
    recovery = next(line.strip() for line in text.splitlines() if line.count("-") == 7)
    assert recovery.encode() not in b"".join(p.read_bytes() for p in data_dir.iterdir()
                                             if p.is_file())
    rec_file = tmp_path / "rec.txt"
    rec_file.write_text(recovery, encoding="utf-8")
    third = tmp_path / "third.txt"
    third.write_text("copper kettle 19 orchard", encoding="utf-8")
    code, _, err = cli(data_dir, capsys, "store", "passphrase", "--recovery-key-file",
                       str(rec_file), "--new-passphrase-file", str(third))
    assert code == 0, err
    code, out, _ = cli(data_dir, capsys, "accounts", "--json", "--store-passphrase-file",
                       str(third))
    assert code == 0 and len(json.loads(out)) == 20


def test_encrypt_refuses_a_weak_or_personal_passphrase(data_dir, capsys, tmp_path):
    plain_store(data_dir, 1)
    weak = tmp_path / "weak.txt"
    weak.write_text("12345678", encoding="utf-8")
    code, _, err = cli(data_dir, capsys, "store", "encrypt", "--new-passphrase-file", str(weak))
    assert code == EXIT_REFUSED and "too common" in err
    assert not keys.is_encrypted(data_dir)


def test_accounts_json_masks_id_and_phone_unless_unmasked_which_is_recorded(data_dir, capsys):
    accounts = plain_store(data_dir, 3)
    code, out, _ = cli(data_dir, capsys, "accounts", "--json")
    shown = {a["account_no"]: a for a in json.loads(out)}
    for acc in accounts:
        assert shown[acc.account_no]["id_number"] != acc.id_number
        assert shown[acc.account_no]["id_number"][-4:] == acc.id_number[-4:]
        assert shown[acc.account_no]["phone"][-4:] == acc.phone[-4:] != shown[acc.account_no]["phone"]
    code, out, _ = cli(data_dir, capsys, "access-log", "--json")
    assert json.loads(out) == {"intact": True, "broken_at": None, "entries": []}
    code, out, _ = cli(data_dir, capsys, "accounts", "--json", "--unmasked")
    assert {a["id_number"] for a in json.loads(out)} == {a.id_number for a in accounts}
    code, out, _ = cli(data_dir, capsys, "access-log", "--json")
    log = json.loads(out)
    assert log["intact"] and [(e["account_no"], e["purpose"]) for e in log["entries"]] == [
        ("*", "export")]


def test_retention_purge_empties_old_accounts_leaves_tombstones_and_the_audit_chain(
        data_dir, capsys, tmp_path):
    import sqlite3

    from visitdesk.adapters.retention import tombstones
    from visitdesk.adapters.store import CaseStore

    accounts = plain_store(data_dir, 4)
    old, visited = accounts[0], accounts[1]
    with sqlite3.connect(data_dir / STORE_FILE) as conn:
        conn.execute("UPDATE account SET updated_at = '2020-01-05T10:00:00+08:00'")
    answers = tmp_path / "answers.json"
    answers.write_text('{"outcome": "customer_not_met", "officer": {"name": "李明", '
                       '"staff_no": "A1023"}}', encoding="utf-8")
    code, _, err = cli(data_dir, capsys, "visit", "new", visited.account_no, "--answers",
                       str(answers))
    assert code == 0, err
    code, _, err = cli(data_dir, capsys, "retention", "purge", "--before", "2099-01-01")
    assert code == EXIT_REFUSED and "2 years" in err
    code, out, err = cli(data_dir, capsys, "retention", "purge", "--before", "2021-01-01",
                         "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["purged"] == 3 and report["before"] == "2021-01-01"
    assert all(old.account_no not in line for line in report["accounts"])
    with CaseStore(data_dir) as store:
        gone = store.account(old.account_no)
        assert (gone.name, gone.id_number, gone.phone, gone.address) == ("", "", "", "")
        assert store.account(visited.account_no).id_number == visited.id_number
        assert store.account_history(old.account_no) == []
        stones = tombstones(store)
    assert {t["account_no"] for t in stones} == {a.account_no for a in accounts} - {
        visited.account_no}
    assert all(len(t["removed_sha256"]) == 64 and t["before"] == "2021-01-01" for t in stones)
    code, out, _ = cli(data_dir, capsys, "audit", "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    code, out, _ = cli(data_dir, capsys, "retention", "purge", "--before", "2021-01-01",
                       "--json")
    assert json.loads(out)["purged"] == 0  # nothing twice


def test_attach_list_and_export_from_the_command_line(data_dir, capsys, tmp_path):
    accounts = plain_store(data_dir, 1)
    answers = tmp_path / "answers.json"
    answers.write_text('{"outcome": "customer_not_met", "officer": {"name": "李明", '
                       '"staff_no": "A1023"}}', encoding="utf-8")
    code, out, err = cli(data_dir, capsys, "visit", "new", accounts[0].account_no, "--answers",
                         str(answers))
    assert code == 0, err
    visit_id = out.strip()
    photo = tmp_path / "door.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"j" * 300)
    talk = tmp_path / "talk.wav"
    talk.write_bytes(b"RIFF\x24\0\0\0WAVEfmt " + b"w" * 100)
    code, _, err = cli(data_dir, capsys, "attach", visit_id, str(talk))
    assert code == EXIT_REFUSED and "--consent" in err
    code, out, err = cli(data_dir, capsys, "attach", visit_id, str(photo), str(talk),
                         "--consent", "--json")
    assert code == 0, err
    added = json.loads(out)
    assert [(a["name"], a["kind"], a["media_type"]) for a in added] == [
        ("door.jpg", "photo", "image/jpeg"), ("talk.wav", "recording", "audio/wav")]
    code, out, _ = cli(data_dir, capsys, "attachments", visit_id, "--json")
    assert [a["sha256"] for a in json.loads(out)] == [a["sha256"] for a in added]
    code, out, err = cli(data_dir, capsys, "attachment", "export", visit_id, "talk.wav",
                         "--out", str(tmp_path / "copy.wav"))
    assert code == 0, err and (tmp_path / "copy.wav").read_bytes() == talk.read_bytes()
    code, _, _ = cli(data_dir, capsys, "attachment", "export", visit_id, "nope.wav",
                     "--out", str(tmp_path / "x"))
    assert code == 3
