"""Damage reports and repairs on the server (issue 11, item 3), on SQLite and PostgreSQL: the
server believes a report only after checking its own copy, tells the author in its listing, and
takes back only the exact record the author signed at that seq."""

from __future__ import annotations

from store import envelope_hash
from sync._framing import MEDIA_TYPE, encode_frames

from ._support import Device, Stream, World, push
from .test_streams import team


def _damage(world: World, cid: bytes, device: bytes, seq: int, at: int = -70) -> None:
    """A failing disk: one byte of a stored envelope flipped, its hash column untouched."""
    with world.storage._tx() as tx:  # type: ignore[attr-defined]
        env = bytearray(tx.one("SELECT envelope FROM records WHERE collection_id = ? AND "
                               "device_id = ? AND seq = ?", (cid, device, seq))[0])
        env[at] ^= 0x40
        tx.run("UPDATE records SET envelope = ? WHERE collection_id = ? AND device_id = ? "
               "AND seq = ?", (bytes(env), cid, device, seq))


def _report(world: World, reader: Device, cid: bytes, *items: tuple[Device, int]) -> dict:
    r = world.client(reader).post(
        f"/v1/collections/{cid.hex()}/damage",
        json={"records": [{"device_id": d.hex, "seq": s} for d, s in items]})
    assert r.status_code == 200, r.text
    return r.json()


def _repair(world: World, author: Device, cid: bytes, envs: list[bytes]):
    return world.client(author).post(f"/v1/collections/{cid.hex()}/repairs",
                                     content=encode_frames(envs),
                                     headers={"Content-Type": MEDIA_TYPE})


def _listed(world: World, dev: Device, cid: bytes) -> dict:
    cols = world.client(dev).get("/v1/collections").json()["collections"]
    return next(c for c in cols if c["collection_id"] == cid.hex())


def test_a_report_is_checked_and_the_author_replaces_the_damaged_record(world: World) -> None:
    lead, cid, devs = team(world, "bob")
    bob = devs["bob"]
    s = Stream(lead, cid)
    envs = s.next(4)
    assert push(world.client(lead), cid, envs).status_code == 200
    listed = _listed(world, lead, cid)
    assert listed["head_hash"] == envelope_hash(envs[-1]).hex() and listed["damaged"] == []

    # an intact record and one never stored: nothing is asked of the author
    assert _report(world, bob, cid, (lead, 2), (lead, 9)) == \
        {"damaged": 0, "intact": 1, "unknown": 1}
    assert _listed(world, lead, cid)["damaged"] == []

    _damage(world, cid, lead.device_id, 2)
    _damage(world, cid, lead.device_id, 3, at=0)  # its header no longer parses
    # bob could not get past seq 2 to see seq 3: the server checks what follows it too
    assert _report(world, bob, cid, (lead, 2)) == {"damaged": 2, "intact": 0, "unknown": 0}
    assert _listed(world, lead, cid)["damaged"] == [2, 3]  # told to the author only
    assert _report(world, bob, cid, (lead, 2), (lead, 3), (lead, 2)) == \
        {"damaged": 2, "intact": 0, "unknown": 0}
    assert _listed(world, lead, cid)["damaged"] == [2, 3]  # reported twice, listed once
    assert _listed(world, bob, cid)["damaged"] == []
    assert world.client(lead).get(f"/v1/collections/{cid.hex()}/status").json()["damaged"] \
        == [2, 3]

    # another record the author signed at seq 2 (same place in the chain, other content)
    other = Stream(lead, cid, key=s.key, seq=1, prev=envelope_hash(envs[0])).next(1)
    r = _repair(world, lead, cid, other)
    assert r.status_code == 409 and r.json()["error"] == "repair_mismatch", r.text
    # seq 2 alone fits, though the header of seq 3 after it no longer parses: the hash the
    # server accepted with seq 2 still pins it
    r = _repair(world, lead, cid, envs[1:2])
    assert r.status_code == 200 and r.json() == {"replaced": 1, "unchanged": 0}, r.text
    assert _listed(world, lead, cid)["damaged"] == [3]
    # someone else's stream, and a seq the server does not hold
    r = _repair(world, bob, cid, envs[1:3])
    assert r.status_code == 403 and r.json()["error"] == "not_your_stream", r.text
    r = _repair(world, lead, cid, s.next(1))
    assert r.status_code == 422 and r.json()["error"] == "not_stored", r.text

    r = _repair(world, lead, cid, envs[1:3] + envs[0:1])
    assert r.status_code == 200 and r.json() == {"replaced": 1, "unchanged": 2}, r.text
    assert _listed(world, lead, cid)["damaged"] == []
    got = world.client(bob).post(f"/v1/collections/{cid.hex()}/pull", json={}).content
    assert all(e in got for e in envs)


def test_damage_reports_are_for_members_and_bounded(world: World) -> None:
    lead, cid, devs = team(world, "bob")
    world.user("eve")
    eve = world.enrol("eve")
    assert push(world.client(lead), cid, Stream(lead, cid).next(1)).status_code == 200
    body = {"records": [{"device_id": lead.hex, "seq": 1}]}
    r = world.client(eve).post(f"/v1/collections/{cid.hex()}/damage", json=body)
    assert r.status_code == 403 and r.json()["error"] == "not_a_member"
    r = world.client(devs["bob"]).post(f"/v1/collections/{cid.hex()}/damage",
                                       json={"records": body["records"] * 101})
    assert r.status_code == 422 and set(r.json()) == {"error", "message"}
    r = world.client(devs["bob"]).post(f"/v1/collections/{cid.hex()}/damage",
                                       json={"records": [{"device_id": lead.hex, "seq": 0}]})
    assert r.status_code == 422
    r = world.client(lead).post(f"/v1/collections/{cid.hex()}/repairs", content=b"{}",
                                headers={"Content-Type": "application/json"})
    assert r.status_code == 415 and r.json()["error"] == "unsupported_media_type", r.text


def test_a_damaged_hash_column_is_mended_by_the_same_record(world: World) -> None:
    """The disk damaged the hash stored with a record, not its bytes: the server's check
    notices, and the author's copy (pinned by the next record's prev_hash) mends it."""
    lead, cid, devs = team(world, "bob")
    envs = Stream(lead, cid).next(3)
    assert push(world.client(lead), cid, envs).status_code == 200
    with world.storage._tx() as tx:  # type: ignore[attr-defined]
        tx.run("UPDATE records SET hash = ? WHERE collection_id = ? AND device_id = ? AND "
               "seq = 2", (b"\x00" * 32, cid, lead.device_id))
    assert _report(world, devs["bob"], cid, (lead, 2))["damaged"] == 1
    r = _repair(world, lead, cid, envs[1:2])
    assert r.status_code == 200 and r.json() == {"replaced": 1, "unchanged": 0}, r.text
    assert _report(world, devs["bob"], cid, (lead, 2)) == {"damaged": 0, "intact": 1,
                                                           "unknown": 0}
