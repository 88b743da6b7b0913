"""Snapshots of the forms of issue 13: the record review's grade grid, a focused box with
NO_COLOR, and the too-small notice (the tags dialog is in test_screens_snapshots). Look at an
SVG before accepting it (``rsvg-convert`` turns it into a PNG)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from store import KdfParams, Profile, Session
from tui.screens.editor import EditorScreen
from tui.widgets.grade_grid import GradeGrid

from .conftest import PASSPHRASE, SIZES, STORE_MS, make_app, unlock
from .test_screens_snapshots import SIZE_IDS, _snap, seeded


def notebook(tmp_path: Any) -> tuple[Profile, Session]:
    """A fresh profile with only its Notebook, on the fixed store clock."""
    profile = Profile(tmp_path / "profile", now_ms=lambda: STORE_MS)
    session, _ = profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
    return profile, session


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_record_review_grid(snap_compare, tmp_path, size) -> None:
    """The grade grid with the focus on "Risk assessment": all ten items, the summary."""
    profile, session, ids = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(EditorScreen(ids["north"], "record_review", ids["rr"]))
        await pilot.pause()
        pilot.app.screen.query_one(GradeGrid).focus_row(2)
        await pilot.pause()

    _snap(snap_compare, make_app(profile), size, run_before)


def test_record_review_rationale_open(snap_compare, tmp_path) -> None:
    """Enter on "Chronology": its rationale open in place, under its row, at 80×24."""
    profile, session, ids = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(EditorScreen(ids["north"], "record_review", ids["rr"]))
        await pilot.pause()
        pilot.app.screen.query_one(GradeGrid).focus_row(1)
        await pilot.press("enter")
        await pilot.pause()

    _snap(snap_compare, make_app(profile, autosave_delay=30), (80, 24), run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_focused_box_with_no_color(snap_compare, tmp_path, size,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """NO_COLOR: the focused box and its label in reverse video, ticked and unticked boxes
    told apart by their shape."""
    monkeypatch.setenv("NO_COLOR", "1")  # read (and removed) by the app when it is made
    profile, session = notebook(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(EditorScreen(session.find_inspection(None), "focus_group"))
        await pilot.pause()
        screen = pilot.app.screen
        screen.query_one("#f-title", Input).value = "Health visitors"
        screen.query_one("#f-agencies").value = ["health", "education"]
        screen.query_one("#f-agencies").focus()
        await pilot.press("right")  # the cursor on "health"
        await pilot.pause()

    _snap(snap_compare, make_app(profile, autosave_delay=30), size, run_before)


def test_focused_tickbox_with_no_color(snap_compare, tmp_path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """NO_COLOR at 80×24: a yes/no box with the focus, in reverse video."""
    monkeypatch.setenv("NO_COLOR", "1")
    profile, session = notebook(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(EditorScreen(session.find_inspection(None), "interview"))
        await pilot.pause()
        pilot.app.screen.query_one("#f-agreement_obtained").focus()
        await pilot.pause()

    _snap(snap_compare, make_app(profile, autosave_delay=30), (80, 24), run_before)


@pytest.mark.parametrize("size", [(60, 20), (79, 24)], ids=["60x20", "79x24"])
def test_too_small_notice(snap_compare, tmp_path, size) -> None:
    """Below 80×24 (the notice exists only there): what the terminal needs and has."""
    profile, session, _ = seeded(tmp_path)
    session.lock()

    async def run_before(pilot: Any) -> None:
        from tui.screens.too_small import TooSmallNotice

        # over the unlock prompt, as it comes up at the start in a small terminal
        await pilot.pause()
        await pilot.pause()
        assert isinstance(pilot.app.screen, TooSmallNotice)

    _snap(snap_compare, make_app(profile), size, run_before)


def test_concern_form_linked_note_picked(snap_compare, tmp_path) -> None:
    """A new concern raised from a record review at 80×24: the linked note shown by its title,
    kind and author (the id is what is saved), with the focus on it."""
    profile, session, ids = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(EditorScreen(ids["north"], "concern",
                                           initial_fields={"linked_note": ids["rr"]}))
        await pilot.pause()
        pilot.app.screen.query_one("#f-linked_note").focus()
        await pilot.pause()

    _snap(snap_compare, make_app(profile, autosave_delay=30), (80, 24), run_before)


def test_concern_note_picker_filtered(snap_compare, tmp_path) -> None:
    """The linked-note picker at 80×24 with "walk" typed: the matching note, highlighted."""
    profile, session, ids = seeded(tmp_path)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        pilot.app.push_screen(EditorScreen(ids["north"], "concern"))
        await pilot.pause()
        pilot.app.screen.query_one("#f-linked_note").focus()
        await pilot.pause()
        await pilot.press("w")  # opens the list with "w" typed
        await pilot.pause()
        await pilot.press(*"alk")
        await pilot.pause()

    _snap(snap_compare, make_app(profile, autosave_delay=30), (80, 24), run_before)
