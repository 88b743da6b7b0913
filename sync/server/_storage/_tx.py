"""A cursor inside one transaction: what the SQL storage and its mixins run statements on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Tx:
    """A cursor inside one transaction, with ``?`` placeholders on every backend."""

    __slots__ = ("_cur", "_tr")

    def __init__(self, cur: Any, translate: Any) -> None:
        self._cur = cur
        self._tr = translate

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._cur.execute(self._tr(sql), params)
        return self._cur.rowcount

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._cur.execute(self._tr(sql), params)
        return self._cur.fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        self._cur.execute(self._tr(sql), params)
        return list(self._cur.fetchall())

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cur.executemany(self._tr(sql), rows)
