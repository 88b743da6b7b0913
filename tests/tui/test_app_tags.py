"""The tags dialog (issue 13): every tag reached by tab and by the arrows, statements with their
words, quality indicators from the framework's list, its own footer."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Footer, Input

from store import Profile, Session
from store.inspection import FRAMEWORK_INDICATORS, validate_tag
from tui.screens.tags import STANDARD_TAGS, TagModal
from tui.widgets.multipick import MultiPicker, MultiPickField
from tui.widgets.tickbox import TickBox

from .conftest import make_app, unlock

pytestmark = pytest.mark.anyio


async def open_tags(pilot: Any, session: Session, current: tuple[str, ...] = ()) -> list:
    """The dialog on top; returns the list its result lands in."""
    await unlock(pilot, session)
    result: list = []
    pilot.app.push_screen(TagModal("Tags for this note", current), result.append)
    await pilot.pause()
    return result


def focused_tag(app: Any) -> str:
    widget = app.focused
    if isinstance(widget, TickBox):
        return next(t for t in STANDARD_TAGS if widget.id == "tag-" + t.replace(":", "-"))
    return widget.id or type(widget).__name__


@pytest.mark.parametrize("key", ["tab", "down"])
async def test_tab_and_arrows_reach_every_tag(fprofile: Profile, fsession: Session,
                                             key: str) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tags(pilot, fsession)
        seen = [focused_tag(app)]
        for _ in range(len(STANDARD_TAGS) + 1):
            await pilot.press(key)
            seen.append(focused_tag(app))
        assert seen == [*STANDARD_TAGS, "tag-qi", "tag-other"]
        back = "shift+tab" if key == "tab" else "up"
        await pilot.press(back, back)
        assert focused_tag(app) == "covid"


async def test_ticking_picking_typing_gives_the_tags(fprofile: Profile,
                                                     fsession: Session) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        result = await open_tags(pilot, fsession, ("S2", "QI2.1", "#waits"))
        screen = app.screen
        words = str(screen.query_one("#statement-words").render())
        assert words.startswith("Statement 1: Children and young people are safer")
        await pilot.press("down")
        assert "Statement 2: Children and young people's lives improve" in str(
            screen.query_one("#statement-words").render())
        await pilot.press("space")  # S2 off
        for _ in range(8):  # S3 S4 nsc uncertainty concern strength afd covid
            await pilot.press("down")
        await pilot.press("space")  # Covid-19 impact on
        await pilot.press("down", "enter")  # the framework's list
        assert isinstance(app.screen, MultiPicker)
        await pilot.press("down", "down", "space", "enter")  # QI2.2 as well as QI2.1
        assert screen.query_one("#tag-qi", MultiPickField).value == ["QI2.1", "QI2.2"]
        assert screen.query_one("#tag-other", Input).value == "#waits"
        footer_keys = {b.binding.key for b in screen.active_bindings.values()
                       if b.binding.show}
        assert {"ctrl+s", "escape"} <= footer_keys and "ctrl+g" not in footer_keys
        assert screen.query(Footer)
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert result == [["covid", "QI2.1", "QI2.2", "#waits"]]


async def test_a_bad_typed_tag_is_named(fprofile: Profile, fsession: Session) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        result = await open_tags(pilot, fsession)
        app.screen.query_one("#tag-other", Input).value = "waits"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, TagModal) and result == []
        assert "'waits' is not a known tag" in str(app.screen.query_one("#tag-message").render())


def test_the_framework_list_is_made_of_valid_tags() -> None:
    assert all(validate_tag(tag) == tag for tag in FRAMEWORK_INDICATORS)
    assert "QI2.1" in FRAMEWORK_INDICATORS
