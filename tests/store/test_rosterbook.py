"""What a device keeps of its teams (store/team/_trust_book.py): verified rosters and pins sealed in
the profile, re-verified at load; records checked against the roster; keys committed by the
roster are the only ones written with."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from store import Profile, Replica, Session
from store.crypto import SecretBytes
from store.team import ADD, ROTATE, Roster, RosterForged
from tests.conftest import PASSPHRASE


def _raw(key: object) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)  # type: ignore[attr-defined]


def _team(session: Session) -> tuple[bytes, bytes, Roster]:
    """A team collection this device leads, as its first sync would make it."""
    cid, iid = os.urandom(16), os.urandom(16)
    Replica(session).ensure_collection(cid, iid, "team", "Northshire 2026")
    session.keyring.add(cid, 1, SecretBytes.random(32))
    keys = session.keys.device
    session.rosters.pin(iid, keys.sign_pub)
    roster, _ = Roster.create(cid, session.device_id, "lead", keys.signing, keys.kx_pub,
                              session.keyring.key(cid, 1))
    session.rosters.save(roster, keys.sign_pub)
    return cid, iid, roster


def test_rosters_and_pins_survive_lock_sealed(profile: Profile, session: Session) -> None:
    cid, iid, roster = _team(session)
    session.rosters.set_user("lead")
    session.rosters.mark_verified(b"\x01" * 16)
    raw = b"".join(bytes(r[0]) for r in session.db.execute("SELECT sealed FROM secrets"))
    assert b"lead" not in raw and roster.events[0].canonical not in raw  # sealed, not plain
    session.lock()
    again = profile.unlock(PASSPHRASE)
    try:
        assert again.rosters.get(cid).head == roster.head
        assert again.rosters.pinned(iid) == again.keys.device.sign_pub
        assert again.rosters.user == "lead"
        assert again.rosters.verified() == {b"\x01" * 16}
    finally:
        again.lock()


def test_a_pin_never_changes(session: Session) -> None:
    _, iid, _ = _team(session)
    with pytest.raises(RosterForged):
        session.rosters.pin(iid, _raw(Ed25519PrivateKey.generate()))


def test_a_tampered_stored_roster_is_not_trusted(profile: Profile, session: Session) -> None:
    cid, _, roster = _team(session)
    # a stored roster whose genesis is checked against another key (a tampered row) fails
    session.rosters.save(roster, _raw(Ed25519PrivateKey.generate()))
    session.lock()
    again = profile.unlock(PASSPHRASE)
    try:
        assert again.rosters.get(cid) is None  # fetched and verified again at the next sync
    finally:
        again.lock()


def test_only_roster_devices_sign_records(session: Session) -> None:
    cid, _, roster = _team(session)
    other, other_kx = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    stranger = os.urandom(16)
    signer = session.signer_for(cid)
    assert signer(session.device_id) is not None
    assert signer(stranger) is None
    new, _ = roster.sign_next(session.keys.device.signing, ADD, session.device_id,
                              device_id=stranger, user="alice", role="member",
                              sign_key=_raw(other), kx_key=_raw(other_kx))
    session.rosters.save(new, session.keys.device.sign_pub)
    assert session.signer_for(cid)(stranger) is not None


def test_an_uncommitted_key_is_never_written_with(session: Session) -> None:
    cid, iid, roster = _team(session)
    ins = session.inspections[iid]
    session.keyring.add(cid, 2, SecretBytes.random(32))  # a rotation still on its way
    assert session.write_epoch(cid) == 1
    note = session.create(ins, "observation", "Walk round", "")
    from store import parse_header

    env = session.db.execute("SELECT envelope FROM records WHERE note_id = ?",
                             [note.note_id]).fetchone()[0]
    assert parse_header(env).epoch == 1
    # once the roster commits to it, it is the one new records use
    committed, _ = roster.sign_next(session.keys.device.signing, ROTATE, session.device_id,
                                    collection_key=session.keyring.key(cid, 2))
    session.rosters.save(committed, session.keys.device.sign_pub)
    assert session.write_epoch(cid) == 2
