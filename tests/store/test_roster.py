"""The signed roster log (store/team/_roster_log.py) against a malicious server.

Threat model: the server stores and serves roster events and may drop, reorder, replay, rewrite
or inject any of them; it holds no lead's signing key. Leads' devices are honest (a removed lead's
key is treated as possibly stolen). What a device cannot detect: a server that withholds events
from a device that never saw them (it sees a consistent, older prefix) - see
``test_withheld_removal_is_invisible_to_a_device_that_never_saw_it``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.team import (
    ADD,
    MAX_EVENT_BYTES,
    REMOVE,
    ROTATE,
    Roster,
    RosterBroken,
    RosterError,
    RosterEvent,
    RosterForged,
    RosterForked,
    RosterRolledBack,
    SignedEvent,
    check_against_known,
    fingerprint,
    key_commitment,
    sign_event,
)

COLL = bytes(range(16))
AT = "2026-05-04T09:00:00+00:00"
_RAW = (Encoding.Raw, PublicFormat.Raw)


@dataclass
class Dev:
    name: str
    id: bytes
    sk: Ed25519PrivateKey
    sign: bytes
    kx: bytes


def dev(name: str) -> Dev:
    sk = Ed25519PrivateKey.generate()
    kx = X25519PrivateKey.generate().public_key().public_bytes(*_RAW)
    return Dev(name, os.urandom(16), sk, sk.public_key().public_bytes(*_RAW), kx)


def add(r: Roster, by: Dev, d: Dev, role: str = "member") -> tuple[Roster, SignedEvent]:
    return r.sign_next(by.sk, ADD, by.id, at=AT, device_id=d.id, user=d.name, role=role,
                       sign_key=d.sign, kx_key=d.kx)


@pytest.fixture
def team():
    """lead A (genesis), lead B, member M, member N; then M is removed and the key rotated."""
    a, b, m, n = dev("ann"), dev("bob"), dev("mia"), dev("ned")
    ck1, ck2 = os.urandom(32), os.urandom(32)
    r, g = Roster.create(COLL, a.id, a.name, a.sk, a.kx, ck1, at=AT)
    log = [g]
    for by, d, role in ((a, b, "lead"), (b, m, "member"), (a, n, "member")):
        r, e = add(r, by, d, role)
        log.append(e)
    r, e = r.sign_next(b.sk, REMOVE, b.id, at=AT, device_id=m.id, reason="lost")
    log.append(e)
    r, e = r.sign_next(a.sk, ROTATE, a.id, at=AT, collection_key=ck2)
    log.append(e)
    return {"a": a, "b": b, "m": m, "n": n, "ck1": ck1, "ck2": ck2, "roster": r, "log": log}


def resign(signed: SignedEvent, key: Ed25519PrivateKey, **changes) -> SignedEvent:
    """A server that rewrites an event's fields (it can only sign with keys it has)."""
    data = json.loads(signed.canonical)
    data.update(changes)
    return sign_event(data, key)


def tamper(signed: SignedEvent, **changes) -> SignedEvent:
    """A server that rewrites fields and keeps the original signature."""
    data = json.loads(signed.canonical)
    data.update(changes)
    return SignedEvent(RosterEvent.from_fields(data).canonical(), signed.sig)


# -- valid logs ------------------------------------------------------------------------------
def test_valid_log_verifies_to_the_expected_state(team):
    a, b, m, n = team["a"], team["b"], team["m"], team["n"]
    r = Roster.verify(team["log"], a.sign)
    assert r.length == 6 and r.head == team["log"][-1].hash == team["roster"].head
    assert r.collection == COLL and r.epoch == 2
    assert [d.device_id for d in r.devices()] == sorted([a.id, b.id, n.id])
    assert r.is_active(b.id) and r.is_lead(b.id) and not r.is_lead(n.id)
    assert not r.is_active(m.id) and r.removed() == {m.id: (5, "lost")}
    assert r.sign_key(n.id) == n.sign and r.kx_key(n.id) == n.kx
    assert r.sign_key(m.id) is None and r.kx_key(m.id) is None
    assert r.device(m.id).sign_key == m.sign  # keys of removed devices stay known
    assert r.genesis_sign_key == a.sign and not r.rotation_due
    assert r.key_commit == key_commitment(team["ck2"], COLL, 2)


