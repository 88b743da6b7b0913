"""The concern form by role (issue 12): a member (the raiser) sees only the raiser's part; the
lead's decision and referral fields are not in the member's form at all, and a member's save
keeps the lead's values, even ones recorded after the form was opened. A lead sees them all.
The rosters are real signed rosters (as in test_app_team)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Label

from store import Inspection, Session
from store.inspection import LEAD_FIELDS
from tui.screens.editor import EditorScreen
from tui.widgets.choice import ChoiceField

from .conftest import make_app, unlock
from .test_app_editor import type_into
from .test_app_team import add_team, fixed_profile

pytestmark = pytest.mark.anyio

DECIDED = {"decision": "refer to partnership", "decision_rationale": "Risk is current.",
           "decided_at": "2026-03-14T09:50", "partner_lead_contacted": "Service manager",
           "referral_method": "phone"}


def _concern(session: Session, ins: Inspection, **extra: Any) -> str:
    return session.create(ins, "concern", "No visit recorded", "",
                          {"raised_by": "AI", "raised_at": "2026-03-14T09:41",
                           "nature": "No home visit since March.", "immediacy": "routine",
                           **extra}).note_id


def _screen_text(screen: EditorScreen) -> str:
    return " ".join(str(label.render()) for label in screen.query(Label))


async def _open(pilot: Any, session: Session, ins: Inspection, note_id: str) -> EditorScreen:
    await unlock(pilot, session)
    pilot.app.push_screen(EditorScreen(ins, "concern", note_id))
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, EditorScreen)
    return screen


async def test_a_member_sees_only_the_raisers_part_and_keeps_the_leads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=False)
    note_id = _concern(session, ins, **DECIDED)
    app = make_app(profile)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _open(pilot, session, ins, note_id)
        for name in LEAD_FIELDS:  # not hidden from view only: not in the form at all
            assert not form.query(f"#f-{name}") and not form.query(f"#row-{name}"), name
        text = _screen_text(form)
        assert "Lead's decision" not in text and "Referral" not in text
        assert "Risk is current" not in text
        assert form.query("#f-nature") and form.query("#f-linked_note")
        assert form.query("#f-child_identifier")  # the raiser may record it, sealed

        # the lead's referral arrives while the member's form is open (by a sync: this
        # device may not record a lead's step itself)
        current = session.get(note_id)
        session.save(note_id, fields={**current.fields, "referral_reference": "REF-7",
                                      "referral_at": "2026-03-14T10:05"})
        await type_into(pilot, "#f-nature", " Checked the file again.")
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = session.get(note_id)
    assert saved.fields["nature"] == "No home visit since March. Checked the file again."
    for name, value in DECIDED.items():
        assert saved.fields[name] == value, name
    assert saved.fields["referral_reference"] == "REF-7"
    assert saved.fields["referral_at"]  # stamped by the lead's step, kept


async def test_a_members_autosave_keeps_the_leads_values(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=False)
    note_id = _concern(session, ins, **DECIDED)
    app = make_app(profile)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _open(pilot, session, ins, note_id)
        await type_into(pilot, "#f-title", " (family B)")
        assert form.flush_autosave() is not None
    saved = session.get(note_id)
    assert saved.title == "No visit recorded (family B)"
    assert {k: saved.fields.get(k) for k in DECIDED} == DECIDED


async def test_a_lead_sees_and_records_the_decision(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=True)
    note_id = _concern(session, ins)
    app = make_app(profile)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _open(pilot, session, ins, note_id)
        for name in LEAD_FIELDS:
            assert form.query(f"#f-{name}"), name
        assert "Lead's decision" in _screen_text(form)
        form.query_one("#f-decision", ChoiceField).value = "seek more information"
        await type_into(pilot, "#f-decision_rationale", "Ask the school.")
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = session.get(note_id)
    assert saved.fields["decision"] == "seek more information"
    assert saved.fields["decision_rationale"] == "Ask the school."


async def test_a_member_raises_a_new_concern_without_the_leads_part(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=False)
    app = make_app(profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, session)
        app.push_screen(EditorScreen(ins, "concern"))
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EditorScreen)
        assert not form.query("#f-decision") and not form.query("#f-closed")
        await type_into(pilot, "#f-title", "Worry")
        await type_into(pilot, "#f-nature", "Unsafe sleeping.")
        form.query_one("#f-immediacy", ChoiceField).value = "immediate"
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = session.get(form.note_id or "")
    assert saved.fields["nature"] == "Unsafe sleeping." and saved.state == "active"
    assert not any(name in saved.fields for name in LEAD_FIELDS)


@pytest.mark.parametrize("lead", [False, True])
def test_note_show_of_a_concern_by_role(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str], lead: bool) -> None:
    """``fieldpad note show`` (text and --json), in process: a member's device leaves the lead's
    part out, as the form does; a lead's shows it."""
    import argparse
    import json

    from tests.conftest import PASSPHRASE
    from tui.cli import _note
    from tui.cli._common import lock_all

    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=lead)
    note_id = _concern(session, ins, **DECIDED)
    session.lock()
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    shown = {}
    try:
        for as_json in (False, True):
            args = argparse.Namespace(id=note_id, json=as_json, reveal=False,
                                      passphrase_fd=None, passphrase_file=str(secret))
            assert _note.cmd_note_show(profile, args) == 0
            shown[as_json] = capsys.readouterr().out
    finally:
        lock_all()
        profile.close()
    text, data = shown[False], json.loads(shown[True])
    assert "nature: No home visit since March." in text
    assert data["fields"]["nature"] == "No home visit since March."
    if lead:
        assert "decision: refer to partnership" in text
        assert data["fields"]["decision"] == "refer to partnership"
    else:
        assert "refer to partnership" not in text and "Risk is current" not in text
        assert "shown to the inspection's leads" in text
        assert not set(LEAD_FIELDS) & set(data["fields"])


