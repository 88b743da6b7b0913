"""Collections, membership, key delivery and the roster head."""

from __future__ import annotations

import os

from store.team import Roster

from ._support import World, raw_public


def test_only_a_lead_of_the_inspection_creates_collections(world: World) -> None:
    for u in ["lead", "alice", "other_lead"]:
        world.user(u)
    iid = world.inspection("I", "lead")
    other = world.inspection("J", "other_lead")
    lead, alice, other_lead = world.enrol("lead"), world.enrol("alice"), world.enrol("other_lead")
    cid = os.urandom(16)
    body = {"collection_id": cid.hex(), "inspection_id": iid.hex()}
    assert world.client(alice).post("/v1/collections", json=body).status_code == 403
    assert world.client(other_lead).post("/v1/collections", json=body).status_code == 403
    r = world.client(lead).post("/v1/collections", json=body)
    assert r.status_code == 200
    info = r.json()
    assert info["role"] == "lead" and info["epoch"] == 1 and info["epochs"] == [1]
    # creating it again is idempotent (a retried first sync); in another inspection it clashes
    assert world.client(lead).post("/v1/collections", json=body).json() == info
    r = world.client(other_lead).post(
        "/v1/collections", json={"collection_id": cid.hex(), "inspection_id": other.hex()})
    assert r.status_code == 409 and r.json()["error"] == "collection_exists"
    # an unknown inspection is simply not one this user leads
    r = world.client(lead).post("/v1/collections", json={
        "collection_id": os.urandom(16).hex(), "inspection_id": os.urandom(16).hex()})
    assert r.status_code == 403


def test_depute_lead_manages_members_and_the_inspection_lead_cannot_be_removed(
    world: World,
) -> None:
    for u in ["lead", "depute", "alice"]:
        world.user(u)
    iid = world.inspection("I", "lead")
    lead, depute, alice = (world.enrol(u) for u in ["lead", "depute", "alice"])
    cid = world.collection(lead, iid)
    cl = world.client(lead)
    r = cl.post(f"/v1/collections/{cid.hex()}/members", json={"user": "depute", "role": "lead"})
    assert r.json() == {"collection_id": cid.hex(), "user": "depute", "role": "lead",
                        "active": True, "until": None}
    cd = world.client(depute)
    assert cd.post(f"/v1/collections/{cid.hex()}/members", json={"user": "alice"}).status_code \
        == 200
    # a depute lead of one collection may create another in the same inspection
    r = cd.post("/v1/collections", json={"collection_id": os.urandom(16).hex(),
                                         "inspection_id": iid.hex()})
    assert r.status_code == 200
    r = cd.delete(f"/v1/collections/{cid.hex()}/members/lead")
    assert r.status_code == 409 and r.json()["error"] == "cannot_remove_lead"
    assert cd.delete(f"/v1/collections/{cid.hex()}/members/nobody").status_code == 404
    r = world.client(alice).post(f"/v1/collections/{cid.hex()}/members", json={"user": "alice",
                                                                              "role": "lead"})
    assert r.status_code == 403 and r.json()["error"] == "not_a_lead"


