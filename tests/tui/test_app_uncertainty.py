"""Areas of uncertainty in the app (issue 6): the list under the evidence matrix, assigning,
resolving with the evidence of other notes, reopening, and the store's refusals in words."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable, Input, Label, SelectionList, Static

from store import Note, Profile, Session
from store.inspection import follow_ups
from tui._commands_palette import commands_for
from tui.screens.editor import EditorScreen
from tui.screens.help import binding_groups
from tui.screens.matrix import MatrixScreen
from tui.screens.uncertainty import AssignModal, ResolveModal, UncertaintyScreen

from .conftest import make_app
from .test_app_editor import open_workspace

pytestmark = pytest.mark.anyio


def seed(session: Session) -> dict[str, Note]:
    ins = session.find_inspection(None)
    return {
        "fg": session.create(ins, "focus_group", "Health visitors focus group",
                             "Long waits for initial referral discussions.",
                             {"number_attending": 7}, ["S1", "status:uncertainty"]),
        "rr": session.create(ins, "record_review", "Record review R-017",
                             "Referral discussion held within 24 h.", {"pseudonym": "R-017"},
                             ["S1"]),
        "loose": session.create(ins, "note", "Out-of-hours cover", "Unclear who covers.",
                                tags=["status:uncertainty"]),
        "iv": session.create(ins, "interview", "Parent meeting, family C", "They felt heard.",
                             {"agreement_obtained": True}, ["S3"]),
    }


def rows(screen: UncertaintyScreen) -> list[list[str]]:
    table = screen.query_one("#areas", DataTable)
    return [[str(c).strip() for c in table.get_row_at(i)] for i in range(table.row_count)]


def detail(screen: UncertaintyScreen) -> str:
    return str(screen.query_one("#area-detail", Static).render())


def audits(session: Session) -> int:
    return len(session.audit_events(session.find_inspection(None)))


async def open_areas(pilot: Any, session: Session) -> UncertaintyScreen:
    await open_workspace(pilot, session)
    await pilot.press("m")
    await pilot.pause()
    assert isinstance(pilot.app.screen, MatrixScreen)
    await pilot.press("u")
    await pilot.pause()
    assert isinstance(pilot.app.screen, UncertaintyScreen)
    return pilot.app.screen


async def test_lists_the_areas_and_opens_a_note(fprofile: Profile, fsession: Session) -> None:
    notes = seed(fsession)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_areas(pilot, fsession)
        assert [(r.row, r.note_id) for r in screen.rows] == [
            ("S1", notes["fg"].note_id), ("unassigned", notes["loose"].note_id)]
        listed = rows(screen)
        assert listed[0][0].startswith("1 Safer, risks")
        assert listed[0][1:] == ["Health visitors foc…", "open", "–", ""]
        assert listed[1][:3] == ["not linked", "Out-of-hours cover", "open"]
        assert "Open: nobody looks into it yet." in detail(screen)
        assert "2 open · 0 assigned · 0 resolved" in str(
            screen.query_one("#title-right", Label).render())
        names = {n for n, _, _ in commands_for(app, screen)}
        assert {"Uncertainty: Assign", "Uncertainty: Resolve", "Uncertainty: Reopen",
                "Uncertainty: Open note"} <= names
        await pilot.press("j", "enter")
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen)
        assert app.screen.note_id == notes["loose"].note_id
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MatrixScreen)
        assert "Evidence: Areas of uncertainty" in {n for n, _, _ in commands_for(app,
                                                                                  app.screen)}


async def test_assign_resolve_and_reopen(fprofile: Profile, fsession: Session) -> None:
    notes = seed(fsession)
    ins = fsession.find_inspection(None)
    fg = notes["fg"].note_id
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_areas(pilot, fsession)
        # assign
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AssignModal)
        assert app.screen.query_one("#assignee", Input).value == ""
        await pilot.press(*"LR2", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert rows(screen)[0][2:4] == ["assigned", "LR2"]
        assert "Assigned to LR2" in detail(screen)
        assert follow_ups(fsession, ins)[fg].assigned_to == "LR2"
        # the dialog offers the current assignee
        await pilot.press("a")
        await pilot.pause()
        assert app.screen.query_one("#assignee", Input).value == "LR2"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        # resolve with one evidence note and a comment
        await pilot.press("r")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ResolveModal)
        choices = modal.query_one("#resolve-evidence", SelectionList)
        offered = [choices.get_option_at_index(i).value for i in range(choices.option_count)]
        # the inspection's other live notes, newest first; not the area's own note
        assert offered == [notes[k].note_id for k in ("iv", "loose", "rr")]
        await pilot.press("down", "down", "space")  # Record review R-017
        await pilot.pause()
        assert modal.evidence() == [notes["rr"].note_id]
        await pilot.press("tab", *"Held within 24 h", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert rows(screen)[0][2:] == ["resolved", "LR2", "Record revi…"]
        text = detail(screen)
        assert "Resolved by Record review R-017" in text
        assert "Comment: Held within 24 h" in text
        follow = follow_ups(fsession, ins)[fg]
        assert (follow.state, follow.evidence, follow.comment, follow.assigned_to) == (
            "resolved", (notes["rr"].note_id,), "Held within 24 h", "LR2")
        assert "1 open · 0 assigned · 1 resolved" in str(
            screen.query_one("#title-right", Label).render())
        # reopen: back with its assignee
        await pilot.press("o")
        await pilot.pause()
        assert rows(screen)[0][2:] == ["assigned", "LR2", ""]
        assert follow_ups(fsession, ins)[fg].state == "assigned"
        # an area that is not resolved: nothing to reopen, nothing recorded
        before = audits(fsession)
        await pilot.press("o")
        await pilot.pause()
        assert audits(fsession) == before


async def test_resolve_without_evidence_is_refused_in_words(fprofile: Profile,
                                                            fsession: Session) -> None:
    notes = seed(fsession)
    ins = fsession.find_inspection(None)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_areas(pilot, fsession)
        await pilot.press("j", "r")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ResolveModal)
        assert modal.area.note_id == notes["loose"].note_id
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is modal  # stays, with the reason
        message = modal.query_one(".area-message", Label)
        assert message.display
        assert "name the note (or notes) whose evidence resolved it" in str(message.render())
        assert notes["loose"].note_id not in follow_ups(fsession, ins)
        assert audits(fsession) == 0
        # an empty name is refused the same way
        await pilot.press("escape", "a")
        await pilot.pause()
        assert isinstance(app.screen, AssignModal)
        await pilot.press("enter")
        await pilot.pause()
        assert "say who looks into it" in str(app.screen.query_one(".area-message",
                                                                   Label).render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert rows(screen)[1][2] == "open"
        assert audits(fsession) == 0


async def test_palette_opens_the_areas_from_the_workspace(fprofile: Profile,
                                                          fsession: Session) -> None:
    seed(fsession)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        workspace = await open_workspace(pilot, fsession)
        found = {n: cb for n, cb, _ in commands_for(app, workspace)}
        found["Evidence: Areas of uncertainty"]()
        await pilot.pause()
        assert isinstance(app.screen, UncertaintyScreen)
        assert len(app.screen.rows) == 2


async def test_no_areas_yet(fprofile: Profile, fsession: Session) -> None:
    ins = fsession.find_inspection(None)
    fsession.create(ins, "note", "Calm duty team", "Nothing unclear.", tags=["S4"])
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_areas(pilot, fsession)
        assert screen.rows == [] and rows(screen) == []
        assert "No areas of uncertainty" in str(screen.query_one("#areas-hint",
                                                                 Label).render())
        await pilot.press("a", "r", "o", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert audits(fsession) == 0


def test_help_lists_the_areas_keys() -> None:
    groups = dict(binding_groups())
    keys = {b.key for b in groups["Uncertainty areas"]}
    assert {"enter", "a", "r", "o", "escape"} <= keys
    assert "Resolving an area" in groups and "Assigning an area" in groups
