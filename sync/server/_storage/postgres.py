"""PostgreSQL backend: psycopg 3 with a connection pool, for many inspectors at once.

Any number of stateless server processes can share one database: a stream's head row is
locked (``SELECT ... FOR UPDATE``) while a push extends it, nonces are unique by constraint,
and migrations run under an advisory lock. The pool hands each transaction a connection and
takes it back clean: committed on success, rolled back on any error (psycopg_pool discards a
broken one).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool

from ._base import StorageUnavailable
from ._schema import LATEST, POSTGRES, apply_pending
from ._sql import SqlStorage, Tx

MIGRATION_LOCK = 0x6670_6164  # "fpad": pg_advisory_xact_lock key for migrations
PING_TIMEOUT_S = 5.0  # a readiness probe must answer well inside a load balancer's timeout


@functools.lru_cache(maxsize=512)
def _translate(sql: str) -> str:
    return sql.replace("?", "%s")


class PostgresStorage(SqlStorage):
    """Storage in a PostgreSQL database named by a ``postgresql://`` URL."""

    lock_clause = " FOR UPDATE"
    share_clause = " FOR KEY SHARE"

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        migrate: bool = True,
        timeout: float = 30.0,
    ) -> None:
        super().__init__()
        self.url = url
        # Fail fast with libpq's own message when the server is unreachable, rather than
        # letting the pool retry until its timeout.
        psycopg.connect(url, connect_timeout=int(min(timeout, 10))).close()
        self._pool = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            open=False,
            kwargs={"autocommit": False},
            name="fieldpad-server",
        )
        self._pool.open(wait=True, timeout=timeout)
        if migrate:
            self.migrate()

    @contextmanager
    def _tx(self, write: bool = True, durable: bool = True) -> Iterator[Tx]:
        # The pool's context commits at the end of the block, rolls back if it raises, and
        # checks the connection's state before it goes back to the pool.
        with self._pool.connection() as conn:
            with conn.cursor() as cur:
                if not durable:
                    # Nonce-only transactions: see SqliteStorage for why this is safe.
                    cur.execute("SET LOCAL synchronous_commit TO OFF")
                yield Tx(cur, _translate)

    def schema_version(self) -> int:
        with self._tx(write=False) as tx:
            if tx.one("SELECT to_regclass('schema_migrations')")[0] is None:
                return 0
            row = tx.one("SELECT MAX(version) FROM schema_migrations")
        return int(row[0] or 0)

    def ping(self) -> None:
        with self._pool.connection(timeout=PING_TIMEOUT_S) as conn:
            row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        version = int(row[0] or 0) if row else 0
        if version < LATEST:
            raise StorageUnavailable(
                f"the database has schema version {version}, this server needs {LATEST}: "
                "restart the server to migrate it")

    def migrate(self) -> int:
        with self._tx() as tx:
            tx.run("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
            tx.run(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                "summary TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            return apply_pending(
                tx, POSTGRES, "INSERT INTO schema_migrations (version, summary) VALUES (?, ?)"
            )

    def close(self) -> None:
        self._pool.close()


__all__ = ["PostgresStorage"]
