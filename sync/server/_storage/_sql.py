"""The queries, written once for both backends (portable SQL with ``?`` placeholders).

A backend supplies connections and transactions (:meth:`SqlStorage._tx`), its dialect for the
migrations and the row lock clause (``FOR UPDATE`` on PostgreSQL; SQLite takes the database
write lock with BEGIN IMMEDIATE instead). Every caller-facing query joins the caller's device
(not revoked) and active membership, inside the same transaction as the work it guards.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from store import ZERO_HASH

from .._errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable
from ._base import (
    Caller,
    CollectionView,
    IncomingRecord,
    InspectionView,
    KeyView,
    MemberDeviceView,
    MemberState,
    MemberView,
    OwnStream,
    PullOutcome,
    PushOutcome,
    Storage,
    StreamStatus,
    WrappedKey,
)
from ._sql_accounts import AccountsMixin
from ._sql_invites import InvitesMixin
from ._sql_listing import ListingMixin
from ._sql_members import MembersMixin
from ._sql_purge import PurgeMixin, inspection_purged
from ._sql_repair import RepairMixin
from ._sql_roster import RosterMixin
from ._tx import Tx

PULL_CHUNK = 256
NONCE_PRUNE_EVERY = 60.0


ACTIVE_MEMBER = """
    SELECT m.role, m.until_at, c.epoch, c.inspection_id, c.roster_head, i.purged_at
    FROM memberships m
    JOIN collections c ON c.id = m.collection_id
    JOIN inspections i ON i.id = c.inspection_id
    JOIN devices d ON d.user_id = m.user_id
    WHERE m.collection_id = ? AND m.user_id = ? AND d.id = ? AND d.revoked_at IS NULL
      AND m.removed_at IS NULL AND (m.until_at IS NULL OR m.until_at > ?)"""

IS_INSPECTION_LEAD = """
    SELECT 1 FROM inspections WHERE id = ? AND lead_user_id = ?
    UNION ALL
    SELECT 1 FROM memberships m JOIN collections c ON c.id = m.collection_id
    WHERE c.inspection_id = ? AND m.user_id = ? AND m.role = 'lead'
      AND m.removed_at IS NULL AND (m.until_at IS NULL OR m.until_at > ?)"""


class SqlStorage(AccountsMixin, MembersMixin, RosterMixin, InvitesMixin, PurgeMixin, RepairMixin,
                 ListingMixin, Storage):
    """Storage on a DB-API connection; subclasses provide :meth:`_tx` and the dialect."""

    lock_clause = ""
    share_clause = ""
    """A shared row lock (``FOR KEY SHARE`` on PostgreSQL) that a purge's exclusive lock
    waits for; SQLite's BEGIN IMMEDIATE already serialises every writer."""

    def __init__(self) -> None:
        self._last_prune = 0.0

    @abstractmethod
    def _tx(self, write: bool = True, durable: bool = True) -> AbstractContextManager[Tx]:
        """One transaction: committed when the block ends, rolled back if it raises.
        ``write=False`` promises only reads; ``durable=False`` may skip the flush to disk."""

    # --- shared checks -------------------------------------------------------------------
    def _member(
        self, tx: Tx, caller: Caller, cid: bytes, now: float, *, lock: bool = False
    ) -> tuple[Any, ...]:
        """(role, until, epoch, inspection id, roster head) of an active member; Forbidden
        if not one, Gone if the inspection was purged. ``lock`` (for writes that add rows to
        the collection) first holds the collection row shared: a purge locks it exclusively,
        so either it waits for this write and deletes what it added, or this write waits
        for the purge and the membership query below (a fresh snapshot) sees it."""
        if lock and self.share_clause:
            tx.one("SELECT 1 FROM collections WHERE id = ?" + self.share_clause, (cid,))
        row = tx.one(ACTIVE_MEMBER, (cid, caller.user_id, caller.device_id, now))
        if row is None:
            raise Forbidden(
                f"this device is not an active member of collection {cid.hex()}: ask the "
                "inspection lead to add you (or the collection does not exist)",
                code="not_a_member",
            )
        if row[5] is not None:
            raise inspection_purged(bytes(row[3]))
        return tuple(row[:5])

    def _lead(self, tx: Tx, caller: Caller, cid: bytes, now: float) -> tuple[Any, ...]:
        row = self._member(tx, caller, cid, now)
        if row[0] != "lead":
            raise Forbidden(
                f"only a lead of collection {cid.hex()} may do this", code="not_a_lead"
            )
        return row

    def _active_device(self, tx: Tx, caller: Caller) -> None:
        row = tx.one(
            "SELECT 1 FROM devices WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
            (caller.device_id, caller.user_id),
        )
        if row is None:
            raise Unauthorized("this device has been revoked", code="device_revoked")

    def _is_inspection_lead(self, tx: Tx, user_id: int, iid: bytes, now: float) -> bool:
        return tx.one(IS_INSPECTION_LEAD, (iid, user_id, iid, user_id, now)) is not None

    def _user_id(self, tx: Tx, name: str) -> int:
        row = tx.one("SELECT id FROM users WHERE name = ?", (name,))
        if row is None:
            raise NotFound(f"no user named {name!r}", code="no_such_user")
        return int(row[0])

    # --- collections ----------------------------------------------------------------------
    def list_collections(self, caller: Caller, now: float) -> list[CollectionView]:
        with self._tx(write=False) as tx:
            rows = tx.all(
                """SELECT c.id, c.inspection_id, m.role, c.epoch, c.roster_head, m.until_at,
                          c.kind, i.name, c.roster_length
                   FROM memberships m
                   JOIN collections c ON c.id = m.collection_id
                   JOIN inspections i ON i.id = c.inspection_id
                   JOIN devices d ON d.user_id = m.user_id
                   WHERE d.id = ? AND d.user_id = ? AND d.revoked_at IS NULL
                     AND m.removed_at IS NULL AND (m.until_at IS NULL OR m.until_at > ?)
                     AND i.purged_at IS NULL
                   ORDER BY c.id""",
                (caller.device_id, caller.user_id, now),
            )
            allowed = {bytes(r[0]) for r in rows}
            epochs: dict[bytes, list[int]] = {}
            for cid, epoch in tx.all(
                "SELECT e.collection_id, e.epoch FROM collection_epochs e "
                "JOIN memberships m ON m.collection_id = e.collection_id "
                "WHERE m.user_id = ? ORDER BY e.epoch",
                (caller.user_id,),
            ):
                if bytes(cid) in allowed:
                    epochs.setdefault(bytes(cid), []).append(int(epoch))
            keys: dict[bytes, list[KeyView]] = {}
            for cid, epoch, wrapped, by in tx.all(
                "SELECT collection_id, epoch, wrapped, by_device FROM wrapped_keys "
                "WHERE device_id = ? ORDER BY epoch",
                (caller.device_id,),
            ):
                if bytes(cid) in allowed:
                    keys.setdefault(bytes(cid), []).append(
                        KeyView(int(epoch), bytes(wrapped), bytes(by) if by else None)
                    )
            heads: dict[bytes, dict[bytes, int]] = {}
            own: dict[bytes, OwnStream] = {}
            missing: dict[bytes, int] = {}
            active: dict[bytes, int] = {}
            damaged = self._damaged_of(tx, caller.device_id)
            for r in rows:
                cid = bytes(r[0])
                streams = tx.all("SELECT device_id, head_seq, head_hash FROM streams "
                                 "WHERE collection_id = ?", (cid,))
                heads[cid] = {bytes(d): int(s) for d, s, _h in streams}
                own[cid] = _own(streams, caller.device_id, damaged.get(cid, []))
                # active devices of active members (a lead's device compares the count with
                # its roster to notice revocations), and those without a key for the current
                # epoch: the signal for any key holder to deliver keys (DESIGN §6)
                active[cid], missing[cid] = (int(x or 0) for x in tx.one(
                    """SELECT count(*), SUM(CASE WHEN w.device_id IS NULL THEN 1 ELSE 0 END)
                       FROM memberships m2
                       JOIN devices d2 ON d2.user_id = m2.user_id AND d2.revoked_at IS NULL
                       LEFT JOIN wrapped_keys w ON w.collection_id = m2.collection_id
                            AND w.device_id = d2.id AND w.epoch = ?
                       WHERE m2.collection_id = ? AND m2.removed_at IS NULL
                         AND (m2.until_at IS NULL OR m2.until_at > ?)""",
                    (int(r[3]), cid, now)))
        return [
            CollectionView(
                bytes(r[0]), bytes(r[1]), r[2], int(r[3]), epochs.get(bytes(r[0]), []),
                keys.get(bytes(r[0]), []), r[4], r[5], r[6], r[7], heads[bytes(r[0])],
                missing[bytes(r[0])], roster_length=int(r[8]),
                active_devices=active[bytes(r[0])], own=own[bytes(r[0])],
            )
            for r in rows
        ]

    def list_my_inspections(self, caller: Caller, now: float) -> list[InspectionView]:
        with self._tx(write=False) as tx:
            self._active_device(tx, caller)
            rows = tx.all(
                # a purged inspection is never offered again: a lead's device would otherwise
                # bootstrap its collections afresh at its next sync
                """SELECT i.id, i.name, 'lead' FROM inspections i
                   WHERE i.lead_user_id = ? AND i.purged_at IS NULL
                   UNION
                   SELECT DISTINCT i.id, i.name, 'member' FROM inspections i
                   JOIN collections c ON c.inspection_id = i.id
                   JOIN memberships m ON m.collection_id = c.id
                   WHERE m.user_id = ? AND i.lead_user_id != ? AND m.removed_at IS NULL
                     AND (m.until_at IS NULL OR m.until_at > ?) AND i.purged_at IS NULL
                   ORDER BY 2""",
                (caller.user_id, caller.user_id, caller.user_id, now),
            )
        return [InspectionView(bytes(r[0]), r[1], r[2]) for r in rows]

    def create_collection(
        self, caller: Caller, collection_id: bytes, inspection_id: bytes, now: float,
        kind: str = "team",
    ) -> CollectionView:
        with self._tx() as tx:
            self._active_device(tx, caller)
            if not self._is_inspection_lead(tx, caller.user_id, inspection_id, now):
                raise Forbidden(
                    f"only a lead of inspection {inspection_id.hex()} may create its "
                    "collections",
                    code="not_a_lead",
                )
            # held shared until commit, so a purge running now either waits for this or is
            # seen here (the purge locks the inspection row exclusively)
            purged = tx.one(
                "SELECT purged_at FROM inspections WHERE id = ?" + self.share_clause,
                (inspection_id,),
            )
            if purged is not None and purged[0] is not None:
                raise inspection_purged(inspection_id)
            row = tx.one(
                "SELECT inspection_id FROM collections WHERE id = ?" + self.lock_clause,
                (collection_id,),
            )
            if row is not None and bytes(row[0]) != inspection_id:
                raise Conflict(
                    f"collection {collection_id.hex()} already exists: choose another id",
                    code="collection_exists",
                )
            if row is None:
                tx.run(
                    "INSERT INTO collections (id, inspection_id, epoch, created_by, created_at,"
                    " kind) VALUES (?, ?, 1, ?, ?, ?)",
                    (collection_id, inspection_id, caller.device_id, now, kind),
                )
                tx.run(
                    "INSERT INTO collection_epochs (collection_id, epoch, created_at) "
                    "VALUES (?, 1, ?)",
                    (collection_id, now),
                )
                tx.run(
                    "INSERT INTO memberships (collection_id, user_id, role, added_at) "
                    "VALUES (?, ?, 'lead', ?)",
                    (collection_id, caller.user_id, now),
                )
        for view in self.list_collections(caller, now):
            if view.collection_id == collection_id:
                return view
        raise Conflict(  # the creator is not a member any more (removed by another lead)
            f"collection {collection_id.hex()} exists but you are not a member",
            code="collection_exists",
        )

    # --- streams --------------------------------------------------------------------------
    def status(self, caller: Caller, collection_id: bytes, now: float) -> StreamStatus:
        with self._tx(write=False) as tx:
            epoch = int(self._member(tx, caller, collection_id, now)[2])
            rows = tx.all(
                "SELECT device_id, head_seq, head_hash FROM streams WHERE collection_id = ? "
                "ORDER BY device_id",
                (collection_id,),
            )
            damaged = self._damaged_of(tx, caller.device_id, collection_id)
        return StreamStatus({bytes(d): int(s) for d, s, _h in rows}, epoch,
                            _own(rows, caller.device_id, damaged.get(collection_id, [])))

    def push(
        self, caller: Caller, collection_id: bytes, records: list[IncomingRecord], now: float
    ) -> PushOutcome:
        cid, dev = collection_id, caller.device_id
        with self._tx() as tx:
            current_epoch = int(self._member(tx, caller, cid, now, lock=True)[2])
            if records:
                tx.run(
                    "INSERT INTO streams (collection_id, device_id, head_seq, head_hash) "
                    "VALUES (?, ?, 0, ?) ON CONFLICT DO NOTHING",
                    (cid, dev, ZERO_HASH),
                )
            row = tx.one(
                "SELECT head_seq, head_hash FROM streams WHERE collection_id = ? "
                "AND device_id = ?" + self.lock_clause,
                (cid, dev),
            )
            head, head_hash = (int(row[0]), bytes(row[1])) if row else (0, ZERO_HASH)
            if not records:
                return PushOutcome(0, 0, head, head_hash if row else None)
            _check_batch(records, head)
            dups = [r for r in records if r.seq <= head]
            new = [r for r in records if r.seq > head]
            if dups:
                stored = dict(
                    (int(s), bytes(h))
                    for s, h in tx.all(
                        "SELECT seq, hash FROM records WHERE collection_id = ? "
                        "AND device_id = ? AND seq >= ? AND seq <= ?",
                        (cid, dev, dups[0].seq, dups[-1].seq),
                    )
                )
                for r in dups:
                    if stored.get(r.seq) != r.hash:
                        raise Conflict(
                            f"seq {r.seq} is already stored with another hash: this stream "
                            "has forked; keep the server's record and re-sequence yours",
                            code="fork",
                        )
            if new:
                if new[0].prev_hash != head_hash:
                    raise Conflict(
                        f"seq {new[0].seq} does not chain to the stored head (seq {head}): "
                        "prev_hash differs, so this stream has forked",
                        code="fork",
                    )
                for r in new:
                    if not 1 <= r.epoch <= current_epoch:
                        raise Unprocessable(
                            f"seq {r.seq} uses epoch {r.epoch}, which collection "
                            f"{cid.hex()} does not have (current {current_epoch})",
                            code="unknown_epoch",
                        )
                tx.many(
                    "INSERT INTO records (collection_id, device_id, seq, epoch, hash, envelope,"
                    " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(cid, dev, r.seq, r.epoch, r.hash, r.envelope, now) for r in new],
                )
                head, head_hash = new[-1].seq, new[-1].hash
                tx.run(
                    "UPDATE streams SET head_seq = ?, head_hash = ? WHERE collection_id = ? "
                    "AND device_id = ?",
                    (head, head_hash, cid, dev),
                )
                # reports of damage to seqs this push now fills anew (a stream restored from
                # an older backup lost them) no longer hold
                tx.run(
                    "DELETE FROM damaged_records WHERE collection_id = ? AND device_id = ? "
                    "AND seq >= ?",
                    (cid, dev, new[0].seq),
                )
        return PushOutcome(len(new), len(dups), head, head_hash)

    def pull(
        self,
        caller: Caller,
        collection_id: bytes,
        after: dict[bytes, int],
        budget: int,
        now: float,
    ) -> PullOutcome:
        out = PullOutcome()
        with self._tx(write=False) as tx:
            self._member(tx, caller, collection_id, now)
            for d, s in tx.all(
                "SELECT device_id, head_seq FROM streams WHERE collection_id = ? "
                "ORDER BY device_id",
                (collection_id,),
            ):
                out.heads[bytes(d)] = int(s)
            used = 0
            for dev, head in out.heads.items():
                pos = after.get(dev, 0)
                for _seq, env in self._stream_rows(tx, collection_id, dev, pos, head):
                    size = len(env) + 4
                    if out.envelopes and used + size > budget:
                        out.more = True
                        return out
                    out.envelopes.append(bytes(env))
                    used += size
        return out

    def _stream_rows(
        self, tx: Tx, cid: bytes, dev: bytes, pos: int, head: int
    ) -> Iterator[tuple[int, bytes]]:
        """Records of one stream after ``pos`` up to ``head``, in seq order, in chunks."""
        while pos < head:
            rows = tx.all(
                "SELECT seq, envelope FROM records WHERE collection_id = ? AND device_id = ? "
                "AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                (cid, dev, pos, head, PULL_CHUNK),
            )
            if not rows:
                return
            for seq, env in rows:
                pos = int(seq)
                yield pos, env


def _own(streams: list[Any], device_id: bytes, damaged: list[int]) -> OwnStream:
    """The caller's own stream among a collection's (device, head seq, head hash) rows."""
    for d, seq, hash_ in streams:
        if bytes(d) == device_id:
            return OwnStream(int(seq), bytes(hash_), damaged)
    return OwnStream(0, None, damaged)


def _check_batch(records: list[IncomingRecord], head: int) -> None:
    first = records[0].seq
    if first > head + 1:
        raise Unprocessable(
            f"the stream's head on the server is seq {head}, this batch starts at {first}: "
            f"push from seq {head + 1}",
            code="gap",
        )
    for a, b in zip(records, records[1:], strict=False):
        if b.seq != a.seq + 1:
            raise Unprocessable(
                f"records in a batch must be contiguous: seq {b.seq} follows {a.seq}",
                code="gap",
            )
        if b.prev_hash != a.hash:
            raise Unprocessable(
                f"seq {b.seq} does not name seq {a.seq} as its prev_hash: the chain is broken",
                code="broken_chain",
            )


__all__ = ["SqlStorage", "Tx", "MemberDeviceView", "MemberView", "MemberState", "WrappedKey"]
