"""The app's sync screen over the real client and a real server process on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from tests.sync.client.conftest import Server, make_team
from tui._sync_adapter import real_sync
from tui.screens.sync import SyncScreen

from .conftest import make_app, unlock

pytestmark = pytest.mark.anyio


@pytest.mark.slow
async def test_sync_now_against_a_real_server(tmp_path: Path) -> None:
    server = Server(str(tmp_path / "server.db"))
    team = None
    try:
        team, (lead, bob) = make_team(server, tmp_path, ["bob"])
        ins = bob.session.find_inspection("Northshire 2026")
        for i in range(3):
            bob.session.create(ins, "note", f"From bob {i}", f"text {i}")
        assert bob.sync().ok
        mine = lead.session.create(lead.session.find_inspection("Northshire 2026"), "note",
                                   "From the lead", "offline all day")
        app = make_app(lead.profile, sync_now=real_sync)
        async with app.run_test(size=(80, 24)) as pilot:
            await unlock(pilot, lead.session)
            await pilot.press("s")
            await pilot.pause()
            assert isinstance(app.screen, SyncScreen)
            await app.workers.wait_for_complete()
            await pilot.pause()
            result = str(app.screen.query_one("#sync-result", Static).render())
            assert "up 1 record" in result and "down 3 records" in result, result
        titles = {n.title for n in lead.session.list_notes()}
        assert {"From bob 0", "From bob 1", "From bob 2", "From the lead"} <= titles
        assert bob.sync().down_records == 1
        assert bob.session.get(mine.note_id).body == "offline all day"
    finally:
        if team is not None:
            team.close()
        server.close()


async def test_sync_without_a_server_says_so(fprofile, fsession) -> None:
    app = make_app(fprofile, sync_now=real_sync)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("s")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "fieldpad enrol" in shown


async def test_the_sync_screen_says_what_was_healed_and_alerts(tmp_path: Path) -> None:
    """Issue 11: records the server lost are sent again and the screen says so; a server that
    claims more of this device's stream than it wrote is an ALERT there."""
    from tests.sync.client._tamper import roll_back, server_head, set_head

    server = Server(str(tmp_path / "server.db"))
    team = None
    try:
        team, (lead, _bob) = make_team(server, tmp_path, ["bob"])
        ins = lead.session.find_inspection("Northshire 2026")
        for i in range(2):
            lead.session.create(ins, "note", f"Evidence {i}", f"text {i}")
        assert lead.sync().ok
        cid, me = lead.team(), lead.session.device_id
        head, _ = server_head(server, cid, me)
        roll_back(server, cid, me, 2)
        app = make_app(lead.profile, sync_now=real_sync)
        async with app.run_test(size=(100, 30)) as pilot:
            await unlock(pilot, lead.session)
            await pilot.press("s")
            await pilot.pause()
            assert isinstance(app.screen, SyncScreen)
            await app.workers.wait_for_complete()
            await pilot.pause()
            result = str(app.screen.query_one("#sync-result", Static).render())
            assert "re-sent 2 records the server had lost" in result, result
            assert "ALERT" not in result
            assert server_head(server, cid, me)[0] == head

            set_head(server, cid, me, head + 4)
            lead.session.create(ins, "note", "Written after", "not sent yet")
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("s")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            result = str(app.screen.query_one("#sync-result", Static).render())
            assert "ALERT" in result and f"up to seq {head + 4}" in result, result
    finally:
        if team is not None:
            team.close()
        server.close()
