"""The new device's check of the roster after a link (store/_link.py, issue 11 item 6), against
a server that answers with rosters of its own. Only the linking device holds the code's secret;
the new device trusts a roster only when that device's accept proof anchors it, the linking
device (by the code's fingerprint) is on it as the same user, and a lead added the new device
with its very keys."""

from __future__ import annotations

import os

import pytest

from store.team import (
    AcceptanceRejected,
    Invitation,
    LinkClaim,
    Roster,
    accept_proof,
    check_link_acceptance,
    code_maker,
)
from tests.store.test_roster import AT, COLL, Dev, add, dev


def linked_team() -> tuple[Dev, Dev, Dev, Roster, list]:
    """lead (genesis), mia's laptop (member) on the roster; mia's phone not yet."""
    lead, laptop, phone = dev("lead"), dev("mia"), dev("mia")
    r, g = Roster.create(COLL, lead.id, lead.name, lead.sk, lead.kx, os.urandom(32), at=AT)
    r, e = add(r, lead, laptop)
    return lead, laptop, phone, r, [g, e]


def check(inv: Invitation, events: list, phone: Dev, proof: bytes, *, user: str = "mia",
          sign: bytes | None = None) -> Roster | None:
    return check_link_acceptance(inv, COLL, events, phone.id, sign or phone.sign, phone.kx,
                                 user, proof)


def test_the_phone_trusts_the_roster_its_laptop_vouched_on_once_a_lead_added_it() -> None:
    lead, laptop, phone, r, events = linked_team()
    inv = Invitation.new(laptop.sign)
    proof = accept_proof(inv.secret, r.head, phone.id)  # the laptop vouches on its head
    assert check(inv, events, phone, proof) is None  # not added yet: wait, do not fail
    maker, shown = code_maker(inv, events)
    assert maker is not None and maker.device_id == laptop.id and shown is not None
    r2, e = add(r, lead, phone)
    roster = check(inv, [*events, e], phone, proof)
    assert roster is not None and roster.is_active(phone.id)
    assert roster.genesis_sign_key == lead.sign
    assert LinkClaim.from_payload(LinkClaim(phone.id, phone.sign, phone.kx, "mia")
                                  .payload("r", "h")) == LinkClaim(phone.id, phone.sign,
                                                                   phone.kx, "mia")


def test_a_roster_of_the_servers_own_is_refused() -> None:
    lead, laptop, phone, r, events = linked_team()
    inv = Invitation.new(laptop.sign)
    proof = accept_proof(inv.secret, r.head, phone.id)
    # the server's own team: its lead, the same people by name, the phone added
    fake_lead, fake_laptop = dev("lead"), dev("mia")
    f, g = Roster.create(COLL, fake_lead.id, "lead", fake_lead.sk, fake_lead.kx,
                         os.urandom(32), at=AT)
    f, e1 = add(f, fake_lead, fake_laptop)
    f, e2 = add(f, fake_lead, phone)
    with pytest.raises(AcceptanceRejected, match="vouched on"):
        check(inv, [g, e1, e2], phone, proof)
    # a proof for another device, replayed for this one, anchors nothing either
    other = accept_proof(inv.secret, r.head, os.urandom(16))
    with pytest.raises(AcceptanceRejected):
        check(inv, events, phone, other)


def test_the_phone_must_be_added_with_its_own_keys_and_by_its_own_users_device() -> None:
    lead, laptop, phone, r, events = linked_team()
    inv = Invitation.new(laptop.sign)
    proof = accept_proof(inv.secret, r.head, phone.id)
    swapped = Dev("mia", phone.id, phone.sk, dev("x").sign, phone.kx)
    _, e = add(r, lead, swapped)  # the lead was shown other keys for this id
    with pytest.raises(AcceptanceRejected, match="other keys"):
        check(inv, [*events, e], phone, proof)
    # a code from a device of another user does not link a device of mia's
    with pytest.raises(AcceptanceRejected, match="not one of yours"):
        check(inv, events, phone, proof, user="ned")
