"""Damaged records and their repair (see ``_sql.py``; issue 11).

A reader that sets a record aside reports it; the route checks the server's own copy (the hash
it accepted, the chain, the author's signature: ``sync.server._repair``) and only a copy that
fails is noted in ``damaged_records``. Its author learns of it in its collections listing and
sends its own signed copy, which replaces the stored one only if it chains exactly where it
stands (``_known_as``): so the only bytes that can go in are those the author signed at that
seq and the server accepted then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from store import ZERO_HASH, EnvelopeError, envelope_hash, parse_header

from .._errors import Conflict, Unprocessable
from ._base import Caller, IncomingRecord, RepairOutcome, StoredCopy

if TYPE_CHECKING:
    from ._tx import Tx

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
        self, caller: Caller, collection_id: bytes, wanted: list[tuple[bytes, int]], now: float,
        budget: int = 1,
    ) -> list[StoredCopy]:
        cid = collection_id
        out: dict[tuple[bytes, int], StoredCopy] = {}
        with self._tx(write=False) as tx:
            self._member(tx, caller, cid, now)
            for device_id, seq in wanted:
                # from the reported record on: a reader stops at the first it cannot verify,
                # so the server checks the ones after it too (within the budget)
                rows = tx.all(
                    "SELECT r.seq, r.envelope, r.hash, d.sign_key FROM records r "
                    "JOIN devices d ON d.id = r.device_id "
                    "WHERE r.collection_id = ? AND r.device_id = ? AND r.seq >= ? "
                    "ORDER BY r.seq LIMIT ?",
                    (cid, device_id, seq, max(1, budget - len(out))),
                )
                if not rows or int(rows[0][0]) != seq:
                    continue  # the reported record itself is not stored
                prev = _stored_as(tx, cid, device_id, seq - 1)
                for s, env, hash_, key in rows:
                    out.setdefault((device_id, int(s)), StoredCopy(
                        device_id, int(s), bytes(env), bytes(hash_), frozenset(prev),
                        bytes(key)))
                    prev = {bytes(hash_), envelope_hash(bytes(env))}
        return list(out.values())

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
                if r.prev_hash not in _stored_as(tx, cid, dev, r.seq - 1):
                    raise _mismatch(r.seq, f"its prev_hash is not the stored seq {r.seq - 1}")
                if r.hash not in _known_as(tx, cid, dev, r.seq, head, head_hash):
                    raise _mismatch(r.seq, "it is not the record stored there")
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


def _stored_as(tx: Tx, cid: bytes, dev: bytes, seq: int) -> set[bytes]:
    """The hash accepted with record ``seq`` and the hash of its stored bytes (one and the
    same unless a disk damaged one); ZERO_HASH before seq 1."""
    if seq < 1:
        return {ZERO_HASH}
    row = tx.one(
        "SELECT hash, envelope FROM records WHERE collection_id = ? AND device_id = ? "
        "AND seq = ?",
        (cid, dev, seq),
    )
    return {bytes(row[0]), envelope_hash(bytes(row[1]))} if row else set()


def _known_as(tx: Tx, cid: bytes, dev: bytes, seq: int, head: int,
              head_hash: bytes) -> set[bytes]:
    """Every hash the stored stream gives record ``seq``: the hash accepted with it, and the
    hash its successor names as prev_hash (or the stream's head hash). They are one and the
    same until a disk damages one of them: either still pins the record the author signed at
    that seq (another record would need a SHA-256 collision), so a damaged neighbour never
    blocks a repair."""
    if seq < 1:
        return {ZERO_HASH}
    known = {h for h in (_hash_at(tx, cid, dev, seq),) if h is not None}
    if seq == head:
        known.add(head_hash)
        return known
    row = tx.one(
        "SELECT envelope FROM records WHERE collection_id = ? AND device_id = ? AND seq = ?",
        (cid, dev, seq + 1),
    )
    try:
        if row is not None:
            known.add(parse_header(bytes(row[0])).prev_hash)
    except EnvelopeError:
        pass  # the successor's header is damaged too: the accepted hash still says
    return known


def _mismatch(seq: int, why: str) -> Conflict:
    return Conflict(
        f"seq {seq} does not fit where it would go ({why}): only the very record this "
        "device signed at that seq replaces a stored one",
        code="repair_mismatch",
    )
