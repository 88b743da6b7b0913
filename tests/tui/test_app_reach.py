"""Reaching things from the app (issue 13): enrolling after the first run, an inspection's
timeline and export from the palette, every minimisation warning."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from store import Profile, Session
from tui._commands_palette import commands_for
from tui.screens.editor import EditorScreen
from tui.screens.unlock import EnrolScreen
from tui.screens.warnings_modal import WarningsModal

from .conftest import advance, make_app, unlock

pytestmark = pytest.mark.anyio


def command(app, name: str):
    found = [cb for title, cb, _ in commands_for(app, app.screen) if title.startswith(name)]
    assert found, [title for title, _, _ in commands_for(app, app.screen)]
    return found[0]


async def test_enrol_after_the_first_run_from_the_palette_and_settings(
        fprofile: Profile, fsession: Session) -> None:
    calls = []

    def enrol_now(session, url: str, code: str) -> str:
        calls.append((url, code))
        return "Enrolled as ai."

    app = make_app(fprofile, enrol_now=enrol_now)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        command(app, "Sync: Enrol this device")()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, EnrolScreen) and not screen.first_run
        screen.query_one("#enrol-url", Input).value = "https://sync.example.org"
        screen.query_one("#enrol-code", Input).value = "CODE-1"
        await pilot.press("enter", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert calls == [("https://sync.example.org", "CODE-1")]
        assert type(app.screen).__name__ == "InspectionsScreen"  # back where it came from
        await pilot.press("f2")
        await pilot.pause()
        await pilot.click("#enrol")
        await pilot.pause()
        assert isinstance(app.screen, EnrolScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "SettingsScreen"


async def test_timeline_and_export_from_the_palette_and_the_settings(
        fprofile: Profile, fsession: Session) -> None:
    from tui.screens.export import ExportModal, TimelineModal

    app = make_app(fprofile)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot, fsession)
        titles = [t for t, _, _ in commands_for(app, app.screen)]
        assert "Inspection: Timeline…" in titles and "Evidence: Export…" in titles
        await pilot.press("enter")  # the Notebook's workspace
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        for button, modal in (("#timeline", TimelineModal), ("#export", ExportModal)):
            await pilot.click(button)
            await pilot.pause()
            assert isinstance(app.screen, modal)
            assert app.screen.inspection.name == "Notebook"  # the one the user was in
            await pilot.press("escape")
            await pilot.pause()
            assert type(app.screen).__name__ == "SettingsScreen"


async def test_every_minimisation_warning_can_be_read(fprofile: Profile,
                                                      fsession: Session) -> None:
    ins = fsession.find_inspection(None)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        app.push_screen(EditorScreen(ins, "note"))
        await pilot.pause()
        editor = app.screen
        editor.query_one("#f-title", Input).value = "Visit"
        editor.query_one("#f-body", TextArea).load_text(
            "We met Jane Smith, then John Brown at the school.")
        await pilot.pause()
        await advance(pilot, 0.25)  # the autosave checks the text
        line = str(editor.query_one("#minimise-line").render())
        assert "(+1 more: ctrl+n)" in line
        await pilot.press("ctrl+n")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, WarningsModal)
        text = str(modal.query_one("#warnings-text").render())
        assert "Jane Smith" in text and "John Brown" in text
        await pilot.press("escape")
        assert app.screen is editor
