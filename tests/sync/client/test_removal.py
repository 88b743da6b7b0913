"""Issue 7: removal, revocation and key rotation through a real server, on SQLite and
PostgreSQL. A removed member is refused at once and cannot decrypt what is written after its
removal even when handed the ciphertext; the remaining members read old and new records;
several epochs are in use at once while an offline device catches up without losing its
unpushed notes; a person's spare device is revoked on its own."""

from __future__ import annotations

import pytest

from store import UnknownKey, open_envelope
from sync.client import AccessDenied
from tests.sync.client.conftest import Device, Server, make_team


def _note(device: Device, title: str, body: str = "text") -> str:
    ins = device.session.find_inspection("Northshire 2026")
    return device.session.create(ins, "observation", title, body).note_id


def _epochs(device: Device, note_id: str) -> set[int]:
    rows = device.session.db.execute(
        "SELECT envelope FROM records WHERE note_id = ?", [note_id]).fetchall()
    from store import parse_header

    return {parse_header(r[0]).epoch for r in rows}


def _titles(device: Device) -> set[str]:
    return {n.title for n in device.session.list_notes()}


def test_removed_member_is_refused_and_reads_nothing_new(server: Server, tmp_path) -> None:
    team, (lead, alice, bob) = make_team(server, tmp_path, ["alice", "bob"])
    try:
        cid = lead.team()
        before = _note(alice, "before removal")
        assert alice.sync().ok and bob.sync().ok
        assert "before removal" in _titles(bob)

        ops, c = lead.team_ops()
        with c:
            assert ops.remove("bob") == 1
        roster = lead.session.rosters.get(cid)
        assert roster.epoch == 2 and not roster.is_active(bob.session.device_id)

        # bob is refused at once, and his sync says the access ended
        with bob.client() as c, pytest.raises(AccessDenied) as err:
            c.pull(cid, {})
        assert err.value.status == 403
        rep = bob.sync()
        assert any("Northshire 2026" in line for line in rep.access_ended), rep

        # alice learns the new epoch and writes with it
        assert alice.sync().ok
        after = _note(alice, "after removal", "secret after bob left")
        assert alice.sync().ok
        assert _epochs(alice, after) == {2} and _epochs(alice, before) == {1}

        # even handed the ciphertext, bob cannot open it: he never got epoch 2
        env = alice.session.db.execute(
            "SELECT envelope FROM records WHERE note_id = ?", [after]).fetchone()[0]
        assert bob.session.keyring.key(cid, 2) is None
        with pytest.raises(UnknownKey):
            open_envelope(env, bob.session.keyring.resolver(cid), None)

        # the lead reads old and new records
        assert lead.sync().ok
        assert {"before removal", "after removal"} <= _titles(lead)
        lead.relock()
        assert {"before removal", "after removal"} <= _titles(lead)
    finally:
        team.close()


def test_an_offline_device_catches_up_after_a_rotation(server: Server, tmp_path) -> None:
    team, (lead, alice, bob, cat) = make_team(server, tmp_path, ["alice", "bob", "cat"])
    try:
        cid = lead.team()
        # cat works offline on epoch 1
        offline = [_note(cat, f"offline {i}") for i in range(3)]
        ops, c = lead.team_ops()
        with c:
            ops.remove("bob")
        assert alice.sync().ok
        _note(alice, "alice on epoch 2")
        assert alice.sync().ok
        # cat comes back: her epoch 1 notes are accepted, she gets epoch 2 and reads it
        rep = cat.sync()
        assert rep.ok, rep.problems
        assert "alice on epoch 2" in _titles(cat)
        assert cat.session.keyring.key(cid, 2) is not None
        assert all(_epochs(cat, n) == {1} for n in offline)
        later = _note(cat, "cat on epoch 2")
        assert cat.sync().ok and _epochs(cat, later) == {2}
        assert lead.sync().ok
        assert {f"offline {i}" for i in range(3)} | {"cat on epoch 2"} <= _titles(lead)
        # and an edit cat made offline to a note of epoch 1 stays readable by everyone
        assert alice.sync().ok and {f"offline {i}" for i in range(3)} <= _titles(alice)
    finally:
        team.close()


def test_a_spare_device_is_revoked_on_its_own(server: Server, tmp_path) -> None:
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        cid = lead.team()
        spare = team.device("alice-spare", "alice")
        spare.join(lead.invite("alice"))
        assert lead.sync().ok
        assert spare.sync().ok
        _note(spare, "from the spare")
        assert spare.sync().ok and alice.sync().ok
        assert "from the spare" in _titles(alice)

        # alice reports the spare lost from her laptop: the server refuses it at once
        ops, c = alice.team_ops()
        with c:
            ops.revoke(spare.session.device_id.hex()[:8])
        with pytest.raises(AccessDenied) as err:
            spare.sync()
        assert err.value.status == 401
        # the lead's next sync removes it from the roster and rotates the key
        rep = lead.sync()
        assert rep.ok, rep.problems
        roster = lead.session.rosters.get(cid)
        assert not roster.is_active(spare.session.device_id) and roster.epoch == 2
        # the laptop keeps working and reads old and new
        assert alice.sync().ok
        assert alice.session.keyring.key(cid, 2) is not None
        _note(lead, "after the spare was lost")
        assert lead.sync().ok and alice.sync().ok
        assert {"from the spare", "after the spare was lost"} <= _titles(alice)
        assert spare.session.keyring.key(cid, 2) is None
    finally:
        team.close()


def test_team_list_shows_fingerprints_and_verification(server: Server, tmp_path) -> None:
    from sync.client import find_device, fingerprint, team_view

    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        ins = alice.session.find_inspection("Northshire 2026")
        view = team_view(alice.session, ins)
        assert [(d.user, d.role) for d in view] == [("alice", "member"), ("lead", "lead")]
        lead_row = next(d for d in view if d.user == "lead")
        assert lead_row.fingerprint == fingerprint(lead.session.keys.device.sign_pub)
        assert not lead_row.verified
        dev = find_device(alice.session, ins, lead_row.fingerprint[:9])
        alice.session.rosters.mark_verified(dev.device_id)
        alice.relock()
        assert next(d for d in team_view(alice.session, ins) if d.user == "lead").verified
    finally:
        team.close()
