"""Backup and restore of an SQLite server database, with SQLite's online backup API.

A backup is consistent even while the server writes (the API copies a snapshot, restarting
if a writer changes a page it already copied), is checked (``PRAGMA quick_check``) before it
is given its name, and is one self-contained file (rollback journal, not WAL). A restore checks
the backup the same way, first keeps a copy of the current database beside it (nothing is lost
by restoring the wrong file), then copies the backup over the live file in place and migrates
it to this version's schema.

PostgreSQL has its own tools: ``pg_dump --format=custom`` and ``pg_restore`` (see
docs/operations.md).
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ._storage._schema import LATEST

PAGES_PER_STEP = 1024  # copy 4 MiB at a time so that the server's writers get their turns


class BackupError(Exception):
    """A backup or restore was refused or failed; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Summary:
    """What a database file holds, for the admin's confirmation line."""

    path: Path
    schema: int
    records: int
    devices: int
    size: int

    def line(self) -> str:
        return (f"{self.path}: schema {self.schema}, {self.records} records, "
                f"{self.devices} devices, {self.size} bytes")


def _open_ro(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file")
    try:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {path}: {exc}") from None


def _check(conn: sqlite3.Connection, path: Path) -> Summary:
    """A fieldpad server database whose pages are intact, with a schema this version knows."""
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"{path} is damaged ({result}): use another backup")
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'"
                        ).fetchone() is None:
            raise BackupError(f"{path} is not a fieldpad server database")
        schema = int(conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
                     or 0)
        records = conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        devices = conn.execute("SELECT COUNT(*) FROM devices").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc})") from None
    return Summary(path, schema, records, devices, path.stat().st_size)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup(db: Path, dest: Path) -> Summary:
    """Copy the live database ``db`` to the new file ``dest`` (never overwritten)."""
    if dest.exists():
        raise BackupError(f"{dest} already exists: give a new file name (a backup never "
                          "overwrites anything)")
    if not dest.parent.is_dir():
        raise BackupError(f"the folder {dest.parent} does not exist")
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    src = _open_ro(db)
    try:
        _check(src, db)
        # created for the owner only: the server's database names users and inspections
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        out = sqlite3.connect(partial)
        try:
            src.backup(out, pages=PAGES_PER_STEP)
            out.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            summary = _check(out, partial)
        finally:
            out.close()
        with partial.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(partial, dest)
        _fsync_dir(dest.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    return Summary(dest, summary.schema, summary.records, summary.devices, dest.stat().st_size)


def restore(source: Path, db: Path, clock: float | None = None) -> tuple[Summary, Path | None]:
    """Make the live database ``db`` a copy of the backup ``source``; return the backup's
    summary and where the previous database was kept (None if there was none)."""
    src = _open_ro(source)
    try:
        summary = _check(src, source)
        if summary.schema > LATEST:
            raise BackupError(f"{source} was made by a newer fieldpad (schema "
                              f"{summary.schema}, this one knows {LATEST}): upgrade first")
        kept = None
        if db.exists():
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(clock))
            kept = db.with_name(f"{db.name}.before-restore-{stamp}")
            backup(db, kept)
        db.parent.mkdir(parents=True, exist_ok=True)
        live = sqlite3.connect(db)
        try:
            # in place: the file keeps its inode, owner and mode (and a running server's
            # readiness check keeps seeing the same file)
            src.backup(live, pages=PAGES_PER_STEP)
        finally:
            live.close()
    finally:
        src.close()
    from ._storage import open_storage

    open_storage(db).close()  # migrate an older backup to this version's schema
    return summary, kept
