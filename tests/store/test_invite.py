"""Invitations (store/team/_invitation.py) against a server that relays them.

Threat model: the server sees the invite id, the join request and the acceptance, and may
change any of them (swap the joiner's public keys, answer with a roster of its own, replay an
acceptance for another device). It never sees the code, which is given in person. Only someone
holding the code's secret can make a join proof or an accept proof.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.team import (
    ADD,
    ALPHABET,
    CODE_CHARS,
    REMOVE,
    AcceptanceRejected,
    BadInviteCode,
    Invitation,
    JoinRejected,
    Roster,
    RosterForged,
    accept_proof,
    admit,
    check_acceptance,
    fingerprint,
    format_code,
    invite_id,
    join_proof,
    parse_code,
    verify_accept,
    verify_join,
)
from tests.store.test_roster import AT, COLL, add, dev

secrets16 = st.binary(min_size=16, max_size=16)
fprs8 = st.binary(min_size=8, max_size=8)


# -- codes -----------------------------------------------------------------------------------
@given(secret=secrets16, fpr=fprs8)
def test_code_round_trips(secret, fpr):
    code = format_code(secret, fpr)
    groups = code.split("-")
    assert len(groups) == 8 and all(len(g) == 5 for g in groups)
    assert parse_code(code) == (secret, fpr)
    sloppy = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert parse_code(sloppy) == (secret, fpr)


@settings(max_examples=300)
@given(secret=secrets16, fpr=fprs8, data=st.data())
def test_any_single_mistyped_character_is_caught(secret, fpr, data):
    chars = list(format_code(secret, fpr).replace("-", ""))
    i = data.draw(st.integers(0, CODE_CHARS - 1))
    chars[i] = data.draw(st.sampled_from([c for c in ALPHABET if c != chars[i]]))
    with pytest.raises(BadInviteCode, match="check out"):
        parse_code("".join(chars))


def test_code_errors_are_clear():
    code = format_code(bytes(16), bytes(8))
    with pytest.raises(BadInviteCode, match="40 characters.*has 39"):
        parse_code(code[:-1])
    with pytest.raises(BadInviteCode, match=r"character 3 \('U'\)"):
        parse_code("ABU" + code.replace("-", "")[3:])
    swapped = list(format_code(b"\x01" * 16, b"\x02" * 8).replace("-", ""))
    swapped[0], swapped[1] = swapped[1], swapped[0]
    if swapped[0] != swapped[1]:
        with pytest.raises(BadInviteCode):
            parse_code("".join(swapped))


def test_invitation_holds_the_lead_fingerprint_and_hides_the_secret():
    lead = dev("ann")
    inv = Invitation.new(lead.sign)
    assert inv.lead_fingerprint == fingerprint(lead.sign)[:8]
    assert Invitation.from_code(inv.code) == inv
    assert inv.secret.hex() not in repr(inv) and inv.code not in repr(inv)
    assert len(inv.invite_id) == 12 and inv.invite_id == invite_id(inv.secret)
    assert inv.invite_id != Invitation.new(lead.sign).invite_id


# -- proofs ----------------------------------------------------------------------------------
def test_join_proof_binds_every_public_key():
    s, j, eve = os.urandom(16), dev("joe"), dev("eve")
    p = join_proof(s, COLL, j.id, j.sign, j.kx, "joe")
    assert verify_join(s, COLL, j.id, j.sign, j.kx, "joe", p)
    assert not verify_join(os.urandom(16), COLL, j.id, j.sign, j.kx, "joe", p)
    assert not verify_join(s, COLL, j.id, eve.sign, j.kx, "joe", p)
    assert not verify_join(s, COLL, j.id, j.sign, eve.kx, "joe", p)
    assert not verify_join(s, COLL, eve.id, j.sign, j.kx, "joe", p)
    assert not verify_join(s, COLL, j.id, j.sign, j.kx, "eve", p)
    assert not verify_join(s, bytes(16), j.id, j.sign, j.kx, "joe", p)
    assert not verify_join(s, COLL, j.id, j.sign[:31], j.kx, "joe", p)
    head = os.urandom(32)
    a = accept_proof(s, head, j.id)
    assert verify_accept(s, head, j.id, a)
    assert not verify_accept(s, head, eve.id, a) and not verify_accept(s, os.urandom(32), j.id, a)
    assert a != p


# -- the whole join --------------------------------------------------------------------------
@pytest.fixture
def lead_roster():
    a = dev("ann")
    r, _ = Roster.create(COLL, a.id, a.name, a.sk, a.kx, os.urandom(32), at=AT)
    return a, r


def test_join_end_to_end(lead_roster):
    a, r = lead_roster
    inv = Invitation.new(a.sign)
    joiner, j = Invitation.from_code(inv.code), dev("joe")  # the code, typed on the new device
    proof = join_proof(joiner.secret, COLL, j.id, j.sign, j.kx, "joe")
    r2, event, acc = admit(r, inv, COLL, j.id, j.sign, j.kx, "joe", proof, lead_device_id=a.id,
                           lead_signing_key=a.sk, at=AT)
    assert r2.kx_key(j.id) == j.kx and event.event().op == ADD
    seen = check_acceptance(joiner, COLL, r2.events, j.id, j.sign, j.kx, "joe", acc)
    assert seen.head == r2.head and seen.genesis_sign_key == a.sign
    # later events after the acceptance are fine too
    r3, _ = add(r2, a, dev("kim"))
    assert check_acceptance(joiner, COLL, r3.events, j.id, j.sign, j.kx, "joe", acc).length == 3


def test_server_swapping_keys_during_a_join_is_caught(lead_roster):
    a, r = lead_roster
    inv, j, eve = Invitation.new(a.sign), dev("joe"), dev("eve")
    proof = join_proof(inv.secret, COLL, j.id, j.sign, j.kx, "joe")
    for keys in ((j.id, eve.sign, eve.kx), (j.id, j.sign, eve.kx), (eve.id, eve.sign, eve.kx)):
        with pytest.raises(JoinRejected):
            admit(r, inv, COLL, *keys, "joe", proof, lead_device_id=a.id, lead_signing_key=a.sk)
    assert r.length == 1 and r.devices_lacking(1, {a.id}) == []  # no key is wrapped for eve


def test_joiner_refuses_a_roster_the_lead_did_not_extend(lead_roster):
    a, r = lead_roster
    inv, j, eve = Invitation.new(a.sign), dev("joe"), dev("eve")
    proof = join_proof(inv.secret, COLL, j.id, j.sign, j.kx, "joe")
    good, _, acc = admit(r, inv, COLL, j.id, j.sign, j.kx, "joe", proof, lead_device_id=a.id,
                         lead_signing_key=a.sk, at=AT)
    # 1. the server makes its own roster (own genesis, joe added with eve's kx key)
    fake, _ = Roster.create(COLL, eve.id, "ann", eve.sk, eve.kx, os.urandom(32), at=AT)
    fake, _ = fake.sign_next(eve.sk, ADD, eve.id, at=AT, device_id=j.id, user="joe",
                             role="member", sign_key=j.sign, kx_key=eve.kx)
    with pytest.raises(AcceptanceRejected, match="not extended by the lead"):
        check_acceptance(inv, COLL, fake.events, j.id, j.sign, j.kx, "joe",
                         accept_proof(os.urandom(16), fake.head, j.id))
    # 2. replays the lead's real acceptance with its fake roster
    with pytest.raises(AcceptanceRejected):
        check_acceptance(inv, COLL, fake.events, j.id, j.sign, j.kx, "joe", acc)
    # 3. the real roster, but the joiner's keys were not the ones added
    with pytest.raises(AcceptanceRejected, match="other keys"):
        check_acceptance(inv, COLL, good.events, j.id, eve.sign, j.kx, "joe", acc)
    # 4. an event tampered after acceptance
    from tests.store.test_roster import tamper

    with pytest.raises(RosterForged):
        check_acceptance(inv, COLL, [good.events[0], tamper(good.events[1], kx_key=eve.kx.hex())],
                         j.id, j.sign, j.kx, "joe", acc)
    # 5. the right roster for another collection, or with the joiner removed again
    with pytest.raises(AcceptanceRejected, match="another collection"):
        check_acceptance(inv, bytes(16), good.events, j.id, j.sign, j.kx, "joe", acc)
    gone, _ = good.sign_next(a.sk, REMOVE, a.id, at=AT, device_id=j.id, reason="removed")
    with pytest.raises(AcceptanceRejected, match="removed"):
        check_acceptance(inv, COLL, gone.events, j.id, j.sign, j.kx, "joe", acc)


def test_joiner_checks_the_adding_lead_is_the_one_in_the_code(lead_roster):
    a, r = lead_roster
    b, j = dev("bob"), dev("joe")
    r, _ = add(r, a, b, "lead")
    inv = Invitation.new(a.sign)  # ann's code ...
    proof = join_proof(inv.secret, COLL, j.id, j.sign, j.kx, "joe")
    # ... but bob's device (which somehow got the secret) signs the add
    r2, _, acc = admit(r, inv, COLL, j.id, j.sign, j.kx, "joe", proof, lead_device_id=b.id,
                       lead_signing_key=b.sk, at=AT)
    with pytest.raises(AcceptanceRejected, match="another lead"):
        check_acceptance(inv, COLL, r2.events, j.id, j.sign, j.kx, "joe", acc)
