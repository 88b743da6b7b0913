"""Issue 7's malicious server: the real server behind a transport that rewrites its JSON
answers. A public key swapped during an invitation, an injected roster event, a dropped
removal, a replayed old roster, a forked roster and a key the lead never committed to are each
detected, reported as an alert, and no key is wrapped for the wrong device. On SQLite and on
PostgreSQL."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from store.team import ADD, SignedEvent
from sync.client import SyncReport, sync
from tests.sync.client.conftest import Device, Server, make_team

Hook = Callable[[httpx.Request, Any], Any]


class JsonTamper(httpx.BaseTransport):
    """Forwards to the real server; ``hook(request, json_body)`` may return a changed body."""

    def __init__(self, hook: Hook) -> None:
        self.inner = httpx.HTTPTransport()
        self.hook = hook

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        resp = self.inner.handle_request(request)
        if "json" not in resp.headers.get("content-type", ""):
            return resp
        try:
            body = json.loads(resp.read())
        finally:
            resp.close()
        changed = self.hook(request, body)
        return httpx.Response(resp.status_code, json=body if changed is None else changed)

    def close(self) -> None:
        self.inner.close()


def tampered_sync(device: Device, hook: Hook) -> SyncReport:
    with device.client(transport=JsonTamper(hook)) as c:
        return sync(device.session, c)


def raw(key: Any) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def listing_of(body: Any, cid: bytes) -> dict | None:
    for col in body.get("collections", []) if isinstance(body, dict) else []:
        if col["collection_id"] == cid.hex():
            return col
    return None


def wrapped_for(server: Server, device: bytes) -> int:
    """How many keys the server holds wrapped for ``device`` (what an attacker would get)."""
    with server.storage._tx(write=False) as tx:  # the server's own query layer
        return int(tx.one("SELECT count(*) FROM wrapped_keys WHERE device_id = ?",
                          (device,))[0])


# -- invitations -----------------------------------------------------------------------------
def test_a_public_key_swapped_during_an_invitation_is_caught(server: Server, tmp_path) -> None:
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        server.user("mallory")
        mallory = team.device("mallory-laptop", "mallory")
        mkeys = mallory.session.keys.device
        swapped: dict[str, Any] = {}

        def swap(request: httpx.Request, body: Any) -> Any:
            if request.url.path == "/v1/invites/pending":
                for inv in body["invites"]:
                    swapped["id"] = inv["device_id"]
                    inv.update(device_id=mallory.session.device_id.hex(),
                               sign_key=mkeys.sign_pub.hex(), kx_key=mkeys.kx_pub.hex())
                return body
            return None

        joiner = team.device("alice-spare", "alice")
        joiner.join(lead.invite("alice"))
        rep = tampered_sync(lead, swap)
        assert swapped, "the pending invitation was not served"
        assert rep.alerts and "do not match" in rep.alerts[0]
        assert rep.admitted == []
        roster = lead.session.rosters.get(lead.team())
        assert not roster.is_active(mallory.session.device_id)
        assert not roster.is_active(joiner.session.device_id)
        assert wrapped_for(server, mallory.session.device_id) == 0
        assert wrapped_for(server, joiner.session.device_id) == 0
        # the joiner is told its answer was refused, and never trusts anything
        rj = joiner.sync()
        assert rj.alerts and joiner.session.rosters.get(lead.team()) is None
    finally:
        team.close()


def test_an_accept_proof_over_another_roster_is_refused(server: Server, tmp_path) -> None:
    """The server shows the joiner a roster the lead did not extend for it."""
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        spare = team.device("alice-spare", "alice")
        spare.join(lead.invite("alice"))
        assert lead.sync().ok

        def lie(request: httpx.Request, body: Any) -> Any:
            if request.url.path.startswith("/v1/invites/") and body.get("accept_proof"):
                body["accept_proof"] = os.urandom(32).hex()
                return body
            return None

        rep = tampered_sync(spare, lie)
        assert rep.alerts and "not made by the lead" in rep.alerts[0]
        assert spare.session.rosters.pinned(spare.session.find_inspection(
            "Northshire 2026").inspection_id) is None
    finally:
        team.close()


# -- roster attacks --------------------------------------------------------------------------
def _forged_add(lead: Device, signer: Ed25519PrivateKey, signer_id: bytes) -> SignedEvent:
    roster = lead.session.rosters.get(lead.team())
    kx = X25519PrivateKey.generate()
    event = roster.propose(ADD, signer_id, device_id=os.urandom(16), user="mallory",
                           role="member", sign_key=raw(Ed25519PrivateKey.generate()),
                           kx_key=raw(kx))
    from store.team import sign_event

    return sign_event(event, signer)


def _serve_extra(cid: bytes, extra: list[SignedEvent], cut: int = 0) -> Hook:
    """Serve the roster with ``extra`` events appended (after dropping ``cut`` real ones)."""

    def hook(request: httpx.Request, body: Any) -> Any:
        col = listing_of(body, cid)
        if col is not None:
            col["roster_length"] = col["roster_length"] - cut + len(extra)
            col["roster_head"] = (extra[-1].hash.hex() if extra else "00" * 32)
            return body
        if request.url.path == f"/v1/collections/{cid.hex()}/roster":
            events = body["events"][:len(body["events"]) - cut] if cut else body["events"]
            body["events"] = events + [e.to_wire() for e in extra]
            body["length"] = body["length"] - cut + len(extra)
            return body
        return None

    return hook


def test_an_injected_roster_event_is_refused(server: Server, tmp_path) -> None:
    team, (lead, alice, bob) = make_team(server, tmp_path, ["alice", "bob"])
    try:
        cid = lead.team()
        before = alice.session.rosters.get(cid)
        # signed by alice, a member, not a lead; and by a key nobody knows
        for signer, sid in ((alice.session.keys.device.signing, alice.session.device_id),
                            (Ed25519PrivateKey.generate(), os.urandom(16))):
            rep = tampered_sync(bob, _serve_extra(cid, [_forged_add(lead, signer, sid)]))
            assert rep.alerts and "cannot trust" in rep.alerts[0], rep.alerts
            assert bob.session.rosters.get(cid).head == before.head
        assert bob.sync().ok  # an honest answer afterwards is fine
    finally:
        team.close()


def test_a_replayed_old_roster_is_detected(server: Server, tmp_path) -> None:
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        cid = lead.team()
        known = alice.session.rosters.get(cid)
        rep = tampered_sync(alice, _serve_extra(cid, [], cut=1))
        assert rep.alerts and "replayed" in rep.alerts[0]
        assert alice.session.rosters.get(cid).head == known.head
    finally:
        team.close()


def test_a_forked_roster_is_detected(server: Server, tmp_path) -> None:
    """Two different events at the same position, both signed by the lead (a lead device
    cloned, or a server replaying a discarded branch): the second one seen is refused."""
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        cid = lead.team()
        known = alice.session.rosters.get(cid)
        # the server serves alice a log whose last event is replaced by another lead-signed one
        base = known.events[:-1]
        from store.team import Roster

        shorter = Roster.verify(list(base), known.genesis_sign_key)
        ev = shorter.propose(ADD, lead.session.device_id, device_id=os.urandom(16), user="eve",
                             role="member", sign_key=raw(Ed25519PrivateKey.generate()),
                             kx_key=raw(X25519PrivateKey.generate()))
        from store.team import sign_event

        fork = sign_event(ev, lead.session.keys.device.signing)
        rep = tampered_sync(alice, _serve_extra(cid, [fork], cut=1))
        assert rep.alerts and "forks" in rep.alerts[0], rep.alerts
        assert alice.session.rosters.get(cid).head == known.head
    finally:
        team.close()


def test_a_dropped_removal_is_detected_and_nothing_leaks(server: Server, tmp_path) -> None:
    team, (lead, alice, bob) = make_team(server, tmp_path, ["alice", "bob"])
    try:
        cid = lead.team()
        ops, c = lead.team_ops()
        with c:
            ops.remove("bob")
        full = lead.session.rosters.get(cid)
        old = alice.session.rosters.get(cid)
        dropped = full.length - old.length  # the removal and the rotation
        assert dropped == 2

        rep = tampered_sync(alice, _serve_extra(cid, [], cut=dropped))
        assert any("withheld" in a for a in rep.alerts), rep.alerts
        assert not alice.session.keyring.key(cid, 2)  # no key without its commitment
        # an honest sync then brings the removal and the new key
        assert alice.sync().ok
        assert alice.session.keyring.key(cid, 2) is not None
        assert not alice.session.rosters.get(cid).is_active(bob.session.device_id)
    finally:
        team.close()


def test_a_key_the_lead_never_committed_to_is_refused(server: Server, tmp_path) -> None:
    """The server wraps a key of its own choosing for a new device: it would read everything
    that device writes. The roster's commitment refuses it."""
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        spare = team.device("alice-spare", "alice")
        spare.join(lead.invite("alice"))
        assert lead.sync().ok
        cid = lead.team()
        from store._replica import _SUITE, _ck_info

        fake = _SUITE.encrypt(os.urandom(32), spare.session.keys.device.exchange.public_key(),
                              info=_ck_info(cid, 1, spare.session.device_id))
        from sync._encoding import b64url

        def swap_key(request: httpx.Request, body: Any) -> Any:
            col = listing_of(body, cid)
            if col is None:
                return None
            for k in col["keys"]:
                k["wrapped"] = b64url(fake)
            return body

        rep = tampered_sync(spare, swap_key)
        assert any("committed" in a for a in rep.alerts), rep.alerts
        assert spare.session.keyring.key(cid, 1) is None
        assert spare.sync().ok and spare.session.keyring.key(cid, 1) is not None
    finally:
        team.close()


def test_keys_are_wrapped_with_roster_keys_not_the_servers(server: Server, tmp_path) -> None:
    """The server's member list gives an attacker's key-agreement key for a member device:
    the key delivered is wrapped for the roster's key, so the attacker cannot open it."""
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        spare = team.device("alice-spare", "alice")
        spare.join(lead.invite("alice"))
        attacker = X25519PrivateKey.generate()

        def swap_kx(request: httpx.Request, body: Any) -> Any:
            if request.url.path.endswith("/members"):
                for m in body["members"]:
                    for d in m["devices"]:
                        d["kx_key"] = raw(attacker).hex()
                return body
            return None

        assert tampered_sync(lead, swap_kx).ok
        assert spare.sync().ok
        assert spare.session.keyring.key(lead.team(), 1) is not None
    finally:
        team.close()
