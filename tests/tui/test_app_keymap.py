"""Keys of the user's own (issue 13): the ``keymap`` setting (binding id to keys), applied on
unlocking with Textual's ``set_keymap``; what cannot be applied is named, never a crash."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from store import Profile, Session, ValidationFailed
from tui._keymap import check_keymap, every_binding, key_problem
from tui.app import FieldpadApp
from tui.screens.help import HelpScreen
from tui.screens.inspections import NewInspectionModal
from tui.screens.settings import SettingsScreen

from .conftest import make_app, unlock

DOCS = Path(__file__).parents[2] / "docs" / "keys.md"


def notices(app: FieldpadApp) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.mark.anyio
async def test_a_remapped_key_runs_its_action_and_the_default_key_no_longer_does(
        fprofile: Profile, fsession: Session) -> None:
    fsession.set_setting("keymap", {"app.settings": "f5", "inspections.new": "a"})
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("f2")  # the default key of app.settings: nothing now
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        await pilot.press("n")  # the default key of inspections.new
        await pilot.pause()
        assert not isinstance(app.screen, NewInspectionModal)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, NewInspectionModal)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        assert not [n for n in notices(app) if "Keymap" in n]


@pytest.mark.anyio
async def test_entries_that_cannot_be_applied_are_named_and_the_rest_applies(
        fprofile: Profile, fsession: Session) -> None:
    fsession.set_setting("keymap", {"no.such.binding": "f6", "app.help": "ctrl+nothing",
                                    "app.settings": "f5"})
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        said = [n for n in notices(app) if n.startswith("Keymap")]
        assert len(said) == 1
        assert "'no.such.binding' is no binding id" in said[0]
        assert "app.help: 'ctrl+nothing' is not a key name" in said[0]
        assert "left out (docs/keys.md lists the binding ids)" in said[0]
        assert app.keymap == {"app.settings": "f5"}
        await pilot.press("f1")  # app.help keeps its own key
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)


@pytest.mark.anyio
async def test_a_key_taken_from_another_action_is_said(fprofile: Profile,
                                                       fsession: Session) -> None:
    fsession.set_setting("keymap", {"inspections.new": "c"})  # c: the concerns queue
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        said = [n for n in notices(app) if n.startswith("Keymap")]
        assert said == ["Keymap: inspections.concerns (c) lost its key to inspections.new: "
                        "give it a key of its own."]
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, NewInspectionModal)


@pytest.mark.anyio
async def test_the_help_shows_the_users_keys(fprofile: Profile, fsession: Session) -> None:
    fsession.set_setting("keymap", {"inspections.new": "a"})
    app = make_app(fprofile)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        binding = every_binding()["inspections.new"]
        assert help_screen._key(binding) == "a"
        assert help_screen._key(every_binding()["inspections.sync"]) == "s"


def test_the_store_keeps_only_the_shape_of_a_keymap(fsession: Session) -> None:
    for bad in ({"workspace.search": 1}, {"": "f5"}, ["workspace.search"], {"a": "x" * 101}):
        with pytest.raises(ValidationFailed):
            fsession.set_setting("keymap", bad)
    from store import SETTINGS

    assert SETTINGS["keymap"].parse('{"app.help": "f1,h"}') == {"app.help": "f1,h"}
    with pytest.raises(ValueError, match="JSON object"):
        SETTINGS["keymap"].parse("app.help=f1")


def test_key_names_are_checked() -> None:
    for good in ("ctrl+f", "f5", "?", "question_mark", "slash", "escape", "ctrl+shift+up"):
        assert key_problem(good) is None, good
    for bad in ("ctrl+nothing", "hyperx+a", "", "ctrl+"):
        assert key_problem(bad) is not None, bad
    check = check_keymap({"app.help": "f1, h", "app.quit": "f5,nope", "app.lock": "?"})
    assert check.usable == {"app.help": "f1,h", "app.lock": "?"}
    assert check.problems == ["app.quit: 'nope' is not a key name Textual knows (e.g. ctrl+f, "
                              "f5, escape, slash)"]
    assert check.taken == ["app.help_key (question_mark) lost its key to app.lock"]
    assert check_keymap({"app.help": "f5"}).notice() == ""


def test_the_docs_list_every_binding_id() -> None:
    listed = set(re.findall(r"`([a-z_]+\.[a-z0-9_.]+)`", DOCS.read_text()))
    assert set(every_binding()) <= listed
