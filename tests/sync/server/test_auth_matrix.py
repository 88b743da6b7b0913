"""The authorization matrix of issue 3: users x inspections x request variants.

Every cell is a real signed (or deliberately mis-signed) HTTP request to the app; only cells
where the device is active, its user an active member (a lead for lead-only actions) and the
signature fresh, unique and by the device's own key may succeed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
import pytest

from store import ZERO_HASH, envelope_hash
from sync._framing import MEDIA_TYPE, encode_frames
from sync._signing import sign_request

from ._support import Device, Stream, World, raw_public


@dataclass
class Action:
    name: str
    method: str
    path: str
    lead_only: bool = False


ACTIONS = [
    Action("status", "GET", "/v1/collections/{c}/status"),
    Action("pull", "POST", "/v1/collections/{c}/pull"),
    Action("push", "POST", "/v1/collections/{c}/records"),
    Action("members", "GET", "/v1/collections/{c}/members"),
    Action("keys", "POST", "/v1/collections/{c}/keys"),
    Action("add_member", "POST", "/v1/collections/{c}/members", lead_only=True),
    Action("roster", "GET", "/v1/collections/{c}/roster"),
    Action("damage", "POST", "/v1/collections/{c}/damage"),
    Action("repairs", "POST", "/v1/collections/{c}/repairs"),
]
VARIANTS = ["signed", "unsigned", "stale", "future", "replayed", "other_device", "tampered"]


def send(
    client: httpx.Client,
    world: World,
    dev: Device,
    method: str,
    path: str,
    body: bytes,
    ctype: str | None,
    variant: str,
    other: Device,
) -> httpx.Response:
    now = int(world.clock())
    created = {"stale": now - 302, "future": now + 303}.get(variant, now)
    signer = other.key if variant == "other_device" else dev.key
    headers = {} if ctype is None else {"Content-Type": ctype}
    if variant != "unsigned":
        headers.update(sign_request(method, path, "", body, dev.device_id, signer,
                                    created=created))
    sent = body + b" " if variant == "tampered" else body
    r = client.request(method, path, content=sent, headers=headers)
    if variant == "replayed":
        # The same request again, byte for byte: whatever the first got, this one is refused.
        r = client.request(method, path, content=sent, headers=headers)
    return r


@dataclass
class Setup:
    world: World
    devices: dict[str, Device]
    collections: dict[str, bytes]
    active: dict[tuple[str, str], str]  # (user, collection) -> role, for active memberships
    streams: dict[tuple[str, str], Stream]
    pushed: dict[tuple[str, str], bytes]  # the last record each stream got stored


def build(world: World) -> Setup:
    for name in ["lead1", "lead2", "alice", "bob", "carol", "dave", "eve", "mallory", "zed"]:
        world.user(name)
    i1 = world.inspection("Inspection one", "lead1")
    i2 = world.inspection("Inspection two", "lead2")
    devices = {u: world.enrol(u) for u in
               ["lead1", "lead2", "alice", "bob", "carol", "dave", "eve", "mallory"]}
    c1 = world.collection(devices["lead1"], i1, "alice", "carol", "dave")
    c2 = world.collection(devices["lead2"], i2, "bob")
    lead1 = world.client(devices["lead1"])
    # eve's access lapsed yesterday; carol was removed; dave's device is revoked.
    r = lead1.post(f"/v1/collections/{c1.hex()}/members",
                   json={"user": "eve", "until": "2001-01-01"})
    assert r.status_code == 200 and r.json()["active"] is False, r.text
    assert lead1.delete(f"/v1/collections/{c1.hex()}/members/carol").status_code == 200
    assert world.client(devices["dave"]).delete(
        f"/v1/devices/{devices['dave'].hex}").status_code == 200
    active = {("lead1", "c1"): "lead", ("alice", "c1"): "member",
              ("lead2", "c2"): "lead", ("bob", "c2"): "member"}
    streams = {(u, c): Stream(d, cid) for u, d in devices.items()
               for c, cid in (("c1", c1), ("c2", c2))}
    return Setup(world, devices, {"c1": c1, "c2": c2}, active, streams, {})


def body_for(action: Action, s: Setup, user: str, coll: str) -> tuple[bytes, str | None, object]:
    dev = s.devices[user]
    if action.name == "pull":
        return b'{"after": {}}', "application/json", None
    if action.name == "push":
        st = s.streams[(user, coll)]
        saved = (st.seq, st.prev)
        env = st.next(1)[0]
        st.seq, st.prev = saved
        return encode_frames([env]), MEDIA_TYPE, env
    if action.name == "keys":
        return json.dumps({"keys": [{"epoch": 1, "device_id": dev.hex,
                                     "wrapped": "d3JhcHBlZC1rZXk"}]}).encode(), \
            "application/json", None
    if action.name == "damage":
        return json.dumps({"records": [{"device_id": dev.hex, "seq": 1}]}).encode(), \
            "application/json", None
    if action.name == "repairs":  # the caller's own record again (or one never stored)
        st = s.streams[(user, coll)]
        saved = (st.seq, st.prev)
        env = s.pushed.get((user, coll)) or st.next(1)[0]
        st.seq, st.prev = saved
        return encode_frames([env]), MEDIA_TYPE, None
    if action.name == "add_member":
        return b'{"user": "zed", "until": "2099-01-01"}', "application/json", None
    return b"", None, None


@pytest.mark.slow
def test_authorization_matrix(world: World) -> None:
    s = build(world)
    other = Device.new("nobody")
    client = world.client()
    failures = []
    allowed_cells = 0
    for user, dev in s.devices.items():
        for coll, cid in s.collections.items():
            role = s.active.get((user, coll))
            for action in ACTIONS:
                for variant in VARIANTS:
                    path = action.path.format(c=cid.hex())
                    body, ctype, env = body_for(action, s, user, coll)
                    r = send(client, world, dev, action.method, path, body, ctype, variant, other)
                    allowed = (
                        variant == "signed"
                        and role is not None
                        and (role == "lead" or not action.lead_only)
                    )
                    ok = r.status_code == 200
                    if ok != allowed:
                        failures.append((user, coll, action.name, variant, r.status_code,
                                         r.text[:100]))
                    if not ok:
                        assert 400 <= r.status_code < 500, r.text
                        assert set(r.json()) == {"error", "message"}
                    if variant != "signed" and not ok:
                        assert r.status_code == 401, (user, coll, action.name, variant, r.text)
                    if variant == "signed" and not allowed:
                        expect = 401 if user == "dave" else 403
                        assert r.status_code == expect, (user, coll, action.name, r.text)
                    if ok:
                        allowed_cells += 1
                        if env is not None:
                            st = s.streams[(user, coll)]
                            st.seq += 1
                            st.prev = envelope_hash(env)
                            s.pushed[(user, coll)] = env
    assert not failures, "\n".join(map(str, failures))
    assert allowed_cells == 4 * (len(ACTIONS) - 1) + 2 * 1  # members: 6 actions; leads: 7


def test_collections_list_shows_only_active_memberships(world: World) -> None:
    s = build(world)
    for user, dev in s.devices.items():
        r = world.client(dev).get("/v1/collections")
        if user == "dave":
            assert r.status_code == 401 and r.json()["error"] == "device_revoked"
            continue
        assert r.status_code == 200, r.text
        seen = {c["collection_id"] for c in r.json()["collections"]}
        want = {s.collections[c].hex() for (u, c) in s.active if u == user}
        assert seen == want, user


def test_removal_and_revocation_take_effect_at_once(world: World) -> None:
    world.user("lead")
    world.user("alice")
    iid = world.inspection("I", "lead")
    lead, alice = world.enrol("lead"), world.enrol("alice")
    alice2 = world.enrol("alice")
    cid = world.collection(lead, iid, "alice")
    ca, ca2, cl = world.client(alice), world.client(alice2), world.client(lead)
    status = f"/v1/collections/{cid.hex()}/status"
    assert ca.get(status).status_code == 200
    # alice revokes her own second device: it is refused on its very next request
    assert ca2.get(status).status_code == 200
    assert ca.delete(f"/v1/devices/{alice2.hex}").status_code == 200
    r = ca2.get(status)
    assert r.status_code == 401 and r.json()["error"] == "device_revoked"
    # the lead removes alice: her next request is refused, the lead's still works
    assert cl.delete(f"/v1/collections/{cid.hex()}/members/alice").status_code == 200
    r = ca.get(status)
    assert r.status_code == 403 and r.json()["error"] == "not_a_member"
    assert cl.get(status).status_code == 200
    # and re-adding her restores access
    assert cl.post(f"/v1/collections/{cid.hex()}/members", json={"user": "alice"}).status_code \
        == 200
    assert ca.get(status).status_code == 200


def test_membership_lapses_after_until(world: World) -> None:
    world.user("lead")
    world.user("reader")
    iid = world.inspection("I", "lead")
    lead, reader = world.enrol("lead"), world.enrol("reader")
    cid = world.collection(lead, iid)
    until = world.clock() + 3600
    r = world.client(lead).post(f"/v1/collections/{cid.hex()}/members",
                                json={"user": "reader", "until": until})
    assert r.status_code == 200 and r.json()["active"] is True
    c = world.client(reader)
    assert c.get(f"/v1/collections/{cid.hex()}/status").status_code == 200
    world.clock.advance(3601)  # type: ignore[attr-defined]
    assert c.get(f"/v1/collections/{cid.hex()}/status").status_code == 403
    assert c.get("/v1/collections").json()["collections"] == []


def test_device_revocation_rights(world: World) -> None:
    for u in ["lead", "alice", "bob", "outsider"]:
        world.user(u)
    iid = world.inspection("I", "lead")
    lead, alice, bob, outsider = (world.enrol(u) for u in ["lead", "alice", "bob", "outsider"])
    world.collection(lead, iid, "alice", "bob")
    # a member may not revoke another user's device, nor may an outsider
    r = world.client(bob).delete(f"/v1/devices/{alice.hex}")
    assert r.status_code == 403
    assert world.client(outsider).delete(f"/v1/devices/{alice.hex}").status_code == 403
    assert world.client(lead).delete(f"/v1/devices/{'0' * 32}").status_code == 404
    # the inspection's lead may
    assert world.client(lead).delete(f"/v1/devices/{alice.hex}").status_code == 200
    assert world.client(alice).get("/v1/collections").status_code == 401
    # but not a device of someone outside the inspection
    assert world.client(lead).delete(f"/v1/devices/{outsider.hex}").status_code == 403


@pytest.mark.parametrize("component", ["method", "path", "query"])
def test_signature_covers_method_path_and_query(world: World, component: str) -> None:
    world.user("u")
    dev = world.enrol("u")
    method, path, query = "GET", "/v1/collections", ""
    headers = sign_request(method, path, query, b"", dev.device_id, dev.key)
    if component == "method":
        method = "DELETE"
        path = f"/v1/devices/{dev.hex}"
        headers = sign_request("GET", path, "", b"", dev.device_id, dev.key)
    elif component == "path":
        path = f"/v1/collections/{'ab' * 16}/status"
    else:
        path = "/v1/collections?x=1"
    r = world.client().request(method, path, headers=headers)
    assert r.status_code == 401 and r.json()["error"] == "bad_signature", r.text
    assert world.client(dev).get("/v1/collections").status_code == 200  # not revoked


def test_unknown_device_and_garbage_headers(world: World) -> None:
    stranger = Device.new("x")
    r = world.client(stranger).get("/v1/collections")
    assert r.status_code == 401 and r.json()["error"] == "unknown_device"
    for bad in ["", "sig1=()", 'sig1=("@method");created=1;nonce="x";keyid="y";alg="ed25519"',
                "\u00e9\u00e9".encode("latin-1"), "sig1=" + "(" * 5000]:
        r = world.client().get("/v1/collections", headers={"Signature-Input": bad,
                                                           "Signature": "sig1=:AAAA:"})
        assert r.status_code == 401, (bad, r.text)
    assert raw_public(stranger.key) != ZERO_HASH
