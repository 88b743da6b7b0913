"""Invitation routing (DESIGN §6, store.team): the server relays keys and proofs between
the inviting lead's device and the joining device by a 12-byte id, never seeing the secret,
and refuses what an honest server can see is wrong (both backends, the real app)."""

from __future__ import annotations

import logging
import os

import httpx
import pytest

from store.team import Invitation, SignedEvent, admit, check_acceptance, join_proof, verify_join
from sync.server import Limits

from ._support import Device, World, raw_public
from ._team import Team, genesis, make_team, wire


def create(c: httpx.Client, t: Team, inv: Invitation, user: str = "alice",
           role: str = "member") -> httpx.Response:
    return c.post("/v1/invites", json={"invite_id": inv.invite_id.hex(),
                                       "inspection_id": t.iid.hex(), "user": user, "role": role})


def join_body(t: Team, inv: Invitation, dev: Device, *, user: str | None = None,
              sign: bytes | None = None, device_id: bytes | None = None) -> dict[str, str]:
    user = user or dev.user
    sign = sign or raw_public(dev.key)
    device_id = device_id or dev.device_id
    proof = join_proof(inv.secret, t.iid, device_id, sign, raw_public(dev.kx), user)
    return {"device_id": device_id.hex(), "sign_key": sign.hex(),
            "kx_key": raw_public(dev.kx).hex(), "user": user, "proof": proof.hex()}


def url(inv: Invitation, action: str = "") -> str:
    return f"/v1/invites/{inv.invite_id.hex()}" + (f"/{action}" if action else "")


def test_create_join_pending_accept_status(world: World,
                                           caplog: pytest.LogCaptureFixture) -> None:
    t = make_team(world)
    cl, ca = t.client(t.lead), t.client(t.alice)
    inv = Invitation.new(raw_public(t.lead.key))
    with caplog.at_level(logging.INFO, logger="fieldpad.server"):
        r = create(cl, t, inv)
        info = r.json()
        assert info["expires_at"] == pytest.approx(world.clock() + Limits().invite_ttl, abs=5)
        assert {k: v for k, v in info.items() if k != "expires_at"} == {
            "invite_id": inv.invite_id.hex(), "inspection_id": t.iid.hex(), "user": "alice",
            "role": "member", "state": "open"}
        # the same request again (a retry after a lost answer) is not a clash
        assert create(cl, t, inv).json() == info
        assert cl.get("/v1/invites/pending").json() == {"invites": []}
        # alice's device joins with its own keys and a proof over them
        body = join_body(t, inv, t.alice)
        r = ca.post(url(inv, "join"), json=body)
        assert r.json() == {"invite_id": inv.invite_id.hex(), "inspection_id": t.iid.hex(),
                            "user": "alice", "role": "member", "state": "joined",
                            "accept_proof": None, "reason": None}
        assert ca.post(url(inv, "join"), json=body).json()["state"] == "joined"  # a retry
        # only the creating device sees the join: it alone holds the secret
        assert ca.get("/v1/invites/pending").json() == {"invites": []}
        assert t.client(world.enrol("lead")).get("/v1/invites/pending").json()["invites"] == []
        pending = cl.get("/v1/invites/pending").json()["invites"]
        assert pending == [{"invite_id": inv.invite_id.hex(), "inspection_id": t.iid.hex(),
                            "user": "alice", "role": "member", "device_id": t.alice.hex,
                            "sign_key": body["sign_key"], "kx_key": body["kx_key"],
                            "join_user": "alice", "proof": body["proof"]}]
        p = pending[0]
        assert verify_join(inv.secret, t.iid, bytes.fromhex(p["device_id"]),
                           bytes.fromhex(p["sign_key"]), bytes.fromhex(p["kx_key"]),
                           p["join_user"], bytes.fromhex(p["proof"]))
        # the lead's device adds alice to the roster and answers with the accept proof
        roster, g = genesis(t.lead, t.cid)
        roster, added, proof = admit(
            roster, inv, t.iid, t.alice.device_id, raw_public(t.alice.key),
            raw_public(t.alice.kx), "alice", bytes.fromhex(p["proof"]),
            lead_device_id=t.lead.device_id, lead_signing_key=t.lead.key)
        assert cl.post(t.roster_url, json=wire([g, added])).json()["length"] == 2
        r = cl.post(url(inv, "accept"), json={"accept_proof": proof.hex()})
        assert r.json()["state"] == "accepted" and r.json()["accept_proof"] == proof.hex()
        assert cl.post(url(inv, "accept"), json={"accept_proof": proof.hex()}).json() \
            == r.json()
        other = cl.post(url(inv, "accept"), json={"accept_proof": os.urandom(32).hex()})
        assert other.status_code == 409 and other.json()["error"] == "invite_used"
        assert cl.get("/v1/invites/pending").json() == {"invites": []}
        # alice's device reads the answer and checks the roster against it
        status = ca.get(url(inv)).json()
        assert status == cl.get(url(inv)).json() == r.json()
        events = [SignedEvent.from_wire(e) for e in ca.get(t.roster_url).json()["events"]]
        joined = check_acceptance(inv, t.cid, events, t.alice.device_id,
                                  raw_public(t.alice.key), raw_public(t.alice.kx), "alice",
                                  bytes.fromhex(status["accept_proof"]))
        assert joined.genesis_sign_key == raw_public(t.lead.key)
        # joining again with the same body still answers (the device may have lost it)
        assert ca.post(url(inv, "join"), json=body).json()["state"] == "accepted"
    text = caplog.text
    assert "event=invite.create" in text and "event=invite.join" in text
    assert "event=invite.accept" in text and inv.invite_id.hex() in text
    for secret in [inv.secret.hex(), body["proof"], proof.hex(), body["sign_key"]]:
        assert secret not in text


