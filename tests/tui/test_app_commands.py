"""The command palette, help (every binding), settings, and bindings' ids."""

from __future__ import annotations

import pytest
from textual.binding import Binding
from textual.command import CommandPalette
from textual.widgets import Checkbox, Input, Label

from store import Profile, Session
from tui._commands_palette import commands_for
from tui._settings import load_settings
from tui.screens.editor import EditorScreen
from tui.screens.help import HelpScreen, binding_groups
from tui.screens.settings import SettingsScreen
from tui.screens.workspace import WorkspaceScreen

from .conftest import make_app, unlock

pytestmark = pytest.mark.anyio


@pytest.mark.slow
async def test_palette_offers_every_action_and_runs_one(fprofile: Profile,
                                                        fsession: Session) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        locked = [name for name, _, _ in commands_for(app, app.screen)]
        assert locked == ["App: Quit"]  # nothing that needs the vault while locked
        await unlock(pilot, fsession)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WorkspaceScreen)
        names = [name for name, _, _ in commands_for(app, app.screen)]
        for wanted in ("Note: New interview", "Note: New record review", "Note: New concern form",
                       "Note: Raise concern", "Note: Tag", "Note: History", "Sync: Sync now",
                       "Sync: Resolve conflicts", "App: Lock", "App: Help", "App: Settings",
                       "Search: Search notes", "Go: Inspections"):
            assert wanted in names, wanted
        assert not any("creenshot" in n for n in names)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"new interv")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen) and app.screen.kind == "interview"
        names = [name for name, _, _ in commands_for(app, app.screen)]
        assert {"Note: Save revision", "Note: Tag passage", "Note: Tags"} <= set(names)


async def test_help_lists_every_binding(fprofile: Profile, fsession: Session) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(
            "".join(seg.text for seg in line)
            for line in app.screen.query_one("#help-text").render_lines(
                app.screen.query_one("#help-text").region.reset_offset))
        groups = binding_groups()
        assert len(groups) >= 15
        for where, bindings in groups:
            assert where in text
            for b in bindings:
                assert (b.description or b.action) in text, (where, b)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


def test_every_binding_has_an_id_and_vim_aliases_exist() -> None:
    ids = []
    for where, bindings in binding_groups():
        for b in bindings:
            assert isinstance(b, Binding) and b.id, (where, b)
            ids.append(b.id)
    assert len(ids) == len(set(ids)), "binding ids must be unique"
    keys = {b.id: b.key for _, bindings in binding_groups() for b in bindings}
    assert "j" in keys["list.down"] and "k" in keys["list.up"]
    assert "j" in keys["history.down"] and "j" in keys["inspections.down"]


async def test_settings_are_validated_saved_and_applied(fprofile: Profile,
                                                        fsession: Session) -> None:
    app = make_app(fprofile, idle_lock_seconds=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("f2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        screen.query_one("#idle", Input).value = "0"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "whole number of minutes" in str(screen.query_one("#settings-message",
                                                                  Label).render())
        screen.query_one("#idle", Input).value = "25"
        screen.query_one("#clipboard", Checkbox).value = True
        screen.query_one("#author", Input).value = "AI2"
        screen.query_one("#server", Input).value = "http://sync.example.org"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "server" in str(screen.query_one("#settings-message", Label).render())
        assert fsession.settings()["idle_lock_minutes"] == 10  # nothing applied
        screen.query_one("#server", Input).value = "https://sync.example.org"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        assert app.idle_lock_seconds == 25 * 60
    saved = load_settings(fsession)
    assert (saved.idle_lock_minutes, saved.allow_clipboard, saved.server) == (
        25, True, "https://sync.example.org")
    assert fsession.settings()["idle_lock_minutes"] == 25
    assert fsession.author == "AI2"
