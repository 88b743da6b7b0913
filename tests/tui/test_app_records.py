"""The records-reading screen and its moderation dialog, the concerns queue's steps, and the
editor's sealed child identifier, driven through the keyboard."""

from __future__ import annotations

import os
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from textual.widgets import DataTable, Input, Label, RadioSet, Static

from store import Profile, Session
from store.crypto import is_sealed
from tui._commands_palette import commands_for
from tui.screens.concern_step import StepModal
from tui.screens.concerns import ConcernsScreen
from tui.screens.confirm import ConfirmModal
from tui.screens.editor import EditorScreen
from tui.screens.reviews import ModerateModal, ReviewsScreen
from tui.widgets.choice import ChoiceField
from tui.widgets.note_pick import NotePickField

from .conftest import make_app, unlock
from .test_app_editor import open_workspace, type_into

pytestmark = pytest.mark.anyio

CHILD = "CHI 0101011234"


def reviews(session: Session) -> tuple[Any, Any]:
    ins = session.find_inspection(None)
    r17 = session.create(ins, "record_review", "Record review R-017", "",
                         {"pseudonym": "R-017", "chronology_grade": "weak",
                          "outcomes_grade": "good"})
    r18 = session.create(ins, "record_review", "Record review R-018", "",
                         {"pseudonym": "R-018", "chronology_grade": "weak"})
    return r17, r18


def rows(table: DataTable) -> list[list[str]]:
    return [[str(c).strip() for c in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.slow
async def test_reviews_screen_lists_reviews_and_sums_grades(fprofile: Profile,
                                                            fsession: Session) -> None:
    reviews(fsession)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        workspace = await open_workspace(pilot, fsession)
        names = [name for name, _, _ in commands_for(app, workspace)]
        assert "Reviews: Record reviews" in names
        await pilot.press("R")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewsScreen)
        listed = rows(screen.query_one("#reviews", DataTable))
        assert [(r[0], r[3], r[4]) for r in listed] == [("R-017", "2/10", "not yet moderated"),
                                                         ("R-018", "1/10", "not yet moderated")]
        summary = {r[0]: r[1:] for r in rows(screen.query_one("#grade-summary", DataTable))}
        assert summary["Chronology"] == ["·", "·", "·", "·", "2", "·", "2"]
        assert summary["Outcomes"] == ["·", "·", "1", "·", "·", "·", "1"]
        assert summary["Risk assessment"][-1] == "0"
        assert {"Reviews: Moderate", "Reviews: Open"} <= {
            n for n, _, _ in commands_for(app, screen)}
        await pilot.press("j", "enter")
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen)
        assert app.screen.query_one("#f-pseudonym", Input).value == "R-018"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is workspace


@pytest.mark.slow
async def test_moderation_modal_amends_with_notes(fprofile: Profile, fsession: Session) -> None:
    r17, _ = reviews(fsession)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        app.push_screen(ReviewsScreen(fsession.find_inspection(None)))
        await pilot.pause()
        screen = app.screen
        await pilot.press("m")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ModerateModal) and modal.note.note_id == r17.note_id
        # amend, change a grade, but forget the notes: refused in words, nothing saved
        radio = modal.query_one("#moderate-decision", RadioSet)
        assert radio.has_focus
        await pilot.press("right", "enter")  # move to "Amend" and press it
        await pilot.pause()
        assert modal.decision() == "amended"
        modal.query_one("#grade-chronology", ChoiceField).focus()
        await pilot.press("left")  # weak -> adequate
        assert modal.changed_grades() == {"chronology": "adequate"}
        await pilot.press("ctrl+s")
        await pilot.pause()
        message = modal.query_one("#moderate-message", Label)
        assert message.display and "needs moderation notes" in str(message.render())
        assert fsession.get(r17.note_id).fields.get("moderation") is None
        await type_into(pilot, "#moderate-notes", "Updated")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        note = fsession.get(r17.note_id)
        assert (note.fields["moderation"], note.fields["moderation_notes"],
                note.fields["chronology_grade"]) == ("amended", "Updated", "adequate")
        listed = rows(screen.query_one("#reviews", DataTable))
        assert listed[0][4] == "amended"
        summary = {r[0]: r[1:] for r in rows(screen.query_one("#grade-summary", DataTable))}
        assert summary["Chronology"] == ["·", "·", "·", "1", "1", "·", "2"]
        # agreeing with the second one: one key, one save
        await pilot.press("j", "m")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [r[4] for r in rows(screen.query_one("#reviews", DataTable))] == [
            "amended", "agreed"]
        await pilot.press("m", "escape")  # cancelling saves nothing
        await pilot.pause()
        assert app.screen is screen


