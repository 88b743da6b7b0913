"""The profile's SQLite file: pragmas, schema and versioned migrations (DESIGN §4).

Tables hold envelopes and non-secret indexes only. Names, titles and note text never reach this
file in the clear: they live inside envelopes or are sealed under the local data key.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from ._dbcheck import damaged, is_damage
from .errors import StoreError

# Rows of about 1.4 KB (a 2 KB note's envelope) fill a 4 KB page only twice; an 8 KB page holds
# five. Set before anything else: it takes effect only on a new, empty file (or a VACUUM
# outside WAL mode, as ``compact_if_sparse`` does after a migration).
PAGE_SIZE = 8192

PRAGMAS = (
    f"PRAGMA page_size={PAGE_SIZE}",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA secure_delete=ON",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    # Fold the WAL into the database every ~40 MB instead of every 4 MB: a checkpoint syncs the
    # whole file and would land on an autosave now and then; Profile.close() checkpoints too.
    "PRAGMA wal_autocheckpoint=10000",
)

migrations = Migrations("fieldpad.store")


@migrations(name="0001_initial")
def _m0001(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        -- wrapped local data key, one row per key slot ('passphrase', 'recovery')
        CREATE TABLE vault_slots (
            slot TEXT PRIMARY KEY, kdf TEXT, nonce BLOB NOT NULL, wrapped BLOB NOT NULL);
        -- device keys and settings, each sealed under the local data key
        CREATE TABLE secrets (name TEXT PRIMARY KEY, nonce BLOB NOT NULL, sealed BLOB NOT NULL);
        CREATE TABLE inspections (id BLOB PRIMARY KEY, scope TEXT NOT NULL);
        CREATE TABLE collections (
            id BLOB PRIMARY KEY,
            inspection_id BLOB NOT NULL REFERENCES inspections(id),
            role TEXT NOT NULL);
        -- collection keys, each sealed under the local data key
        CREATE TABLE collection_keys (
            collection_id BLOB NOT NULL REFERENCES collections(id),
            epoch INTEGER NOT NULL, nonce BLOB NOT NULL, sealed BLOB NOT NULL,
            PRIMARY KEY (collection_id, epoch));
        -- public keys of devices whose records this profile accepts
        CREATE TABLE devices (
            id BLOB PRIMARY KEY, sign_pub BLOB NOT NULL, kx_pub BLOB NOT NULL,
            active INTEGER NOT NULL DEFAULT 1);
        -- every record of every stream this profile can read: (collection, device) -> seq
        CREATE TABLE records (
            collection_id BLOB NOT NULL, device_id BLOB NOT NULL, seq INTEGER NOT NULL,
            hash BLOB NOT NULL, envelope BLOB NOT NULL,
            note_id TEXT, pushed INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (collection_id, device_id, seq)) WITHOUT ROWID;
        CREATE INDEX records_note ON records(note_id);
        -- the current revisions of each note (more than one: concurrent edits to merge)
        CREATE TABLE heads (
            note_id TEXT NOT NULL, collection_id BLOB NOT NULL, device_id BLOB NOT NULL,
            seq INTEGER NOT NULL,
            PRIMARY KEY (note_id, collection_id, device_id, seq)) WITHOUT ROWID;
        """
    )