def test_reject_and_state_rules(world: World) -> None:
    t = make_team(world)
    cl, ca = t.client(t.lead), t.client(t.alice)
    inv = Invitation.new(raw_public(t.lead.key))
    create(cl, t, inv)
    r = cl.post(url(inv, "accept"), json={"accept_proof": os.urandom(32).hex()})
    assert r.status_code == 409 and r.json()["error"] == "invite_not_joined"
    assert ca.post(url(inv, "join"), json=join_body(t, inv, t.alice)).status_code == 200
    # a second device of the same user cannot take a joined invitation over
    alice2 = world.enrol("alice")
    r = t.client(alice2).post(url(inv, "join"), json=join_body(t, inv, alice2))
    assert r.status_code == 409 and r.json()["error"] == "invite_used"
    # the join proof did not check out on the lead's device: it rejects, saying why
    r = cl.post(url(inv, "reject"), json={"reason": "the keys do not match the code"})
    assert r.json()["state"] == "rejected"
    assert cl.post(url(inv, "reject"), json={"reason": "the keys do not match the code"}) \
        .status_code == 200
    assert ca.get(url(inv)).json()["reason"] == "the keys do not match the code"
    for action, body in [("accept", {"accept_proof": os.urandom(32).hex()}),
                         ("reject", {"reason": "another"})]:
        r = cl.post(url(inv, action), json=body)
        assert r.status_code == 409 and r.json()["error"] == "invite_used", action
    r = ca.post(url(inv, "join"), json=join_body(t, inv, t.alice))
    assert r.status_code == 409 and r.json()["error"] == "invite_used"
    r = cl.post(url(inv, "reject"), json={"reason": "x" * 201})
    assert r.status_code == 422


def test_only_leads_invite_existing_users_with_fresh_ids(world: World) -> None:
    t = make_team(world)
    cl = t.client(t.lead)
    inv = Invitation.new(raw_public(t.lead.key))
    r = create(t.client(t.alice), t, inv, "bob")
    assert r.status_code == 403 and r.json()["error"] == "not_a_lead"
    r = create(cl, t, inv, "nobody")
    assert r.status_code == 404 and r.json()["error"] == "no_such_user"
    r = cl.post("/v1/invites", json={"invite_id": inv.invite_id.hex(),
                                     "inspection_id": os.urandom(16).hex(), "user": "alice"})
    assert r.status_code == 403
    assert create(cl, t, inv, role="lead").json()["role"] == "lead"
    # the same id for anything else, or from another device, clashes
    r = create(cl, t, inv, "bob")
    assert r.status_code == 409 and r.json()["error"] == "invite_exists"
    r = create(t.client(world.enrol("lead")), t, inv, role="lead")
    assert r.status_code == 409 and r.json()["error"] == "invite_exists"
    # a depute lead (lead of a collection of the inspection) may invite
    assert cl.post(f"/v1/collections/{t.cid.hex()}/members",
                   json={"user": "alice", "role": "lead"}).status_code == 200
    assert create(t.client(t.alice), t, Invitation.new(raw_public(t.alice.key)), "bob") \
        .status_code == 200
    for bad in [{"invite_id": "ab" * 16}, {"role": "owner"}, {"user": "bad name"}]:
        body = {"invite_id": os.urandom(12).hex(), "inspection_id": t.iid.hex(),
                "user": "bob", **bad}
        assert cl.post("/v1/invites", json=body).status_code == 422, bad


