"""The editor's faster soft-wrapping text area (``tui/widgets/wrapped_area.py``) wraps and draws
exactly as Textual's own ``TextArea``: the incremental rewrap of an edited line equals a full
rewrap after random edits, and after random keystrokes, pastes and deletions in a real app the
area's wrap equals a fresh one and every row it draws equals a stock ``TextArea``'s."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual._wrap import compute_wrap_offsets
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.document._wrapped_document import WrappedDocument
from textual.widgets import TextArea
from textual.widgets.text_area import Selection

from tui.widgets._rewrap import rewrap_line
from tui.widgets.wrapped_area import WrappedTextArea

# words, runs of spaces, a wide character, a word longer than any width tried (folded), and
# rarely a tab (wrapped whole) or another kind of whitespace
PIECES = ["a", "bb", "word", "ccc ", " ", "  ", "界界", "long" * 12, "\u00a0", "x\ty", "\u3000"]
text_st = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=300)
@given(text_st, st.integers(1, 24), st.lists(
    st.tuples(st.floats(0, 1), st.integers(0, 12), text_st.map(lambda t: t[:15])),
    min_size=1, max_size=8))
def test_rewrapping_the_edited_part_equals_a_full_rewrap(
        text: str, width: int, edits: list[tuple[float, int, str]]) -> None:
    offsets = compute_wrap_offsets(text, width, 4)
    for where, removed, inserted in edits:
        start = int(where * len(text))
        old_end = min(len(text), start + removed)
        text = text[:start] + inserted + text[old_end:]
        offsets = rewrap_line(offsets, text, width, 4, start, old_end, start + len(inserted))
        assert offsets == compute_wrap_offsets(text, width, 4), (text, width)


def test_a_keystroke_at_the_end_of_a_long_paragraph_rewraps_only_its_last_rows() -> None:
    # 20 KB of words, one document line. (A periodic text such as "word " * 4000 would never
    # join up again: each later row really moves, and the rest of the line is rewrapped.)
    rng = random.Random(5)
    text = " ".join(rng.choice(["a", "word", "several", "of", "inspection", "notes"])
                    for _ in range(3000))[:20_000]
    offsets = compute_wrap_offsets(text, 40, 4)
    calls: list[int] = []
    import tui.widgets._rewrap as rewrap

    real = rewrap.compute_wrap_offsets

    def counting(part: str, *args: Any) -> list[int]:
        calls.append(len(part))
        return real(part, *args)

    rewrap.compute_wrap_offsets = counting  # type: ignore[assignment]
    try:
        new = rewrap_line(offsets, text[:10_000] + "x" + text[10_000:], 40, 4, 10_000, 10_000,
                          10_001)
    finally:
        rewrap.compute_wrap_offsets = real  # type: ignore[assignment]
    assert new == compute_wrap_offsets(text[:10_000] + "x" + text[10_000:], 40, 4)
    assert sum(calls) < 400  # a few rows around the edit, not 20 KB


class TwoAreas(App):
    """Ours and Textual's, side by side at the same size, holding the same text."""

    CSS = "TextArea { width: 28; height: 9; }"

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Horizontal():
            for cls, wid in ((WrappedTextArea, "ours"), (TextArea, "stock")):
                area = cls(self.text, id=wid, soft_wrap=True, highlight_cursor_line=False,
                           compact=True)
                area.cursor_blink = False  # the cursor always drawn where there is focus
                yield area


async def _rows(pilot: Any, area: TextArea) -> list[list[tuple[str, Any]]]:
    area.focus()  # the cursor is drawn in the focused area only
    await pilot.pause()
    assert area.has_focus
    area._line_cache.clear()
    return [[(seg.text, seg.style) for seg in area.render_line(y)]
            for y in range(area.content_size.height)]


def _fresh_wrap(area: TextArea) -> WrappedDocument:
    return WrappedDocument(area.document, area.wrapped_document._width, area.indent_width)


