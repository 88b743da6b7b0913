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
def pair(tmp_path: Path):
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


def test_wrapped_key_is_bound_to_its_recipient(pair) -> None:
    (a, ra), (b, rb) = pair
    wrapped = ra.wrap_key(COLL, 1, a.device_id, b.keys.device.kx_pub)  # for the wrong device id
    assert not rb.unwrap_key(COLL, 1, wrapped)
    assert not rb.unwrap_key(COLL, 2, ra.wrap_key(COLL, 1, b.device_id, b.keys.device.kx_pub))


def test_notes_flow_and_converge(pair) -> None:
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


def test_tampered_and_replayed_records_are_quarantined(pair) -> None:
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


@pytest.mark.slow
def test_unknown_signer_is_quarantined(tmp_path: Path, pair) -> None:
    (a, ra), (b, rb) = pair
    pc, c, rc = _device(tmp_path / "c", "X")
    rc.unwrap_key(COLL, 1, ra.wrap_key(COLL, 1, c.device_id, c.keys.device.kx_pub))
    c.create(c.find_inspection("Northshire 2026"), "note", "stranger", "text")
    envs = [r.envelope for r in c.streams.all() if r.collection_id == COLL]
    rep = rb.ingest(envs)
    assert rep.stored == 0 and "signature" in rep.quarantined[0].reason
    c.lock()


def test_concern_streams_push_first(pair) -> None:
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
                                                                  pair) -> None:
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


def _flip(env: bytes, at: int) -> bytes:
    b = bytearray(env)
    b[at] ^= 0x01
    return bytes(b)


def _rechain(envs: list[bytes], start: int) -> list[bytes]:
    """A forger without the key, after changing record ``start``: each later header's
    prev_hash rewritten so the chain holds again (their signatures then fail)."""
    from store import envelope_hash

    out = list(envs)
    for i in range(start + 1, len(out)):
        out[i] = out[i][:46] + envelope_hash(out[i - 1]) + out[i][78:]
    return out


def test_a_page_takes_one_signature_check_per_stream(tmp_path: Path, pair, monkeypatch) -> None:
    import store.crypto._chain as chain
    import store.crypto._envelope as envelope

    (a, ra), (b, rb) = pair
    ins = a.find_inspection("Northshire 2026")
    for i in range(5):
        a.create(ins, "note", f"a{i}", "text")
    for i in range(4):
        b.create(b.find_inspection("Northshire 2026"), "note", f"b{i}", "text")
    _, c, rc = _device(tmp_path / "c", "C")  # a third device reads both streams
    calls = []
    real = envelope.verify_signature

    def counting(*args, **kwargs):
        calls.append(args[1].seq)
        return real(*args, **kwargs)

    monkeypatch.setattr(chain, "verify_signature", counting)
    monkeypatch.setattr(envelope, "verify_signature", counting)
    for dev in (a, b):
        rc.register_device(dev.device_id, dev.keys.device.sign_pub, dev.keys.device.kx_pub)
    assert rc.unwrap_key(COLL, 1, ra.wrap_key(COLL, 1, c.device_id, c.keys.device.kx_pub))
    envs_a = [r.envelope for r in a.streams.all() if r.collection_id == COLL]
    envs_b = [r.envelope for r in b.streams.all() if r.collection_id == COLL]
    # the two streams interleaved, each in its own order
    page = [e for two in zip(envs_a, [*envs_b, b""], strict=True) for e in two if e]
    rep = rc.ingest(page)
    assert rep.stored == 9 and not rep.quarantined
    assert sorted(calls) == [4, 5]  # the newest record of each stream, nothing else
    assert {n.title for n in c.list_notes()} >= {"a4", "b3"}
    c.lock()


@pytest.mark.parametrize("case", ["middle", "rechained", "last", "swapped signature"])
def test_a_forged_record_in_a_page_is_set_aside_and_the_rest_kept(pair, case: str) -> None:
    (a, ra), (b, rb) = pair
    ins = a.find_inspection("Northshire 2026")
    for i in range(6):
        a.create(ins, "note", f"n{i}", "text")
    envs = [r.envelope for r in a.streams.all() if r.collection_id == COLL]
    bad = 5 if case == "last" else 2
    forged = list(envs)
    if case == "swapped signature":
        forged[bad] = envs[bad][:-64] + envs[bad + 1][-64:]
    else:
        forged[bad] = _flip(envs[bad], len(envs[bad]) - 1 if case == "last" else 150)
    if case == "rechained":
        forged = _rechain(forged, bad)
    rep = rb.ingest(forged)
    assert rep.stored == bad and [d.seq for d in rep.quarantined] == [bad + 1]
    assert "signature" in rep.quarantined[0].reason
    assert [d.seq for d in rb.quarantined()] == [bad + 1]
    assert {n.title for n in b.list_notes()} >= {f"n{i}" for i in range(bad)}
    rep = rb.ingest(envs[bad:])  # the genuine records arrive later: the stream resumes
    assert rep.stored == 6 - bad and not rb.quarantined()
    assert {f"n{i}" for i in range(6)} <= {n.title for n in b.list_notes()}


