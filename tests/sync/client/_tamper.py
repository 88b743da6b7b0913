"""What an operator, a failing disk or a malicious server does to the server's database, done
straight to it (SQLite or PostgreSQL) while the server process runs: a restore from an older
backup, a flipped byte, a stream head set ahead, a record stored that the server should have
refused."""

from __future__ import annotations

from store import ZERO_HASH, envelope_hash, parse_header
from tests.sync.client.conftest import Server


def stored(server: Server, cid: bytes, device: bytes, seq: int) -> bytes | None:
    with server.storage._tx(write=False) as tx:
        row = tx.one("SELECT envelope FROM records WHERE collection_id = ? AND device_id = ? "
                     "AND seq = ?", (cid, device, seq))
    return bytes(row[0]) if row else None


def server_head(server: Server, cid: bytes, device: bytes) -> tuple[int, bytes]:
    with server.storage._tx(write=False) as tx:
        row = tx.one("SELECT head_seq, head_hash FROM streams WHERE collection_id = ? "
                     "AND device_id = ?", (cid, device))
    return (int(row[0]), bytes(row[1])) if row else (0, ZERO_HASH)


def roll_back(server: Server, cid: bytes, device: bytes, n: int) -> int:
    """Restore an older backup of one stream: its last ``n`` records gone, its head (seq and
    hash) set back to the record before them. Returns the new head seq."""
    head, _ = server_head(server, cid, device)
    keep = max(0, head - n)
    with server.storage._tx() as tx:
        tx.run("DELETE FROM records WHERE collection_id = ? AND device_id = ? AND seq > ?",
               (cid, device, keep))
        row = tx.one("SELECT hash FROM records WHERE collection_id = ? AND device_id = ? "
                     "AND seq = ?", (cid, device, keep))
        tx.run("UPDATE streams SET head_seq = ?, head_hash = ? WHERE collection_id = ? "
               "AND device_id = ?", (keep, bytes(row[0]) if row else ZERO_HASH, cid, device))
    return keep


def flip_byte(server: Server, cid: bytes, device: bytes, seq: int, at: int = -100) -> None:
    """One byte of a stored envelope flipped (a failing disk): its hash column is untouched."""
    env = bytearray(stored(server, cid, device, seq) or b"")
    assert env, f"no record {seq} stored"
    env[at] ^= 0x01
    with server.storage._tx() as tx:
        tx.run("UPDATE records SET envelope = ? WHERE collection_id = ? AND device_id = ? "
               "AND seq = ?", (bytes(env), cid, device, seq))


def set_head(server: Server, cid: bytes, device: bytes, seq: int) -> None:
    """Set a stream's head seq (and nothing else): a server that lies about a stream."""
    with server.storage._tx() as tx:
        tx.run("UPDATE streams SET head_seq = ? WHERE collection_id = ? AND device_id = ?",
               (seq, cid, device))


def force_store(server: Server, envelope: bytes) -> None:
    """Store a record the server's own checks would refuse (a colluding server)."""
    h = parse_header(envelope)
    with server.storage._tx() as tx:
        tx.run("INSERT INTO records (collection_id, device_id, seq, epoch, hash, envelope, "
               "received_at) VALUES (?, ?, ?, ?, ?, ?, 0)",
               (h.collection_id, h.device_id, h.seq, h.epoch, envelope_hash(envelope),
                envelope))
        tx.run("UPDATE streams SET head_seq = ?, head_hash = ? WHERE collection_id = ? "
               "AND device_id = ?", (h.seq, envelope_hash(envelope), h.collection_id,
                                     h.device_id))
