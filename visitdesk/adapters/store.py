"""The case store: one SQLite file in the data folder.

WAL journal with ``synchronous=FULL`` so that a committed write survives a crash or power
cut; every import is one transaction, so a refused or cancelled import leaves the store as it
was. Other areas (visits, signatures) keep their own repository modules on the same
connection; this module owns opening, migrating and the account tables.
"""

from __future__ import annotations

import errno
import itertools
import json
import logging
import operator
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from visitdesk.adapters.collation import name_sort_keys
from visitdesk.adapters.migrations import MIGRATIONS
from visitdesk.core.accounts import Account, SourceRef
from visitdesk.core.errors import Unavailable
from visitdesk.core.money import money_str

STORE_FILE = "cases.sqlite3"
BUSY_TIMEOUT_MS = 5000
"""How long SQLite itself waits for another program's write to finish."""
BUSY_BACKOFF: tuple[float, ...] = (0.5, 1.0, 2.0)
"""Pauses between further tries to start a write when the store stays busy beyond the busy
timeout; then the user is told it is busy."""
log = logging.getLogger("visitdesk.store")


def failure_kind(exc: BaseException) -> str | None:
    """``busy`` or ``disk_full`` for an error of either database driver or the file system
    that means the store or the disk cannot take a write now; None for anything else."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return "disk_full"
    if not (isinstance(exc, sqlite3.Error)
            or type(exc).__name__ in ("OperationalError", "DatabaseError")):
        return None
    text = str(exc).lower()
    if "disk is full" in text or "database or disk is full" in text:
        return "disk_full"
    if "database is locked" in text or "database is busy" in text or "database table is locked" in text:
        return "busy"
    return None


def unavailable(exc: BaseException) -> Unavailable | None:
    """The :class:`Unavailable` to report for ``exc`` (None when it is another error)."""
    from visitdesk.i18n import tr

    kind = failure_kind(exc)
    return Unavailable(tr(f"integrity.error.{kind}")) if kind else None


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class BatchInfo:
    file_name: str
    sha256: str
    sheet: str
    skipped: int


@dataclass(frozen=True)
class UpsertResult:
    batch_id: int
    imported: int
    """Accounts new to the store."""
    updated: int
    """Accounts that existed and were refreshed (their old figures kept in history)."""


_ACCOUNT_COLUMNS = (
    "account_no", "name", "id_number", "phone", "principal", "interest", "late_fee",
    "other_fees", "overdue_days", "overdue_since", "due_date", "as_of", "address", "branch",
    "officer", "extra", "source_file", "source_sheet", "source_row", "product_type",
    "currency", "id_type", "stated_total", "as_of_assumed",
)
_SELECT_ACCOUNTS = "SELECT " + ", ".join(_ACCOUNT_COLUMNS) + " FROM account"


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def account_row(a: Account) -> tuple:
    src = a.source
    return (
        a.account_no, a.name, a.id_number, a.phone, money_str(a.principal),
        money_str(a.interest), money_str(a.late_fee), money_str(a.other_fees), a.overdue_days,
        _iso(a.overdue_since), _iso(a.due_date), _iso(a.as_of), a.address, a.branch, a.officer,
        json.dumps(a.extra, ensure_ascii=False) if a.extra else "{}", src.file if src else None,
        src.sheet if src else None, src.row if src else None, a.product_type, a.currency,
        a.id_type, None if a.stated_total is None else money_str(a.stated_total),
        int(a.as_of_assumed),
    )


_IMPORT_CACHE_KIB = 16 << 10


def _money_column(values: list[Decimal]) -> list[str]:
    """``money_str`` of each amount; amounts already rounded to the fen (every parsed one)
    are simply ``str``-ed. Whole-column proof that this gives the same text: each text has
    its one ``.`` third from the end and no exponent, which ``str`` of a Decimal only writes
    for an exponent of -2 (NaN and infinities have no ``.``)."""
    texts = list(map(str, values))
    if not texts:
        return texts
    joined = "".join(texts)
    if (joined.count(".") == len(texts) and "E" not in joined
            and min(map(len, texts)) >= 4 and set(map(_THIRD_FROM_END, texts)) == {"."}):
        return texts
    return list(map(money_str, values))


_THIRD_FROM_END = operator.itemgetter(-3)


def _iso_column(values: list[date | None]) -> list[str | None]:
    distinct: dict[date | None, str | None] = {d: d.isoformat() for d in set(values) if d}
    distinct[None] = None
    return list(map(distinct.__getitem__, values))


def account_rows(accounts: Sequence[Account], tail: tuple = (),
                 more: Sequence[list] = ()) -> Iterator[tuple]:
    """``account_row(a) + (more columns' values) + tail`` for every account, converted a
    column at a time (the store's hot path when 100,000 accounts are imported); the rows are
    made as consumed."""
    if not accounts:
        return iter(())
    columns: list[Iterable] = [
        list(map(_GETTERS[name], accounts)) for name in ("account_no", "name", "id_number", "phone")
    ]
    columns += [_money_column(list(map(_GETTERS[name], accounts))) for name in _MONEY_FIELDS]
    columns.append(list(map(_GETTERS["overdue_days"], accounts)))
    columns += [_iso_column(list(map(_GETTERS[name], accounts))) for name in _DATE_FIELDS]
    columns += [list(map(_GETTERS[name], accounts)) for name in ("address", "branch", "officer")]
    columns.append([json.dumps(e, ensure_ascii=False) if e else "{}"
                    for e in map(_GETTERS["extra"], accounts)])
    sources = list(map(_GETTERS["source"], accounts))
    if not all(sources):
        columns += [[s.file if s else None for s in sources],
                    [s.sheet if s else None for s in sources],
                    [s.row if s else None for s in sources]]
    else:
        columns += [list(map(_SOURCE_FILE, sources)), list(map(_SOURCE_SHEET, sources)),
                    list(map(_SOURCE_ROW, sources))]
    columns += [list(map(_GETTERS[name], accounts)) for name in ("product_type", "currency",
                                                                  "id_type")]
    columns.append([None if t is None else money_str(t)
                    for t in map(_GETTERS["stated_total"], accounts)])
    columns.append(list(map(int, map(_GETTERS["as_of_assumed"], accounts))))
    n = len(accounts)
    columns += more
    columns += [itertools.repeat(v, n) for v in tail]
    return zip(*columns, strict=True)


_MONEY_FIELDS = ("principal", "interest", "late_fee", "other_fees")
_DATE_FIELDS = ("overdue_since", "due_date", "as_of")
_GETTERS = {name: operator.attrgetter(name) for name in (
    "account_no", "name", "id_number", "phone", *_MONEY_FIELDS, "overdue_days", *_DATE_FIELDS,
    "address", "branch", "officer", "extra", "source", "product_type", "currency", "id_type",
    "stated_total", "as_of_assumed")}
_SOURCE_FILE = operator.attrgetter("file")
_SOURCE_SHEET = operator.attrgetter("sheet")
_SOURCE_ROW = operator.attrgetter("row")


def account_from_row(r: sqlite3.Row | tuple) -> Account:
    def d(text: str | None) -> date | None:
        return date.fromisoformat(text) if text else None

    return Account(
        account_no=r[0], name=r[1], id_number=r[2], phone=r[3], principal=Decimal(r[4]),
        interest=Decimal(r[5]), late_fee=Decimal(r[6]), other_fees=Decimal(r[7]),
        overdue_days=r[8], overdue_since=d(r[9]), due_date=d(r[10]), as_of=d(r[11]),
        address=r[12], branch=r[13], officer=r[14], extra=json.loads(r[15] or "{}"),
        source=SourceRef(r[16], r[17] or "", r[18], bool(r[23])) if r[16] is not None else None,
        product_type=r[19], currency=r[20], id_type=r[21],
        stated_total=None if r[22] is None else Decimal(r[22]),
    )


class CaseStore:
    """Open (creating and migrating as needed) the case store in ``data_dir``.

    The store is encrypted (SQLCipher) once a passphrase was set for it; it is then opened
    with ``key`` or the key unlocked earlier in this process (``adapters.keys``), and
    ``keys.StoreLocked`` is raised without one. See ``adapters.crypto_store``.
    """

    def __init__(self, data_dir: Path | str, *, filename: str = STORE_FILE,
                 key: bytes | None = None) -> None:
        from visitdesk.adapters.crypto_store import open_store_connection
        from visitdesk.private_files import private_dir

        self.path = Path(data_dir) / filename
        private_dir(self.path.parent)
        self.conn = open_store_connection(self.path, key)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._migrate()

    # --- plumbing -------------------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        """Apply every step of ``MIGRATIONS`` this store has not had, in number order.

        Which steps were applied is kept in ``schema_step`` (one row a step), not only as the
        highest number, because step numbers are reserved by area: a step added later in a
        lower range must still reach a store that already has a higher one. A store from
        before ``schema_step`` existed had every step up to its ``user_version``.
        """
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_step (step INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        applied = {row[0] for row in self.conn.execute("SELECT step FROM schema_step")}
        if not applied and self.schema_version:
            applied = {v for v in MIGRATIONS if v <= self.schema_version}
            with self.transaction():
                self.conn.executemany(
                    "INSERT OR IGNORE INTO schema_step VALUES (?, ?)",
                    [(v, now_iso()) for v in sorted(applied)],
                )
        for version in sorted(set(MIGRATIONS) - applied):
            with self.transaction():
                # Another process may have applied it since we looked (several starting at once).
                if self.conn.execute("SELECT 1 FROM schema_step WHERE step = ?", (version,)).fetchone():
                    continue
                for statement in split_sql(MIGRATIONS[version]):
                    self.conn.execute(statement)
                self.conn.execute("INSERT INTO schema_step VALUES (?, ?)", (version, now_iso()))
                self.conn.execute(f"PRAGMA user_version={max(version, self.schema_version)}")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same committed state."""
        self.conn.execute("BEGIN DEFERRED")
        try:
            yield self.conn
        finally:
            self.conn.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception rolls everything back.

        A store busy with another program is waited for (the connection's busy timeout, then
        :data:`BUSY_BACKOFF`) and then reported as :class:`Unavailable`; so is a full disk.
        When SQLite already rolled back by itself (a full disk at ``COMMIT``), the original
        error is the one reported, not the failed ``ROLLBACK``."""
        self._begin()
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                try:
                    self.conn.execute("ROLLBACK")
                except Exception:  # the original error says what went wrong
                    log.warning("rollback failed after %s", type(exc).__name__)
            translated = unavailable(exc)
            if translated is not None:
                raise translated from exc
            raise

    def _begin(self) -> None:
        for pause in (*BUSY_BACKOFF, None):
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except Exception as exc:
                translated = unavailable(exc)
                if translated is None:
                    raise
                if pause is None or failure_kind(exc) != "busy":
                    raise translated from exc
                log.info("store busy, trying again in %.1f s", pause)
                time.sleep(pause)

    # --- accounts -------------------------------------------------------------------------
    def upsert_accounts(self, accounts: Iterable[Account], batch: BatchInfo) -> UpsertResult:
        """Store one import's accounts in one transaction.

        An existing account (same number) is refreshed and its previous figures are kept in
        ``account_history``; visits referring to it are untouched. When none of the numbers
        is stored yet (a first import) and none repeats, the rows go in with a plain
        ``INSERT``.
        """
        accounts = list(accounts)
        stamp = now_iso()
        with self.transaction() as c:
            numbers = [a.account_no for a in accounts]
            if c.execute("SELECT 1 FROM account LIMIT 1").fetchone() is None:
                existing: dict[str, tuple] = {}
            else:
                existing = {
                    r[0]: r
                    for r in _select_in(c, _SELECT_ACCOUNTS + " WHERE account_no IN ({})", numbers)
                }
            cur = c.execute(
                "INSERT INTO import_batch(file_name, sha256, sheet, imported_at, imported,"
                " updated, skipped) VALUES (?,?,?,?,0,0,?)",
                (batch.file_name, batch.sha256, batch.sheet, stamp, batch.skipped),
            )
            batch_id = int(cur.lastrowid or 0)
            if existing:
                c.executemany(
                    "INSERT INTO account_history(account_no, batch_id, replaced_at, snapshot)"
                    " VALUES (?,?,?,?)",
                    [
                        (no, batch_id, stamp,
                         json.dumps(dict(zip(_ACCOUNT_COLUMNS, row, strict=True)), ensure_ascii=False))
                        for no, row in existing.items()
                    ],
                )
            placeholders = ",".join("?" * (len(_ACCOUNT_COLUMNS) + 4))
            sql = (f"INSERT INTO account({', '.join(_ACCOUNT_COLUMNS)}, name_key, batch_id,"
                   f" created_at, updated_at) VALUES ({placeholders})")
            if existing or len(set(numbers)) != len(numbers):
                updates = ", ".join(
                    f"{col}=excluded.{col}" for col in _ACCOUNT_COLUMNS[1:]
                ) + (", name_key=excluded.name_key, batch_id=excluded.batch_id,"
                     " updated_at=excluded.updated_at")
                sql += f" ON CONFLICT(account_no) DO UPDATE SET {updates}"
            # A bigger page cache for the one large transaction (the default 2 MB spills the
            # primary-key index to the WAL file while it is being built).
            cache = int(c.execute("PRAGMA cache_size").fetchone()[0])
            c.execute(f"PRAGMA cache_size={-_IMPORT_CACHE_KIB}")
            try:
                keys = name_sort_keys(a.name for a in accounts)
                c.executemany(sql, account_rows(accounts, (batch_id, stamp, stamp), [keys]))
            finally:
                c.execute(f"PRAGMA cache_size={cache}")
            updated = len(existing)
            imported = len(accounts) - updated
            c.execute("UPDATE import_batch SET imported=?, updated=? WHERE id=?",
                      (imported, updated, batch_id))
        return UpsertResult(batch_id, imported, updated)

    def accounts(self) -> list[Account]:
        rows = self.conn.execute(_SELECT_ACCOUNTS + " ORDER BY rowid").fetchall()
        return [account_from_row(r) for r in rows]

    def account(self, account_no: str) -> Account | None:
        row = self.conn.execute(_SELECT_ACCOUNTS + " WHERE account_no=?", (account_no,)).fetchone()
        return account_from_row(row) if row else None

    def name_sort_keys(self) -> dict[str, str]:
        """Account number → pinyin sort key of the name (see :mod:`.collation`), as stored at
        import; keys missing from accounts stored before they existed are computed and kept."""
        rows = self.conn.execute("SELECT account_no, name, name_key FROM account").fetchall()
        missing = [(no, name) for no, name, key in rows if not key and name]
        if missing:
            fresh = name_sort_keys(name for _no, name in missing)
            with self.transaction() as c:
                c.executemany("UPDATE account SET name_key=? WHERE account_no=?",
                              [(key, no) for key, (no, _n) in zip(fresh, missing, strict=True)])
            filled = {no: key for key, (no, _n) in zip(fresh, missing, strict=True)}
            return {no: key or filled.get(no, "") for no, _name, key in rows}
        return {no: key for no, _name, key in rows}

    def account_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM account").fetchone()[0]

    def account_history(self, account_no: str) -> list[dict]:
        rows = self.conn.execute(
            "SELECT batch_id, replaced_at, snapshot FROM account_history WHERE account_no=?"
            " ORDER BY id", (account_no,),
        ).fetchall()
        return [{"batch_id": b, "replaced_at": t, **json.loads(s)} for b, t, s in rows]

    def batches(self) -> list[dict]:
        cur = self.conn.execute(
            "SELECT id, file_name, sha256, sheet, imported_at, imported, updated, skipped"
            " FROM import_batch ORDER BY id"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def split_sql(script: str) -> list[str]:
    """Statements of a migration (``executescript`` would commit behind our transaction); a
    trigger's ``BEGIN … ; END`` stays one statement."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    statements: list[str] = []
    pending = ""
    for piece in "\n".join(lines).split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip().rstrip(";").strip())
            pending = ""
    if pending.strip(" \n;"):
        statements.append(pending.strip().rstrip(";").strip())
    return statements


def _select_in(c: sqlite3.Connection, sql: str, keys: list[str], chunk: int = 900) -> list:
    out: list = []
    for i in range(0, len(keys), chunk):
        part = keys[i:i + chunk]
        out += c.execute(sql.format(",".join("?" * len(part))), part).fetchall()
    return out
