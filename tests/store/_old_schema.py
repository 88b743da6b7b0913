"""Profiles at an earlier schema, holding real data, for the migration tests (issue 16).

An earlier version of fieldpad wrote its profile with the migrations of its day. Such a file is
rebuilt here from a profile the current code made: a fresh file gets the earlier migrations
only (``migrate(stop_before=...)``, the real DDL of that day, on 4 KB pages as SQLite made them
then), and every row of the source is copied into the tables and columns that schema has. What
an earlier schema could not hold (``draft`` before 0002, quarantine and cursors before 0002,
revision parents before 0003) is simply not there, as it would not have been.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from store import MIGRATION_NAMES, connect, migrate, schema_version
from store._db import COMPACT

OLD_PAGE_SIZE = 4096  # SQLite's default, what every profile before 0004 was made with
Rows = dict[str, tuple[list[str], list[tuple]]]  # table -> (columns, rows sorted)


def tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != '_sqlite_migrations' ORDER BY name")]


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]


def rows(conn: sqlite3.Connection, table: str, cols: list[str]) -> list[tuple]:
    names = ", ".join(f'"{c}"' for c in cols)
    # the migration's note to compact the file later is bookkeeping, not the profile's data
    where = f" WHERE key != '{COMPACT}'" if table == "meta" and "key" in cols else ""
    return sorted(tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                  for r in conn.execute(f'SELECT {names} FROM "{table}"{where}'))


def snapshot(conn: sqlite3.Connection) -> Rows:
    """Every row of every table (the migrations' own bookkeeping aside)."""
    return {t: (cols, rows(conn, t, cols)) for t in tables(conn)
            for cols in [columns(conn, t)]}


def write_old(source: Path, target: Path, version: int) -> Rows:
    """Make ``target`` (a profile folder) hold ``source``'s database at schema ``version``
    (1 .. the one before the newest). Returns what was copied: table -> (columns, rows)."""
    assert 1 <= version < len(MIGRATION_NAMES)
    target.mkdir(parents=True)
    path = target / "fieldpad.db"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA page_size={OLD_PAGE_SIZE}")
    raw.execute("VACUUM")  # writes the empty file's header with that page size
    raw.close()
    db = connect(path)
    migrate(db, stop_before=MIGRATION_NAMES[version])
    assert schema_version(db) == version
    assert db.execute("PRAGMA page_size").fetchone()[0] == OLD_PAGE_SIZE
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    copied: Rows = {}
    with db.atomic():
        db.execute("PRAGMA defer_foreign_keys = ON")  # parents and children in any order
        for table in tables(db.conn):
            if table not in tables(src):
                continue
            cols = [c for c in columns(db.conn, table) if c in columns(src, table)]
            data = rows(src, table, cols)
            names = ", ".join(f'"{c}"' for c in cols)
            marks = ", ".join("?" * len(cols))
            db.conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', data)
            copied[table] = (cols, data)
    src.close()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return copied


def assert_kept(copied: Rows, path: Path) -> None:
    """Every copied row is in the migrated database, byte for byte, and nothing else is."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for table, (cols, data) in copied.items():
            assert rows(conn, table, cols) == data, f"{table} changed in the migration"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
