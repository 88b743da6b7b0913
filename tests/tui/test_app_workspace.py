"""Inspections, the workspace (filters, search as you type, vim keys), history and restore."""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input, Label, OptionList, Static, TextArea

from store import Note, Profile, Session
from tui.screens.editor import EditorScreen
from tui.screens.history import HistoryScreen
from tui.screens.inspections import InspectionsScreen, NewInspectionModal
from tui.screens.workspace import WorkspaceScreen
from tui.widgets.note_list import NoteList

from .conftest import NOW, make_app, open_notebook, unlock

pytestmark = pytest.mark.anyio


def seed(session: Session) -> dict[str, Note]:
    ins = session.find_inspection(None)
    return {
        "fg": session.create(ins, "focus_group", "Health visitors focus group",
                             "Long waits for initial referral discussions.",
                             {"number_attending": 7}, ["S1", "status:uncertainty"]),
        "rr": session.create(ins, "record_review", "Record review R-017",
                             "Chronology not updated.", {"pseudonym": "R-017"}, ["S2"]),
        "iv": session.create(ins, "interview", "Parent meeting, family C", "They felt heard.",
                             {"agreement_obtained": True}, ["S3"]),
    }


def titles(screen: WorkspaceScreen) -> list[str]:
    return [n.title for n in screen.query_one(NoteList).notes]


async def test_inspections_list_and_new_inspection(fprofile: Profile,
                                                   fsession: Session) -> None:
    seed(fsession)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        screen = app.screen
        assert isinstance(screen, InspectionsScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 1
        assert table.get_row_at(0)[:4] == ["Notebook", "(this device)", "–", "3"]
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NewInspectionModal)
        app.screen.query_one("#ins-name", Input).value = "notebook"
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert "exists" in str(app.screen.query_one("#ins-message", Label).render())
        app.screen.query_one("#ins-name", Input).value = "Northshire 2026"
        app.screen.query_one("#ins-partnership", Input).value = "Northshire CPP"
        app.screen.query_one("#ins-partnership", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, InspectionsScreen)
        assert table.row_count == 2
        assert table.get_row_at(table.cursor_row)[0] == "Northshire 2026"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WorkspaceScreen)
        assert app.screen.inspection.name == "Northshire 2026"
        assert titles(app.screen) == []


@pytest.mark.slow
async def test_search_as_you_type_filters_and_vim_keys(fprofile: Profile,
                                                       fsession: Session) -> None:
    seed(fsession)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WorkspaceScreen)
        assert titles(screen) == ["Parent meeting, family C", "Record review R-017",
                                  "Health visitors focus group"]
        notes = screen.query_one(NoteList)
        await pilot.press("j", "j")
        assert notes.current.title == "Health visitors focus group"
        preview = str(screen.query_one("#preview-text", Static).render())
        assert "Long waits" in preview and "Statement 1" in preview
        await pilot.press("k")
        assert notes.current.title == "Record review R-017"

        await pilot.press("slash")
        assert app.focused is screen.query_one("#search", Input)
        await pilot.press(*"refer")  # a prefix of "referral", typed key by key
        await pilot.pause()
        assert titles(screen) == ["Health visitors focus group"]
        assert "1 of 3" in str(screen.query_one("#filter-line", Label).render())
        await pilot.press("backspace", *"xyz")
        await pilot.pause()
        assert titles(screen) == []
        await pilot.press("escape")  # clears the search
        await pilot.pause()
        assert len(titles(screen)) == 3

        # filters: kind, then a tag
        sidebar = screen.query_one("#sidebar", OptionList)
        ids = [sidebar.get_option_at_index(i).id for i in range(sidebar.option_count)]
        sidebar.focus()
        sidebar.highlighted = ids.index("kind:interview")
        await pilot.press("enter")
        await pilot.pause()
        assert titles(screen) == ["Parent meeting, family C"]
        sidebar.highlighted = ids.index("all")
        await pilot.press("enter")
        await pilot.pause()
        ids = [sidebar.get_option_at_index(i).id for i in range(sidebar.option_count)]
        sidebar.highlighted = ids.index("tag:S2")
        await pilot.press("enter")
        await pilot.pause()
        assert titles(screen) == ["Record review R-017"]


