"""Opening the case store, encrypted with SQLCipher or plain, and encrypting a plain one.

A store is encrypted once its data folder holds ``cases.key.json`` (see ``keys``); it is then
opened with ``sqlcipher3`` (the ``sqlcipher3-wheels`` package: SQLCipher 4 built into the wheel,
nothing compiled on the officer's PC) and the data key as SQLCipher's raw key, so no second key
derivation runs at each open. Without a key file the store is plain SQLite (the demo store, the
tests, and a store whose officer has not set a passphrase yet).

Encrypting a plain store (``encrypt_store``) never touches the plain file until the encrypted
copy is complete: the data key is wrapped into ``cases.key.pending.json``, the rows are copied
into ``cases.sqlite3.encrypting`` table by table with progress, every row is compared with
its original, the file is synced and renamed ``cases.sqlite3.encrypted``, and only then swapped
in with ``os.replace``. A kill at any point leaves either the plain store intact (the next start
with the passphrase runs the copy again) or a complete encrypted copy that the next start swaps
in (``finish_pending``). The plain file is then overwritten with zeros and removed; what that
does and does not guarantee is in docs/privacy.md.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

from visitdesk.adapters import keys
from visitdesk.adapters.passphrase_rules import check_passphrase_strength
from visitdesk.core.errors import InputError, VisitdeskError
from visitdesk.i18n import tr
from visitdesk.private_files import make_private

PLAIN_HEADER = b"SQLite format 3\x00"
ENCRYPTING_SUFFIX = ".encrypting"
ENCRYPTED_SUFFIX = ".encrypted"
PLAIN_OLD_SUFFIX = ".plain-old"
_COPY_CHUNK = 2000

try:  # both drivers' errors, for code that must catch either (``except DB_ERRORS``)
    import sqlcipher3.dbapi2 as _cipher

    DB_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, _cipher.Error)
    INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, _cipher.IntegrityError)
    OPERATIONAL_ERRORS: tuple[type[Exception], ...] = (sqlite3.OperationalError,
                                                       _cipher.OperationalError)
except ImportError:  # pragma: no cover - the wheel is a dependency
    DB_ERRORS = (sqlite3.Error,)
    INTEGRITY_ERRORS = (sqlite3.IntegrityError,)
    OPERATIONAL_ERRORS = (sqlite3.OperationalError,)

Progress = Callable[[int, int], None]


def is_plain_file(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == PLAIN_HEADER
    except OSError:
        return False


def connect(path: Path, key: bytes | None) -> sqlite3.Connection:
    """A connection in autocommit mode (the store begins its own transactions)."""
    if key is None:
        return sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    import sqlcipher3.dbapi2 as cipher

    conn = cipher.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        # sorts and temporary indexes stay in memory, never in a plain temp file
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except cipher.DatabaseError as exc:
        conn.close()
        raise keys.StoreLocked(tr("privacy.store.bad_key", path=str(path))) from exc
    return cast(sqlite3.Connection, conn)


def open_store_connection(path: Path, key: bytes | None = None) -> sqlite3.Connection:
    """The connection ``CaseStore`` uses: encrypted when the folder's store is, else plain."""
    data_dir = path.parent
    if path.name != _store_file():
        return connect(path, key)
    finish_pending(data_dir)
    if key is not None and not keys.is_encrypted(data_dir):
        conn = connect(path, key)  # an explicit key without a key file (benchmarks, tools)
        make_private(path)
        return conn
    if not keys.is_encrypted(data_dir):
        conn = connect(path, None)
        make_private(path)
        return conn
    key = key or keys.remembered(data_dir)
    if key is None:
        raise keys.StoreLocked(tr("privacy.store.locked"))
    if not keys.key_path(data_dir).is_file():
        # an encryption was interrupted before its copy was complete: run it again now
        _encrypt_with_key(data_dir, key, None)
    conn = connect(path, key)
    make_private(path)
    return conn


def _store_file() -> str:
    from visitdesk.adapters.store import STORE_FILE

    return STORE_FILE


def _paths(data_dir: Path) -> dict[str, Path]:
    store = data_dir / _store_file()
    return {
        "store": store,
        "encrypting": store.with_name(store.name + ENCRYPTING_SUFFIX),
        "encrypted": store.with_name(store.name + ENCRYPTED_SUFFIX),
        "plain_old": store.with_name(store.name + PLAIN_OLD_SUFFIX),
        "pending_key": data_dir / keys.PENDING_KEY_FILE,
        "key": keys.key_path(data_dir),
    }


def finish_pending(data_dir: Path) -> None:
    """Complete the steps of an encryption that need no key (run before every open)."""
    p = _paths(data_dir)
    if p["pending_key"].is_file():
        if p["encrypted"].is_file():
            _swap(data_dir)
        elif p["store"].is_file() and not is_plain_file(p["store"]):
            os.replace(p["pending_key"], p["key"])
            _fsync_dir(data_dir)
    if p["key"].is_file() and p["plain_old"].exists():
        _wipe(p["plain_old"])


def encrypt_store(data_dir: Path | str, passphrase: str, *, progress: Progress | None = None,
                  personal: Iterable[str] = ()) -> bytes:
    """Encrypt the plain store in ``data_dir`` under ``passphrase``; returns the data key.

    An interrupted earlier run is resumed with the same passphrase (its key file is pending).
    """
    data_dir = Path(data_dir)
    p = _paths(data_dir)
    finish_pending(data_dir)
    if p["key"].is_file():
        raise InputError(tr("privacy.store.already"))
    if p["pending_key"].is_file():
        data_key = keys.unlock(data_dir, passphrase)
    else:
        check_passphrase_strength(passphrase, personal=personal)
        data_key = secrets.token_bytes(32)
        keys.KeyFile.create(p["pending_key"], data_key, passphrase).save()
        _fsync_dir(data_dir)
    _encrypt_with_key(data_dir, data_key, progress)
    keys.remember(data_dir, data_key)
    return data_key


