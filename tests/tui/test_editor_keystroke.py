"""A keystroke in the editor repaints the text, not the screen: neither the body's new wrapped
row nor the status that turns to "● unsaved" on the first key after an autosave lays the whole
form out again (the bench, ``tests/bench/bench_tui.py``, times it; this checks that it holds)."""

from __future__ import annotations

from typing import Any

import pytest

from store import PassageTag, Profile, Session
from tui.screens.editor import EditorScreen
from tui.widgets.fields import LongText

from .conftest import advance, make_app, unlock

pytestmark = pytest.mark.anyio


def count_layouts(screen: Any) -> list[int]:
    """Count the screen's layouts from now on (the one list's length); not those that only
    place what scrolled (the form following the cursor)."""
    layouts: list[int] = []
    refresh_layout = screen._refresh_layout

    def counting(*args: Any, **kwargs: Any) -> None:
        if screen._layout_required:
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


async def test_typing_before_a_tagged_passage_lays_nothing_out(fprofile: Profile,
                                                               fsession: Session) -> None:
    """The passage moves along with every key typed before it; the passages line under the form
    shows the same words, so it is not laid out again (it was, on every key)."""
    ins = fsession.find_inspection(None)
    body = "Intro. " + " ".join(["the duty team met the family at home"] * 30) + " Calm manager."
    start = body.index("Calm manager.")
    note = fsession.create(ins, "note", "Walk", body,
                           passages=[PassageTag(start, start + 13, "strength")])
    app = make_app(fprofile, autosave_delay=30)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        editor = EditorScreen(ins, "note", note.note_id)
        app.push_screen(editor)
        await pilot.pause()
        area = editor.query_one("#f-body", LongText)
        area.focus()
        area.move_cursor((0, 6))  # after "Intro."
        await pilot.pause()
        await pilot.press("x")  # the first key: "● unsaved" (same width, see above)
        layouts = count_layouts(editor)
        await pilot.press(*" and more")
        assert layouts == []
        assert [(p.start, p.end) for p in editor.passages] == [(start + 10, start + 23)]
        shown = str(editor.query_one("#passages-line").render())
        assert "strength “Calm manager.”" in shown