def test_events_are_small_canonical_and_carry_no_content(team):
    for e in team["log"]:
        assert len(e.canonical) < 600 <= MAX_EVENT_BYTES
        data = json.loads(e.canonical)
        assert e.canonical == json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        assert SignedEvent.unpack(e.pack()) == e == SignedEvent.from_wire(e.to_wire())
    bad = json.loads(team["log"][1].canonical) | {"note": "Mrs X said ..."}
    with pytest.raises(RosterBroken, match="unexpected fields"):
        sign_event(bad, team["a"].sk)


def test_extend_checks_only_the_tail_and_leaves_the_old_state_alone(team):
    log = team["log"]
    r3 = Roster.verify(log[:3], team["a"].sign)
    r6 = r3.extend(log[3:])
    assert r6.head == team["roster"].head and r3.length == 3 and r3.epoch == 1
    with pytest.raises(RosterForged):
        r3.extend([tamper(log[3], user="eve")])
    assert r3.length == 3  # unchanged after a failed extend


def test_update_takes_a_full_log_or_a_tail_with_offset(team):
    log = team["log"]
    r3 = Roster.verify(log[:3], team["a"].sign)
    assert r3.update(log).head == log[-1].hash
    assert r3.update(log[2:], offset=2).head == log[-1].hash
    assert r3.update(log[:3]).length == 3  # nothing new
    with pytest.raises(RosterBroken, match="start after"):
        r3.update(log[4:], offset=4)


@st.composite
def op_scripts(draw):
    return draw(st.lists(st.tuples(st.sampled_from(["add", "add_lead", "remove", "rotate"]),
                                   st.integers(0, 1000), st.integers(0, 1000)), max_size=12))


@settings(max_examples=40, deadline=None)
@given(script=op_scripts())
def test_any_valid_log_verifies_and_matches_the_lead_view(script):
    a = dev("ann")
    r, g = Roster.create(COLL, a.id, a.name, a.sk, a.kx, os.urandom(32), at=AT)
    keys = {a.id: a}
    log = [g]
    for op, i, j in script:
        leads = [d for d in r.devices() if d.role == "lead"]
        by = keys[leads[i % len(leads)].device_id]
        if op in ("add", "add_lead"):
            d = dev(f"u{len(keys)}")
            keys[d.id] = d
            r, e = add(r, by, d, "lead" if op == "add_lead" else "member")
        elif op == "remove":
            victims = [d for d in r.devices() if d.role == "member" or len(leads) > 1]
            if not victims:
                continue
            r, e = r.sign_next(by.sk, REMOVE, by.id, at=AT,
                               device_id=victims[j % len(victims)].device_id, reason="removed")
        else:
            r, e = r.sign_next(by.sk, ROTATE, by.id, at=AT, collection_key=os.urandom(32))
        log.append(e)
    v = Roster.verify(log, a.sign)
    assert (v.head, v.length, v.epoch) == (r.head, r.length, r.epoch)
    assert v.devices() == r.devices() and v.removed() == r.removed()


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # team is not mutated
@given(data=st.data())
def test_any_tampered_byte_is_refused(team, data):
    log = list(team["log"])
    i = data.draw(st.integers(0, len(log) - 1))
    e = log[i]
    blob = bytearray(e.pack())
    pos = data.draw(st.integers(0, len(blob) - 1))
    blob[pos] ^= data.draw(st.integers(1, 255))
    log[i] = SignedEvent.unpack(bytes(blob))
    with pytest.raises(RosterError):
        Roster.verify(log, team["a"].sign)


# -- a malicious server ----------------------------------------------------------------------
def test_genesis_must_be_the_pinned_lead(team):
    eve = dev("eve")
    r, g = Roster.create(COLL, eve.id, "ann", eve.sk, eve.kx, os.urandom(32), at=AT)
    with pytest.raises(RosterForged) as exc:
        Roster.verify([g], team["a"].sign)
    assert exc.value.n == 1