def test_wrong_user_and_keys_that_are_not_the_callers(world: World) -> None:
    t = make_team(world)
    inv = Invitation.new(raw_public(t.lead.key))
    create(t.client(t.lead), t, inv)
    cb, ca = t.client(t.bob), t.client(t.alice)
    for body in [join_body(t, inv, t.bob), join_body(t, inv, t.bob, user="alice")]:
        r = cb.post(url(inv, "join"), json=body)
        assert r.status_code == 403 and r.json()["error"] == "wrong_user"
    r = ca.post(url(inv, "join"), json=join_body(t, inv, t.alice, user="bob"))
    assert r.status_code == 403 and r.json()["error"] == "wrong_user"
    swapped = raw_public(Device.new("mallory").key)
    alice2 = world.enrol("alice")
    inv = Invitation.new(raw_public(t.lead.key))  # each join counts: 3 tries on the first
    create(t.client(t.lead), t, inv)
    for body in [join_body(t, inv, t.alice, sign=swapped),
                 join_body(t, inv, t.alice, device_id=alice2.device_id),
                 {**join_body(t, inv, t.alice), "kx_key": raw_public(alice2.kx).hex()}]:
        r = ca.post(url(inv, "join"), json=body)
        assert r.status_code == 422 and r.json()["error"] == "not_your_keys"
    assert ca.get(url(inv)).status_code == 404  # nothing was joined
    r = ca.post(f"/v1/invites/{os.urandom(12).hex()}/join", json=join_body(t, inv, t.alice))
    assert r.status_code == 404 and r.json()["error"] == "no_such_invite"


def test_too_many_tries_kill_an_invitation(world: World) -> None:
    t = make_team(world)
    inv = Invitation.new(raw_public(t.lead.key))
    create(t.client(t.lead), t, inv)
    cb, ca = t.client(t.bob), t.client(t.alice)
    for _ in range(Limits().invite_tries):
        assert cb.post(url(inv, "join"), json=join_body(t, inv, t.bob)).status_code == 403
    r = ca.post(url(inv, "join"), json=join_body(t, inv, t.alice))
    assert r.status_code == 429 and r.json()["error"] == "too_many_tries"
    assert "Retry-After" not in r.headers  # final, unlike a rate limit


def test_an_invitation_expires(world: World) -> None:
    t = make_team(world)
    inv = Invitation.new(raw_public(t.lead.key))
    create(t.client(t.lead), t, inv)
    world.clock.advance(Limits().invite_ttl + 1)  # type: ignore[attr-defined]
    r = t.client(t.alice).post(url(inv, "join"), json=join_body(t, inv, t.alice))
    assert r.status_code == 410 and r.json()["error"] == "invite_expired"


def test_only_the_creating_device_answers_and_ids_cannot_be_probed(world: World) -> None:
    t = make_team(world)
    cl, ca, cb = t.client(t.lead), t.client(t.alice), t.client(t.bob)
    lead2 = t.client(world.enrol("lead"))
    inv = Invitation.new(raw_public(t.lead.key))
    create(cl, t, inv)
    # before the join only the creator reads it; after, the joined device too
    assert cl.get(url(inv)).json()["state"] == "open"
    assert ca.get(url(inv)).status_code == 404
    ca.post(url(inv, "join"), json=join_body(t, inv, t.alice))
    assert ca.get(url(inv)).json()["state"] == "joined"
    for c in (cb, lead2):
        r = c.get(url(inv))
        assert r.status_code == 404 and r.json()["error"] == "no_such_invite"
    assert cl.get(f"/v1/invites/{os.urandom(12).hex()}").status_code == 404
    for c in (ca, cb, lead2):
        r = c.post(url(inv, "accept"), json={"accept_proof": os.urandom(32).hex()})
        assert r.status_code == 403 and r.json()["error"] == "not_the_inviter"
        assert c.post(url(inv, "reject"), json={"reason": "no"}).status_code == 403
    assert cl.get(url(inv)).json()["state"] == "joined"
    r = cl.post(f"/v1/invites/{os.urandom(12).hex()}/accept",
                json={"accept_proof": os.urandom(32).hex()})
    assert r.status_code == 404
    assert cl.get("/v1/invites/" + "zz" * 12).status_code == 422


def test_a_member_may_invite_only_their_own_user_to_link_a_device(world: World) -> None:
    """Issue 11, item 6: a member links a second device of their own (the lead's device
    decides from the signed roster); they still cannot invite anyone else, or as a lead."""
    t = make_team(world)
    ca = t.client(t.alice)
    own = Invitation.new(raw_public(t.alice.key))
    r = create(ca, t, own, "alice")
    assert r.status_code == 200 and r.json()["user"] == "alice"
    r = create(ca, t, Invitation.new(raw_public(t.alice.key)), "alice", role="lead")
    assert r.status_code == 403 and r.json()["error"] == "not_a_lead"
    r = create(ca, t, Invitation.new(raw_public(t.alice.key)), "bob")
    assert r.status_code == 403 and r.json()["error"] == "not_a_lead"
    # a second device of alice answers it; alice's first device sees the join
    phone = world.enrol("alice")
    r = t.client(phone).post(url(own, "join"), json=join_body(t, own, phone))
    assert r.status_code == 200, r.text
    pending = ca.get("/v1/invites/pending").json()["invites"]
    assert [p["device_id"] for p in pending] == [phone.hex]
    # someone who is no member of the inspection links nothing there
    world.user("outsider")
    outsider = world.enrol("outsider")
    r = create(t.client(outsider), t, Invitation.new(raw_public(outsider.key)), "outsider")
    assert r.status_code == 403