def _encrypt_with_key(data_dir: Path, data_key: bytes, progress: Progress | None) -> None:
    p = _paths(data_dir)
    if not p["store"].is_file():
        # nothing to copy: a new store starts encrypted
        conn = connect(p["encrypting"], data_key)
        conn.close()
        os.replace(p["encrypting"], p["encrypted"])
    else:
        _build_copy(p["store"], p["encrypting"], data_key, progress)
        _verify_copy(p["store"], p["encrypting"], data_key)
        _fsync_file(p["encrypting"])
        os.replace(p["encrypting"], p["encrypted"])
    _fsync_dir(data_dir)
    _swap(data_dir)


def _tables(conn: Any) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY rowid")]


def _build_copy(plain_path: Path, target: Path, data_key: bytes, progress: Progress | None) -> None:
    plain = sqlite3.connect(plain_path, isolation_level=None)
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tables = _tables(plain)
        total = sum(plain.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables)
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        enc = connect(target, data_key)
        make_private(target)
        try:
            enc.execute("PRAGMA journal_mode=DELETE")
            enc.execute("PRAGMA foreign_keys=OFF")
            enc.execute("BEGIN")
            for (sql,) in plain.execute(
                    "SELECT sql FROM sqlite_master WHERE type='table' AND sql IS NOT NULL"
                    " AND name NOT LIKE 'sqlite_%' ORDER BY rowid").fetchall():
                enc.execute(sql)
            done = 0
            if progress:
                progress(0, total)
            for table in tables:
                cols = [r[1] for r in plain.execute(f'PRAGMA table_info("{table}")')]
                names = ", ".join(["rowid", *(f'"{c}"' for c in cols)])
                insert = (f'INSERT INTO "{table}" ({names}) VALUES '
                          f'({", ".join("?" * (len(cols) + 1))})')
                cur = plain.execute(f'SELECT {names} FROM "{table}" ORDER BY rowid')
                while rows := cur.fetchmany(_COPY_CHUNK):
                    enc.executemany(insert, rows)
                    done += len(rows)
                    if progress:
                        progress(done, total)
            if plain.execute("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").fetchone():
                enc.execute("DELETE FROM sqlite_sequence")
                enc.executemany("INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)",
                                plain.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
            for (sql,) in plain.execute(
                    "SELECT sql FROM sqlite_master WHERE type IN ('index', 'view', 'trigger')"
                    " AND sql IS NOT NULL ORDER BY rowid").fetchall():
                enc.execute(sql)
            version = plain.execute("PRAGMA user_version").fetchone()[0]
            enc.execute(f"PRAGMA user_version={int(version)}")
            enc.execute("COMMIT")
        finally:
            enc.close()
    finally:
        plain.close()


def _verify_copy(plain_path: Path, target: Path, data_key: bytes) -> None:
    """Compare the copy with the original: schema, version and every row, in order."""
    plain = sqlite3.connect(plain_path, isolation_level=None)
    enc = connect(target, data_key)
    try:
        schema = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
        if plain.execute(schema).fetchall() != enc.execute(schema).fetchall():
            raise VisitdeskError(tr("privacy.migrate.mismatch", table="sqlite_master"))
        if (plain.execute("PRAGMA user_version").fetchone()
                != enc.execute("PRAGMA user_version").fetchone()):
            raise VisitdeskError(tr("privacy.migrate.mismatch", table="user_version"))
        for table in _tables(plain):
            sql = f'SELECT rowid, * FROM "{table}" ORDER BY rowid'
            a, b = plain.execute(sql), enc.execute(sql)
            while True:
                rows_a, rows_b = a.fetchmany(_COPY_CHUNK), b.fetchmany(_COPY_CHUNK)
                if rows_a != [tuple(r) for r in rows_b]:
                    raise VisitdeskError(tr("privacy.migrate.mismatch", table=table))
                if not rows_a:
                    break
    finally:
        plain.close()
        enc.close()


def _swap(data_dir: Path) -> None:
    """Put the verified encrypted copy in place of the plain store, then its key file."""
    p = _paths(data_dir)
    if p["store"].is_file() and is_plain_file(p["store"]):
        p["plain_old"].unlink(missing_ok=True)
        try:
            os.link(p["store"], p["plain_old"])  # kept only to be overwritten after the swap
        except OSError:
            pass
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(p["store"]) + suffix).unlink(missing_ok=True)
    os.replace(p["encrypted"], p["store"])
    _fsync_dir(data_dir)
    os.replace(p["pending_key"], p["key"])
    _fsync_dir(data_dir)
    if p["plain_old"].exists():
        _wipe(p["plain_old"])


def _wipe(path: Path) -> None:
    """Overwrite ``path`` with zeros, sync, remove (see docs/privacy.md for what this is worth)."""
    try:
        size = path.stat().st_size
        with open(path, "r+b") as fh:
            block = b"\0" * (1 << 20)
            left = size
            while left > 0:
                n = min(left, len(block))
                fh.write(block[:n])
                left -= n
            fh.flush()
            os.fsync(fh.fileno())
    except OSError:
        pass
    path.unlink(missing_ok=True)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
