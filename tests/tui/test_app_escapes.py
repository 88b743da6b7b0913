"""Control characters in titles, fields, names and text are shown escaped in the app (issue 11,
item 7): the note list, the preview, the editor's title bar, history, the inspections list."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Label, Static

from store import Profile, Session
from tui.screens.editor import EditorScreen
from tui.screens.history import HistoryScreen
from tui.screens.inspections import InspectionsScreen
from tui.widgets.note_list import NoteList

from .conftest import make_app, unlock

pytestmark = pytest.mark.anyio

ESC = "\x1b[2J\x1b]0;pwned\x07Red\x9b1m"
RAW = ("\x1b", "\x07", "\x9b")


def clean(text: str) -> bool:
    return not any(c in text for c in RAW)


async def test_escapes_are_shown_escaped_everywhere(fprofile: Profile, fsession: Session) -> None:
    ins = fsession.add_inspection(f"North{ESC}", partnership=f"CPP{ESC}")
    fsession.create(ins, "focus_group", f"Visit {ESC}", f"Body line {ESC}\nsecond line",
                    {"facilitators": f"lead {ESC}"})
    app = make_app(fprofile)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot, fsession)
        screen = app.screen
        assert isinstance(screen, InspectionsScreen)
        table = screen.query_one(DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        shown = [str(cell) for row in rows for cell in row[:2]]
        assert all(clean(c) for c in shown), shown
        assert any("North\\u001b[2J" in c for c in shown)
        table.move_cursor(row=next(i for i, r in enumerate(rows) if "North" in str(r[0])))
        await pilot.press("enter")
        await pilot.pause()
        notes = app.screen.query_one(NoteList)
        line = "".join(seg.text for seg in notes.render_line(1))
        assert clean(line) and "Visit \\u001b[2J" in line, line
        preview = str(app.screen.query_one("#preview-text", Static).render())
        assert clean(preview), preview
        assert "Visit \\u001b[2J" in preview and "Body line \\u001b" in preview
        assert "lead \\u001b[2J" in preview and "\nsecond line" in preview
        title_bar = str(app.screen.query_one("#title-left", Label).render())
        assert clean(title_bar) and "North\\u001b" in title_bar
        await pilot.press("enter")  # open the note
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen)
        heading = str(app.screen.query_one("#title-left", Label).render())
        assert clean(heading) and "Visit \\u001b[2J" in heading, heading
        await pilot.press("ctrl+o")
        await pilot.pause()
        history = app.screen
        assert isinstance(history, HistoryScreen)
        heading = str(history.query_one("#title-left", Label).render())
        assert clean(heading) and "Visit \\u001b" in heading
        row = [str(c) for c in history.query_one(DataTable).get_row_at(0)]
        assert all(clean(c) for c in row) and any("Visit \\u001b" in c for c in row), row
        rev_preview = str(history.query_one("#rev-preview-text", Static).render())
        assert clean(rev_preview) and "Visit \\u001b" in rev_preview
