"""Issue 11, items 2-5: every stream heals itself, against a real server process on SQLite and
PostgreSQL whose database is changed underneath it the way a restore from an older backup, a
failing disk or a malicious server would.

- a server rolled back: the author re-sends the same signed records, readers converge;
- a flipped byte: readers set the record aside and tell the server, the author replaces it
  with its own signed copy, readers then receive it and everything after it;
- a stream head set ahead of the author's chain: an ALERT, nothing marked sent, and the note
  goes up once the server is honest again;
- a removed device's records beyond the last seq its removal allows: refused everywhere.
"""

from __future__ import annotations

from pathlib import Path

from store import parse_rev, verify_all
from tests.sync.client._checks import (
    assert_converged,
    assert_server_agrees,
    settle,
    write_notes,
)
from tests.sync.client._tamper import (
    flip_byte,
    force_store,
    roll_back,
    server_head,
    set_head,
    stored,
)
from tests.sync.client.conftest import Device, Server, Team, make_team


def quarantined(device: Device) -> list[tuple[bytes, bytes, int]]:
    return [tuple(r) for r in device.session.db.execute(
        "SELECT collection_id, device_id, seq FROM quarantine").fetchall()]


def converged(devices: list[Device], written: dict[str, str]) -> None:
    for d, r in zip(devices, settle(devices), strict=True):
        assert r.ok and not r.quarantined, (d.name, r.problems, r.quarantined)
    sessions = {d.name: d.session for d in devices}
    assert_converged(sessions, written)
    with devices[0].client() as c:
        assert_server_agrees(c, devices[0].team(), sessions)


def newcomer(team: Team, lead: Device, user: str) -> Device:
    """A member who joins now and pulls the whole team collection from the start."""
    team.server.user(user)
    dev = team.device(f"{user}-laptop", user)
    dev.join(lead.invite(user))
    assert lead.sync().ok
    rep = dev.sync()
    assert rep.ok and not rep.quarantined, (rep.problems, rep.quarantined)
    return dev


# -- item 2: a server rolled back to an older backup ------------------------------------------
def test_a_rolled_back_server_gets_the_lost_records_again(server: Server, tmp_path: Path) -> None:
    team, (lead, bob, cat) = make_team(server, tmp_path, ["bob", "cat"])
    try:
        written: dict[str, str] = {}
        write_notes(lead.session, "before the backup", 2, written)
        write_notes(lead.session, "after the backup", 4, written)
        assert lead.sync().ok
        assert bob.sync().ok  # bob holds every record; cat pulls only after the restore
        cid, me = lead.team(), lead.session.device_id
        head, head_hash = server_head(server, cid, me)
        kept = roll_back(server, cid, me, 4)
        assert server_head(server, cid, me)[0] == kept == head - 4

        rep = lead.sync()
        assert rep.ok, rep.problems
        assert server_head(server, cid, me) == (head, head_hash)  # the same signed bytes
        assert rep.resent == 4 and rep.up_records == 4, (rep.resent, rep.up_records)
        assert any("re-sent 4 records the server had lost" in h for h in rep.healed), rep.healed
        assert not rep.alerts  # a restore is what an honest operator does: no ALERT

        write_notes(lead.session, "later", 2, written)  # the stream goes on from where it was
        rep = lead.sync()
        assert rep.ok and rep.up_records == 2 and rep.resent == 0, (rep.problems, rep.up_records)
        converged([lead, bob, cat], written)
    finally:
        team.close()


