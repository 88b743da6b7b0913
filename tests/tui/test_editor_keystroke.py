"""A keystroke in the editor repaints the text, not the screen: neither the body's new wrapped
row nor the status that turns to "● unsaved" on the first key after an autosave lays the whole
form out again (the bench, ``tests/bench/bench_tui.py``, times it; this checks that it holds)."""

from __future__ import annotations

from typing import Any

import pytest

from store import Profile, Session
from tui.screens.editor import EditorScreen
from tui.widgets.fields import LongText

from .conftest import advance, make_app, unlock

pytestmark = pytest.mark.anyio


def count_layouts(screen: Any) -> list[int]:
    """Count the screen's layouts from now on (the one list's length)."""
    layouts: list[int] = []
    refresh_layout = screen._refresh_layout

    def counting(*args: Any, **kwargs: Any) -> None:
        layouts.append(1)
        refresh_layout(*args, **kwargs)

    screen._refresh_layout = counting
    return layouts


async def test_typing_after_an_autosave_lays_nothing_out(fprofile: Profile,
                                                          fsession: Session) -> None:
    ins = fsession.find_inspection(None)
    body = " ".join(["the duty team met the family at home"] * 60)  # a long paragraph
    note = fsession.create(ins, "interview", "Visit", body, {"agreement_obtained": True})
    app = make_app(fprofile, autosave_delay=0.5)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        editor = EditorScreen(ins, "interview", note.note_id)
        app.push_screen(editor)
        await pilot.pause()
        area = editor.query_one("#f-body", LongText)
        area.focus()
        area.move_cursor(area.document.end)
        await pilot.pause()
        layouts = count_layouts(editor)
        typed = " and then the social worker arrived with the health visitor and a nurse"
        rows = area.wrapped_document.height  # more than a row of text: a new row
        await pilot.press(*typed)
        assert area.wrapped_document.height > rows
        assert editor.status == "● unsaved"
        await advance(pilot, 0.5)  # an autosave: the same keys in the footer, the same width
        assert editor.status == "saved 09:40 · draft"
        await pilot.press("x")  # the first key after the autosave
        assert editor.status == "● unsaved"
        assert layouts == []
        await advance(pilot, 0.5)
    assert fsession.get(note.note_id).body == body + typed + "x"
