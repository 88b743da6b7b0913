"""The search index: an in-memory SQLite FTS5 table, built at unlock, never written to disk.

Building it for thousands of notes takes a noticeable fraction of a second, so unlock starts the
build in a background thread and the first search waits for it; the list is usable at once.
Changes (saves, autosaves, pulls) are queued and indexed when the next search needs them, so an
autosave of a long note every second does not pay for re-indexing it each time.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable

_TOKEN = re.compile(r"\w+", re.UNICODE)

Doc = tuple[str, str, str, str]  # note id, title, body, extra words (kind, tags, fields)


class SearchIndex:
    def __init__(self) -> None:
        # ":memory:" is private to this connection and lives only in RAM; temp_store=MEMORY keeps
        # FTS5's sorting and merging off disk too.
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute("PRAGMA temp_store=MEMORY")
        self._db.execute(
            "CREATE VIRTUAL TABLE fts USING fts5("
            "title, body, extra, tokenize='unicode61 remove_diacritics 2')"
        )
        self._rowids: dict[str, int] = {}
        self._ids: dict[int, str] = {}
        self._next = 1
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._ready.set()
        self._dirty: dict[str, Doc | None] = {}  # None: remove
        # a lock of its own, so a save never waits for the background build to finish
        self._dirty_lock = threading.Lock()

    def build_in_background(self, docs: list[Doc]) -> None:
        """Index ``docs`` in a thread; searches wait until it is done."""
        self._ready.clear()
        threading.Thread(target=self._build, args=(docs,), daemon=True,
                         name="fieldpad-search-index").start()

    def _build(self, docs: Iterable[Doc]) -> None:
        try:
            self.replace_all(docs)
        finally:
            self._ready.set()

    def replace_all(self, docs: Iterable[Doc]) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM fts")
            self._rowids.clear()
            self._ids.clear()
            self._db.executemany("INSERT INTO fts (rowid, title, body, extra) VALUES (?, ?, ?, ?)",
                                 [self._assign(*doc) for doc in docs])

    def _assign(self, note_id: str, title: str, body: str, extra: str) -> tuple:
        rowid = self._next
        self._next += 1
        self._rowids[note_id] = rowid
        self._ids[rowid] = note_id
        return rowid, title, body, extra

    # -- changes: queued, indexed by the next search -------------------------------------------
    def put(self, note_id: str, title: str, body: str, extra: str) -> None:
        with self._dirty_lock:
            self._dirty[note_id] = (note_id, title, body, extra)

    def put_many(self, docs: list[Doc], removed: Iterable[str] = ()) -> None:
        with self._dirty_lock:
            for doc in docs:
                self._dirty[doc[0]] = doc
            for note_id in removed:
                self._dirty[note_id] = None

    def remove(self, note_id: str) -> None:
        with self._dirty_lock:
            self._dirty[note_id] = None

    def _flush(self) -> None:
        """Index what changed since the last search (the lock held, the build done)."""
        with self._dirty_lock:
            dirty, self._dirty = self._dirty, {}
        if not dirty:
            return
        with self._db:
            gone = [self._rowids.pop(i) for i in dirty if i in self._rowids]
            for rowid in gone:
                del self._ids[rowid]
            self._db.executemany("DELETE FROM fts WHERE rowid = ?", [(r,) for r in gone])
            self._db.executemany("INSERT INTO fts (rowid, title, body, extra) VALUES (?, ?, ?, ?)",
                                 [self._assign(*d) for d in dirty.values() if d is not None])

    def search(self, query: str, limit: int = 200) -> list[str]:
        """Note ids matching every word of ``query`` (the last one as a prefix), most recently
        changed first: rowids grow with every change, and walking FTS5 in rowid order stops at
        ``limit``, where ranking would score every match (all 10,000 notes for a common word)."""
        words = _TOKEN.findall(query)
        if not words:
            return []
        match = " ".join(f'"{w}"' for w in words[:-1])
        match = f'{match} "{words[-1]}"*'.strip()
        self._ready.wait()
        with self._lock:
            self._flush()
            rows = self._db.execute(
                "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid DESC LIMIT ?",
                (match, limit),
            ).fetchall()
        return [self._ids[r[0]] for r in rows if r[0] in self._ids]

    def close(self) -> None:
        self._ready.wait()
        with self._lock:
            self._dirty.clear()
            self._db.close()
            self._rowids.clear()
            self._ids.clear()