# -- item 3: one damaged record on the server -------------------------------------------------
def test_a_damaged_record_is_set_aside_reported_and_replaced_by_its_author(
        server: Server, tmp_path: Path) -> None:
    team, (lead, bob) = make_team(server, tmp_path, ["bob"])
    try:
        written: dict[str, str] = {}
        notes = write_notes(lead.session, "observed", 5, written)
        assert lead.sync().ok
        cid, me = lead.team(), lead.session.device_id
        bad = parse_rev(notes[2].rev)[1]  # two more records follow it
        good = stored(server, cid, me, bad)
        flip_byte(server, cid, me, bad)

        rep = bob.sync()
        assert any(f"/{bad}:" in q for q in rep.quarantined), rep.quarantined
        assert (cid, me, bad) in quarantined(bob)
        assert sorted(n.title for n in bob.session.list_notes()
                      if n.title.startswith("observed")) == ["observed 0", "observed 1"]
        reported = rep

        rep = lead.sync()
        assert rep.ok, rep.problems
        assert stored(server, cid, me, bad) == good  # the author's own signed copy
        assert rep.repaired == 1, rep.repaired
        assert any("replaced 1 damaged record" in h for h in rep.healed), rep.healed
        assert reported.reported_damage == 1, reported.reported_damage

        rep = bob.sync()
        assert rep.ok and not rep.quarantined, (rep.problems, rep.quarantined)
        assert not quarantined(bob)
        for n in notes:
            assert bob.session.get(n.note_id).body == n.body
        dan = newcomer(team, lead, "dan")
        assert {n.title for n in dan.session.list_notes()} >= set(written)
        converged([lead, bob, dan], written)
    finally:
        team.close()


def test_a_false_damage_report_changes_nothing(server: Server, tmp_path: Path) -> None:
    """A member's modified client reports an intact record as damaged: the server checks its
    copy itself and its author is asked for nothing."""
    team, (lead, bob) = make_team(server, tmp_path, ["bob"])
    try:
        notes = write_notes(lead.session, "intact", 2, {})
        assert lead.sync().ok and bob.sync().ok
        cid, me = lead.team(), lead.session.device_id
        seq = parse_rev(notes[1].rev)[1]
        with bob.client() as c:
            answer = c.report_damage(cid, [(me, seq), (me, seq + 50)])
        assert answer == {"damaged": 0, "intact": 1, "unknown": 1}, answer
        rep = lead.sync()
        assert rep.ok and rep.repaired == 0 and not rep.healed, rep.healed
    finally:
        team.close()


# -- item 4: a server that says it holds more of a device's stream than the device wrote -------
def test_a_head_ahead_of_the_authors_chain_is_an_alert(server: Server, tmp_path: Path) -> None:
    team, (lead, bob) = make_team(server, tmp_path, ["bob"])
    try:
        written: dict[str, str] = {}
        write_notes(bob.session, "first", 1, written)
        assert bob.sync().ok
        cid, me = bob.team(), bob.session.device_id
        head, _ = server_head(server, cid, me)
        set_head(server, cid, me, head + 5)
        (note,) = write_notes(bob.session, "second", 1, written)

        rep = bob.sync()
        assert rep.up_records == 0, rep.up_records
        assert len(rep.alerts) == 1 and "ahead" in rep.alerts[0], rep.alerts
        assert not rep.ok
        assert not bob.session.get(note.note_id).pushed
        assert [r.seq for r in bob.session.streams.unpushed(me) if r.collection_id == cid] \
            == [head + 1]
        bob.relock()  # and the record is still unsent after a fresh unlock
        assert not bob.session.get(note.note_id).pushed

        set_head(server, cid, me, head)  # the server is honest again
        rep = bob.sync()
        assert rep.ok and rep.up_records == 1 and not rep.alerts, (rep.problems, rep.up_records)
        assert lead.sync().ok
        assert lead.session.get(note.note_id).title == "second 0"
        converged([lead, bob], written)
    finally:
        team.close()


def test_another_record_at_the_servers_head_is_an_alert(server: Server, tmp_path: Path) -> None:
    """The server's head hash is not the hash of the author's record at that seq (a fork the
    author never made): an ALERT, and no record is marked sent on the server's word."""
    team, (lead, bob) = make_team(server, tmp_path, ["bob"])
    try:
        write_notes(bob.session, "one", 2, {})
        assert bob.sync().ok
        cid, me = bob.team(), bob.session.device_id
        head, _ = server_head(server, cid, me)
        with server.storage._tx() as tx:
            tx.run("UPDATE streams SET head_hash = ? WHERE collection_id = ? AND device_id = ?",
                   (b"\x07" * 32, cid, me))
        (note,) = write_notes(bob.session, "two", 1, {})
        rep = bob.sync()
        assert rep.up_records == 0 and len(rep.alerts) == 1, (rep.up_records, rep.alerts)
        assert f"seq {head}" in rep.alerts[0], rep.alerts
        assert not bob.session.get(note.note_id).pushed
    finally:
        team.close()


