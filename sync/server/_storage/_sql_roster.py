"""The signed roster log of a collection (see ``_sql.py``), kept append-only and chained.

The server never verifies roster signatures: clients do, from genesis, against the lead key
they pinned when they joined. The server only refuses what would break the chain (a gap, a
wrong ``prev``, another event at a stored ``n``), so every member is served one and the same
log, and a retried append is accepted again.
"""

from __future__ import annotations

from typing import Any

from store.team import GENESIS_PREV

from .._errors import Conflict
from ._base import Caller, RosterEventIn, RosterLog
from ._tx import Tx


class RosterMixin:
    """Part of SqlStorage; relies on its ``_tx``, ``_member``, ``_lead`` and ``lock_clause``."""

    _tx: Any
    _member: Any
    _lead: Any
    lock_clause: str

    def roster(
        self, caller: Caller, collection_id: bytes, after: int, limit: int, now: float
    ) -> RosterLog:
        with self._tx(write=False) as tx:
            self._member(tx, caller, collection_id, now)
            length, head = _head(tx, collection_id)
            rows = tx.all(
                "SELECT event, sig FROM roster_events WHERE collection_id = ? AND n > ? "
                "ORDER BY n LIMIT ?",
                (collection_id, after, limit),
            )
        return RosterLog(length, head, [(str(e), bytes(s)) for e, s in rows])

    def append_roster(
        self, caller: Caller, collection_id: bytes, events: list[RosterEventIn], now: float
    ) -> tuple[int, str | None]:
        cid = collection_id
        with self._tx() as tx:
            # Lock the collection row before the lead check: appends to one log queue here
            # (on SQLite, BEGIN IMMEDIATE already did), and a purge that committed while we
            # waited is seen by the check, which runs on a fresh snapshot.
            tx.one("SELECT 1 FROM collections WHERE id = ?" + self.lock_clause, (cid,))
            self._lead(tx, caller, cid, now)
            stored_len, stored_head = _head(tx, cid)
            known: dict[int, bytes] = {}
            old = [e.n for e in events if e.n <= stored_len]
            if old:
                known = {
                    int(n): bytes(h)
                    for n, h in tx.all(
                        "SELECT n, hash FROM roster_events WHERE collection_id = ? "
                        "AND n >= ? AND n <= ?",
                        (cid, min(old), max(old)),
                    )
                }
            length, head = stored_len, stored_head
            new: list[RosterEventIn] = []
            for e in events:
                if e.n <= length:
                    if known.get(e.n) != e.hash:  # another event at a stored position
                        raise _conflict(e.n, stored_len, stored_head, "is already stored "
                                        "with another hash: the roster has forked")
                    continue  # the same event again: a retried append
                want_prev = head or GENESIS_PREV
                if e.n != length + 1:
                    raise _conflict(e.n, stored_len, stored_head, f"is not next (want event "
                                    f"{length + 1})")
                if e.prev != want_prev:
                    raise _conflict(e.n, stored_len, stored_head, "does not name the "
                                    "stored head as its prev")
                new.append(e)
                known[e.n] = e.hash
                length, head = e.n, e.hash.hex()
            if new:
                tx.many(
                    "INSERT INTO roster_events (collection_id, n, event, sig, hash, by_device, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(cid, e.n, e.event, e.sig, e.hash, caller.device_id, now) for e in new],
                )
                tx.run(
                    "UPDATE collections SET roster_length = ?, roster_head = ? WHERE id = ?",
                    (length, head, cid),
                )
        return length, head


def _head(tx: Tx, cid: bytes) -> tuple[int, str | None]:
    # an empty log has no head, whatever an old server's PUT .../roster left in the column
    row = tx.one("SELECT roster_length, roster_head FROM collections WHERE id = ?", (cid,))
    length = int(row[0])
    return length, (row[1] if length else None)


def _conflict(n: int, length: int, head: str | None, why: str) -> Conflict:
    return Conflict(
        f"roster event {n} {why}. The server's roster has {length} events, head "
        f"{head or 'none'}: fetch it (GET .../roster?after=N), verify it and sign on top",
        code="roster_conflict",
    )
