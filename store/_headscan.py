"""Every note head's record, checked against its stored hash: the read of every head envelope
that unlock makes so that the head cache (keyed by that hash) never stands in for an envelope
damaged since (issue 11).

The session reads it through ``Streams.head_rows_checked``; ``_headcheck`` runs this file as a
script in a helper process while the passphrase is stretched. It therefore imports the
standard library only: the helper starts in a few milliseconds, without the package.
"""

from __future__ import annotations

import hashlib
import marshal
import sqlite3
import sys

#: A head as :func:`checked` gives it: (collection_id, device_id, seq, hash, note_id, pushed
#: (0, 1 or 2 as stored), draft, the head's note id, intact (1 or 0)).
HeadRow = tuple[bytes, bytes, int, bytes, "str | None", int, int, str, int]

#: While every head's envelope is read (one lookup per note, in note order, so all over the
#: file): the file mapped into memory rather than read a page at a time by a system call
#: each, and a page cache that holds the records index. Half the CPU and under half the time
#: at 50,000 notes. Only for that read: with the file mapped, an I/O error on a bad disk
#: would end the process (SIGBUS) rather than raise, so it is not kept on for every query.
WIDE_MMAP_BYTES = 256 * 1024 * 1024
WIDE_CACHE_KIB = 32 * 1024

_HEADS = ("SELECT r.collection_id, r.device_id, r.seq, r.hash, r.note_id, r.pushed, r.draft, "
          "h.note_id, fieldpad_intact(r.envelope, r.hash) FROM heads h JOIN records r "
          "ON r.collection_id = h.collection_id AND r.device_id = h.device_id "
          "AND r.seq = h.seq")


def _intact(envelope: bytes, stored: bytes) -> bool:
    return hashlib.sha256(envelope).digest() == stored  # envelope_hash, without the package


def checked(conn: sqlite3.Connection) -> list[HeadRow]:
    """Every head as a plain row, ``intact`` (1 or 0) when its stored envelope still hashes
    to its stored hash. The hash is checked inside the query, by a function of this
    connection: each envelope is handed to it and let go, never all of them (65 MB at 50,000
    notes) held at once, and no row carries one back (at 50,000 notes a fifth less time
    than a row with its envelope checked in Python). Plain tuples, not records: at 50,000
    notes the objects were a sixth of the unlock."""
    conn.create_function("fieldpad_intact", 2, _intact, deterministic=True)
    return conn.execute(_HEADS).fetchall()


def widen(conn: sqlite3.Connection) -> tuple[int, int]:
    """Set ``conn`` for the read of every head (``WIDE_*``); the settings it had, to put back."""
    mmap, cache = (int(conn.execute(f"PRAGMA {p}").fetchone()[0])
                   for p in ("mmap_size", "cache_size"))
    conn.execute(f"PRAGMA mmap_size={WIDE_MMAP_BYTES}")
    conn.execute(f"PRAGMA cache_size=-{WIDE_CACHE_KIB}")
    return mmap, cache


def _main(uri: str) -> None:
    """The helper: the rows of the profile at ``uri`` (read-only), marshalled on stdout."""
    conn = sqlite3.connect(uri, uri=True)
    try:
        widen(conn)
        rows = checked(conn)
    finally:
        conn.close()
    sys.stdout.buffer.write(marshal.dumps(rows))


if __name__ == "__main__":
    _main(sys.argv[1])
