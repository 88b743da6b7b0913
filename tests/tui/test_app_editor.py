"""Editors: a note of every kind made, edited and tagged through the keyboard; validation next to
the fields; the minimisation warning; autosave, including across an abrupt exit."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Checkbox, Input, Label, TextArea
from textual.widgets.text_area import Selection

from store import KdfParams, PassageTag, Profile, Session
from store.inspection import KINDS
from tui.screens.editor import EditorScreen, KindModal, TagModal
from tui.screens.workspace import WorkspaceScreen
from tui.widgets.choice import ChoiceField
from tui.widgets.grade_grid import GradeGrid

from .conftest import PASSPHRASE, advance, make_app, unlock

pytestmark = pytest.mark.anyio


async def type_into(pilot: Any, selector: str, text: str) -> None:
    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    await pilot.pause()
    if isinstance(widget, Input):
        widget.action_end()  # focusing selects everything; type after it instead
    elif isinstance(widget, TextArea):
        widget.move_cursor(widget.document.end)
    await pilot.press(*text)


async def open_workspace(pilot: Any, session: Session) -> WorkspaceScreen:
    await unlock(pilot, session)
    await pilot.press("enter")  # the only inspection, "Notebook"
    await pilot.pause()
    assert isinstance(pilot.app.screen, WorkspaceScreen)
    return pilot.app.screen


async def new_note(pilot: Any, kind: str) -> EditorScreen:
    await pilot.press("n")
    await pilot.pause()
    assert isinstance(pilot.app.screen, KindModal)
    await pilot.press(str(KINDS.index(kind) + 1))
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, EditorScreen) and screen.kind == kind
    return screen


async def fill_required(pilot: Any, kind: str) -> dict[str, Any]:
    """Fill what each kind needs, mostly with keys; returns the fields expected in the store."""
    screen = pilot.app.screen
    if kind == "record_review":
        screen.query_one("#f-pseudonym", Input).value = "R-01"
        await type_into(pilot, "#f-pseudonym", "7")
        screen.query_one(GradeGrid).focus_row(1)  # chronology
        await pilot.press("5")  # excellent ... weak
        screen.query_one("#f-agencies").focus()
        await pilot.press("2")  # health
        return {"pseudonym": "R-017", "chronology_grade": "weak", "agencies": ["health"]}
    if kind == "interview":
        screen.query_one("#f-agreement_obtained", Checkbox).focus()
        await pilot.press("space")
        return {"agreement_obtained": True}
    if kind == "focus_group":
        await type_into(pilot, "#f-number_attending", "7")
        return {"number_attending": 7}
    if kind == "observation":
        screen.query_one("#f-process", ChoiceField).value = "core group"
        return {"process": "core group"}
    if kind == "partnership_discussion":
        await type_into(pilot, "#f-number", "2")
        return {"number": 2}
    if kind == "concern":
        await type_into(pilot, "#f-nature", "Unsafe")  # a long text field, typed
        screen.query_one("#f-immediacy").focus()
        await pilot.press("left")  # from "choose" back to the last choice
        assert screen.query_one("#f-immediacy", ChoiceField).value == "routine"
        return {"nature": "Unsafe", "immediacy": "routine", "raised_by": "AI",
                "raised_at": "2026-03-14T10:00"}
    if kind == "good_practice":
        await type_into(pilot, "#f-description", "Joint")
        return {"description": "Joint"}
    return {}


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
async def test_create_edit_and_tag_a_note_of_every_kind(fprofile: Profile, fsession: Session,
                                                        kind: str) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, fsession)
        editor = await new_note(pilot, kind)
        assert editor.has_class("concern") == (kind == "concern")
        await type_into(pilot, "#f-title", "A")
        expected = await fill_required(pilot, kind)
        await type_into(pilot, "#f-body", "Ok")
        await pilot.press("ctrl+s")
        await pilot.pause()
        note = fsession.get(editor.note_id)
        assert (note.kind, note.title, note.body, note.state) == (kind, "A", "Ok", "active")
        for name, value in expected.items():
            assert note.fields[name] == value, name

        # edit: a second revision
        await type_into(pilot, "#f-title", "2")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert fsession.get(editor.note_id).title == "A2"
        assert [r.title for r in fsession.history(editor.note_id)][-2:] == ["A", "A2"]

        # tag the note: S1 ticked, QI2.1 typed
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, TagModal)
        await pilot.press("space")  # S1, the first choice
        app.screen.query_one("#tag-other", Input).value = "qi2."
        await type_into(pilot, "#tag-other", "1")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen)
        # tag a passage: "Ok", selected
        body = app.screen.query_one("#f-body", TextArea)
        body.focus()
        body.selection = Selection((0, 0), (0, 2))
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, TagModal)
        await pilot.press("down", "down", "down", "down", "space", "ctrl+s")  # status:nsc
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        note = fsession.get(editor.note_id)
        assert note.tags == ("S1", "QI2.1")
        assert note.passages == (PassageTag(0, 2, "status:nsc"),)
        assert "S1" in str(app.screen.query_one("#tags-line", Label).render())
        assert "status:nsc “Ok”" in str(app.screen.query_one("#passages-line", Label).render())


@pytest.mark.slow
async def test_validation_messages_next_to_fields(fprofile: Profile, fsession: Session) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, fsession)
        editor = await new_note(pilot, "record_review")
        await type_into(pilot, "#f-title", "Review")
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = editor.query_one("#err-pseudonym", Label)
        assert error.display and "Sample pseudonym is required" in str(error.render())
        assert not editor.query("#err-title") or not editor.query_one("#err-title").display
        # nothing typed is lost: the form is a draft in the store
        assert fsession.get(editor.note_id).title == "Review"
        assert app.focused is editor.query_one("#f-pseudonym")
        await pilot.press(*"Jane")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "never a name" in str(error.render())
        editor.query_one("#f-pseudonym", Input).value = ""
        await type_into(pilot, "#f-pseudonym", "R-1")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not error.display
        assert fsession.get(editor.note_id).fields["pseudonym"] == "R-1"


@pytest.mark.slow
async def test_minimisation_warning_line(fprofile: Profile, fsession: Session) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, fsession)
        editor = await new_note(pilot, "note")
        await type_into(pilot, "#f-title", "Visit")
        line = editor.query_one("#minimise-line", Label)
        editor.query_one("#f-body", TextArea).load_text("We met Jane Smith at the school.")
        await pilot.pause()
        await advance(pilot, 0.25)  # the autosave, which checks the text
        assert line.display
        assert "Jane Smith" in str(line.render()) and "designation" in str(line.render())
        editor.query_one("#f-body", TextArea).load_text("We met the head teacher.")
        await pilot.pause()
        await advance(pilot, 0.25)
        assert not line.display


@pytest.mark.slow
async def test_autosave_indicator_and_survives_abrupt_exit(fprofile: Profile,
                                                           fsession: Session) -> None:
    app = make_app(fprofile, autosave_delay=0.5)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, fsession)
        editor = await new_note(pilot, "interview")
        await type_into(pilot, "#f-title", "Carer")
        await type_into(pilot, "#f-body", "She said")
        assert editor.status == "● unsaved"
        await advance(pilot, 0.25)  # not quiet long enough yet
        assert editor.status == "● unsaved"
        await advance(pilot, 0.25)
        assert editor.status == "saved 09:40 · draft"
        note_id = editor.note_id
        # another process opens the profile while the app still runs: the draft is on disk
        other = Profile(fprofile.directory).unlock(PASSPHRASE)
        assert (other.get(note_id).title, other.get(note_id).body) == ("Carer", "She said")
        other.lock()
        await type_into(pilot, "#f-body", " hello")
        await advance(pilot, 0.5)
        # an abrupt end: the app is torn down without going back, saving or quitting
    reopened = Profile(fprofile.directory).unlock(PASSPHRASE)
    assert reopened.get(note_id).body == "She said hello"
    # autosave replaced its draft in place: one record for the whole note
    assert len(reopened.history(note_id)) == 1


async def test_quit_saves_what_was_just_typed(fprofile: Profile, fsession: Session) -> None:
    app = make_app(fprofile, autosave_delay=30)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, fsession)
        editor = await new_note(pilot, "note")
        await type_into(pilot, "#f-title", "Quick")
        assert editor.note_id is None  # not autosaved yet
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert [n.title for n in fsession.list_notes()] == ["Quick"]


@pytest.mark.slow
async def test_passage_tags_follow_their_text(fprofile: Profile, fsession: Session) -> None:
    ins = fsession.find_inspection(None)
    note = fsession.create(ins, "note", "Walk", "Busy duty team. Calm manager.",
                           passages=[PassageTag(16, 29, "strength")])
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, fsession)
        await pilot.press("enter")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        body = editor.query_one("#f-body", TextArea)
        body.focus()
        body.move_cursor((0, 0))
        await pilot.press(*"Very ")
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = fsession.get(note.note_id)
        assert saved.body == "Very Busy duty team. Calm manager."
        assert saved.passages == (PassageTag(21, 34, "strength"),)
        assert saved.body[21:34] == "Calm manager."


@pytest.mark.slow
async def test_new_note_left_empty_leaves_nothing(fprofile: Profile, fsession: Session) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, fsession)
        await new_note(pilot, "focus_group")
        await advance(pilot, 0.5)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WorkspaceScreen)
    assert fsession.list_notes() == []


def test_kdf_floor_is_what_tests_use() -> None:
    assert KdfParams.floor().memory_kib == 64 * 1024


@pytest.mark.slow
async def test_autosave_failure_is_said_and_retried(fprofile: Profile, fsession: Session,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    ins = fsession.find_inspection(None)
    note = fsession.create(ins, "note", "Full disk", "before")
    real_save = Session.save
    failures = [1]

    def flaky(self, *args, **kwargs):
        if failures:
            failures.pop()
            raise sqlite3.OperationalError("database or disk is full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Session, "save", flaky)
    app = make_app(fprofile, autosave_delay=0.25)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, fsession)
        await pilot.press("enter")
        await pilot.pause()
        editor = app.screen
        await type_into(pilot, "#f-body", "!")
        await advance(pilot, 0.25)
        assert editor.status == "● not saved"
        assert fsession.get(note.note_id).body == "before"
        await advance(pilot, 1)  # the retry waits five autosave delays
        assert editor.status == "● not saved"
        await advance(pilot, 0.25)
        assert editor.status.startswith("saved")
        assert fsession.get(note.note_id).body == "before!"


async def test_a_screen_on_top_and_a_suspend_save_what_was_typed(fprofile: Profile,
                                                                  fsession: Session) -> None:
    app = make_app(fprofile, autosave_delay=30)  # autosave alone would wait half a minute
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, fsession)
        editor = await new_note(pilot, "note")
        await type_into(pilot, "#f-title", "Before help")
        assert editor.note_id is None
        await pilot.press("f1")  # help on top: a screen change
        await pilot.pause()
        assert fsession.get(editor.note_id).title == "Before help"
        await pilot.press("escape")
        await type_into(pilot, "#f-body", "Then ctrl+z")
        app.app_suspend_signal.publish(app)  # what ctrl+z and App.suspend() announce
        await pilot.pause()
        assert fsession.get(editor.note_id).body == "Then ctrl+z"
