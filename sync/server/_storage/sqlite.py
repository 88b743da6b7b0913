"""SQLite backend: the embedded default, one file, WAL, immediate write transactions.

Connections live in a small pool (the app calls storage from worker threads). Writers in this
process queue on a lock, then take the database lock up front with BEGIN IMMEDIATE (so two
writers never deadlock half-way, and another process, such as ``server admin``, waits its
turn); queueing in-process avoids SQLite's sleeping busy handler, which wrecks tail latency
under load. Readers run in deferred transactions and see one consistent WAL snapshot each.

Commits are ``synchronous=FULL`` (a record acknowledged survives a power cut), except the
nonce-only transactions of request authentication, which use NORMAL: losing the last nonces
in a power cut would only re-open a 5-minute replay window for requests already served.
"""

from __future__ import annotations

import os
import queue
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ._base import StorageUnavailable
from ._schema import LATEST, SQLITE, apply_pending
from ._sql import SqlStorage, Tx

BUSY_TIMEOUT_MS = 30_000


def _identity(sql: str) -> str:
    return sql


class SqliteStorage(SqlStorage):
    """Storage in one SQLite file. ``pool_size`` connections are opened lazily."""

    lock_clause = ""

    def __init__(self, path: str | Path, *, pool_size: int = 16, migrate: bool = True) -> None:
        super().__init__()
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._pool: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._pool_size = pool_size
        self._closed = False
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) of the file opened
        if migrate:
            self.migrate()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        if self._identity is None:
            st = os.stat(self.path)
            self._identity = (st.st_dev, st.st_ino)
        return conn

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise RuntimeError("storage is closed")
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            with self._lock:
                grow = len(self._all) < self._pool_size
                if grow:
                    conn = self._connect()
                    self._all.append(conn)
            if not grow:
                conn = self._pool.get()
        try:
            yield conn
        finally:
            self._pool.put(conn)

    @contextmanager
    def _tx(self, write: bool = True, durable: bool = True) -> Iterator[Tx]:
        if not write:
            with self._conn() as conn:
                cur = conn.cursor()
                cur.execute("BEGIN")
                try:
                    yield Tx(cur, _identity)
                finally:
                    conn.rollback()
                    cur.close()
            return
        with self._write_lock, self._conn() as conn:
            cur = conn.cursor()
            if not durable:
                cur.execute("PRAGMA synchronous = NORMAL")
            try:
                cur.execute("BEGIN IMMEDIATE")
                try:
                    yield Tx(cur, _identity)
                except BaseException:
                    conn.rollback()
                    raise
                else:
                    conn.commit()
            finally:
                if not durable:
                    cur.execute("PRAGMA synchronous = FULL")
                cur.close()

    def schema_version(self) -> int:
        with self._tx(write=False) as tx:
            if tx.one("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'") is None:
                return 0
            row = tx.one("SELECT MAX(version) FROM schema_migrations")
        return int(row[0] or 0)

    def ping(self) -> None:
        # A deleted or replaced file goes unnoticed by open connections, which would carry on
        # writing into the old inode: look at the path itself first.
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise StorageUnavailable(f"the database file {self.path} is gone") from None
        if self._identity is not None and (st.st_dev, st.st_ino) != self._identity:
            raise StorageUnavailable(
                f"the database file {self.path} was replaced after the server opened it: "
                "restart the server (restore with `fieldpad server admin restore`)")
        version = self.schema_version()
        if version < LATEST:
            raise StorageUnavailable(
                f"the database has schema version {version}, this server needs {LATEST}: "
                "restart the server to migrate it")

    def migrate(self) -> int:
        with self._tx() as tx:
            tx.run(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, summary TEXT NOT NULL, applied_at REAL NOT NULL)"
            )
            return apply_pending(
                tx, SQLITE, "INSERT INTO schema_migrations (version, summary, applied_at) "
                "VALUES (?, ?, strftime('%s', 'now'))"
            )

    def close(self) -> None:
        self._closed = True
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
