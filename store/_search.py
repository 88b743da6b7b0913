"""The search index: an in-memory SQLite FTS5 table, built when first needed, never on disk.

Building it for 50,000 notes takes seconds, so nothing builds it at unlock: the first search
does (a command that never searches, `note list` say, never pays for it), or the app starts
the build in a background thread once the workspace is shown (:meth:`SearchIndex.start`) and
the first search waits for it. Locking cancels a build under way rather than waiting for it.
Changes (saves, autosaves, pulls) are queued and indexed when the next search needs them, so an
autosave of a long note every second does not pay for re-indexing it each time.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterable

_TOKEN = re.compile(r"\w+", re.UNICODE)

Doc = tuple[str, str, str, str]  # note id, title, body, extra words (kind, tags, fields)
CHUNK = 500  # documents indexed between two looks at whether the build was cancelled


class Cancelled(Exception):
    """The index was closed while it was being built."""


class SearchIndex:
    def __init__(self, source: Callable[[], Iterable[Doc]] | None = None) -> None:
        """``source`` gives every document to index; it is called (in the calling thread)
        when the index is first needed, and the iterable it returns is consumed by the build,
        in a background thread for :meth:`start`."""
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
        self._source = source
        self._built = source is None
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._dirty: dict[str, Doc | None] = {}  # None: remove
        # a lock of its own, so a save never waits for the background build to finish
        self._dirty_lock = threading.Lock()

    @property
    def built(self) -> bool:
        return self._built

    @property
    def building(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Build the index in a background thread, unless it is built or being built; the
        next search waits for it. :meth:`close` cancels it."""
        if self._built or self.building or self._cancel.is_set() or self._source is None:
            return
        docs = self._source()
        self._thread = threading.Thread(target=self._build, args=(docs,), daemon=True,
                                        name="fieldpad-search-index")
        self._thread.start()

    def _build(self, docs: Iterable[Doc]) -> None:
        try:
            self.replace_all(docs)
        except Cancelled:
            pass

    def _ensure_built(self) -> None:
        """Wait for a build under way, or build now in this thread (the lock not held)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if not self._built and self._source is not None and not self._cancel.is_set():
            self._build(self._source())

    def replace_all(self, docs: Iterable[Doc]) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM fts")
            self._rowids.clear()
            self._ids.clear()
            chunk: list[tuple] = []
            for doc in docs:
                chunk.append(self._assign(*doc))
                if len(chunk) >= CHUNK:
                    self._insert(chunk)
                    chunk = []
            self._insert(chunk)
            self._built = True

    def _insert(self, rows: list[tuple]) -> None:
        if self._cancel.is_set():  # the rows inserted so far go with the rolled-back build
            raise Cancelled
        self._db.executemany("INSERT INTO fts (rowid, title, body, extra) VALUES (?, ?, ?, ?)",
                             rows)

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
        self._ensure_built()
        with self._lock:
            if self._cancel.is_set():
                return []
            self._flush()
            rows = self._db.execute(
                "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid DESC LIMIT ?",
                (match, limit),
            ).fetchall()
        return [self._ids[r[0]] for r in rows if r[0] in self._ids]

    def close(self) -> None:
        """Forget everything; a build under way stops at its next chunk (no waiting for it)."""
        self._cancel.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            self._dirty.clear()
            self._db.close()
            self._rowids.clear()
            self._ids.clear()
