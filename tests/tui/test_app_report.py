"""Issue 12 in the app: export from the palette, diff in history, search preview highlights,
timeline set from the inspections screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Input

from store import Profile, Session
from tui.screens.export import ExportModal
from tui.screens.workspace import WorkspaceScreen

from .conftest import make_app, unlock

pytestmark = pytest.mark.anyio


async def test_export_from_the_palette_writes_files_and_records_the_audit_event(
        fprofile: Profile, fsession: Session, tmp_path: Path) -> None:
    ins = fsession.find_inspection(None)
    fsession.create(ins, "interview", "Parent meeting", "They felt listened to.",
                    {"agreement_obtained": True, "key_quotes": "“She always called back.”"},
                    ["S3"])
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WorkspaceScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"export")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportModal)
        assert "plaintext" in str(app.screen.query_one("#export-warning").render())
        app.screen.query_one("#export-folder", Input).value = str(tmp_path / "out")
        await pilot.press("enter")  # the folder field submits
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, WorkspaceScreen)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["evidence-summary.docx"]
    [event] = fsession.audit_events(ins)
    assert event["type"] == "audit.export"
    assert event["details"] == {"format": "docx", "files": 1}


async def test_search_preview_highlights_a_match_in_a_long_field(fprofile: Profile,
                                                                 fsession: Session) -> None:
    ins = fsession.find_inspection(None)
    views = ("The family met three workers in a year. " * 20
             + "Nobody explained the chronology to them.")
    fsession.create(ins, "interview", "Parent meeting", "Short notes.",
                    {"agreement_obtained": True, "views": views})
    fsession.create(ins, "note", "Walk round", "Busy but calm.")
    app = make_app(fprofile)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("slash", *"chronol")
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        preview = app.screen.query_one("#preview-text").render()
        text = preview.plain
        assert "Matches in Views and experiences:" in text, text
        marked = [text[s.start:s.end] for s in preview.spans if s.style.reverse]
        assert marked == ["chronology"], marked


async def test_timeline_set_in_the_app_shows_phase_and_week(fprofile: Profile,
                                                            fsession: Session) -> None:
    from datetime import date

    from store.inspection import make_timeline, where_is
    from tui.screens.export import TimelineModal
    from tui.screens.inspections import InspectionsScreen
    from tui.widgets.title_bar import TitleBar

    from .conftest import NOW

    expected = where_is(make_timeline(date(2026, 1, 5), holidays=[date(2026, 2, 16)]),
                        NOW.date()).label
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        assert isinstance(app.screen, InspectionsScreen)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, TimelineModal)
        await pilot.press(*"2026-01-5", "enter", "enter")  # not a date: said so, not saved
        await pilot.pause()
        assert "not a date" in str(app.screen.query_one("#timeline-message").render())
        app.screen.query_one("#timeline-notified", Input).value = "2026-01-05"
        app.screen.query_one("#timeline-holidays", Input).value = "2026-02-16"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, InspectionsScreen)
        row = app.screen.query_one("DataTable").get_row_at(0)
        assert row[2] == expected, row
        await pilot.press("enter")
        await pilot.pause()
        assert expected in str(app.screen.query_one(TitleBar).query_one("#title-left").render())
    stored = fsession.find_inspection(None).extra["timeline"]
    assert stored["notification"] == "2026-01-05" and stored["holidays"] == ["2026-02-16"]
