"""Two and three devices, offline edits, syncs in every order: all end identical."""

from __future__ import annotations

import itertools

import pytest

from tests.sync.client.conftest import Device

# many devices, many syncs against a real server, or many generated cases
pytestmark = pytest.mark.slow


def snapshot(d: Device) -> dict[str, tuple]:
    return {n.note_id: (n.title, n.body, n.state, tuple(n.tags), n.kind)
            for n in d.session.load_bodies(d.session.list_notes(include_deleted=True))
            if n.inspection_id == d.session.find_inspection("Northshire 2026").inspection_id}


def test_first_sync_makes_collections_and_delivers_keys(team_factory) -> None:
    lead, bob = team_factory(["bob"])
    ins = lead.session.find_inspection("Northshire 2026")
    assert ins.scope == "team"
    n = lead.session.create(ins, "note", "From the lead", "hello team")
    up = lead.sync()
    assert up.up_records >= 1 and up.ok
    down = bob.sync()
    assert down.down_records >= 1 and down.ok
    assert bob.session.get(n.note_id).body == "hello team"
    # nothing to do: one round trip
    again = bob.sync()
    assert again.requests == 1 and again.down_records == 0 and again.up_records == 0


def test_two_devices_offline_edits_converge(team_factory) -> None:
    lead, bob = team_factory(["bob"])
    ins = lead.session.find_inspection("Northshire 2026")
    n = lead.session.create(ins, "interview", "Parent meeting", "line 1\nline 2\nline 3\n",
                            {"agreement_obtained": True})
    lead.sync()
    bob.sync()
    # offline: both edit the same note, and each adds notes of their own
    lead.session.save(n.note_id, body="LEAD\nline 1\nline 2\nline 3\n")
    bob.session.save(n.note_id, body="line 1\nline 2\nline 3\nBOB\n", tags=["S3"])
    lead.session.create(ins, "note", "lead only", "x")
    bob_ins = bob.session.find_inspection("Northshire 2026")
    bob.session.create(bob_ins, "focus_group", "bob only", "y")
    for d in (bob, lead, bob, lead):
        assert d.sync().ok
    assert snapshot(lead) == snapshot(bob)
    merged = lead.session.get(n.note_id)
    assert "LEAD" in merged.body and "BOB" in merged.body and merged.tags == ("S3",)
    lead.relock()
    bob.relock()
    assert snapshot(lead) == snapshot(bob)


def test_three_devices_every_order(team_factory) -> None:
    devices = team_factory(["bob", "cat"])
    ins_of = {d.name: d.session.find_inspection("Northshire 2026") for d in devices}
    shared = devices[0].session.create(ins_of["lead-laptop"], "note", "Shared", "a\nb\nc\n")
    for d in devices:
        d.sync()
    for d in devices:
        d.sync()
    for round_no, order in enumerate(itertools.permutations(devices)):
        for i, d in enumerate(devices):
            cur = d.session.get(shared.note_id)
            d.session.save(shared.note_id, body=cur.body + f"{d.name} r{round_no}\n")
            d.session.create(ins_of[d.name], "note", f"{d.name} {round_no} {i}", "text")
        for d in order:
            d.sync()
        for d in order:
            d.sync()
        snaps = [snapshot(d) for d in devices]
        assert snaps[0] == snaps[1] == snaps[2], f"order {[d.name for d in order]}"
    body = devices[0].session.get(shared.note_id).body
    for d in devices:
        for r in range(6):
            assert f"{d.name} r{r}" in body
