"""The listing says which invitations wait on the calling device (pending_joins, joins), so a
sync with nothing to do asks nothing more (DESIGN §9). Both backends, the real app."""

from __future__ import annotations

import os

import httpx

from store.team import Invitation, admit

from ._support import World, raw_public
from ._team import genesis, make_team, wire
from .test_invites import create, join_body, url


def waiting(c: httpx.Client) -> tuple[int, dict[str, str]]:
    listing = c.get("/v1/collections").json()
    return listing["pending_joins"], listing["joins"]


def test_the_listing_counts_joins_for_the_inviter_and_states_for_the_joiner(
        world: World) -> None:
    t = make_team(world)
    cl, ca = t.client(t.lead), t.client(t.alice)
    other_lead = t.client(world.enrol("lead"))  # another device of the same lead user
    accepted, rejected = (Invitation.new(raw_public(t.lead.key)) for _ in range(2))
    for inv in (accepted, rejected):
        create(cl, t, inv)
    assert waiting(cl) == (0, {}) and waiting(ca) == (0, {})  # made, nobody answered yet
    for inv in (accepted, rejected):
        ca.post(url(inv, "join"), json=join_body(t, inv, t.alice))
    ids = accepted.invite_id.hex(), rejected.invite_id.hex()
    assert waiting(cl) == (2, {})
    assert waiting(other_lead) == (0, {})  # only the creating device holds the secrets
    assert waiting(ca) == (0, {ids[0]: "joined", ids[1]: "joined"})
    # the lead's device answers both: nothing waits on it any more; alice's sees the states
    pending = {p["invite_id"]: p for p in cl.get("/v1/invites/pending").json()["invites"]}
    roster, g = genesis(t.lead, t.cid)
    roster, added, proof = admit(
        roster, accepted, t.iid, t.alice.device_id, raw_public(t.alice.key),
        raw_public(t.alice.kx), "alice", bytes.fromhex(pending[ids[0]]["proof"]),
        lead_device_id=t.lead.device_id, lead_signing_key=t.lead.key)
    cl.post(t.roster_url, json=wire([g, added]))
    assert cl.post(url(accepted, "accept"), json={"accept_proof": proof.hex()}).is_success
    assert waiting(cl) == (1, {})
    assert cl.post(url(rejected, "reject"), json={"reason": "no"}).is_success
    assert waiting(cl) == (0, {})
    assert waiting(ca) == (0, {ids[0]: "accepted", ids[1]: "rejected"})


def test_a_device_that_answered_nothing_sees_no_joins(world: World) -> None:
    t = make_team(world)
    inv = Invitation.new(raw_public(t.lead.key))
    create(t.client(t.lead), t, inv)
    intruder = Invitation(os.urandom(32), inv.lead_fingerprint)  # an id nobody made
    assert t.client(t.alice).get(url(intruder)).status_code == 404
    assert waiting(t.client(t.alice)) == (0, {})


def test_the_listing_names_the_devices_it_counts(world: World) -> None:
    """active_device_ids and missing_key_ids are the very devices active_devices and
    devices_missing_keys count, through key delivery, a revocation and a removal."""
    for u in ["lead", "alice", "bob"]:
        world.user(u)
    iid = world.inspection("I", "lead")
    lead, alice, bob = world.enrol("lead"), world.enrol("alice"), world.enrol("bob")
    alice2 = world.enrol("alice")
    cid = world.collection(lead, iid, "alice", "bob")
    other = world.inspection("J", "bob")  # bob's other collection, which lead does not see
    world.collection(bob, other)
    cl = world.client(lead)

    def named() -> tuple[set[str], set[str]]:
        [info] = cl.get("/v1/collections").json()["collections"]
        active, missing = set(info["active_device_ids"]), set(info["missing_key_ids"])
        assert (len(active), len(missing)) == (info["active_devices"],
                                               info["devices_missing_keys"])
        return active, missing

    everyone = {d.hex for d in (lead, alice, alice2, bob)}
    assert named() == (everyone, everyone)
    cl.post(f"/v1/collections/{cid.hex()}/keys", json={"keys": [
        {"epoch": 1, "device_id": d.hex, "wrapped": "d3JhcHBlZA"} for d in (lead, alice)]})
    assert named() == (everyone, {alice2.hex, bob.hex})
    assert world.client(alice).delete(f"/v1/devices/{alice2.hex}").status_code == 200
    assert named() == (everyone - {alice2.hex}, {bob.hex})
    assert cl.delete(f"/v1/collections/{cid.hex()}/members/bob").status_code == 200
    assert named() == ({lead.hex, alice.hex}, set())