@pytest.mark.slow
async def test_workspace_tags_and_deletes_from_the_list(fprofile: Profile,
                                                        fsession: Session) -> None:
    notes = seed(fsession)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("t")  # tags of the top note, the interview
        await pilot.pause()
        await pilot.press("down", "down", "down", "down", "space", "ctrl+s")  # + status:nsc
        await pilot.pause()
        assert fsession.get(notes["iv"].note_id).tags == ("S3", "status:nsc")
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert fsession.get(notes["iv"].note_id).state == "deleted"
        assert "Parent meeting, family C" not in titles(app.screen)


async def test_history_restore(fprofile: Profile, fsession: Session) -> None:
    ins = fsession.find_inspection(None)
    note = fsession.create(ins, "note", "Walk round", "first words")
    fsession.save(note.note_id, body="second words")
    fsession.save(note.note_id, body="third words")
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # open the note
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        await pilot.press("ctrl+o")
        await pilot.pause()
        history = app.screen
        assert isinstance(history, HistoryScreen)
        table = history.query_one(DataTable)
        assert table.row_count == 3
        assert "current" in table.get_row_at(0)[3]
        await pilot.press("j", "j")  # the oldest: what changed from it to the current one
        shown = str(history.query_one("#rev-preview-text", Static).render())
        assert "Revision 1 · AI (this device)  →  the current revision 3" in shown
        assert "firstthird words" in shown  # "first" struck out, "third" added
        await pilot.press("v")  # the revision itself
        assert "first words" in str(history.query_one("#rev-preview-text", Static).render())
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("n")  # changed my mind: nothing happens
        await pilot.pause()
        assert fsession.get(note.note_id).body == "third words"
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is editor
        assert fsession.get(note.note_id).body == "first words"
        assert editor.query_one("#f-body", TextArea).text == "first words"
        assert [r.note.body for r in fsession.history(note.note_id)] == [
            "first words", "second words", "third words", "first words"]


async def test_note_list_shows_10000_notes_by_drawing_only_the_visible_rows() -> None:
    """10,000 notes are listed, the end of the list shows the last one, a filter keeps the
    cursor's note: all drawn line by line (no widget per row). How fast this is lives in
    ``make bench`` (tests/bench/bench_tui.py, a workspace of 10,000 notes), never in a test."""
    from store import Note as StoreNote

    many = [StoreNote(note_id=f"{i:032x}", inspection_id=b"i", collection_id=b"c", rev=f"r{i}",
                      parents=(), hlc=f"{1773481200000 - i:013d}-0000-node", kind="note",
                      template=1, title=f"Note number {i}", body="text", tags=("S1",))
            for i in range(10_000)]

    class ListApp(App):
        def compose(self) -> ComposeResult:
            yield NoteList(lambda: NOW)

    def shown(notes: NoteList) -> list[str]:
        """The titles on screen, as the widget draws its rows (the header is row 0)."""
        rows = [notes.render_line(y).text for y in range(1, notes.size.height)]
        return [row[2:].split("  ")[0].strip() for row in rows if row.strip()]

    app = ListApp()
    async with app.run_test(size=(80, 24)) as pilot:
        notes = app.query_one(NoteList)
        notes.set_notes(many)
        await pilot.pause()
        assert len(notes.notes) == 10_000 and notes.virtual_size.height == 10_001
        assert list(notes.children) == []  # rows are drawn, not mounted
        assert shown(notes) == [f"Note number {i}" for i in range(23)]
        notes.focus()
        notes.action_last()
        await pilot.pause()
        assert notes.current is not None and notes.current.title == "Note number 9999"
        assert notes.scroll_y == 10_000 + 1 - 24
        assert shown(notes)[-1] == "Note number 9999"
        sevens = [n for n in many if n.title.endswith("7")]
        notes.set_notes(sevens, keep=many[7].note_id)
        await pilot.pause()
        assert len(notes.notes) == 1_000 and notes.current is many[7]
        assert "Note number 7" in shown(notes)
        assert all(title.endswith("7") for title in shown(notes))