@pytest.mark.slow
async def test_concern_steps_from_the_queue(fprofile: Profile, fsession: Session) -> None:
    ins = fsession.find_inspection(None)
    concern = fsession.create(ins, "concern", "Concern from R-017", "",
                              {"raised_at": "2026-03-14T09:00", "nature": "no visit",
                               "immediacy": "immediate"})
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConcernsScreen)
        assert {"Concerns: Record decision", "Concerns: Record referral", "Concerns: Close"} <= {
            n for n, _, _ in commands_for(app, screen)}
        steps = str(screen.query_one("#concern-steps", Static).render())
        assert "raised" in steps and "signed AI (this device)" in steps

        await pilot.press("x", "y")  # closing before a decision is refused
        await pilot.pause()
        assert fsession.get(concern.note_id).fields.get("closed") is None

        await pilot.press("d")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, StepModal) and modal.step == "decision"
        modal.query_one("#step-decision", ChoiceField).value = "refer to partnership"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "rationale" in str(modal.query_one("#step-message", Label).render())
        await type_into(pilot, "#step-decision_rationale", "Risk today")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        note = fsession.get(concern.note_id)
        assert note.fields["decision"] == "refer to partnership"
        assert note.fields["decision_rationale"] == "Risk today" and note.fields["decided_at"]
        assert rows(screen.query_one(DataTable))[0][2] == "refer to partnership"
        assert "decision" in str(screen.query_one("#concern-steps", Static).render())

        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, StepModal)
        await type_into(pilot, "#step-partner_lead_contacted", "CSWO")
        app.screen.query_one("#step-referral_method", ChoiceField).value = "phone"
        await type_into(pilot, "#step-referral_reference", "CP-118")
        await pilot.press("enter")  # enter in a one-line field saves too
        await pilot.pause()
        assert app.screen is screen
        assert fsession.get(concern.note_id).fields["referral_reference"] == "CP-118"

        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert fsession.get(concern.note_id).fields["closed"] is True
        assert screen.query_one(DataTable).row_count == 0


async def test_editor_masks_the_sealed_identifier_and_keeps_its_blob(
        fprofile: Profile, fsession: Session) -> None:
    ins = fsession.find_inspection(None)
    note = fsession.create(ins, "concern", "Concern", "",
                           {"raised_at": "2026-03-14T09:00", "nature": "n",
                            "immediacy": "routine", "child_identifier": CHILD})
    blob = note.fields["child_identifier"]
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        app.push_screen(EditorScreen(ins, "concern", note.note_id))
        await pilot.pause()
        editor = app.screen
        field = editor.query_one("#f-child_identifier", Input)
        assert field.password and field.value == CHILD  # this device may open it: masked
        await type_into(pilot, "#f-body", "More")
        editor.flush_autosave()
        assert fsession.get(note.note_id).fields["child_identifier"] == blob  # not re-sealed
        assert not editor.dirty
        await type_into(pilot, "#f-child_identifier", "9")
        editor.flush_autosave()
        saved = fsession.get(note.note_id).fields["child_identifier"]
        assert is_sealed(saved) and saved != blob
        assert fsession.unseal(note.note_id, "child_identifier") == CHILD + "9"


