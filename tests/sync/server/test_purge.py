"""Purging an inspection: its lead deletes everything the server stores for it, in one
transaction, leaving an audit record; members are told at their next listing and every route
on its collections answers 410 (both backends, the real app)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import httpx
import pytest

from store.team import Invitation
from sync.server import Storage, admin_main

from ._support import Device, Stream, World, push, raw_public
from ._team import chain, wire

CONTENT = ("records", "streams", "wrapped_keys", "roster_events", "collection_epochs")


def counts(storage: Storage, iid: bytes) -> dict[str, int]:
    """Rows stored for an inspection, table by table."""
    out: dict[str, int] = {}
    with storage._tx(write=False) as tx:  # type: ignore[attr-defined]
        for table in CONTENT:
            out[table] = int(tx.one(
                f"SELECT count(*) FROM {table} WHERE collection_id IN "
                "(SELECT id FROM collections WHERE inspection_id = ?)", (iid,))[0])
        out["team_invites"] = int(tx.one(
            "SELECT count(*) FROM team_invites WHERE inspection_id = ?", (iid,))[0])
    return out


@dataclass
class Setup:
    world: World
    lead: Device
    alice: Device
    bob: Device
    carol: Device
    i: bytes  # purged in the tests
    j: bytes  # left alone
    ci: bytes
    ci_restricted: bytes
    cj: bytes


def build(world: World) -> Setup:
    for u in ["lead", "alice", "bob", "carol"]:
        world.user(u)
    i, j = world.inspection("I", "lead"), world.inspection("J", "lead")
    lead, alice, bob, carol = (world.enrol(u) for u in ["lead", "alice", "bob", "carol"])
    ci = world.collection(lead, i, "alice", "carol")
    ci_restricted = world.collection(lead, i)
    cj = world.collection(lead, j, "alice", "bob")
    cl = world.client(lead)
    # carol was removed before the purge: her devices may still hold a copy
    assert cl.delete(f"/v1/collections/{ci.hex()}/members/carol").status_code == 200
    for dev, cid, n in [(lead, ci, 3), (alice, ci, 2), (lead, ci_restricted, 1), (lead, cj, 2)]:
        assert push(world.client(dev), cid, Stream(dev, cid).next(n)).status_code == 200
    for cid in (ci, cj):
        r = cl.post(f"/v1/collections/{cid.hex()}/keys", json={"keys": [
            {"epoch": 1, "device_id": alice.hex, "wrapped": "d3JhcHBlZA"}]})
        assert r.status_code == 200
        _, events = chain(lead, cid, [alice])
        assert cl.post(f"/v1/collections/{cid.hex()}/roster", json=wire(events)).status_code \
            == 200
    for iid in (i, j):
        inv = Invitation.new(raw_public(lead.key))
        r = cl.post("/v1/invites", json={"invite_id": inv.invite_id.hex(),
                                         "inspection_id": iid.hex(), "user": "bob"})
        assert r.status_code == 200
    return Setup(world, lead, alice, bob, carol, i, j, ci, ci_restricted, cj)


def test_only_the_inspection_lead_purges(world: World) -> None:
    s = build(world)
    url = f"/v1/inspections/{s.i.hex()}/purge"
    # a lead of one of its collections is not the inspection's lead
    assert world.client(s.lead).post(f"/v1/collections/{s.ci.hex()}/members",
                                     json={"user": "alice", "role": "lead"}).status_code == 200
    for dev in (s.alice, s.bob):
        r = world.client(dev).post(url)
        assert r.status_code == 403 and r.json()["error"] == "not_a_lead"
    r = world.client(s.lead).post(f"/v1/inspections/{os.urandom(16).hex()}/purge")
    assert r.status_code == 404 and r.json()["error"] == "no_such_inspection"
    assert world.client(s.lead).post("/v1/inspections/xyz/purge").status_code == 422
    assert counts(world.storage, s.i)["records"] == 6  # type: ignore[arg-type]


def test_purge_deletes_everything_of_the_inspection_and_nothing_else(
    world: World, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    s = build(world)
    storage: Storage = world.storage  # type: ignore[assignment]
    before_j = counts(storage, s.j)
    assert before_j == {"records": 2, "streams": 1, "wrapped_keys": 1, "roster_events": 2,
                        "collection_epochs": 1, "team_invites": 1}
    assert counts(storage, s.i)["records"] == 6
    cl = world.client(s.lead)
    r = cl.post(f"/v1/inspections/{s.i.hex()}/purge")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["inspection_id"] == s.i.hex() and out["records_deleted"] == 6
    assert out["purged_at"] == pytest.approx(world.clock(), abs=5)
    assert counts(storage, s.i) == dict.fromkeys([*CONTENT, "team_invites"], 0)
    assert counts(storage, s.j) == before_j
    # idempotent: the same answer again, nothing else happens
    world.clock.advance(60)  # type: ignore[attr-defined]
    assert cl.post(f"/v1/inspections/{s.i.hex()}/purge").json() == out
    # the audit record, for the operator
    [audit] = storage.list_purges()
    assert (audit.inspection_id, audit.name, audit.by_device, audit.records_deleted) == (
        s.i, "I", s.lead.device_id, 6)
    assert admin_main(["--database-url", db_url, "purges"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.split("\t")[0] == s.i.hex() and "records=6" in line and s.lead.hex in line
    assert admin_main(["--database-url", db_url, "inspection", "list"]) == 0
    listed = capsys.readouterr().out
    assert "purged=" in [x for x in listed.splitlines() if x.startswith(s.i.hex())][0]
    assert "purged=" not in [x for x in listed.splitlines() if x.startswith(s.j.hex())][0]


def test_after_a_purge_its_collections_are_gone(world: World) -> None:
    s = build(world)
    assert world.client(s.lead).post(f"/v1/inspections/{s.i.hex()}/purge").status_code == 200
    for dev in (s.lead, s.alice):
        c = world.client(dev)
        base = f"/v1/collections/{s.ci.hex()}"
        _, events = chain(s.lead, s.ci, [])
        for r in [
            c.get(f"{base}/status"),
            c.post(f"{base}/pull", json={}),
            push(c, s.ci, Stream(dev, s.ci).next(1)),
            c.get(f"{base}/members"),
            c.post(f"{base}/keys", json={"keys": [{"epoch": 1, "device_id": dev.hex,
                                                   "wrapped": "d3JhcHBlZA"}]}),
            c.get(f"{base}/roster"),
            c.post(f"{base}/roster", json=wire(events)),
            c.post(f"{base}/members", json={"user": "bob"}),
        ]:
            assert r.status_code == 410 and r.json()["error"] == "inspection_purged", r.text
    # an outsider learns nothing more than before
    assert world.client(s.bob).get(f"/v1/collections/{s.ci.hex()}/status").status_code == 403
    # the lead's device does not bootstrap it again
    cl = world.client(s.lead)
    r = cl.post("/v1/collections", json={"collection_id": os.urandom(16).hex(),
                                         "inspection_id": s.i.hex()})
    assert r.status_code == 410 and r.json()["error"] == "inspection_purged"
    inv = Invitation.new(raw_public(s.lead.key))
    r = cl.post("/v1/invites", json={"invite_id": inv.invite_id.hex(),
                                     "inspection_id": s.i.hex(), "user": "bob"})
    assert r.status_code == 410
    # the listing: the purged inspection's collections are gone, and it is named as purged
    # to every user who took part (even one removed earlier), and offered to nobody
    for dev, collections, purged in [(s.lead, {s.cj}, [s.i]), (s.alice, {s.cj}, [s.i]),
                                     (s.bob, {s.cj}, []), (s.carol, set(), [s.i])]:
        listing = world.client(dev).get("/v1/collections").json()
        assert {bytes.fromhex(c["collection_id"]) for c in listing["collections"]} \
            == collections, dev.user
        assert listing["purged"] == [i.hex() for i in purged], dev.user
        assert s.i.hex() not in {i["inspection_id"] for i in listing["inspections"]}
    # the other inspection works as before
    ca = world.client(s.alice)
    assert len(ca.post(f"/v1/collections/{s.cj.hex()}/pull", json={}).content) > 0
    assert ca.get(f"/v1/collections/{s.cj.hex()}/roster").json()["length"] == 2


def test_a_purge_racing_with_pushes_leaves_nothing_behind(world: World) -> None:
    s = build(world)
    storage: Storage = world.storage  # type: ignore[assignment]
    before = counts(storage, s.i)["records"]
    writers = [s.lead, s.alice, world.enrol("alice"), world.enrol("lead")]
    accepted = [0] * len(writers)
    refused: list[int] = []
    started = threading.Barrier(len(writers) + 1)

    def write(k: int, dev: Device) -> None:
        c: httpx.Client = world.client(dev)
        stream = Stream(dev, s.ci) if dev not in (s.lead, s.alice) else _continue(dev, s.ci, c)
        started.wait()
        for _ in range(200):  # bounded: stops at the purge's 410, or after 200 batches
            r = push(c, s.ci, stream.next(3))
            if r.status_code != 200:
                refused.append(r.status_code)
                assert r.json()["error"] == "inspection_purged", r.text
                return
            accepted[k] += r.json()["accepted"]

    threads = [threading.Thread(target=write, args=(k, d)) for k, d in enumerate(writers)]
    for th in threads:
        th.start()
    started.wait()
    time.sleep(0.3)  # let pushes be under way when the purge comes
    r = world.client(s.lead).post(f"/v1/inspections/{s.i.hex()}/purge")
    for th in threads:
        th.join(60)
    assert r.status_code == 200
    # every record acknowledged before the purge was deleted by it; none came after it
    assert r.json()["records_deleted"] == before + sum(accepted)
    assert counts(storage, s.i)["records"] == 0
    assert refused == [410] * len(writers)


def _continue(dev: Device, cid: bytes, c: httpx.Client) -> Stream:
    """A stream for a device that already pushed in ``build``: resume after its head."""
    from store import envelope_hash

    from ._support import pull_all

    mine = [e for e in pull_all(c, cid)[0] if e[22:38] == dev.device_id]
    st = Stream(dev, cid)
    st.seq = len(mine)
    st.prev = envelope_hash(mine[-1])
    return st
