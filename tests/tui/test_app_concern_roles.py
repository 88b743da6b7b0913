"""The concern form by role (issue 12): a member (the raiser) sees only the raiser's part; the
lead's decision and referral fields are not in the member's form at all, and a member's save
keeps the lead's values, even ones recorded after the form was opened. A lead sees them all.
The rosters are real signed rosters (as in test_app_team)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Label

from store import Inspection, Session
from store.inspection import LEAD_FIELDS, record_step
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

        # the lead records the referral while the member's form is open (a sync, say)
        record_step(session, note_id, "referral", {"referral_reference": "REF-7",
                                                   "partner_lead_contacted": "Service manager",
                                                   "referral_method": "phone"})
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
