"""Per-(collection, device) append-only streams of envelopes, and note heads (DESIGN §4, §5).

Every stream has contiguous ``seq`` from 1 and a hash chain: each envelope's header names the
SHA-256 of the previous envelope of the same stream. This module only moves envelopes; it never
sees a key or plaintext.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlite_utils

from store.crypto import ZERO_HASH, envelope_hash, parse_header

from ._headscan import HeadRow, checked, widen
from .errors import StoreError


@dataclass(frozen=True, slots=True)
class StoredRecord:
    collection_id: bytes
    device_id: bytes
    seq: int
    hash: bytes
    envelope: bytes
    note_id: str | None
    pushed: bool
    draft: bool = False
    # sent to the server but not acknowledged: it may be stored there, so it is never replaced
    in_flight: bool = False


def ref_of(row: HeadRow) -> StoredRecord:
    """A head row's record, without its envelope (empty bytes)."""
    c, d, s, h, n, p, dr, _, _ = row
    return StoredRecord(c, d, s, h, b"", n, p == 1, bool(dr), p == 2)


_COLUMNS = "collection_id, device_id, seq, hash, envelope, note_id, pushed, draft"


# records_ref holds every column but the envelope, so the envelope rows are never read
# (without INDEXED BY, SQLite prefers the primary key's index and reads each row)
HEAD_REFS = (
    "SELECT r.collection_id, r.device_id, r.seq, r.hash, r.note_id, r.pushed, r.draft, "
    "h.note_id FROM heads h JOIN records r INDEXED BY records_ref "
    "ON r.collection_id = h.collection_id AND r.device_id = h.device_id AND r.seq = h.seq")


@contextmanager
def _reading_widely(db: sqlite_utils.Database) -> Iterator[None]:
    conn = db.conn
    mmap, cache = widen(conn)
    try:
        yield
    finally:
        conn.execute(f"PRAGMA mmap_size={mmap}")
        conn.execute(f"PRAGMA cache_size={cache}")


def _row(r: tuple) -> StoredRecord:
    c, d, s, h, e, n, p, dr = r
    return StoredRecord(c, d, s, h, e, n, p == 1, bool(dr), p == 2)