def test_substituted_public_key_in_an_add_event_fails_the_signature(team):
    log = list(team["log"])
    eve = dev("eve")
    log[3] = tamper(log[3], sign_key=eve.sign.hex(), kx_key=eve.kx.hex())
    with pytest.raises(RosterForged, match="roster event 4 .*signature") as exc:
        Roster.verify(log, team["a"].sign)
    assert exc.value.n == 4


def test_an_event_signed_by_a_non_lead_or_unknown_device_is_forged(team):
    r, n, eve = team["roster"], team["n"], dev("eve")
    for signer in (n, eve):  # a member, a device the server made up
        e = sign_event(r.propose(ADD, signer.id, at=AT, device_id=eve.id, user="eve",
                                 role="lead", sign_key=eve.sign, kx_key=eve.kx), signer.sk)
        with pytest.raises(RosterForged) as exc:
            r.extend([e])
        assert exc.value.n == 7


def test_an_event_signed_by_a_removed_lead_is_forged(team):
    a, b, eve = team["a"], team["b"], dev("eve")
    r, e = team["roster"].sign_next(a.sk, REMOVE, a.id, at=AT, device_id=b.id, reason="left")
    stolen = sign_event(r.propose(ADD, b.id, at=AT, device_id=eve.id, user="eve", role="lead",
                                  sign_key=eve.sign, kx_key=eve.kx), b.sk)
    with pytest.raises(RosterForged, match="removed device"):
        r.extend([stolen])
    with pytest.raises(RosterForged):
        Roster.verify([*team["log"], e, stolen], a.sign)


def test_a_dropped_removal_is_a_rollback_for_a_device_that_saw_it(team):
    log, known = team["log"], Roster.verify(team["log"][:5], team["a"].sign)  # saw the removal
    with pytest.raises(RosterRolledBack) as exc:
        check_against_known(known.head, known.length, log[:4])
    assert exc.value.n == 5
    with pytest.raises(RosterRolledBack):
        known.update(log[:4])
    # the server instead puts another lead-signed event at n=5 (say, from a stale lead
    # device): the device sees a fork, not a roster without the removal
    a, n = team["a"], team["n"]
    other = resign(log[4], a.sk, op="remove_device", device_id=n.id.hex(), by=a.id.hex())
    Roster.verify([*log[:4], other], a.sign)  # valid on its own
    with pytest.raises(RosterForked) as exc:
        known.update([*log[:4], other])
    assert exc.value.n == 5


def test_withheld_removal_is_invisible_to_a_device_that_never_saw_it(team):
    """Documented limit: a device that only ever saw n<=4 cannot tell a withheld removal from
    no removal (it still lists M as active). It does refuse the epoch-2 key, whose commitment
    it does not know, so it notices records of an epoch its roster lacks."""
    r = Roster.verify(team["log"][:4], team["a"].sign)
    assert r.is_active(team["m"].id)
    assert not r.key_commit_ok(2, team["ck2"])


def test_replayed_old_roster_is_a_rollback(team):
    known = Roster.verify(team["log"], team["a"].sign)
    for k in range(1, 6):
        with pytest.raises(RosterRolledBack):
            known.update(team["log"][:k])
    with pytest.raises(RosterRolledBack):
        known.update([])


def test_a_fork_is_detected(team):
    a, n, eve = team["a"], team["n"], dev("eve")
    log = team["log"]
    mine = Roster.verify(log, a.sign)
    base = Roster.verify(log[:5], a.sign)
    branch, e6 = add(base, a, eve)  # another event n=6 signed by a real lead
    with pytest.raises(RosterForked) as exc:
        check_against_known(mine.head, mine.length, [*log[:5], e6])
    assert exc.value.n == 6
    # a tail that hangs off another event n=6
    _, e7 = branch.sign_next(a.sk, REMOVE, a.id, at=AT, device_id=n.id, reason="left")
    with pytest.raises(RosterForked) as exc:
        mine.extend([e7])
    assert exc.value.n == 7


@pytest.mark.parametrize("case", ["gap", "collection", "prev", "genesis_again", "noncanonical",
                                  "duplicate_key", "float", "naive_time"])
