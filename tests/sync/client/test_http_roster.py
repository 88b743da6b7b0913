"""The SyncClient methods for the roster log, invitations and purge, against the real app
in-process (no server subprocess), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from store.team import Invitation, SignedEvent, admit, check_acceptance, join_proof, verify_join
from sync.client import SyncClient
from sync.client._errors import AccessDenied, ForkError, ServerRefused
from sync.client._http import RetryPolicy
from tests.sync.server import conftest as server_fixtures
from tests.sync.server._support import Device, PortalTransport, World, raw_public
from tests.sync.server._team import chain, genesis, make_team

# the server suite's fixtures (both backends, the real app in-process), used here by name
db_url, storage, clock, portal, limits, app, world = (
    server_fixtures.db_url, server_fixtures.storage, server_fixtures.clock,
    server_fixtures.portal, server_fixtures.limits, server_fixtures.app, server_fixtures.world)


@pytest.fixture
def connect(world: World, app, portal) -> Iterator:  # type: ignore[no-untyped-def]
    made: list[SyncClient] = []

    def make(dev: Device) -> SyncClient:
        c = SyncClient(world.base_url, dev.device_id, dev.key,
                       transport=PortalTransport(app, portal), clock=world.clock,
                       retry=RetryPolicy(attempts=2, sleep=lambda s: None))
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def test_roster_methods(world: World, connect) -> None:  # type: ignore[no-untyped-def]
    t = make_team(world)
    lead, alice = connect(t.lead), connect(t.alice)
    assert alice.roster(t.cid) == {"collection_id": t.cid.hex(), "length": 0, "head": None,
                                   "events": []}
    _, events = chain(t.lead, t.cid, [t.alice, t.bob])
    out = lead.append_roster(t.cid, [e.to_wire() for e in events])
    assert out == {"collection_id": t.cid.hex(), "length": 3, "head": events[-1].hash.hex()}
    assert lead.append_roster(t.cid, [events[0].to_wire()]) == out  # a retry
    log = alice.roster(t.cid)
    assert [SignedEvent.from_wire(e) for e in log["events"]] == events
    assert [SignedEvent.from_wire(e) for e in alice.roster(t.cid, after=2)["events"]] \
        == events[2:]
    _, other = genesis(t.lead, t.cid, at="2026-03-02T09:00:00+00:00")
    with pytest.raises(ForkError) as fork:
        lead.append_roster(t.cid, [other.to_wire()])
    assert (fork.value.status, fork.value.code) == (409, "roster_conflict")
    with pytest.raises(AccessDenied) as denied:
        alice.append_roster(t.cid, [events[0].to_wire()])
    assert (denied.value.status, denied.value.code) == (403, "not_a_lead")
    info = alice.collections()[0]
    assert (info["roster_length"], info["roster_head"]) == (3, events[-1].hash.hex())


def test_invite_methods(world: World, connect) -> None:  # type: ignore[no-untyped-def]
    t = make_team(world)
    lead, alice = connect(t.lead), connect(t.alice)
    inv = Invitation.new(raw_public(t.lead.key))
    created = lead.create_invite(inv.invite_id, t.iid, "alice")
    assert created["state"] == "open" and created["role"] == "member"
    sign, kx = raw_public(t.alice.key), raw_public(t.alice.kx)
    proof = join_proof(inv.secret, t.iid, t.alice.device_id, sign, kx, "alice")
    joined = alice.join_invite(inv.invite_id, t.alice.device_id, sign, kx, "alice", proof)
    assert joined["state"] == "joined"
    [p] = lead.pending_invites()
    assert verify_join(inv.secret, t.iid, bytes.fromhex(p["device_id"]),
                       bytes.fromhex(p["sign_key"]), bytes.fromhex(p["kx_key"]),
                       p["join_user"], bytes.fromhex(p["proof"]))
    roster, g = genesis(t.lead, t.cid)
    roster, added, accept = admit(roster, inv, t.iid, t.alice.device_id, sign, kx, "alice",
                                  proof, lead_device_id=t.lead.device_id,
                                  lead_signing_key=t.lead.key)
    lead.append_roster(t.cid, [g.to_wire(), added.to_wire()])
    assert lead.accept_invite(inv.invite_id, accept)["state"] == "accepted"
    status = alice.invite_status(inv.invite_id)
    assert status["accept_proof"] == accept.hex()
    events = [SignedEvent.from_wire(e) for e in alice.roster(t.cid)["events"]]
    check_acceptance(inv, t.cid, events, t.alice.device_id, sign, kx, "alice",
                     bytes.fromhex(status["accept_proof"]))
    # a second invitation, rejected
    inv2 = Invitation.new(raw_public(t.lead.key))
    lead.create_invite(inv2.invite_id, t.iid, "alice", role="lead")
    alice.join_invite(inv2.invite_id, t.alice.device_id, sign, kx, "alice", os.urandom(32))
    assert lead.reject_invite(inv2.invite_id, "wrong code")["reason"] == "wrong code"
    assert alice.invite_status(inv2.invite_id)["state"] == "rejected"
    with pytest.raises(ServerRefused) as gone:
        connect(t.bob).invite_status(inv.invite_id)
    assert (gone.value.status, gone.value.code) == (404, "no_such_invite")
    with pytest.raises(AccessDenied) as wrong:
        connect(t.bob).join_invite(inv2.invite_id, t.bob.device_id, raw_public(t.bob.key),
                                   raw_public(t.bob.kx), "bob", os.urandom(32))
    assert wrong.value.code == "wrong_user"


def test_purge_method(world: World, connect) -> None:  # type: ignore[no-untyped-def]
    t = make_team(world)
    lead, alice = connect(t.lead), connect(t.alice)
    with pytest.raises(AccessDenied) as denied:
        alice.purge_inspection(t.iid)
    assert denied.value.code == "not_a_lead"
    out = lead.purge_inspection(t.iid)
    assert out["inspection_id"] == t.iid.hex() and out["records_deleted"] == 0
    assert lead.purge_inspection(t.iid) == out
    with pytest.raises(ServerRefused) as gone:
        alice.roster(t.cid)
    assert (gone.value.status, gone.value.code) == (410, "inspection_purged")
    listing = alice.collections_and_inspections()
    assert listing["collections"] == [] and listing["purged"] == [t.iid.hex()]