class Streams:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _select(self, where: str, params: list) -> list[StoredRecord]:
        # the raw connection: sqlite_utils' query() builds a dict per row, too slow on hot paths
        return [_row(r) for r in self.db.conn.execute(
            f"SELECT {_COLUMNS} FROM records {where}", params)]

    # -- reading ---------------------------------------------------------------------------
    def head(self, collection_id: bytes, device_id: bytes) -> StoredRecord | None:
        rows = self._select("WHERE collection_id = ? AND device_id = ? ORDER BY seq DESC LIMIT 1",
                            [collection_id, device_id])
        return rows[0] if rows else None

    def get(self, collection_id: bytes, device_id: bytes, seq: int) -> StoredRecord | None:
        rows = self._select("WHERE collection_id = ? AND device_id = ? AND seq = ?",
                            [collection_id, device_id, seq])
        return rows[0] if rows else None

    def for_note(self, note_id: str) -> list[StoredRecord]:
        return self._select("WHERE note_id = ? ORDER BY device_id, seq", [note_id])

    def note_id_range(self, low: str, high: str, collection_id: bytes) -> list[StoredRecord]:
        """Records of one collection whose note id is in [low, high), in seq order. A range and
        "+collection_id" make SQLite walk the records_note index rather than the collection."""
        return self._select("WHERE note_id >= ? AND note_id < ? AND +collection_id = ? "
                            "ORDER BY seq", [low, high, collection_id])

    def all(self) -> Iterator[StoredRecord]:
        for r in self.db.conn.execute(
                f"SELECT {_COLUMNS} FROM records ORDER BY collection_id, device_id, seq"):
            yield _row(r)

    def range(self, collection_id: bytes, device_id: bytes, after: int,
              limit: int = 1000) -> list[StoredRecord]:
        return self._select("WHERE collection_id = ? AND device_id = ? AND seq > ? "
                            "ORDER BY seq LIMIT ?", [collection_id, device_id, after, limit])

    def unpushed(self, device_id: bytes,
                 collections: Iterable[bytes] | None = None) -> list[StoredRecord]:
        """This device's records not yet stored by the server, in stream order; only those of
        ``collections`` when given (a local notebook's records are never pushed: they would
        be read, envelopes and all, at every sync)."""
        if collections is None:
            return self._select("WHERE device_id = ? AND pushed != 1 "
                                "ORDER BY collection_id, seq", [device_id])
        return [r for c in sorted(set(collections)) for r in self._select(
            "WHERE device_id = ? AND collection_id = ? AND pushed != 1 ORDER BY seq",
            [device_id, c])]

    def head_refs(self) -> list[tuple[StoredRecord, str]]:
        """Every note head's record without its envelope (empty bytes), with its note id."""
        rows = self.db.conn.execute(HEAD_REFS).fetchall()
        return [(StoredRecord(c, d, s, h, b"", n, p == 1, bool(dr), p == 2), head)
                for c, d, s, h, n, p, dr, head in rows]

    def head_rows_checked(self) -> list[HeadRow]:
        """Every note head's record as a plain row, ``(collection_id, device_id, seq, hash,
        note_id, pushed, draft, head note id, intact)``: ``intact`` when its stored envelope
        still hashes to its stored hash. What unlock reads, so that the head cache (keyed by
        that hash) never stands in for an envelope damaged since (issue 11). Rows, not
        ``StoredRecord``s: at 50,000 notes the objects were a sixth of the unlock."""
        with _reading_widely(self.db):
            return checked(self.db.conn)

    def head_records(self) -> list[tuple[StoredRecord, str]]:
        """Every note head's record, with its note id: what unlock decrypts."""
        rows = self.db.execute(
            "SELECT r.collection_id, r.device_id, r.seq, r.hash, r.envelope, r.note_id, "
            "r.pushed, r.draft, h.note_id FROM heads h JOIN records r "
            "ON r.collection_id = h.collection_id AND r.device_id = h.device_id "
            "AND r.seq = h.seq").fetchall()
        return [(StoredRecord(c, d, s, h, e, n, p == 1, bool(dr), p == 2), head)
                for c, d, s, h, e, n, p, dr, head in rows]

    def heads(self, note_id: str) -> list[tuple[bytes, bytes, int]]:
        return [tuple(r) for r in self.db.conn.execute(
            "SELECT collection_id, device_id, seq FROM heads WHERE note_id = ? "
            "ORDER BY device_id, seq", [note_id])]

    def next_seq(self, collection_id: bytes, device_id: bytes) -> tuple[int, bytes]:
        """The seq and prev_hash the next record of this stream must carry."""
        h = self.head(collection_id, device_id)
        return (1, ZERO_HASH) if h is None else (h.seq + 1, h.hash)

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM records").fetchone()[0]

    # -- writing ---------------------------------------------------------------------------
    def append(self, envelope: bytes, note_id: str | None, *, pushed: bool = False,
               draft: bool = False, tip: tuple[int, bytes] | None = None) -> StoredRecord:
        """Store the next record of its stream, checking seq and chain. Call inside atomic().

        ``tip``: the stream's next (seq, prev_hash) as the caller read it in this transaction,
        which saves a lookup per record when a page of pulled records is stored."""
        h = parse_header(envelope)
        seq, prev = tip if tip is not None else self.next_seq(h.collection_id, h.device_id)
        if h.seq != seq or h.prev_hash != prev:
            raise StoreError(
                f"record {h.ref} does not follow its stream (expected seq {seq}); not stored")
        rec = StoredRecord(h.collection_id, h.device_id, h.seq, envelope_hash(envelope),
                           envelope, note_id, pushed, draft)
        self.db.execute(
            "INSERT INTO records (collection_id, device_id, seq, hash, envelope, note_id, pushed,"
            " draft) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [rec.collection_id, rec.device_id, rec.seq, rec.hash, envelope, note_id, int(pushed),
             int(draft)])
        return rec

    def replace_unpushed(self, envelope: bytes, *, draft: bool) -> StoredRecord:
        """Replace the newest record of its stream in place (autosave). Only allowed while it is
        unpushed and nothing follows it: then no other device can have seen it."""
        h = parse_header(envelope)
        cur = self.head(h.collection_id, h.device_id)
        if cur is None or cur.seq != h.seq or cur.pushed or cur.in_flight:
            raise StoreError(f"record {h.ref} cannot be replaced: it is pushed or not the newest")
        prev = self.get(h.collection_id, h.device_id, h.seq - 1)
        if h.prev_hash != (prev.hash if prev else ZERO_HASH):
            raise StoreError(f"record {h.ref} does not follow its stream; not stored")
        new_hash = envelope_hash(envelope)
        self.db.execute(
            "UPDATE records SET envelope = ?, hash = ?, draft = ? WHERE collection_id = ? "
            "AND device_id = ? AND seq = ?",
            [envelope, new_hash, int(draft), h.collection_id, h.device_id, h.seq])
        return StoredRecord(h.collection_id, h.device_id, h.seq, new_hash, envelope,
                            cur.note_id, False, draft)

    def set_heads(self, note_id: str, remove: Iterable[tuple[bytes, bytes, int]],
                  add: tuple[bytes, bytes, int]) -> None:
        for c, d, s in remove:
            self.db.execute("DELETE FROM heads WHERE note_id = ? AND collection_id = ? AND "
                            "device_id = ? AND seq = ?", [note_id, c, d, s])
        self.db.execute("INSERT OR IGNORE INTO heads VALUES (?, ?, ?, ?)", [note_id, *add])

    def add_parents(self, note_id: str, rev: str, parents: Iterable[str]) -> None:
        self.db.conn.executemany("INSERT OR IGNORE INTO revparents VALUES (?, ?, ?)",
                                 [(note_id, p, rev) for p in parents])

    def has_child(self, note_id: str, rev: str) -> bool:
        return self.db.execute("SELECT 1 FROM revparents WHERE note_id = ? AND parent = ? LIMIT 1",
                               [note_id, rev]).fetchone() is not None

    def mark_pushed(self, collection_id: bytes, device_id: bytes, up_to_seq: int) -> None:
        self.db.execute("UPDATE records SET pushed = 1 WHERE collection_id = ? AND device_id = ? "
                        "AND seq <= ? AND pushed != 1", [collection_id, device_id, up_to_seq])

    def mark_sending(self, collection_id: bytes, device_id: bytes, up_to_seq: int) -> None:
        """Before a push is sent: the server may store these records even if its answer never
        arrives, so from now on autosave must not replace them (that would fork the stream)."""
        self.db.execute("UPDATE records SET pushed = 2 WHERE collection_id = ? AND device_id = ? "
                        "AND seq <= ? AND pushed = 0", [collection_id, device_id, up_to_seq])