@pytest.mark.anyio
@pytest.mark.parametrize("seed", [1, 2])
async def test_edits_in_the_app_wrap_and_draw_as_a_stock_text_area(seed: int) -> None:
    rng = random.Random(seed)
    words = ["word", "bb", "界界", "long" * 9, "of", "a"]
    paragraphs = [" ".join(rng.choice(words) for _ in range(60)) for _ in range(2)]
    app = TwoAreas(f"{paragraphs[0]}\n\n{paragraphs[1]}\nand a\ttab")
    async with app.run_test(size=(60, 12)) as pilot:
        ours, stock = app.query_one("#ours", TextArea), app.query_one("#stock", TextArea)
        assert type(ours.wrapped_document).__name__ == "_FastWrappedDocument"
        for step in range(60):
            line = rng.randrange(ours.document.line_count)
            column = rng.randint(0, len(ours.document[line]))
            what = rng.random()
            typed = rng.choice(["x", " ", "界", "word ", "x", " ", "zz\t"])
            pasted = "pasted\nlines " * rng.randint(1, 2)
            for area in (ours, stock):
                area.move_cursor((line, column))
                if what < 0.6:
                    area.insert(typed)
                elif what < 0.7:
                    area.insert(pasted)
                elif what < 0.95:
                    area.action_delete_left()
                else:
                    area.action_delete_right()
            assert ours.text == stock.text
            fresh = _fresh_wrap(ours)
            wrapped = ours.wrapped_document
            assert wrapped._wrap_offsets == fresh._wrap_offsets
            assert wrapped._offset_to_line_info == fresh._offset_to_line_info
            assert wrapped._line_index_to_offsets == fresh._line_index_to_offsets
            assert wrapped._tab_width_cache == fresh._tab_width_cache
            if step % 6 == 0:  # a selection, somewhere scrolled to, drawn the same
                end = ours.document.end
                a, b = sorted(((rng.randint(0, end[0]), rng.randint(0, 30)),
                               (rng.randint(0, end[0]), rng.randint(0, 30))))
                y = rng.randint(0, max(0, fresh.height - 3))
                for area in (ours, stock):
                    area.selection = Selection(area.clamp_visitable(a), area.clamp_visitable(b))
                    area.scroll_to(y=y, animate=False, immediate=True)
                await pilot.pause()
                assert ours.scroll_offset == stock.scroll_offset
                assert ours.virtual_size == stock.virtual_size
                assert ours.show_vertical_scrollbar == stock.show_vertical_scrollbar
                if ours.show_vertical_scrollbar:
                    bars = ours.vertical_scrollbar, stock.vertical_scrollbar
                    assert bars[0].window_virtual_size == bars[1].window_virtual_size
                    assert bars[0].window_size == bars[1].window_size
                assert await _rows(pilot, ours) == await _rows(pilot, stock), step


@pytest.mark.anyio
async def test_a_new_wrapped_row_does_not_lay_out_the_screen_again() -> None:
    """Textual lays out the whole screen when a TextArea's virtual height changes; an area of
    fixed height keeps its place, so only its scrollbar is told (the editor's form is ~100
    widgets: a layout and full repaint cost ~50 ms of a keystroke)."""
    app = TwoAreas("short")
    async with app.run_test(size=(60, 12)) as pilot:
        ours = app.query_one("#ours", TextArea)
        ours.focus()
        ours.move_cursor(ours.document.end)
        await pilot.pause()
        layouts = 0
        refresh_layout = app.screen._refresh_layout

        def counting(*args: Any, **kwargs: Any) -> None:
            nonlocal layouts
            layouts += app.screen._layout_required  # not a layout only to place what scrolled
            refresh_layout(*args, **kwargs)

        app.screen._refresh_layout = counting  # type: ignore[method-assign]
        for _ in range(3):  # a row or more each
            ours.insert(" more words" * 3)
            await pilot.pause()
        assert layouts == 0
        ours.insert(" more words" * 20)  # past the height: the scrollbar comes, with a layout
        await pilot.pause()
        assert ours.show_vertical_scrollbar and layouts >= 1
        assert ours.wrapped_document.height > ours.content_size.height