def test_when_column_is_short_and_stable() -> None:
    from tui._notes import when

    assert when(datetime(2026, 3, 14, 9, 40, tzinfo=NOW.tzinfo), NOW) == "09:40"
    assert when(datetime(2026, 3, 10, 9, 40, tzinfo=NOW.tzinfo), NOW) == "Tue"
    assert when(datetime(2026, 1, 2, 9, 40, tzinfo=NOW.tzinfo), NOW) == "2 Jan"
    assert when(datetime(2025, 1, 2, 9, 40, tzinfo=NOW.tzinfo), NOW) == "2025-01"


@pytest.mark.slow
async def test_evidence_matrix_counts_and_drills_down(fprofile: Profile,
                                                      fsession: Session) -> None:
    from store import PassageTag
    from tui.screens.matrix import MatrixScreen
    from tui.screens.uncertainty import UncertaintyScreen

    seed(fsession)
    ins = fsession.find_inspection(None)
    fsession.create(ins, "note", "Passage evidence", "Staff were unsure.", tags=["S1"],
                    passages=[PassageTag(0, 5, "status:uncertainty")])
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("enter", "m")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MatrixScreen)
        table = screen.query_one(DataTable)
        assert str(table.get_row("S1")[1]).strip() == "2"  # S1 × uncertainty
        assert str(table.get_row("S2")[1]).strip() == "·"
        await pilot.press("l")  # from "no sig. concern" to "uncertainty"
        assert "2 notes" in str(screen.query_one("#matrix-hint").render())
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WorkspaceScreen)
        assert sorted(titles(app.screen)) == ["Health visitors focus group", "Passage evidence"]
        assert "S1 × uncertainty" in str(app.screen.query_one("#filter-line").render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, UncertaintyScreen)
        assert sorted(r.title for r in app.screen.rows) == ["Health visitors focus group",
                                                            "Passage evidence"]


async def test_concerns_queue_oldest_first(fprofile: Profile, fsession: Session) -> None:
    from tui.screens.concerns import ConcernsScreen

    ins = fsession.find_inspection(None)
    for title, raised, extra in (("Newer", "2026-03-14T09:00", {}),
                                 ("Older", "2026-03-13T09:00", {"decision": "no further action"}),
                                 ("Closed", "2026-03-12T09:00", {"closed": True})):
        fsession.create(ins, "concern", title, "", {"raised_at": raised, "nature": "n",
                                                    "immediacy": "routine", **extra})
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConcernsScreen)
        table = screen.query_one(DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [str(r[4]) for r in rows] == ["Older · Notebook", "Newer · Notebook"]
        assert str(rows[0][0]) == "25 h ago" and rows[0][2] == "no further action"
        assert str(rows[1][0]) == "1 h ago" and rows[1][2] == "not yet"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen) and app.screen.has_class("concern")


async def test_inspections_show_phase_and_week_from_the_timeline(fprofile, fsession) -> None:
    from datetime import date

    from textual.widgets import DataTable

    from store.inspection import make_timeline
    from tui.screens.inspections import InspectionsScreen

    ins = fsession.add_inspection("Northshire 2026", "Northshire CPP")
    ins.extra = {"timeline": make_timeline(date(2026, 1, 5)).to_dict()}
    fsession.publish_inspection(ins, fsession.collection_for(ins, "note"))
    app = make_app(fprofile)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot, fsession)
        assert isinstance(app.screen, InspectionsScreen)
        table = app.screen.query_one(DataTable)
        row = table.get_row(ins.id_hex)
        assert "week 10 of" in str(row[2])  # NOW is 14 March 2026: week 10 from 5 January


