"""Closing, reopening and purging an inspection from the inspections screen (pilot tests)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.widgets import Button, DataTable, Input

from store import Inspection, Profile, Session, close_inspection, purge_log, retention_state
from tui._commands_palette import commands_for
from tui.screens.inspections import InspectionsScreen
from tui.screens.retention import CloseInspectionModal, PurgeInspectionModal

from .conftest import NOW, make_app, unlock

pytestmark = pytest.mark.anyio


async def _on(pilot: Any, session: Session, ins: Inspection) -> InspectionsScreen:
    await unlock(pilot, session)
    screen = pilot.app.screen
    assert isinstance(screen, InspectionsScreen)
    table = screen.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(ins.id_hex))
    await pilot.pause()
    return screen


def _phase(screen: InspectionsScreen, ins: Inspection) -> str:
    return str(screen.query_one(DataTable).get_cell(ins.id_hex, "phase"))


def _palette(app: Any) -> list[str]:
    return [name for name, _, _ in commands_for(app, app.screen)
            if name.startswith("Inspection:")]


def _due(session: Session, name: str) -> Inspection:
    """An inspection closed 40 days before the app's clock with 30 days' retention."""
    ins = session.add_inspection(name)
    session.create(ins, "note", "doomed", "text")
    return close_inspection(session, ins, 30, now=NOW - timedelta(days=40))


async def test_close_then_reopen(fprofile: Profile, fsession: Session) -> None:
    ins = fsession.add_inspection("Old 2025", "Oldshire CPP")
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _on(pilot, fsession, ins)
        assert _palette(app) == ["Inspection: Open", "Inspection: New", "Inspection: Close…",
                                 "Inspection: Timeline…"]
        await pilot.press("P")  # not closed: purge does nothing
        await pilot.press("o")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("x")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, CloseInspectionModal)
        days = modal.query_one("#retention-days", Input)
        assert days.value == "90" and days.has_focus
        days.value = "0"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal and "1 to 3650" in str(
            modal.query_one("#close-message").render())
        days.value = "30"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        closed = fsession.inspections[ins.inspection_id]
        assert retention_state(closed, NOW).purge_after == NOW + timedelta(days=30)
        assert _phase(screen, ins) == "purge after 2026-04-13"
        assert _palette(app) == ["Inspection: Open", "Inspection: New", "Inspection: Timeline…",
                                 "Inspection: Reopen"]
        await pilot.press("o")
        await pilot.pause()
        assert retention_state(fsession.inspections[ins.inspection_id]).status == "open"
        assert _phase(screen, ins) == "–"


async def test_closing_with_open_concerns_names_them_first(fprofile: Profile,
                                                           fsession: Session) -> None:
    ins = fsession.add_inspection("Old 2025")
    fsession.create(ins, "concern", "Concern from R-017", "", {
        "raised_at": "2026-03-14T08:00+00:00", "nature": "No recent home visit.",
        "immediacy": "immediate"})
    done = fsession.create(ins, "concern", "Closed concern", "", {
        "raised_at": "2026-03-13T08:00+00:00", "nature": "Sorted.", "immediacy": "routine",
        "closed": True})
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _on(pilot, fsession, ins)
        await pilot.press("x")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, CloseInspectionModal)
        warning = str(modal.query_one("#close-concerns").render())
        assert "1 open concern" in warning and "“Concern from R-017” (raised 2 h ago" in warning
        assert done.title not in warning
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert retention_state(fsession.inspections[ins.inspection_id]).status == "open"


async def test_close_can_be_cancelled(fprofile: Profile, fsession: Session) -> None:
    ins = fsession.add_inspection("Old 2025")
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _on(pilot, fsession, ins)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert retention_state(fsession.inspections[ins.inspection_id]).status == "open"


async def test_purge_needs_the_name_typed(fprofile: Profile, fsession: Session) -> None:
    ins = _due(fsession, "Old 2025")
    keep = fsession.create(fsession.find_inspection("Notebook"), "note", "kept", "text")
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _on(pilot, fsession, ins)
        assert _phase(screen, ins) == "purge due"
        assert "Inspection: Purge…" in _palette(app)
        await pilot.press("P")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, PurgeInspectionModal)
        purge = modal.query_one("#purge", Button)
        assert purge.disabled
        await pilot.press(*"old 2025", "enter")  # not the name, exactly
        await pilot.pause()
        assert app.screen is modal and purge.disabled
        modal.query_one("#purge-name", Input).value = "Old 2025"
        await pilot.pause()
        assert not purge.disabled
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen
        assert ins.inspection_id not in fsession.inspections
        assert [n.note_id for n in fsession.list_notes()] == [keep.note_id]
        table = screen.query_one(DataTable)
        assert table.row_count == 1
        assert [e.name for e in purge_log(fsession)] == ["Old 2025"]


async def test_purge_cancelled_and_refused_while_syncing(fprofile: Profile,
                                                         fsession: Session) -> None:
    ins = _due(fsession, "Old 2025")
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _on(pilot, fsession, ins)
        await pilot.press("P")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and ins.inspection_id in fsession.inspections
        app.sync_running = True
        screen.action_purge()
        await pilot.pause()
        assert app.screen is screen
        app.sync_running = False
        assert ins.inspection_id in fsession.inspections


async def test_a_server_refusal_purges_nothing(fprofile: Profile, fsession: Session,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import sync.client as sync_client
    from store import FieldpadError

    ins = _due(fsession, "Old 2025")

    def refuse(session: Session, inspection: Inspection) -> None:
        raise FieldpadError("the server could not be reached")

    monkeypatch.setattr(sync_client, "request_server_purge", refuse)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _on(pilot, fsession, ins)
        await pilot.press("P")
        await pilot.pause()
        app.screen.query_one("#purge-name", Input).value = "Old 2025"
        await pilot.pause()
        await pilot.click("#purge")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen
        assert ins.inspection_id in fsession.inspections
        assert len(fsession.list_notes(fsession.inspections[ins.inspection_id])) == 1
        assert purge_log(fsession) == []
