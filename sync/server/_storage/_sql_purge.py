"""Purging an inspection (see ``_sql.py``): its lead deletes everything stored for it.

Records, streams, wrapped keys, roster events, epochs, damage reports and invitations go, in
one transaction; the inspection, collection and membership rows stay (marked purged) so members
learn of the purge at their next sync and delete their local copies, and a ``purges`` row keeps
the audit record of who purged what and when.
"""

from __future__ import annotations

from typing import Any

from .._errors import Forbidden, Gone, NotFound
from ._base import Caller, PurgeRow

IN_INSPECTION = "collection_id IN (SELECT id FROM collections WHERE inspection_id = ?)"
# records first: its row count is what the audit record reports
PURGED_TABLES = ("records", "streams", "wrapped_keys", "roster_events", "collection_epochs",
                 "damaged_records")


def inspection_purged(inspection_id: bytes) -> Gone:
    return Gone(
        f"inspection {inspection_id.hex()} was purged: everything stored for it on the "
        "server was deleted; delete your local copy",
        code="inspection_purged",
    )


class PurgeMixin:
    """Part of SqlStorage; relies on its ``_tx``, ``_active_device`` and ``lock_clause``."""

    _tx: Any
    _active_device: Any
    lock_clause: str

    def purge_inspection(self, caller: Caller, inspection_id: bytes, now: float,
                         statement: str | None = None) -> PurgeRow:
        iid = inspection_id
        with self._tx() as tx:
            self._active_device(tx, caller)
            # The inspection row, then its collections, locked exclusively: a write that adds
            # rows to a collection holds that row shared (``_member(lock=True)``), so it
            # either finishes before this purge deletes, or sees the purge and is refused.
            row = tx.one(
                "SELECT lead_user_id, name, purged_at FROM inspections WHERE id = ?"
                + self.lock_clause,
                (iid,),
            )
            if row is None:
                raise NotFound(f"no inspection {iid.hex()}", code="no_such_inspection")
            if int(row[0]) != caller.user_id:
                raise Forbidden(
                    f"only the lead of inspection {iid.hex()} may purge it", code="not_a_lead"
                )
            if row[2] is not None:  # purged before: the same answer again
                if statement is not None:  # a retry that carries what the first one lacked
                    tx.run("UPDATE purges SET statement = ? WHERE inspection_id = ? "
                           "AND statement IS NULL", (statement, iid))
                done = tx.one(
                    "SELECT inspection_id, name, purged_at, by_device, records_deleted "
                    "FROM purges WHERE inspection_id = ?",
                    (iid,),
                )
                if done is None:  # marked purged by hand, without an audit row
                    return PurgeRow(iid, str(row[1]), float(row[2]), None, 0)
                return _purge_row(done)
            tx.all(
                "SELECT id FROM collections WHERE inspection_id = ? ORDER BY id"
                + self.lock_clause,
                (iid,),
            )
            deleted = 0
            for table in PURGED_TABLES:
                n = tx.run(f"DELETE FROM {table} WHERE {IN_INSPECTION}", (iid,))
                if table == "records":
                    deleted = max(0, n)
            tx.run("DELETE FROM team_invites WHERE inspection_id = ?", (iid,))
            tx.run(
                "UPDATE collections SET roster_head = NULL, roster_length = 0 "
                "WHERE inspection_id = ?",
                (iid,),
            )
            tx.run("UPDATE inspections SET purged_at = ? WHERE id = ?", (now, iid))
            tx.run(
                "INSERT INTO purges (inspection_id, name, purged_at, by_device, "
                "records_deleted, statement) VALUES (?, ?, ?, ?, ?, ?)",
                (iid, row[1], now, caller.device_id, deleted, statement),
            )
        return PurgeRow(iid, str(row[1]), now, caller.device_id, deleted)

    def list_purged(self, caller: Caller, now: float) -> list[tuple[bytes, str | None]]:
        with self._tx(write=False) as tx:
            self._active_device(tx, caller)
            # any membership row, even a removed one: that user's devices may still hold a
            # copy, which the purge asks them to delete
            rows = tx.all(
                """SELECT t.id, p.statement FROM (
                       SELECT i.id FROM inspections i
                       WHERE i.lead_user_id = ? AND i.purged_at IS NOT NULL
                       UNION
                       SELECT c.inspection_id FROM memberships m
                       JOIN collections c ON c.id = m.collection_id
                       JOIN inspections i ON i.id = c.inspection_id
                       WHERE m.user_id = ? AND i.purged_at IS NOT NULL) t
                   LEFT JOIN purges p ON p.inspection_id = t.id
                   ORDER BY 1""",
                (caller.user_id, caller.user_id),
            )
        return [(bytes(r[0]), r[1]) for r in rows]

    def list_purges(self) -> list[PurgeRow]:
        with self._tx(write=False) as tx:
            rows = tx.all(
                "SELECT inspection_id, name, purged_at, by_device, records_deleted "
                "FROM purges ORDER BY purged_at, inspection_id"
            )
        return [_purge_row(r) for r in rows]


def _purge_row(r: Any) -> PurgeRow:
    return PurgeRow(bytes(r[0]), str(r[1]), float(r[2]), bytes(r[3]) if r[3] else None,
                    int(r[4]))