async def test_note_list_columns_are_sized_by_their_content() -> None:
    """At 120 columns a long kind and a long tag list show whole, the title takes the slack;
    at 80 the title keeps most of the room (issue 15 item 9)."""
    from store import Note as StoreNote
    from tui.widgets.note_list import tag_summary

    tags = ("S1", "S3", "QI2.1", "status:concern", "strength", "#family-support")
    notes = [StoreNote(note_id=f"{i:032x}", inspection_id=b"i", collection_id=b"c",
                       rev=f"r{i}", parents=(), hlc=f"{1773481200000 - i:013d}-0000-node",
                       kind=kind, template=1, title=title, body="", tags=tags[:n])
             for i, (kind, title, n) in enumerate([
                 ("partnership_discussion", "Second partnership discussion", 6),
                 ("interview", "Parent meeting, family C", 2)])]

    class ListApp(App):
        def compose(self) -> ComposeResult:
            yield NoteList(lambda: NOW)

    for width in (120, 80):
        app = ListApp()
        async with app.run_test(size=(width, 10)) as pilot:
            widget = app.query_one(NoteList)
            widget.set_notes(notes)
            await pilot.pause()
            rows = [widget.render_line(y).text for y in range(3)]
        if width == 120:
            assert tag_summary(tags) in rows[1], rows[1]
            assert "Second partnership discussion" in rows[1]
            assert "Kind" in rows[0] and "Tags" in rows[0]
        else:
            assert "Second partnership discussion" in rows[1]  # the title is never cut first
            assert "Parent meeting, family C" in rows[2]