@pytest.mark.parametrize("lead", [False, True])
async def test_the_concerns_queue_by_role(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          lead: bool) -> None:
    """The queue on a member's device says a concern is with the lead: no decision, no
    referral, only the raising in the steps, and no lead's keys (d, r, x do nothing there).
    A lead's queue shows the decision and offers the steps."""
    from textual.widgets import DataTable, Static

    from tui._commands_palette import commands_for
    from tui.screens.concern_step import StepModal
    from tui.screens.concerns import ConcernsScreen

    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=lead)
    note_id = _concern(session, ins, **DECIDED)
    rev = session.get(note_id).rev
    app = make_app(profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, session)
        app.push_screen(ConcernsScreen(ins))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConcernsScreen)
        row = " ".join(str(c) for c in screen.query_one(DataTable).get_row_at(0))
        steps = str(screen.query_one("#concern-steps", Static).render())
        names = {n for n, _, _ in commands_for(app, screen)}
        leads_keys = {"Concerns: Record decision", "Concerns: Record referral", "Concerns: Close"}
        if lead:
            assert "refer to partnership" in row and "yes" in row
            assert "decision" in steps and "referral" in steps
            assert leads_keys <= names
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, StepModal)
            return
        assert "with the lead" in row and "refer to partnership" not in row
        assert "raised" in steps and "decision" not in steps and "referral" not in steps
        assert "Risk is current" not in steps and "Service manager" not in steps
        assert not leads_keys & names
        await pilot.press("d", "r", "x", "y")
        await pilot.pause()
        assert app.screen is screen
    assert session.get(note_id).rev == rev