def test_a_reordered_page_stores_nothing_out_of_order(pair) -> None:
    (a, ra), (b, rb) = pair
    ins = a.find_inspection("Northshire 2026")
    for i in range(4):
        a.create(ins, "note", f"n{i}", "text")
    envs = [r.envelope for r in a.streams.all() if r.collection_id == COLL]
    rep = rb.ingest([envs[0], envs[2], envs[1], envs[3]])
    assert rep.stored == 1 and rep.gaps and not rep.quarantined
    assert rb.ingest(envs).stored == 3


def test_a_page_must_follow_the_stored_head(pair) -> None:
    """A page that chains within itself but not to what is stored (a fork) is set aside:
    one signature vouches for the page's bytes, not for where it sits in the stream."""
    (a, ra), (b, rb) = pair
    ins = a.find_inspection("Northshire 2026")
    for i in range(3):
        a.create(ins, "note", f"n{i}", "text")
    envs = [r.envelope for r in a.streams.all() if r.collection_id == COLL]
    assert rb.ingest(envs[:1]).stored == 1
    rep = rb.ingest(_rechain([_flip(envs[0], 150)] + envs[1:], 0)[1:])
    assert rep.stored == 0 and [d.seq for d in rep.quarantined] == [2]
    assert rb.ingest(envs[1:]).stored == 2


def test_a_badly_signed_record_vouched_for_by_its_signer_is_flagged_by_doctor(pair) -> None:
    """The limit in docs/security.md: only the key holder can sign a successor of a record
    whose own signature is garbage. A page holding both is accepted (its bytes are the
    signer's); the record alone is set aside; doctor checks each signature and flags it."""
    from store import Header, envelope_hash, seal, verify_all

    (a, ra), (b, rb) = pair
    a.create(a.find_inspection("Northshire 2026"), "note", "n0", "text")
    first = next(r.envelope for r in a.streams.all() if r.collection_id == COLL)
    garbage = first[:-64] + bytes(64)
    ck = a.keyring.key(COLL, 1)
    assert ck is not None
    second = seal(Header(COLL, a.device_id, 2, envelope_hash(garbage), 1),
                  {"type": "audit.test"}, ck, a.keys.device.signing)
    alone = rb.ingest([garbage])
    assert alone.stored == 0 and [d.seq for d in alone.quarantined] == [1]
    assert rb.ingest([garbage, second]).stored == 2
    problems = verify_all(b).problems
    assert [(d.seq, "signature" in d.reason) for d in problems] == [(1, True)]


def _third(tmp_path: Path, pair) -> tuple[Session, Replica]:
    (a, ra), (b, _) = pair
    _, c, rc = _device(tmp_path / "c", "C")
    for dev in (a, b):
        rc.register_device(dev.device_id, dev.keys.device.sign_pub, dev.keys.device.kx_pub)
    assert rc.unwrap_key(COLL, 1, ra.wrap_key(COLL, 1, c.device_id, c.keys.device.kx_pub))
    return c, rc


def test_a_page_is_written_in_a_few_statements_whatever_its_size(tmp_path: Path, pair) -> None:
    (a, ra), _ = pair
    ins = a.find_inspection("Northshire 2026")
    for i in range(40):
        a.create(ins, "note", f"n{i}", "text")
    envs = [r.envelope for r in a.streams.all() if r.collection_id == COLL]
    c, rc = _third(tmp_path, pair)
    statements: list[str] = []
    c.db.conn.set_trace_callback(statements.append)
    rep = rc.ingest(envs)
    c.db.conn.set_trace_callback(None)
    assert rep.stored == 40
    # each row of an executemany is traced too: a record's own row and its note's head are
    # the only per-record statements left (it was ~6 per record: issue 16)
    per_record = [s for s in statements if s.startswith(("INSERT INTO records",
                                                         "INSERT OR IGNORE INTO heads"))]
    assert len(per_record) == 80
    assert len(statements) - len(per_record) <= 40, statements
    notes = [n for n in c.list_notes() if n.title.startswith("n")]
    assert len(notes) == 40 and all(n.first_signer == a.device_id for n in notes)
    c.lock()


def test_a_child_revision_before_its_parent_in_a_page_leaves_one_head(tmp_path: Path,
                                                                       pair) -> None:
    (a, ra), (b, rb) = pair
    n = a.create(a.find_inspection("Northshire 2026"), "note", "Shared", "one\n")
    sync((a, ra), (b, rb))
    b.save(n.note_id, body="one\ntwo\n")
    first = [r.envelope for r in a.streams.all() if r.collection_id == COLL]
    child = [r.envelope for r in b.streams.all()
             if r.collection_id == COLL and r.device_id == b.device_id]
    c, rc = _third(tmp_path, pair)
    rep = rc.ingest(child + first)  # the child's stream first, as a server may order them
    assert rep.stored == len(child) + len(first) and not rep.quarantined
    assert c.streams.heads(n.note_id) == [(COLL, b.device_id, 1)]
    got = c.get(n.note_id)
    assert got.body == "one\ntwo\n" and got.state != "conflicted"
    assert got.first_signer == a.device_id
    c.lock()