def test_broken_logs_name_the_event(team, case):
    a, log = team["a"], list(team["log"])
    r3 = Roster.verify(log[:3], a.sign)
    ev = json.loads(log[3].canonical)
    if case == "gap":
        bad = resign(log[3], a.sk, n=5)
    elif case == "collection":
        bad = resign(log[3], a.sk, collection="ff" * 16)
    elif case == "prev":
        with pytest.raises(RosterBroken) as exc:
            Roster.verify([*log[:3], resign(log[3], a.sk, prev="ab" * 32)], a.sign)
        assert exc.value.n == 4
        return
    elif case == "genesis_again":
        body = {k: ev[k] for k in ("collection", "n", "prev", "at", "by")}
        body |= {"op": "genesis", "device_id": a.id.hex(), "user": "ann",
                 "sign_key": a.sign.hex(), "kx_key": a.kx.hex(), "epoch": 1,
                 "key_commit": "00" * 32}
        raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        bad = SignedEvent(raw, a.sk.sign(b"fieldpad/v1/roster-sig" + raw))
    else:
        if case == "noncanonical":
            raw = json.dumps(ev, sort_keys=True).encode()  # with spaces
        elif case == "duplicate_key":
            raw = log[3].canonical[:-1] + b',"user":"eve"}'
        elif case == "float":
            raw = log[3].canonical.replace(b'"n":4', b'"n":4.0')
        else:
            raw = log[3].canonical.replace(b"+00:00", b"")
        bad = SignedEvent(raw, a.sk.sign(b"fieldpad/v1/roster-sig" + raw))
    with pytest.raises(RosterBroken) as exc:
        r3.extend([bad])
    assert exc.value.n in (4, 5, None)


def test_roster_rules(team):
    a, b, m, n = team["a"], team["b"], team["m"], team["n"]
    r = team["roster"]
    with pytest.raises(RosterBroken, match="re-adds removed"):
        add(r, a, m)
    with pytest.raises(RosterBroken, match="twice"):
        add(r, a, n)
    with pytest.raises(RosterBroken, match="not active"):
        r.sign_next(a.sk, REMOVE, a.id, at=AT, device_id=m.id, reason="removed")
    with pytest.raises(RosterBroken, match="epoch 4, not 3"):
        r.sign_next(a.sk, ROTATE, a.id, at=AT, epoch=4, key_commit="00" * 32)
    r2, _ = r.sign_next(a.sk, REMOVE, a.id, at=AT, device_id=b.id, reason="left")
    assert r2.rotation_due
    with pytest.raises(RosterBroken, match="last lead"):
        r2.sign_next(a.sk, REMOVE, a.id, at=AT, device_id=a.id, reason="left")


# -- keys ------------------------------------------------------------------------------------
def test_devices_lacking_lists_active_devices_only(team):
    a, b, m, n = team["a"], team["b"], team["m"], team["n"]
    r = team["roster"]
    assert [d.device_id for d in r.devices_lacking(2, {a.id})] == sorted([b.id, n.id])
    assert r.devices_lacking(2, {a.id, b.id, n.id}) == []
    lacking = r.devices_lacking(1, set())
    assert m.id not in {d.device_id for d in lacking}  # a removed device never gets a key
    assert {d.kx_key for d in lacking} == {a.kx, b.kx, n.kx}
    with pytest.raises(ValueError):
        r.devices_lacking(3, set())


def test_key_commit_ok(team):
    r = team["roster"]
    assert r.key_commit_ok(1, team["ck1"]) and r.key_commit_ok(2, team["ck2"])
    assert not r.key_commit_ok(2, team["ck1"])  # a key for another epoch
    assert not r.key_commit_ok(1, os.urandom(32))  # a key the server made up
    assert not r.key_commit_ok(3, team["ck2"])
    other = bytes(16)
    assert key_commitment(team["ck1"], other, 1) != key_commitment(team["ck1"], COLL, 1)


def test_fingerprint_matches_what_the_cli_shows(team):
    import base64

    from sync.client import fingerprint as shown

    a = team["a"]
    text = base64.b32encode(fingerprint(a.sign)).decode()[:20]
    assert shown(a.sign).replace("-", "") == text
