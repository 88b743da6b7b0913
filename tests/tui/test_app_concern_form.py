"""The concern form (issue 12): the linked note is picked by its title (typed to filter), the
saved value stays the note's id, and an id that names no note here is shown as unknown, not a
crash, and kept."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from store import Inspection, Profile, Session
from tui.screens.editor import EditorScreen
from tui.widgets.choice import ChoiceField
from tui.widgets.note_pick import NoteChoice, NotePickField, NotePickModal, matching

from .conftest import make_app, unlock
from .test_app_editor import type_into

pytestmark = pytest.mark.anyio


def _notes(session: Session) -> tuple[Inspection, dict[str, str]]:
    ins = session.find_inspection(None)
    ids = {}
    ids["visit"] = session.create(ins, "interview", "Home visit, family A", "",
                                  {"participant_type": "parent or carer",
                                   "agreement_obtained": True}).note_id
    ids["walk"] = session.create(ins, "note", "Walk round the duty team", "Busy.").note_id
    ids["review"] = session.create(ins, "record_review", "Record review R-017", "",
                                   {"pseudonym": "R-017"}).note_id
    return ins, ids


async def test_pick_the_linked_note_by_typing_part_of_its_title(fprofile: Profile,
                                                                fsession: Session) -> None:
    ins, ids = _notes(fsession)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        app.push_screen(EditorScreen(ins, "concern"))
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EditorScreen)
        await type_into(pilot, "#f-title", "No visit recorded")
        await type_into(pilot, "#f-nature", "No home visit since March.")
        form.query_one("#f-immediacy", ChoiceField).value = "routine"
        picker = form.query_one("#f-linked_note", NotePickField)
        picker.focus()
        await pilot.pause()
        assert "none" in str(picker.render())
        await pilot.press(*"duty")  # the first key opens the list, the rest filter it
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, NotePickModal)
        assert modal.query_one("#note-pick-filter", Input).value == "duty"
        assert [c.note_id for c in modal.shown] == [ids["walk"]]
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form and picker.value == ids["walk"]
        shown = str(picker.render())
        assert "Walk round the duty team" in shown and "General note" in shown, shown
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = fsession.get(form.note_id or "")
        assert saved.fields["linked_note"] == ids["walk"]
        assert saved.state == "active"


async def test_arrows_and_enter_pick_from_the_whole_list(fprofile: Profile,
                                                         fsession: Session) -> None:
    ins, ids = _notes(fsession)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        app.push_screen(EditorScreen(ins, "concern", initial_fields={
            "linked_note": ids["walk"]}))
        await pilot.pause()
        picker = app.screen.query_one("#f-linked_note", NotePickField)
        picker.focus()
        await pilot.press("enter")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, NotePickModal)
        # newest first, the current one highlighted; concerns themselves are not offered
        assert [c.note_id for c in modal.shown] == [ids["review"], ids["walk"], ids["visit"]]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert picker.value == ids["visit"]
        await pilot.press("enter", "escape")  # cancel keeps it
        await pilot.pause()
        assert picker.value == ids["visit"]
        await pilot.press("delete")
        assert picker.value is None


async def test_letters_typed_off_the_filter_still_filter(fprofile: Profile,
                                                        fsession: Session) -> None:
    ins, ids = _notes(fsession)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        app.push_screen(EditorScreen(ins, "concern"))
        await pilot.pause()
        app.screen.query_one("#f-linked_note", NotePickField).focus()
        await pilot.press("enter")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, NotePickModal)
        modal.query_one("#note-pick-list").focus()  # the focus off the filter, say by a click
        await pilot.press(*"visit")
        await pilot.pause()
        assert modal.query_one("#note-pick-filter", Input).value == "visit"
        assert [c.note_id for c in modal.shown] == [ids["visit"]]


async def test_an_unknown_linked_note_is_shown_as_unknown_and_kept(fprofile: Profile,
                                                                   fsession: Session) -> None:
    ins, _ids = _notes(fsession)
    gone = "deadbeef" * 4
    concern = fsession.create(ins, "concern", "From a purged note", "",
                              {"raised_at": "2026-03-14T09:41", "nature": "Unsafe.",
                               "immediacy": "routine", "linked_note": gone})
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        app.push_screen(EditorScreen(ins, "concern", concern.note_id))
        await pilot.pause()
        form = app.screen
        picker = form.query_one("#f-linked_note", NotePickField)
        assert str(picker.render()) == "(unknown note deadbeef)"
        await type_into(pilot, "#f-title", " (checked)")
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = fsession.get(concern.note_id)
        assert saved.title == "From a purged note (checked)"
        assert saved.fields["linked_note"] == gone


def test_filtering_matches_title_kind_and_author_words() -> None:
    choices = [NoteChoice("a" * 32, "Home visit, family A", "Interview", "AI"),
               NoteChoice("b" * 32, "Walk round the duty team", "General note", "BK")]
    assert matching(choices, "") == choices
    assert matching(choices, "VISIT") == choices[:1]
    assert matching(choices, "general bk") == choices[1:]
    assert matching(choices, "walk interview") == []
    assert str(choices[0].line(30)) == "Home visit, … · Interview · AI"  # 30 wide
