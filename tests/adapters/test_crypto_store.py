"""The encrypted case store: nothing readable at rest, the key wrapped by the passphrase, a
recovery key, and an encryption of a plain store that survives being killed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from privacy_testdata import (
    OTHER_PASSPHRASE,
    PASSPHRASE,
    found_in_bytes,
    identifiers,
    plain_store,
)

from visitdesk import i18n
from visitdesk.adapters import keys
from visitdesk.adapters.crypto_store import encrypt_store, is_plain_file
from visitdesk.adapters.store import STORE_FILE, CaseStore
from visitdesk.core.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _english_and_no_keys():
    i18n.set_language("en")
    keys.forget()
    yield
    keys.forget()
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


def test_encrypted_store_holds_no_name_id_or_phone_as_bytes(tmp_path):
    accounts = plain_store(tmp_path, 200)
    values = identifiers(accounts)
    assert found_in_bytes(_all_bytes(tmp_path), values)  # the plain store shows them
    encrypt_store(tmp_path, PASSPHRASE)
    keys.forget()
    with CaseStore(tmp_path, key=keys.unlock(tmp_path, PASSPHRASE)) as store:
        assert store.account_count() == 200
        store.conn.execute("UPDATE account SET address = address || '!'")  # fresh WAL pages
        assert found_in_bytes(_all_bytes(tmp_path), values) == []
    assert not is_plain_file(tmp_path / STORE_FILE)
    assert found_in_bytes(_all_bytes(tmp_path), values) == []
    assert {p.name for p in tmp_path.iterdir()} <= {STORE_FILE, keys.KEY_FILE}


def test_encrypted_store_cannot_be_read_as_plain_sqlite(tmp_path):
    plain_store(tmp_path, 3)
    encrypt_store(tmp_path, PASSPHRASE)
    conn = sqlite3.connect(tmp_path / STORE_FILE)
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT count(*) FROM account").fetchone()
    conn.close()


def test_opening_without_the_key_says_the_store_is_locked(tmp_path):
    plain_store(tmp_path, 3)
    encrypt_store(tmp_path, PASSPHRASE)
    keys.forget()
    with pytest.raises(keys.StoreLocked, match="unlock"):
        CaseStore(tmp_path)


def test_wrong_passphrase_is_counted_and_delays_further_attempts(tmp_path):
    plain_store(tmp_path, 1)
    encrypt_store(tmp_path, PASSPHRASE)
    keys.forget()
    waits: list[float] = []
    for n in range(1, keys.FREE_ATTEMPTS + 2):
        with pytest.raises(keys.WrongPassphrase) as info:
            keys.unlock(tmp_path, "not the passphrase", sleep=waits.append)
        assert info.value.failures == n
        assert f"{n} failed" in str(info.value)
    assert waits == [keys.delay_for(keys.FREE_ATTEMPTS)]  # only the attempt after the third
    assert "waits" in str(info.value)
    key = keys.unlock(tmp_path, PASSPHRASE, sleep=waits.append)
    assert keys.failures(tmp_path) == 0
    with CaseStore(tmp_path, key=key) as store:
        assert store.account_count() == 1


def test_changing_the_passphrase_rewraps_the_key_without_touching_the_store(tmp_path):
    plain_store(tmp_path, 5)
    key = encrypt_store(tmp_path, PASSPHRASE)
    before = (tmp_path / STORE_FILE).read_bytes()
    keys.change_passphrase(tmp_path, key, OTHER_PASSPHRASE)
    assert (tmp_path / STORE_FILE).read_bytes() == before
    keys.forget()
    with pytest.raises(keys.WrongPassphrase):
        keys.unlock(tmp_path, PASSPHRASE, sleep=lambda s: None)
    with CaseStore(tmp_path, key=keys.unlock(tmp_path, OTHER_PASSPHRASE)) as store:
        assert store.account_count() == 5


def test_recovery_key_opens_the_store_to_set_a_new_passphrase(tmp_path):
    plain_store(tmp_path, 2)
    key = encrypt_store(tmp_path, PASSPHRASE)
    recovery = keys.create_recovery_key(tmp_path, key)
    assert recovery.encode() not in _all_bytes(tmp_path)
    keys.forget()
    with pytest.raises(keys.WrongPassphrase):
        keys.unlock_with_recovery(tmp_path, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH",
                                  sleep=lambda s: None)
    opened = keys.unlock_with_recovery(tmp_path, recovery.lower().replace("-", " "))
    keys.change_passphrase(tmp_path, opened, OTHER_PASSPHRASE)
    keys.forget()
    with CaseStore(tmp_path, key=keys.unlock(tmp_path, OTHER_PASSPHRASE)) as store:
        assert store.account_count() == 2


def test_a_weak_passphrase_is_refused_and_the_store_stays_plain(tmp_path):
    plain_store(tmp_path, 1)
    with pytest.raises(InputError):
        encrypt_store(tmp_path, "12345678")
    assert is_plain_file(tmp_path / STORE_FILE) and not keys.is_encrypted(tmp_path)


def test_a_new_store_in_an_encrypted_folder_starts_encrypted(tmp_path):
    encrypt_store(tmp_path, PASSPHRASE)  # no store yet
    with CaseStore(tmp_path) as store:
        assert store.account_count() == 0
    assert not is_plain_file(tmp_path / STORE_FILE)


_KILL_HALFWAY = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from visitdesk.adapters import crypto_store
    data_dir, passphrase, where = Path(sys.argv[1]), sys.argv[2], sys.argv[3]

    def progress(done, total):
        if where == "copy" and done >= total // 2:
            os.kill(os.getpid(), signal.SIGKILL)

    if where == "swap":
        real_replace = os.replace
        def replace(src, dst):
            if str(dst).endswith("cases.sqlite3"):
                os.kill(os.getpid(), signal.SIGKILL)
            real_replace(src, dst)
        crypto_store.os.replace = replace
    crypto_store.encrypt_store(data_dir, passphrase, progress=progress)
""")