# -- item 5: a removed device signs no more ---------------------------------------------------
def test_a_removed_devices_later_records_are_refused(server: Server, tmp_path: Path) -> None:
    team, (lead, bob, cat) = make_team(server, tmp_path, ["bob", "cat"])
    try:
        written: dict[str, str] = {}
        write_notes(bob.session, "bob's evidence", 2, written)
        assert bob.sync().ok
        cid, bob_id = lead.team(), bob.session.device_id
        bob_head = bob.session.streams.head(cid, bob_id).seq
        ops, c = lead.team_ops()
        with c:
            assert ops.remove("bob") == 1
        assert cat.sync().ok  # cat learns of the removal and keeps bob's earlier notes

        # bob's device, with a colluding server, adds a record after its removal (it still
        # holds the old key, and backdating the note inside costs it nothing)
        (late,) = write_notes(bob.session, "planted after removal", 1, {})
        envelope = bob.session.streams.get(cid, bob_id, bob_head + 1).envelope
        force_store(server, envelope)
        for reader in (cat, lead):
            rep = reader.sync()
            assert any("removed" in a and str(bob_head) in a for a in rep.alerts), rep.alerts
            assert late.note_id not in reader.session.notes
            assert reader.session.streams.get(cid, bob_id, bob_head + 1) is None

        # doctor refuses it too, however it got into a profile
        with cat.session.db.atomic():
            cat.session.streams.append(envelope, late.note_id, pushed=True)
        problems = [str(p) for p in verify_all(cat.session).problems]
        assert any("after its removal" in p for p in problems), problems
        assert {n.title for n in cat.session.list_notes()} >= set(written)
        # the bound is the last seq the lead's device held of bob's stream at the removal
        for d in (lead, cat):
            assert d.session.rosters.get(cid).last_seq(bob_id) == bob_head
    finally:
        team.close()


def test_an_old_removal_bounds_its_device_at_what_a_reader_holds(
        server: Server, tmp_path: Path) -> None:
    """A removal signed before removals recorded ``last_seq`` still verifies; it bounds its
    device at what each reader already holds of its stream (nothing a lead signed says more):
    a reader that was behind refuses the rest, with an ALERT, and keeps what it had."""
    from store.team import REMOVE

    team, (lead, bob, cat) = make_team(server, tmp_path, ["bob", "cat"])
    try:
        written: dict[str, str] = {}
        write_notes(bob.session, "held by cat", 2, written)
        assert bob.sync().ok and cat.sync().ok
        cid, bob_id = lead.team(), bob.session.device_id
        held = cat.session.streams.head(cid, bob_id).seq
        (late,) = write_notes(bob.session, "not yet pulled by cat", 1, {})
        assert bob.sync().ok

        ops, c = lead.team_ops()  # what a lead's device did before last_seq existed
        with c:
            c.remove_member(cid, "bob")
            roster = lead.session.rosters.get(cid)
            new, event = roster.sign_next(lead.session.keys.device.signing, REMOVE,
                                          lead.session.device_id, device_id=bob_id,
                                          reason="removed")
            assert "last_seq" not in event.canonical.decode()
            ops.trust.rotate(ops.trust.append(roster, [event], new))

        rep = cat.sync()
        assert cat.session.rosters.get(cid).is_removed(bob_id)
        assert cat.session.rosters.get(cid).last_seq(bob_id) is None
        assert any("removed" in a and f"up to seq {held}" in a for a in rep.alerts), rep.alerts
        assert late.note_id not in cat.session.notes
        assert {n.title for n in cat.session.list_notes()} >= set(written)
        assert verify_all(cat.session).ok
    finally:
        team.close()