async def test_a_step_dialog_on_a_members_device_says_whom_to_ask(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A step dialog left open while this device stopped leading (the queue offers none to a
    member): saving is refused in words, the dialog stays, nothing is written."""
    from tui.screens.concern_step import StepModal

    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=False)
    note_id = _concern(session, ins)
    rev = session.get(note_id).rev
    app = make_app(profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, session)
        app.push_screen(StepModal(session.get(note_id), "decision"))
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, StepModal)
        modal.query_one("#step-decision", ChoiceField).value = "no further action"
        await type_into(pilot, "#step-decision_rationale", "Seen at school.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is modal
        message = str(modal.query_one("#step-message", Label).render())
        assert "only a lead of this inspection records a decision; ask bo" in message
    assert session.get(note_id).rev == rev


async def test_a_members_preview_history_and_diff_leave_out_the_leads_part(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workspace's preview of a concern, a revision in its history and the diff to the
    current one show a member the raiser's part only."""
    from textual.widgets import Static

    from tui.screens.history import HistoryScreen
    from tui.screens.workspace import WorkspaceScreen

    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=False)
    note_id = _concern(session, ins)
    # the lead's decision arrives (by a sync), then the member adds to the nature
    session.save(note_id, fields={**session.get(note_id).fields, **DECIDED})
    current = session.get(note_id)
    session.save(note_id, fields={**current.fields, "nature": "No home visit since May."})
    leads = ("refer to partnership", "Risk is current", "Service manager", "Lead's decision")
    app = make_app(profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, session)
        app.push_screen(WorkspaceScreen(ins))
        await pilot.pause()
        preview = str(app.screen.query_one("#preview-text", Static).render())
        assert "No visit recorded" in preview and "routine" in preview
        assert not [t for t in leads if t in preview]
        app.push_screen(HistoryScreen(note_id))
        await pilot.pause()
        history = app.screen
        await pilot.press("j", "j")  # the first revision: its diff to the current one
        shown = str(history.query_one("#rev-preview-text", Static).render())
        assert "the current revision 3" in shown and "May" in shown
        assert not [t for t in leads if t in shown]
        await pilot.press("k")  # the lead's revision: nothing of the raiser's changed
        shown = str(history.query_one("#rev-preview-text", Static).render())
        assert "May" in shown and not [t for t in leads if t in shown]
        await pilot.press("v")  # the revision itself
        shown = str(history.query_one("#rev-preview-text", Static).render())
        assert "routine" in shown and not [t for t in leads if t in shown]


async def test_a_members_search_does_not_find_a_concern_by_the_leads_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A member searching for the lead's words (the decision, its rationale) does not get the
    concern: finding it would tell what the lead decided. The raiser's words still find it."""
    from textual.widgets import Input

    from tui.screens.workspace import WorkspaceScreen
    from tui.widgets.note_list import NoteList

    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=False)
    _concern(session, ins, **DECIDED)
    app = make_app(profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, session)
        app.push_screen(WorkspaceScreen(ins))
        await pilot.pause()
        screen = app.screen
        found = {}
        for query in ("partnership", "risk curr", "home visit", "No visit recorded", "visit ph"):
            screen.query_one("#search", Input).value = query
            await pilot.pause()
            found[query] = [n.title for n in screen.query_one(NoteList).notes]
    assert found == {"partnership": [], "risk curr": [], "home visit": ["No visit recorded"],
                     "No visit recorded": ["No visit recorded"], "visit ph": []}


def test_note_list_search_on_a_members_device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from tests.conftest import PASSPHRASE
    from tui.cli import _note
    from tui.cli._common import lock_all

    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=False)
    _concern(session, ins, **DECIDED)
    session.lock()
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    found = {}
    try:
        for query in ("partnership", "home visit"):
            args = argparse.Namespace(search=query, inspection=None, kind=None, deleted=False,
                                      json=True, passphrase_fd=None, passphrase_file=str(secret))
            assert _note.cmd_note_list(profile, args) == 0
            found[query] = [r["title"] for r in json.loads(capsys.readouterr().out)]
    finally:
        lock_all()
        profile.close()
    assert found == {"partnership": [], "home visit": ["No visit recorded"]}


@pytest.mark.parametrize("lead", [False, True])
async def test_the_evidence_matrix_counts_a_passage_in_the_leads_part_for_a_lead_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lead: bool) -> None:
    from store import PassageTag
    from tui.screens.matrix import MatrixScreen

    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=lead)
    note_id = _concern(session, ins, **DECIDED)
    rationale = session.get(note_id).fields["decision_rationale"]
    session.save(note_id, passages=[PassageTag(0, len(rationale), "S1",
                                               field="decision_rationale"),
                                    PassageTag(0, len(rationale), "status:concern",
                                               field="decision_rationale")])
    app = make_app(profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, session)
        app.push_screen(MatrixScreen(ins))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MatrixScreen)
        assert screen.matrix.count("S1", "status:concern") == (1 if lead else 0)
