"""Damaged records and their repair (see ``_sql.py``; issue 11).

A reader that sets a record aside reports it; the route checks the server's own copy (the hash
it accepted, the chain, the author's signature: ``sync.server._repair``) and only a copy that
fails is noted in ``damaged_records``. Its author learns of it in its collections listing and
sends its own signed copy, which replaces the stored one only if it chains exactly where it
stands: so the only bytes that can go in are those the author signed at that seq.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from store import ZERO_HASH, EnvelopeError, parse_header

from .._errors import Conflict, Unprocessable
from ._base import Caller, IncomingRecord, RepairOutcome, StoredCopy

if TYPE_CHECKING:
    from ._sql import Tx

MAX_LISTED = 100
"""Most damaged seqs listed per stream at once: the author repairs them, then sees the rest."""


class RepairMixin:
    """Part of SqlStorage; relies on its ``_tx``, ``_member`` and ``lock_clause``."""

    _tx: Any
    _member: Any
    lock_clause: str

    def _damaged_of(self, tx: Tx, device_id: bytes,
                    collection_id: bytes | None = None) -> dict[bytes, list[int]]:
        """Damaged seqs of a device's own streams, per collection (at most MAX_LISTED each)."""
        sql = "SELECT collection_id, seq FROM damaged_records WHERE device_id = ?"
        params: tuple[Any, ...] = (device_id,)
        if collection_id is not None:
            sql += " AND collection_id = ?"
            params += (collection_id,)
        out: dict[bytes, list[int]] = {}
        for cid, seq in tx.all(sql + " ORDER BY collection_id, seq", params):
            seqs = out.setdefault(bytes(cid), [])
            if len(seqs) < MAX_LISTED:
                seqs.append(int(seq))
        return out

    def stored_copies(
        self, caller: Caller, collection_id: bytes, wanted: list[tuple[bytes, int]], now: float
    ) -> list[StoredCopy]:
        cid = collection_id
        out = []
        with self._tx(write=False) as tx:
            self._member(tx, caller, cid, now)
            for device_id, seq in wanted:
                row = tx.one(
                    "SELECT r.envelope, r.hash, d.sign_key FROM records r "
                    "JOIN devices d ON d.id = r.device_id "
                    "WHERE r.collection_id = ? AND r.device_id = ? AND r.seq = ?",
                    (cid, device_id, seq),
                )
                if row is None:
                    continue
                prev = _hash_at(tx, cid, device_id, seq - 1)
                out.append(StoredCopy(device_id, seq, bytes(row[0]), bytes(row[1]),
                                      prev or b"", bytes(row[2])))
        return out

    def mark_damaged(
        self, caller: Caller, collection_id: bytes, records: list[tuple[bytes, int]],
        now: float,
    ) -> None:
        if not records:
            return
        with self._tx() as tx:
            self._member(tx, caller, collection_id, now, lock=True)
            for device_id, seq in records:
                tx.run(
                    "INSERT INTO damaged_records (collection_id, device_id, seq, reported_by, "
                    "reported_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (collection_id, device_id, seq, caller.device_id, now),
                )

    def repair(
        self, caller: Caller, collection_id: bytes, records: list[IncomingRecord], now: float
    ) -> RepairOutcome:
        cid, dev = collection_id, caller.device_id
        replaced = unchanged = 0
        with self._tx() as tx:
            self._member(tx, caller, cid, now, lock=True)
            row = tx.one(
                "SELECT head_seq, head_hash FROM streams WHERE collection_id = ? "
                "AND device_id = ?" + self.lock_clause,
                (cid, dev),
            )
            head, head_hash = (int(row[0]), bytes(row[1])) if row else (0, ZERO_HASH)
            # newest first: a record's successor is then already sound when it is checked
            for r in sorted(records, key=lambda r: r.seq, reverse=True):
                cur = tx.one(
                    "SELECT envelope, hash FROM records WHERE collection_id = ? "
                    "AND device_id = ? AND seq = ?",
                    (cid, dev, r.seq),
                )
                if r.seq > head or cur is None:
                    raise Unprocessable(
                        f"seq {r.seq} is not stored on the server (its head is seq {head}): "
                        "push it as a new record instead",
                        code="not_stored",
                    )
                if r.prev_hash != _hash_at(tx, cid, dev, r.seq - 1):
                    raise _mismatch(r.seq, f"its prev_hash is not the stored seq {r.seq - 1}")
                if r.hash != _successor_names(tx, cid, dev, r.seq, head, head_hash):
                    raise _mismatch(r.seq, "it is not the record the next one names")
                if bytes(cur[0]) == r.envelope and bytes(cur[1]) == r.hash:
                    unchanged += 1
                else:
                    tx.run(
                        "UPDATE records SET envelope = ?, hash = ?, epoch = ? "
                        "WHERE collection_id = ? AND device_id = ? AND seq = ?",
                        (r.envelope, r.hash, r.epoch, cid, dev, r.seq),
                    )
                    replaced += 1
                tx.run(
                    "DELETE FROM damaged_records WHERE collection_id = ? AND device_id = ? "
                    "AND seq = ?",
                    (cid, dev, r.seq),
                )
        return RepairOutcome(replaced, unchanged)


def _hash_at(tx: Tx, cid: bytes, dev: bytes, seq: int) -> bytes | None:
    """The hash stored with a record when it was accepted (ZERO_HASH before seq 1)."""
    if seq < 1:
        return ZERO_HASH
    row = tx.one(
        "SELECT hash FROM records WHERE collection_id = ? AND device_id = ? AND seq = ?",
        (cid, dev, seq),
    )
    return bytes(row[0]) if row else None


def _successor_names(tx: Tx, cid: bytes, dev: bytes, seq: int, head: int,
                     head_hash: bytes) -> bytes:
    """The hash the stream says seq must have: the next record's prev_hash, or the head's."""
    if seq == head:
        return head_hash
    row = tx.one(
        "SELECT envelope FROM records WHERE collection_id = ? AND device_id = ? AND seq = ?",
        (cid, dev, seq + 1),
    )
    try:
        return parse_header(bytes(row[0])).prev_hash if row else b""
    except EnvelopeError:
        raise Conflict(
            f"the stored seq {seq + 1} is damaged too: send it in the same repair",
            code="repair_mismatch",
        ) from None


def _mismatch(seq: int, why: str) -> Conflict:
    return Conflict(
        f"seq {seq} does not fit where it would go ({why}): only the very record this "
        "device signed at that seq replaces a stored one",
        code="repair_mismatch",
    )