async def test_showing_a_screen_reads_the_notes_once_and_coming_back_reads_them_again(
        fprofile: Profile, fsession: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual resumes a screen right after mounting it: the inspections' counts and the
    workspace's list are read once on the way in (twice was 2 × 0.3 s at 50,000 notes), and
    again when a note saved elsewhere brings the user back."""
    import tui.screens.inspections as inspections_screen

    notes = seed(fsession)
    reads = {"summaries": 0, "lists": 0}
    summarise = inspections_screen.summarise
    list_notes = Session.list_notes

    def counted_summarise(session: Session) -> object:
        reads["summaries"] += 1
        return summarise(session)

    def counted_list(self: Session, *args: object, **kw: object) -> list[Note]:
        reads["lists"] += 1
        return list_notes(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(inspections_screen, "summarise", counted_summarise)
    monkeypatch.setattr(Session, "list_notes", counted_list)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        assert isinstance(app.screen, InspectionsScreen)
        assert reads["summaries"] == 1
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WorkspaceScreen)
        assert reads["lists"] == 1
        assert len(titles(app.screen)) == 3
        workspace = app.screen
        # a change while another screen is on top: the list is read again on the way back
        app.push_screen(HistoryScreen(notes["fg"].note_id))
        await pilot.pause()
        fsession.save(notes["fg"].note_id, autosave=False, title="Renamed focus group")
        app.pop_screen()
        await pilot.pause()
        assert app.screen is workspace
        assert reads["lists"] == 2
        assert "Renamed focus group" in titles(workspace)
        app.pop_screen()
        await pilot.pause()
        assert reads["summaries"] == 2


def test_sidebar_counts_match_the_notes_they_count(fsession: Session) -> None:
    """The sidebar's counts (C loops over 50,000 notes) say what a note-by-note walk says:
    a passage's tag counts for its note once, deleted notes count only as deleted."""
    from store import PassageTag
    from tui.screens.workspace import _counts, note_tags

    notes = seed(fsession)
    ins = fsession.find_inspection(None)
    fsession.create(ins, "note", "Tagged twice", "a passage here", tags=["S1"],
                    passages=[PassageTag(0, 9, "S1"), PassageTag(2, 9, "S4")])
    fsession.delete(notes["rr"].note_id)
    everything = fsession.list_notes(ins, include_deleted=True)
    live = [n for n in everything if n.state != "deleted"]
    kinds, tags, authors, states = _counts(everything, live)
    assert kinds == {"focus_group": 1, "interview": 1, "note": 1}
    assert tags == {t: sum(t in note_tags(n) for n in live)
                    for n in live for t in note_tags(n)}
    assert tags["S1"] == 2 and tags["S4"] == 1 and "S2" not in tags
    assert sum(authors.values()) == 3
    assert states == {"conflicted": 0, "deleted": 1,
                      "unsynced": sum(not n.pushed for n in everything)}


async def test_every_kind_label_fits_its_column_at_80_columns(
        fprofile: Profile, fsession: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 80×24 the Kind column shows each kind's short label whole ("observ" read as a word
    cut short), also for a kind first seen past the notes the columns are sized from."""
    import tui.widgets.note_list as note_list
    from store.inspection import KIND_SHORT_LABELS, KINDS

    monkeypatch.setattr(note_list, "SIZED_BY", 2)  # most kinds come after the sized notes
    ins = fsession.find_inspection(None)
    for kind in KINDS:  # drafts: no kind's required fields stop them
        fsession.create(ins, kind, f"A {kind} note", "text", autosave=True)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("enter")
        await pilot.pause()
        notes = app.screen.query_one(NoteList)
        assert len(notes.notes) == len(KINDS)
        shown = {}
        for y in range(1, len(KINDS) + 1):
            row = notes.render_line(y).text
            note = notes.notes[int(notes.scroll_y) + y - 1]
            shown[note.kind] = row
        for kind, row in shown.items():
            assert f" {KIND_SHORT_LABELS[kind]} " in row, (kind, row)


def test_inspection_summaries_count_what_a_walk_over_the_notes_counts(
        fsession: Session) -> None:
    """The inspections screen's counts (C loops over 50,000 notes): active and conflicted
    notes, unsynced records, conflicts and open concerns, per inspection."""
    from tui._notes import InspectionSummary, summarise

    notes = seed(fsession)
    ins = fsession.find_inspection(None)
    other = fsession.add_inspection("Northshire 2026", "Northshire CPP")
    fsession.create(other, "note", "Elsewhere", "text")
    raised = fsession.create(ins, "concern", "Concern from R-017", "", {
        "concern_level": "medium", "agencies": ["Health"], "raised_by": "AI",
        "date_raised": "2026-03-14T10:00", "description": "Chronology missing."},
        autosave=True)
    closed = fsession.create(ins, "concern", "Closed one", "", {"closed": True},
                             autosave=True)
    fsession.delete(notes["rr"].note_id)
    fsession.db.execute("UPDATE records SET pushed = 1 WHERE note_id = ?",
                        [notes["iv"].note_id])
    fsession.notes[notes["iv"].note_id].pushed = True

    want: dict[bytes, InspectionSummary] = {i: InspectionSummary()
                                            for i in fsession.inspections}
    for n in fsession.notes.values():
        s = want[n.inspection_id]
        s.notes += n.state in ("active", "conflicted")
        s.unsynced += not n.pushed
        s.conflicts += n.state == "conflicted"
        s.open_concerns += (n.kind == "concern" and n.state != "deleted"
                            and not n.fields.get("closed"))
    got = summarise(fsession)
    assert got == want
    mine = got[ins.inspection_id]
    assert (mine.notes, mine.unsynced, mine.open_concerns) == (4, 4, 1)
    assert raised.note_id in fsession.notes and closed.note_id in fsession.notes


async def test_search_index_is_built_only_after_the_list_is_painted(
        fprofile: Profile, fsession: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build sorts every note and then shares the interpreter with the UI: it starts a
    moment after the list's first paint (issue 16: ~50 ms of a 50,000-note workspace's first
    paint), and a search typed before then still finds the notes."""
    import tui.screens.workspace as workspace_screen

    seed(fsession)
    monkeypatch.setattr(workspace_screen, "SEARCH_BUILD_DELAY", 0.5)
    async with make_app(fprofile).run_test(size=(80, 24)) as pilot:
        screen = await open_notebook(pilot, fsession)
        await screen.wait_for_refresh()
        await pilot.pause()
        index = fsession.search_index
        assert not index.building and not index.built
        await pilot.pause(0.8)
        assert index.building or index.built


async def test_a_search_typed_before_the_index_is_built_finds_the_notes(
        fprofile: Profile, fsession: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.screens.workspace as workspace_screen

    seed(fsession)
    monkeypatch.setattr(workspace_screen, "SEARCH_BUILD_DELAY", 60)
    async with make_app(fprofile).run_test(size=(80, 24)) as pilot:
        screen = await open_notebook(pilot, fsession)
        await pilot.press("slash", *"chronology")
        await pilot.pause()
        assert titles(screen) == ["Record review R-017"]
