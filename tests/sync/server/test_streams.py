"""Streams: push idempotency, forks (409), gaps (422), header and signature checks, and pull
pagination that never skips or repeats a record (hypothesis over budgets and record sizes)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import Header, envelope_hash, seal
from sync._framing import decode_pull_page

from ._support import Device, Stream, World, pull_all, push


def team(world: World, *members: str) -> tuple[Device, bytes, dict[str, Device]]:
    world.user("lead")
    for m in members:
        world.user(m)
    iid = world.inspection("Inspection", "lead")
    lead = world.enrol("lead")
    devs = {m: world.enrol(m) for m in members}
    cid = world.collection(lead, iid, *members)
    return lead, cid, devs


def test_push_is_idempotent_and_contiguous(world: World) -> None:
    lead, cid, _ = team(world)
    c = world.client(lead)
    s = Stream(lead, cid)
    first = s.next(3)
    r = push(c, cid, first)
    h = [envelope_hash(e).hex() for e in first]
    assert r.json() == {"accepted": 3, "duplicates": 0, "head": 3, "head_hash": h[2]}
    # the same batch again: accepted, nothing new stored
    r = push(c, cid, first)
    assert r.status_code == 200
    assert r.json() == {"accepted": 0, "duplicates": 3, "head": 3, "head_hash": h[2]}
    # an overlapping batch: the old part is recognised, the new part appended
    more = s.next(2)
    r = push(c, cid, first[1:] + more)
    head_hash = envelope_hash(more[-1]).hex()
    assert r.json() == {"accepted": 2, "duplicates": 2, "head": 5, "head_hash": head_hash}
    # an empty push reports the head
    assert push(c, cid, []).json() == {"accepted": 0, "duplicates": 0, "head": 5,
                                       "head_hash": head_hash}
    status = c.get(f"/v1/collections/{cid.hex()}/status").json()
    assert status == {"heads": {lead.hex: 5}, "epoch": 1, "head_hash": head_hash,
                      "damaged": []}
    got, _ = pull_all(c, cid)
    assert got == first + more


def test_fork_is_409_and_stores_nothing(world: World) -> None:
    lead, cid, _ = team(world)
    c = world.client(lead)
    s = Stream(lead, cid)
    pushed = s.next(3)
    assert push(c, cid, pushed).status_code == 200
    # another record at seq 2 (same prev_hash, different content): a fork
    other = Stream(lead, cid, key=s.key, seq=1, prev=envelope_hash(pushed[0]))
    forked = other.next(2)
    r = push(c, cid, forked)
    assert r.status_code == 409 and r.json()["error"] == "fork", r.text
    # a new record at head + 1 that does not chain to the stored head: also a fork
    stray = Stream(lead, cid, key=s.key, seq=3, prev=os.urandom(32)).next(1)
    r = push(c, cid, stray)
    assert r.status_code == 409 and r.json()["error"] == "fork"
    # a mixed batch (good duplicate, then fork) is refused whole
    r = push(c, cid, [pushed[0]] + forked)
    assert r.status_code == 409
    assert pull_all(c, cid)[0] == pushed
    assert push(c, cid, s.next(1)).json()["head"] == 4


def test_gap_is_422(world: World) -> None:
    lead, cid, _ = team(world)
    c = world.client(lead)
    s = Stream(lead, cid)
    envs = s.next(5)
    r = push(c, cid, envs[2:])
    assert r.status_code == 422 and r.json()["error"] == "gap"
    assert "push from seq 1" in r.json()["message"]
    assert push(c, cid, envs[:2]).status_code == 200
    r = push(c, cid, [envs[2], envs[4]])  # a hole inside the batch
    assert r.status_code == 422 and r.json()["error"] == "gap"
    r = push(c, cid, [envs[3], envs[2]])  # out of order
    assert r.status_code == 422
    assert push(c, cid, envs[2:]).json()["head"] == 5


def test_broken_chain_inside_a_batch_is_422(world: World) -> None:
    lead, cid, _ = team(world)
    a = Stream(lead, cid)
    first = a.next(1)
    b = Stream(lead, cid, key=a.key, seq=1, prev=os.urandom(32))
    r = push(world.client(lead), cid, first + b.next(1))
    assert r.status_code == 422 and r.json()["error"] == "broken_chain"


def _flip(env: bytes, at: int) -> bytes:
    b = bytearray(env)
    b[at] ^= 0x01
    return bytes(b)


def test_a_forged_record_anywhere_in_a_batch_refuses_the_batch(world: World) -> None:
    """One signature check per batch still catches a forged record in the middle (its
    successor no longer chains to it, or, rechained, no longer verifies) and at the end."""
    lead, cid, _ = team(world)
    c = world.client(lead)
    envs = Stream(lead, cid).next(6)
    middle = list(envs)
    middle[2] = _flip(envs[2], 150)
    rechained = list(middle)
    for i in range(3, 6):  # a forger rewrites the chain after it (no key to re-sign)
        rechained[i] = rechained[i][:46] + envelope_hash(rechained[i - 1]) + rechained[i][78:]
    last = envs[:5] + [_flip(envs[5], len(envs[5]) - 1)]
    for batch, index in ((middle, 2), (rechained, 2), (last, 5)):
        r = push(c, cid, batch)
        assert r.status_code == 422 and r.json()["error"] == "bad_record_signature"
        assert f"record {index} (seq {index + 1})" in r.json()["message"]
    # a reordered batch: every record is genuine, the order is refused
    r = push(c, cid, [envs[1], envs[0]] + envs[2:])
    assert r.status_code == 422 and r.json()["error"] == "gap"
    assert c.get(f"/v1/collections/{cid.hex()}/status").json()["heads"] == {}
    assert push(c, cid, envs).json()["head"] == 6


def test_records_must_be_the_callers_own_and_of_this_collection(world: World) -> None:
    lead, cid, devs = team(world, "alice")
    alice = devs["alice"]
    c = world.client(alice)
    # alice pushing the lead's records (signed by the lead): not her stream
    r = push(c, cid, Stream(lead, cid).next(1))
    assert r.status_code == 403 and r.json()["error"] == "not_your_stream"
    # a record of another collection
    r = push(c, cid, Stream(alice, os.urandom(16)).next(1))
    assert r.status_code == 422 and r.json()["error"] == "wrong_collection"
    # a record with alice's header but signed by another key
    fake = Stream(Device(alice.user, alice.device_id, lead.key, alice.kx), cid).next(1)
    r = push(c, cid, fake)
    assert r.status_code == 422 and r.json()["error"] == "bad_record_signature"
    # garbage in a frame
    r = push(c, cid, [os.urandom(300)])
    assert r.status_code == 422 and r.json()["error"] == "malformed_envelope"
    r = push(c, cid, [b"FPD1" + b"\x00" * 10])
    assert r.status_code == 422
    assert c.get(f"/v1/collections/{cid.hex()}/status").json()["heads"] == {}


def test_epoch_must_exist_and_rotation_adds_one(world: World) -> None:
    lead, cid, devs = team(world, "alice")
    c = world.client(lead)
    s = Stream(lead, cid, epoch=2)
    r = push(c, cid, s.next(1))
    assert r.status_code == 422 and r.json()["error"] == "unknown_epoch"
    # a member may not rotate; the lead may, by uploading keys for epoch 2
    alice = devs["alice"]
    key = {"epoch": 2, "device_id": alice.hex, "wrapped": "c2VjcmV0LWZvci1hbGljZQ"}
    r = world.client(alice).post(f"/v1/collections/{cid.hex()}/keys", json={"keys": [key]})
    assert r.status_code == 403
    r = c.post(f"/v1/collections/{cid.hex()}/keys", json={"keys": [key]})
    assert r.status_code == 200 and r.json() == {"stored": 1, "skipped": 0, "epoch": 2}
    r = c.post(f"/v1/collections/{cid.hex()}/keys", json={"keys": [{**key, "epoch": 4}]})
    assert r.status_code == 422
    s = Stream(lead, cid, epoch=2)
    assert push(c, cid, s.next(1)).status_code == 200
    info = world.client(alice).get("/v1/collections").json()["collections"][0]
    assert info["epoch"] == 2 and info["epochs"] == [1, 2]
    assert [k["epoch"] for k in info["keys"]] == [2]


def _expected(streams: dict[bytes, list[bytes]], after: dict[bytes, int]) -> list[bytes]:
    out = []
    for dev in sorted(streams):
        out += streams[dev][after.get(dev, 0):]
    return out


def test_pull_pages_never_skip_or_repeat(world: World) -> None:
    lead, _, devs = team(world, "a", "b", "c")
    members = [lead, *devs.values()]
    iid = world.inspection("Pagination", "lead")
    lead_client = world.client(lead)
    clients = {d.device_id: world.client(d) for d in members}

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(
        sizes=st.lists(st.lists(st.integers(1, 3000), max_size=8), min_size=1, max_size=4),
        budget=st.integers(1, 12_000),
        starts=st.lists(st.integers(0, 9), min_size=4, max_size=4),
    )
    def check(sizes: list[list[int]], budget: int, starts: list[int]) -> None:
        cid = os.urandom(16)
        r = lead_client.post("/v1/collections",
                             json={"collection_id": cid.hex(), "inspection_id": iid.hex()})
        assert r.status_code == 200
        for m in ["a", "b", "c"]:
            lead_client.post(f"/v1/collections/{cid.hex()}/members", json={"user": m})
        streams: dict[bytes, list[bytes]] = {}
        for dev, record_sizes in zip(members, sizes, strict=False):
            s = Stream(dev, cid)
            envs = [s.next(1, size)[0] for size in record_sizes]
            if envs:
                assert push(clients[dev.device_id], cid, envs).status_code == 200
                streams[dev.device_id] = envs
        after = {d: min(n, len(streams.get(d, []))) for d, n in
                 zip(sorted(streams), starts, strict=False)}
        want = _expected(streams, after)
        reader = clients[members[-1].device_id]
        pos = {d.hex(): n for d, n in after.items()}
        got: list[bytes] = []
        for _ in range(1000):
            resp = reader.post(f"/v1/collections/{cid.hex()}/pull",
                               json={"after": pos, "max_bytes": budget})
            page = decode_pull_page(resp.content)
            size = sum(len(e) + 4 for e in page.envelopes)
            assert size <= budget or len(page.envelopes) == 1
            assert page.envelopes or not page.more
            assert page.heads == {d.hex(): len(e) for d, e in streams.items()}
            for env in page.envelopes:
                got.append(env)
                pos[env[22:38].hex()] = int.from_bytes(env[38:46], "big")
            if not page.more:
                break
        assert got == want
        assert len(set(got)) == len(got)

    check()


def test_pull_after_beyond_head_and_unknown_streams(world: World) -> None:
    lead, cid, _ = team(world)
    c = world.client(lead)
    envs = Stream(lead, cid).next(3)
    push(c, cid, envs)
    got, pages = pull_all(c, cid, after={lead.hex: 10, "ab" * 16: 4})
    assert got == [] and pages == 1
    got, _ = pull_all(c, cid, after={lead.hex: 1})
    assert got == envs[1:]
    r = c.post(f"/v1/collections/{cid.hex()}/pull", json={"after": {"zz": 1}})
    assert r.status_code == 422


def test_envelope_header_is_all_the_server_needs(world: World) -> None:
    """The server accepts a record sealed under a key it never sees (zero knowledge)."""
    lead, cid, _ = team(world)
    header = Header(cid, lead.device_id, 1, bytes(32), 1)
    env = seal(header, {"type": "note.rev", "secret": "never on the server"}, os.urandom(32),
               lead.key)
    assert push(world.client(lead), cid, [env]).status_code == 200
    assert b"never on the server" not in env
