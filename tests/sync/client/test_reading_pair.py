"""Issue 6 records reading through a real server, on SQLite and PostgreSQL: a local records
reader paired with an inspector joins the pair's collection alone; their record reviews are
read by the pair and the leads only; the reader can pull or decrypt nothing outside the pair,
and nothing at all once the reading days are over (the lead's device then rotates the pair's
key, so the reader cannot read what is written later even given the ciphertext)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from store import UnknownKey, open_envelope
from sync.client import AccessDenied
from tests.sync.client.conftest import Device, Server, make_team

NAME = "Northshire 2026"


def _review(device: Device, title: str) -> str:
    ins = device.session.find_inspection(NAME)
    return device.session.create(ins, "record_review", title, "Chronology reviewed.",
                                 {"pseudonym": "R-017" if "A" in title else "R-018"}).note_id


def _titles(device: Device) -> set[str]:
    return {n.title for n in device.session.list_notes()}


def _envelope(device: Device, note_id: str) -> bytes:
    return device.session.db.execute(
        "SELECT envelope FROM records WHERE note_id = ? ORDER BY seq DESC", [note_id]
    ).fetchone()[0]


def test_reader_sees_the_pair_only_and_nothing_after_the_reading_days(
        server: Server, tmp_path) -> None:
    team, (lead, insp, alice) = make_team(server, tmp_path, ["insp", "alice"])
    try:
        server.user("reader")
        reader = team.device("reader-laptop", "reader")
        until = (datetime.now(UTC) + timedelta(seconds=12)).isoformat(timespec="seconds")
        ops, c = lead.team_ops()
        with c:
            code = ops.pair("reader", "insp", until)
        assert code  # the reader has no device on the team: an invitation to the pair
        reader.join(code)
        assert lead.sync().ok
        rep = reader.sync()
        assert rep.ok and rep.joined, rep.problems
        assert insp.sync().ok

        team_cid = lead.team()
        pair = next(c for c, (_, kind) in lead.session.collection_roles().items()
                    if kind.startswith("reading-"))
        # the reader holds the pair's key and nothing else
        assert pair in reader.session.collection_roles()
        assert team_cid not in reader.session.collection_roles()
        assert reader.session.keyring.key(pair, 1) is not None
        assert reader.session.keyring.latest_epoch(team_cid) is None

        review = _review(reader, "Review A: record review")
        assert reader.session.get(review).collection_id == pair
        assert reader.sync().ok
        for d in (lead, insp, alice):
            assert d.sync().ok
        assert "Review A: record review" in _titles(lead)
        assert "Review A: record review" in _titles(insp)
        assert "Review A: record review" not in _titles(alice)  # not in the pair

        # outside the pair: refused by the server, unreadable even given the ciphertext
        team_note = lead.session.create(lead.session.find_inspection(NAME), "observation",
                                        "Team only", "not for the reader")
        assert lead.sync().ok
        with reader.client() as rc, pytest.raises(AccessDenied) as err:
            rc.pull(team_cid, {})
        assert err.value.status == 403
        with pytest.raises(UnknownKey):
            open_envelope(_envelope(lead, team_note.note_id),
                          reader.session.keyring.resolver(team_cid), None)

        # the inspector moderates the review inside the pair
        insp.session.save(review, fields={**insp.session.get(review).fields,
                                          "moderation": "agreed"})
        assert insp.sync().ok and reader.sync().ok
        assert reader.session.get(review).fields["moderation"] == "agreed"

        # after the reading days: nothing at all
        time.sleep(max(0.0, (datetime.fromisoformat(until) - datetime.now(UTC))
                       .total_seconds()) + 1.5)
        with reader.client() as rc, pytest.raises(AccessDenied):
            rc.pull(pair, {})
        rep = reader.sync()
        assert rep.access_ended, rep
        assert lead.sync().ok  # removes the reader's device from the pair and rotates
        roster = lead.session.rosters.get(pair)
        assert roster.epoch == 2 and not roster.is_active(reader.session.device_id)
        assert insp.sync().ok
        later = _review(insp, "Review B: after the reading days")
        assert insp.session.get(later).collection_id == pair
        assert insp.sync().ok and lead.sync().ok
        assert "Review B: after the reading days" in _titles(lead)
        with pytest.raises(UnknownKey):
            open_envelope(_envelope(insp, later), reader.session.keyring.resolver(pair), None)
    finally:
        team.close()
