"""The replica: records moved between two real profiles by hand, as a server would."""

from __future__ import annotations

from pathlib import Path

import pytest

from store import KdfParams, Profile, Replica, Session
from tests.conftest import PASSPHRASE

INSPECTION = b"\x11" * 16
COLL = b"\x22" * 16


def _device(path: Path, author: str) -> tuple[Profile, Session, Replica]:
    p = Profile(path)
    s, _ = p.init(PASSPHRASE, KdfParams.floor(), author=author)
    r = Replica(s)
    r.ensure_collection(COLL, INSPECTION, "team", "Northshire 2026")
    return p, s, r


@pytest.fixture
def pair(tmp_path: Path):  # noqa: ANN201
    pa, a, ra = _device(tmp_path / "a", "AI")
    pb, b, rb = _device(tmp_path / "b", "LR2")
    ra.new_collection_key(COLL)
    kb = b.keys.device
    assert rb.unwrap_key(COLL, 1, ra.wrap_key(COLL, 1, b.device_id, kb.kx_pub))
    ka = a.keys.device
    ra.register_device(b.device_id, kb.sign_pub, kb.kx_pub)
    rb.register_device(a.device_id, ka.sign_pub, ka.kx_pub)
    yield (a, ra), (b, rb)
    for s in (a, b):
        if not s.locked:
            s.lock()


def sync(src: tuple[Session, Replica], dst: tuple[Session, Replica]) -> object:
    """Move every record dst lacks, stream by stream (what a pull does)."""
    s, r = src
    have = dst[1].stream_heads(COLL)
    envs = [rec.envelope for rec in s.streams.all()
            if rec.collection_id == COLL and rec.seq > have.get(rec.device_id, 0)]
    return dst[1].ingest(envs)


def test_wrapped_key_is_bound_to_its_recipient(pair) -> None:  # noqa: ANN001
    (a, ra), (b, rb) = pair
    wrapped = ra.wrap_key(COLL, 1, a.device_id, b.keys.device.kx_pub)  # for the wrong device id
    assert not rb.unwrap_key(COLL, 1, wrapped)
    assert not rb.unwrap_key(COLL, 2, ra.wrap_key(COLL, 1, b.device_id, b.keys.device.kx_pub))


def test_notes_flow_and_converge(pair) -> None:  # noqa: ANN001
    (a, ra), (b, rb) = pair
    ins = a.find_inspection("Northshire 2026")
    n = a.create(ins, "note", "Shared", "one\ntwo\nthree\n")
    rep = sync((a, ra), (b, rb))
    assert rep.stored == 1 and not rep.quarantined
    assert b.get(n.note_id).body == "one\ntwo\nthree\n"
    # concurrent edits while offline
    a.save(n.note_id, body="A\none\ntwo\nthree\n")
    b.save(n.note_id, body="one\ntwo\nthree\nB\n")
    sync((a, ra), (b, rb))
    sync((b, rb), (a, ra))
    sync((a, ra), (b, rb))
    sync((b, rb), (a, ra))
    assert a.get(n.note_id).body == b.get(n.note_id).body == "A\none\ntwo\nthree\nB\n"
    assert rb.ingest([r.envelope for r in a.streams.all() if r.collection_id == COLL]).stored == 0


def test_tampered_and_replayed_records_are_quarantined(pair) -> None:  # noqa: ANN001
    (a, ra), (b, rb) = pair
    ins = a.find_inspection("Northshire 2026")
    for i in range(3):
        a.create(ins, "note", f"n{i}", "text")
    envs = [r.envelope for r in a.streams.all() if r.collection_id == COLL]
    bad = bytearray(envs[1])
    bad[120] ^= 1
    rep = rb.ingest([envs[0], bytes(bad), envs[2]])
    assert rep.stored == 1 and len(rep.quarantined) == 1 and rep.quarantined[0].seq == 2
    assert [d.seq for d in rb.quarantined()] == [2]
    rep = rb.ingest(envs[1:])  # the good copies arrive later: the stream resumes
    assert rep.stored == 2 and {n.title for n in b.list_notes()} == {"n0", "n1", "n2"}
    # a replay of seq 1 with other content is a fork
    a2 = a.create(ins, "note", "other", "x")
    other = [r.envelope for r in a.streams.all() if r.note_id == a2.note_id][0]
    forged = other[:38] + (1).to_bytes(8, "big") + other[46:]
    assert rb.ingest([forged]).quarantined


def test_unknown_signer_is_quarantined(tmp_path: Path, pair) -> None:  # noqa: ANN001
    (a, ra), (b, rb) = pair
    pc, c, rc = _device(tmp_path / "c", "X")
    rc.unwrap_key(COLL, 1, ra.wrap_key(COLL, 1, c.device_id, c.keys.device.kx_pub))
    c.create(c.find_inspection("Northshire 2026"), "note", "stranger", "text")
    envs = [r.envelope for r in c.streams.all() if r.collection_id == COLL]
    rep = rb.ingest(envs)
    assert rep.stored == 0 and "signature" in rep.quarantined[0].reason
    c.lock()


def test_concern_streams_push_first(pair) -> None:  # noqa: ANN001
    (a, ra), _ = pair
    other = b"\x33" * 16
    ra.ensure_collection(other, INSPECTION, "restricted")
    ra.new_collection_key(other)
    ins = a.find_inspection("Northshire 2026")
    a.create(ins, "note", "ordinary", "x")
    a.create(ins, "concern", "Worry", "", {"raised_at": "2026-11-26T10:00:00",
                                            "nature": "n", "immediacy": "immediate"})
    batches = ra.unpushed()
    assert [len(b) for b in batches] == [1, 1]
    assert batches[0][0].collection_id == other
    notebook = a.find_inspection("Notebook")
    a.create(notebook, "note", "local only", "x")
    assert sum(len(b) for b in ra.unpushed()) == 2
    ra.mark_pushed(other, 1)
    assert [b[0].collection_id for b in ra.unpushed()] == [COLL]


def test_a_new_device_merges_a_note_it_first_sees_with_two_heads(tmp_path: Path,
                                                                  pair) -> None:  # noqa: ANN001
    (a, ra), (b, rb) = pair
    pc, c, rc = _device(tmp_path / "c", "X")
    assert rc.unwrap_key(COLL, 1, ra.wrap_key(COLL, 1, c.device_id, c.keys.device.kx_pub))
    for s in (a, b):
        kc = c.keys.device
        Replica(s).register_device(c.device_id, kc.sign_pub, kc.kx_pub)
        ks = s.keys.device
        rc.register_device(s.device_id, ks.sign_pub, ks.kx_pub)
    n = a.create(a.find_inspection("Northshire 2026"), "note", "Shared", "one\ntwo\n")
    sync((a, ra), (b, rb))
    a.save(n.note_id, body="A\none\ntwo\n")
    b.save(n.note_id, body="one\ntwo\nB\n")
    # the new device gets everything at once: the note arrives with two heads
    envs = [r.envelope for s in (a, b) for r in s.streams.all() if r.collection_id == COLL]
    rep = rc.ingest(envs)
    assert not rep.quarantined and rep.merged == [n.note_id]
    assert c.get(n.note_id).body == "A\none\ntwo\nB\n"
    c.lock()