def _killed_encryption(data_dir: Path, where: str) -> None:
    done = subprocess.run([sys.executable, "-c", _KILL_HALFWAY, str(data_dir), PASSPHRASE, where],
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.mark.slow
def test_encryption_killed_halfway_leaves_the_plain_store_and_the_next_start_completes(tmp_path):
    accounts = plain_store(tmp_path, 10_000)
    _killed_encryption(tmp_path, "copy")
    assert is_plain_file(tmp_path / STORE_FILE)
    with sqlite3.connect(tmp_path / STORE_FILE) as conn:
        assert conn.execute("SELECT count(*) FROM account").fetchone()[0] == 10_000
    # the next start: the officer gives the passphrase, the encryption runs again
    assert keys.is_encrypted(tmp_path)
    with CaseStore(tmp_path, key=keys.unlock(tmp_path, PASSPHRASE)) as store:
        assert store.account_count() == 10_000
        assert [a.account_no for a in store.accounts()] == [a.account_no for a in accounts]
    assert not is_plain_file(tmp_path / STORE_FILE)
    assert keys.key_path(tmp_path).is_file()
    assert found_in_bytes(_all_bytes(tmp_path), identifiers(accounts[:300])) == []


def test_encryption_killed_at_the_swap_is_finished_at_the_next_open(tmp_path):
    accounts = plain_store(tmp_path, 50)
    _killed_encryption(tmp_path, "swap")
    assert is_plain_file(tmp_path / STORE_FILE)
    with CaseStore(tmp_path, key=keys.unlock(tmp_path, PASSPHRASE)) as store:
        assert store.account_count() == 50
    assert not is_plain_file(tmp_path / STORE_FILE)
    assert found_in_bytes(_all_bytes(tmp_path), identifiers(accounts)) == []


def test_store_files_are_owner_only_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        plain_store(tmp_path / "d", 2)
        encrypt_store(tmp_path / "d", PASSPHRASE)
        with CaseStore(tmp_path / "d") as store:
            store.account_count()
    finally:
        os.umask(old)
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o700
    for p in (tmp_path / "d").iterdir():
        assert p.stat().st_mode & 0o777 == 0o600, p.name