@pytest.mark.slow
async def test_editor_of_a_device_that_cannot_open_it(fprofile: Profile,
                                                      fsession: Session) -> None:
    lead = X25519PrivateKey.generate().public_key().public_bytes_raw()
    fsession.seal_recipients = lambda inspection: [(os.urandom(16), lead), (os.urandom(16),
                                                                            lead)]
    ins = fsession.find_inspection(None)
    note = fsession.create(ins, "concern", "Concern", "",
                           {"raised_at": "2026-03-14T09:00", "nature": "n",
                            "immediacy": "routine", "child_identifier": CHILD})
    blob = note.fields["child_identifier"]
    assert fsession.unseal(note, "child_identifier") is None  # a raiser who is not a lead
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        app.push_screen(EditorScreen(ins, "concern", note.note_id))
        await pilot.pause()
        editor = app.screen
        field = editor.query_one("#f-child_identifier", Input)
        assert field.value == "" and field.placeholder == "sealed for 2 leads — type to replace"
        await type_into(pilot, "#f-body", "x")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert fsession.get(note.note_id).fields["child_identifier"] == blob  # kept as it was
        await type_into(pilot, "#f-child_identifier", "CHI 0202")
        await pilot.press("ctrl+s")
        await pilot.pause()
        replaced = fsession.get(note.note_id).fields["child_identifier"]
        assert is_sealed(replaced) and replaced != blob
        assert fsession.unseal(note.note_id, "child_identifier") is None


@pytest.mark.slow
async def test_editor_raises_a_concern_linked_to_its_note(fprofile: Profile,
                                                          fsession: Session) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, fsession)
        await pilot.press("n", "8")  # a general note
        await pilot.pause()
        editor = app.screen
        await type_into(pilot, "#f-title", "Walk round")
        assert "Note: Raise concern" in {n for n, _, _ in commands_for(app, editor)}
        await pilot.press("ctrl+r")
        await pilot.pause()
        concern = app.screen
        assert isinstance(concern, EditorScreen) and concern.kind == "concern"
        assert editor.note_id is not None  # saved first, so there is an id to link
        assert concern.query_one("#f-linked_note", NotePickField).value == editor.note_id
        await type_into(pilot, "#f-title", "Concern")
        await type_into(pilot, "#f-nature", "Unsafe")
        concern.query_one("#f-immediacy", ChoiceField).value = "routine"
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = fsession.get(concern.note_id)
        assert saved.fields["linked_note"] == editor.note_id and saved.state == "active"


def test_step_line_names_who_signed_and_when() -> None:
    from datetime import UTC, datetime

    from store.inspection import ConcernStep
    from tui.screens.concern_step import step_line

    at = datetime(2026, 3, 14, 9, 40, tzinfo=UTC)
    later = datetime(2026, 3, 15, 8, 5, tzinfo=UTC)
    other = ConcernStep("decision", at, "refer", later, "LR2", b"\x01" * 16)
    assert str(step_line(other, UTC)) == (
        "decision 14 Mar 09:40  signed LR2 (device 01010101) 15 Mar 08:05  refer")
    mine = ConcernStep("referral", at, "by phone", at, "AI", b"\x02" * 16)
    assert str(step_line(mine, UTC, own_device=b"\x02" * 16)) == (
        "referral 14 Mar 09:40  signed AI (this device) 09:40  by phone")
    unknown = ConcernStep("closed", None, "closed")
    assert str(step_line(unknown, UTC)) == "closed   time not recorded  closed"


async def test_concern_editor_shows_each_step_signed(fprofile: Profile, fsession: Session) -> None:
    from store.inspection import record_step

    ins = fsession.find_inspection(None)
    note = fsession.create(ins, "concern", "Concern", "",
                           {"raised_at": "2026-03-14T09:00", "nature": "n",
                            "immediacy": "routine"})
    record_step(fsession, note.note_id, "decision",
                {"decision": "no further action", "decision_rationale": "seen today"})
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        app.push_screen(EditorScreen(ins, "concern", note.note_id))
        await pilot.pause()
        steps = app.screen.query_one("#form-steps", Label)
        text = str(steps.render())
        assert steps.display and "raised" in text and "decision" in text
        assert text.count("signed AI (this device)") == 2
        app.push_screen(EditorScreen(ins, "concern"))
        await pilot.pause()
        assert not app.screen.query_one("#form-steps", Label).display  # nothing saved yet