def test_key_delivery_by_any_member_device(world: World) -> None:
    for u in ["lead", "alice", "bob"]:
        world.user(u)
    iid = world.inspection("I", "lead")
    lead, alice = world.enrol("lead"), world.enrol("alice")
    bob = world.enrol("bob")
    alice2 = world.enrol("alice")
    cid = world.collection(lead, iid, "alice")
    cl, ca = world.client(lead), world.client(alice)
    keys = f"/v1/collections/{cid.hex()}/keys"
    # who lacks a key: the members listing shows every active member device and its epochs
    members = ca.get(f"/v1/collections/{cid.hex()}/members").json()
    devices = {d["device_id"]: d for m in members["members"] for d in m["devices"]}
    assert set(devices) == {lead.hex, alice.hex, alice2.hex}
    assert all(d["epochs"] == [] for d in devices.values())
    # the lead wraps for alice's first device; alice's first device then wraps for her second
    assert cl.post(keys, json={"keys": [{"epoch": 1, "device_id": alice.hex,
                                         "wrapped": "Zm9yLWFsaWNl"}]}).json()["stored"] == 1
    r = ca.post(keys, json={"keys": [{"epoch": 1, "device_id": alice2.hex,
                                      "wrapped": "Zm9yLWFsaWNlMg"}]})
    assert r.json() == {"stored": 1, "skipped": 0, "epoch": 1}
    # a member does not overwrite a key already delivered; a lead does
    r = ca.post(keys, json={"keys": [{"epoch": 1, "device_id": alice2.hex, "wrapped": "YmFk"}]})
    assert r.json()["skipped"] == 1
    got = world.client(alice2).get("/v1/collections").json()["collections"][0]["keys"]
    assert got == [{"epoch": 1, "wrapped": "Zm9yLWFsaWNlMg", "by_device": alice.hex}]
    # not for devices outside the collection
    r = ca.post(keys, json={"keys": [{"epoch": 1, "device_id": bob.hex, "wrapped": "eHh4"}]})
    assert r.status_code == 422 and r.json()["error"] == "not_a_member_device"
    members = ca.get(f"/v1/collections/{cid.hex()}/members").json()
    devices = {d["device_id"]: d for m in members["members"] for d in m["devices"]}
    assert devices[alice2.hex]["epochs"] == [1] and devices[lead.hex]["epochs"] == []


def test_roster_head(world: World) -> None:
    world.user("lead")
    world.user("alice")
    iid = world.inspection("I", "lead")
    lead, alice = world.enrol("lead"), world.enrol("alice")
    cid = world.collection(lead, iid, "alice")
    _, genesis = Roster.create(cid, lead.device_id, "lead", lead.key, raw_public(lead.kx),
                               os.urandom(32))
    url = f"/v1/collections/{cid.hex()}/roster"
    body = {"events": [genesis.to_wire()]}
    r = world.client(alice).post(url, json=body)
    assert r.status_code == 403 and r.json()["error"] == "not_a_lead"
    r = world.client(lead).post(url, json=body)
    assert r.json() == {"collection_id": cid.hex(), "length": 1, "head": genesis.hash.hex()}
    info = world.client(alice).get("/v1/collections").json()["collections"][0]
    assert info["roster_head"] == genesis.hash.hex() and info["roster_length"] == 1
    assert world.client(alice).get(url).json()["events"] == [genesis.to_wire()]


def test_listing_counts_active_devices_and_those_missing_keys(world: World) -> None:
    for u in ["lead", "alice", "bob"]:
        world.user(u)
    iid = world.inspection("I", "lead")
    lead, alice, bob = world.enrol("lead"), world.enrol("alice"), world.enrol("bob")
    alice2 = world.enrol("alice")
    cid = world.collection(lead, iid, "alice", "bob")
    cl = world.client(lead)

    def counts() -> tuple[int, int]:
        info = cl.get("/v1/collections").json()["collections"][0]
        return info["active_devices"], info["devices_missing_keys"]

    assert counts() == (4, 4)
    r = cl.post(f"/v1/collections/{cid.hex()}/keys", json={"keys": [
        {"epoch": 1, "device_id": d.hex, "wrapped": "d3JhcHBlZA"} for d in (lead, alice)]})
    assert r.status_code == 200
    assert counts() == (4, 2)
    # a revoked device and a removed member no longer count: a lead's device compares this
    # with its roster to notice whom to remove
    assert world.client(alice).delete(f"/v1/devices/{alice2.hex}").status_code == 200
    assert counts() == (3, 1)
    assert cl.delete(f"/v1/collections/{cid.hex()}/members/bob").status_code == 200
    assert counts() == (2, 0)
    assert world.client(bob).get("/v1/collections").json()["collections"] == []


def test_health_and_openapi_need_no_signature(world: World) -> None:
    c = world.client()
    h = c.get("/v1/health").json()
    assert h["status"] == "ok" and h["api"] == "v1"
    spec = c.get("/v1/openapi.json").json()
    assert "/v1/collections/{c}/records" in spec["paths"]
