"""The search index: an in-memory SQLite FTS5 table, built at unlock, never written to disk."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable

_TOKEN = re.compile(r"\w+", re.UNICODE)


class SearchIndex:
    def __init__(self) -> None:
        # ":memory:" is private to this connection and lives only in RAM; temp_store=MEMORY keeps
        # FTS5's sorting and merging off disk too.
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute("PRAGMA temp_store=MEMORY")
        self._db.execute(
            "CREATE VIRTUAL TABLE fts USING fts5("
            "note_id UNINDEXED, title, body, extra, tokenize='unicode61 remove_diacritics 2')"
        )

    def replace_all(self, docs: Iterable[tuple[str, str, str, str]]) -> None:
        with self._db:
            self._db.execute("DELETE FROM fts")
            self._db.executemany("INSERT INTO fts VALUES (?, ?, ?, ?)", docs)

    def put(self, note_id: str, title: str, body: str, extra: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM fts WHERE note_id = ?", (note_id,))
            self._db.execute("INSERT INTO fts VALUES (?, ?, ?, ?)", (note_id, title, body, extra))

    def remove(self, note_id: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM fts WHERE note_id = ?", (note_id,))

    def search(self, query: str, limit: int = 200) -> list[str]:
        """Note ids matching every word of ``query`` (the last one as a prefix), best first."""
        words = _TOKEN.findall(query)
        if not words:
            return []
        match = " ".join(f'"{w}"' for w in words[:-1])
        match = f'{match} "{words[-1]}"*'.strip()
        rows = self._db.execute(
            "SELECT note_id FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, 0, 5.0, 1.0, 2.0) "
            "LIMIT ?",
            (match, limit),
        )
        return [r[0] for r in rows]

    def close(self) -> None:
        self._db.close()
