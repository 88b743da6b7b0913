"""Provenance through a real server (issue 12): the author of a revision is the member whose
device signed it, in history, the note list, the conflict screen and the export.

Two devices of a team (a lead and a member, bob) sync through a ``fieldpad serve`` process on
loopback. Each device's own author setting is "<user>-laptop"; the verified roster knows them
as "lead" and "bob", so a name read from a payload would show up as "...-laptop".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from store.inspection import export_inspection
from tests.sync.client.conftest import Device, Server, make_team
from tui.screens.conflict import ConflictScreen

from .conftest import make_app, unlock

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def _note_by_bob_edited_by_lead(lead: Device, bob: Device) -> str:
    ins = bob.session.find_inspection("Northshire 2026")
    note = bob.session.create(ins, "interview", "Parent meeting, family C",
                              "Mother described the first visit.\nWaited two weeks.\n",
                              {"agreement_obtained": True})
    assert bob.sync().ok
    assert lead.sync().ok
    lead.session.save(note.note_id, body="Mother described the first visit.\n"
                                          "Waited two weeks for a call back.\n")
    assert lead.sync().ok
    assert bob.sync().ok
    return note.note_id


async def test_lead_edit_is_credited_to_the_lead_everywhere(tmp_path: Path) -> None:
    server = Server(str(tmp_path / "server.db"))
    team = None
    try:
        team, (lead, bob) = make_team(server, tmp_path, ["bob"])
        note_id = _note_by_bob_edited_by_lead(lead, bob)

        # history, on the member's device: bob wrote it, the lead edited it
        history = bob.session.history(note_id)
        assert [r.author for r in history] == ["bob", "lead"]
        assert history[1].signer == lead.session.device_id
        note = bob.session.get(note_id)
        assert (note.author, note.first_author) == ("lead", "bob")
        assert bob.session.author_of(note.collection_id, note.signer).fingerprint

        # the export names the lead as the author of the current revision
        paths = export_inspection(bob.session, bob.session.find_inspection("Northshire 2026"),
                                  "md", tmp_path / "md")
        text = paths[0].read_text()
        assert 'author: "lead"' in text and 'first_author: "bob"' in text, text

        # a conflict: both change the same line offline; bob's device merges at its sync
        base = bob.session.get(note_id).body
        bob.session.save(note_id, body=base.replace("first visit", "first home visit"))
        lead.session.save(note_id, body=base.replace("first visit", "first school visit"))
        assert lead.sync().ok
        assert bob.sync().ok
        assert bob.session.get(note_id).state == "conflicted"

        app = make_app(bob.profile)
        async with app.run_test(size=(80, 24)) as pilot:
            await unlock(pilot, bob.session)
            app.push_screen(ConflictScreen(note_id))
            await pilot.pause()
            left, right = app.screen.query_one("#left-side"), app.screen.query_one("#right-side")
            assert left.border_title.startswith("← yours · bob · "), left.border_title
            assert right.border_title.startswith("theirs · lead · "), right.border_title
            assert left.border_subtitle == "this device"
            assert right.border_subtitle == f"device {lead.session.device_id.hex()[:8]}"
            left_text = str(app.screen.query_one("#left-text").render())
            assert "home visit" in left_text and "school visit" not in left_text
    finally:
        if team is not None:
            team.close()
        server.close()