@migrations(name="0002_sync_state")
def _m0002(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        -- how far each stream has been pulled and confirmed by the server
        CREATE TABLE stream_cursors (
            collection_id BLOB NOT NULL, device_id BLOB NOT NULL,
            pulled_seq INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (collection_id, device_id)) WITHOUT ROWID;
        -- records that failed verification: kept apart, reported, never opened as notes
        CREATE TABLE quarantine (
            collection_id BLOB NOT NULL, device_id BLOB NOT NULL, seq INTEGER NOT NULL,
            envelope BLOB NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL,
            PRIMARY KEY (collection_id, device_id, seq)) WITHOUT ROWID;
        -- pushed: 0 not yet, 2 sent but not acknowledged, 1 stored by the server
        CREATE INDEX records_unpushed ON records(pushed) WHERE pushed = 0;
        -- an autosaved draft may be replaced in place while unpushed; a saved revision may not
        ALTER TABLE records ADD COLUMN draft INTEGER NOT NULL DEFAULT 0;
        """
    )


@migrations(name="0003_revision_parents")
def _m0003(db: sqlite_utils.Database) -> None:
    # Which revisions name which parents, so a revision that arrives after its child (streams
    # are pulled in any order) is not mistaken for a head. Structure only: no content. Records
    # stored before this migration need no rows: their heads were settled when they arrived.
    db.executescript(
        """
        CREATE TABLE revparents (
            note_id TEXT NOT NULL, parent TEXT NOT NULL, rev TEXT NOT NULL,
            PRIMARY KEY (note_id, parent, rev)) WITHOUT ROWID;
        """
    )


@migrations(name="0004_records_layout")
def _m0004(db: sqlite_utils.Database) -> None:
    # Issue 16: a WITHOUT ROWID table keeps whole rows in its b-tree cells, so a row larger than
    # about 1 KB (every envelope) spills to an overflow page of its own, mostly empty: the
    # profile was 2.6x its plaintext. A rowid table holds rows up to ~4 KB in its leaf pages,
    # and with the envelope last the small columns are read without walking an overflow chain
    # when a row is larger still. ``records_ref`` covers everything but the envelope, so head
    # lookups (Streams.head_refs), purge and doctor's joins never read the envelope rows; the
    # partial ``records_unpushed`` now matches the query that uses it (``pushed != 1`` per
    # device: 0002's index on ``pushed = 0`` could not serve it, so every push scanned the
    # table). Rows are copied in stream order, byte for byte; the old tables are dropped
    # (secure_delete zeroes their pages) and ``migrate`` compacts the file afterwards.
    # ``quarantine`` had the same spill; it keeps its column order (callers insert by
    # position), which costs nothing while its rows fit a page. heads, revparents and
    # stream_cursors hold small rows and stay WITHOUT ROWID.
    db.executescript(
        """
        ALTER TABLE records RENAME TO records_0003;
        CREATE TABLE records (
            collection_id BLOB NOT NULL, device_id BLOB NOT NULL, seq INTEGER NOT NULL,
            hash BLOB NOT NULL, note_id TEXT,
            -- pushed: 0 not yet, 2 sent but not acknowledged, 1 stored by the server
            pushed INTEGER NOT NULL DEFAULT 0,
            -- an autosaved draft may be replaced in place while unpushed
            draft INTEGER NOT NULL DEFAULT 0,
            envelope BLOB NOT NULL,
            PRIMARY KEY (collection_id, device_id, seq));
        INSERT INTO records (collection_id, device_id, seq, hash, note_id, pushed, draft,
                             envelope)
            SELECT collection_id, device_id, seq, hash, note_id, pushed, draft, envelope
            FROM records_0003 ORDER BY collection_id, device_id, seq;
        DROP TABLE records_0003;
        CREATE INDEX records_note ON records(note_id);
        CREATE INDEX records_ref ON records(
            collection_id, device_id, seq, hash, note_id, pushed, draft);
        CREATE INDEX records_unpushed ON records(device_id, collection_id, seq)
            WHERE pushed != 1;

        ALTER TABLE quarantine RENAME TO quarantine_0003;
        CREATE TABLE quarantine (
            collection_id BLOB NOT NULL, device_id BLOB NOT NULL, seq INTEGER NOT NULL,
            envelope BLOB NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL,
            PRIMARY KEY (collection_id, device_id, seq));
        INSERT INTO quarantine SELECT * FROM quarantine_0003;
        DROP TABLE quarantine_0003;

        -- the old tables' pages are free now: ``migrate`` compacts the file (until it could)
        INSERT OR REPLACE INTO meta (key, value) VALUES ('compact', '0004_records_layout');
        """
    )


# Every migration, in order: what an empty database has pending (sqlite-utils' public API).
MIGRATION_NAMES = tuple(m.name for m in migrations.pending(sqlite_utils.Database(memory=True)))

#: Seconds a migration takes per record, for those that rewrite the records (the others change
#: the schema only, in no time). 0004 copies every record and compacts the file: 1.3 s for a
#: profile of 10,000 2 KB notes on a loaded 2-core machine, about 6 s for 50,000.
SECONDS_PER_RECORD = {"0004_records_layout": 0.00013}


@dataclass(frozen=True)
class Upgrade:
    """A one-time storage upgrade that opening a profile is about to run, to tell the user
    first (``Profile(on_upgrade=...)``): which migrations, how many notes, about how long."""

    migrations: tuple[str, ...]
    notes: int
    records: int
    seconds: float

    def message(self) -> str:
        return (f"Upgrading this profile's storage (once; about {max(1, math.ceil(self.seconds))}"
                f" s for {self.notes:,} notes)…")


def pending_upgrade(db: sqlite_utils.Database) -> Upgrade | None:
    """What opening ``db`` will upgrade, or None: nothing pending, or a new file (its schema
    is made in no time). Reads only; on any error None, and ``migrate`` says what is wrong."""
    try:
        applied = migrations.applied(db)
        if not applied:
            return None
        pending = tuple(m.name for m in migrations.pending(db))
        if not pending:
            return None
        records = db.execute("SELECT count(*) FROM records").fetchone()[0]
        # notes only: an inspection's details ("meta:...") and a link record ("link:...")
        # are kept under prefixed ids, a note under its bare id
        notes = db.execute("SELECT count(DISTINCT note_id) FROM heads "
                           "WHERE note_id NOT LIKE '%:%'").fetchone()[0]
    except sqlite3.DatabaseError:
        return None
    seconds = sum(SECONDS_PER_RECORD.get(name, 0.0) for name in pending) * records
    return Upgrade(pending, notes, records, seconds)


def connect(path: Path) -> sqlite_utils.Database:
    """Open (creating if needed) a profile database with the pragmas set before anything else."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        for pragma in PRAGMAS:
            conn.execute(pragma)
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise damaged(path, str(exc)) from None
        raise StoreError(
            f"cannot open the profile database at {path}: {exc}. "
            "Check the path and its permissions; `fieldpad doctor` can check its records."
        ) from None
    try:
        path.chmod(0o600)
    except OSError:
        pass
    return sqlite_utils.Database(conn)


def migrate(db: sqlite_utils.Database, stop_before: str | None = None) -> None:
    try:
        migrations.apply(db, stop_before=stop_before)
        owed = db.execute("SELECT 1 FROM meta WHERE key = ?", [COMPACT]).fetchall()
    except sqlite3.DatabaseError as exc:
        if "no such table: meta" in str(exc):  # stopped before the first migration
            return
        if is_damage(exc):
            raise damaged(None, str(exc)) from None
        raise StoreError(f"the profile database could not be upgraded: {exc}") from None
    if owed and compact(db):
        db.execute("DELETE FROM meta WHERE key = ?", [COMPACT])


# A migration that rebuilds a big table leaves the old copy's pages free inside the file and
# sets this key in ``meta``: the file is then rewritten once (VACUUM), also taking PAGE_SIZE.
# The key stays until that succeeded, so a profile another process had open is compacted at a
# later open rather than never.
COMPACT = "compact"


def compact(db: sqlite_utils.Database) -> bool:
    """VACUUM the file (at ``PAGE_SIZE``); True when it ran. Called only when a migration
    asked for it (``COMPACT``), never on an ordinary open: VACUUM rewrites the whole file
    (about two seconds for a 50,000-note profile). Best effort: when another connection has
    the file open it gives up (False); the free pages are reused by later writes meanwhile."""
    conn = db.conn
    try:
        # The page size changes only in a VACUUM outside WAL mode, which SQLite allows only
        # when no other connection has the file open ("database is locked" otherwise).
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        if conn.execute("PRAGMA journal_mode=DELETE").fetchall() != [("delete",)]:
            return False
        conn.execute(f"PRAGMA page_size={PAGE_SIZE}").fetchall()
        conn.execute("VACUUM").fetchall()
    except sqlite3.OperationalError:
        return False
    finally:
        try:
            conn.execute("PRAGMA journal_mode=WAL").fetchall()
            # Back in WAL mode the connection cannot checkpoint ("database table is locked",
            # which Profile.close() would raise) until it has read the database once.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
        except sqlite3.OperationalError:
            pass  # connect() sets WAL again at the next open
    return True


def schema_version(db: sqlite_utils.Database) -> int:
    return len(migrations.applied(db))
