"""Sync over the seam (progress, result, errors in words) and resolving conflicts."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Label, OptionList, ProgressBar, Static

from store import CONFLICTED, Profile, Session
from tui._sync_seam import SyncProgress, SyncResult
from tui.screens.conflict import ConflictScreen, EditConflictModal
from tui.screens.inspections import InspectionsScreen
from tui.screens.sync import SyncScreen

from .conftest import fork, make_app, unlock

pytestmark = pytest.mark.anyio

OTHER = b"\x02" * 16


def conflicted(session: Session) -> str:
    ins = session.find_inspection(None)
    n = session.create(ins, "note", "Shared", "intro\nthe same line\noutro\n")
    session.save(n.note_id, body="intro\nour version\noutro\n", title="Our title")
    fork(session, n.note_id, n.rev, OTHER, body="intro\ntheir version\noutro\n",
         title="Their title")
    assert session.get(n.note_id).state == CONFLICTED
    return n.note_id


async def test_sync_shows_progress_result_and_conflicts(fprofile: Profile,
                                                        fsession: Session) -> None:
    note_id = conflicted(fsession)
    fsession.add_inspection("Northshire 2026", "Northshire CPP", role="team", scope="team")
    halfway, carry_on = threading.Event(), threading.Event()
    calls = []

    def sync_now(session, progress):  # noqa: ANN001, ANN202 - the seam's signature
        calls.append(session)
        progress(SyncProgress("Notebook · team: pushing", 0, 4))
        progress(SyncProgress("Notebook · team: pulling", 2, 4))
        halfway.set()
        assert carry_on.wait(10)
        progress(SyncProgress("Notebook · team: pulling", 4, 4))
        return SyncResult(ok=True, server="https://sync.example.org", up=3, down=1,
                          bytes_up=2048, bytes_down=900, merged=1, seconds=1.2,
                          lines=("Notebook · team: done",))

    app = make_app(fprofile, sync_now=sync_now)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        assert halfway.wait(10)
        await pilot.pause(0.1)
        bar = screen.query_one(ProgressBar)
        assert (bar.progress, bar.total) == (2, 4)
        assert "pulling" in str(screen.query_one("#sync-stage", Label).render())
        await pilot.press("escape")  # cannot leave a running sync
        assert app.screen is screen
        carry_on.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert calls == [fsession]
        result = str(screen.query_one("#sync-result", Static).render())
        assert "up 3 records (2 KB) · down 1 record (900 B) · 1.2 s" in result
        assert "merged automatically" in result
        assert "1 note needs you" in str(screen.query_one("#conflicts-title").render())
        assert screen.check_action("resolve", ()) is True
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConflictScreen) and app.screen.note_id == note_id
        # resolve it: the sync screen's one summary follows, and offers nothing to resolve
        await pilot.press("h", "h", "ctrl+s")  # the text's passage, then the title
        await pilot.pause()
        await pilot.press("y")  # apply the decision
        await pilot.pause()
        assert app.screen is screen
        texts = " ".join(str(w.render()) for w in screen.query("Label, Static"))
        assert "No conflicts to resolve." in texts and "needs you" not in texts.lower()
        assert "merged automatically" in texts
        assert screen.check_action("resolve", ()) is False  # the footer drops "Resolve"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, InspectionsScreen)
        assert "synced 10:00 · 0 unsynced" in str(app.screen.query_one("#title-right").render())


async def test_sync_errors_in_words(fprofile: Profile, fsession: Session) -> None:
    def broken(session, progress):  # noqa: ANN001, ANN202
        raise ConnectionError("the server did not answer")

    app = make_app(fprofile, sync_now=broken)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        stage = app.screen.query_one("#sync-stage", Label)
        assert "did not finish" in str(stage.render()) and stage.has_class("error")
        text = str(app.screen.query_one("#sync-result").render())
        assert "the server did not answer" in text and "Traceback" not in text


async def test_offline_by_default(fprofile: Profile, fsession: Session) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Working offline" in str(app.screen.query_one("#sync-stage").render())
        assert "fieldpad enrol" in str(app.screen.query_one("#sync-result").render())
        assert not app.screen.query_one("#conflicts", OptionList).display


async def test_resolve_conflict_take_left_and_right(fprofile: Profile,
                                                    fsession: Session) -> None:
    note_id = conflicted(fsession)
    history_before = len(fsession.history(note_id))
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("enter")  # workspace
        await pilot.pause()
        await pilot.press("enter")  # a conflicted note opens the conflict screen
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConflictScreen)
        assert [i.key for i in screen.items] == ["body", "title"]
        # which side is which follows the merge's stable order of the two revisions
        left = str(screen.query_one("#left-text").render())
        right = str(screen.query_one("#right-text").render())
        assert {left, right} == {"our version", "their version"}
        ours_key = "left" if "our version" in left else "right"
        await pilot.press("ctrl+s")  # not everything decided: nothing happens
        await pilot.pause()
        assert app.screen is screen and fsession.get(note_id).state == CONFLICTED
        await pilot.press(ours_key)  # body: ours
        title = screen.items[1]
        await pilot.press("right" if title.right == "Their title" else "left")  # title: theirs
        assert "2 of 2 decided" in str(screen.query_one("#title-right").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("n")  # at the confirmation: not yet
        await pilot.pause()
        assert fsession.get(note_id).state == CONFLICTED
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    note = fsession.get(note_id)
    assert (note.state, note.title, note.body, note.kept) == (
        "active", "Their title", "intro\nour version\noutro\n", {})
    history = fsession.history(note_id)
    assert len(history) == history_before + 1
    bodies = "".join(r.note.body for r in history)
    assert "their version" in bodies and "our version" in bodies  # nothing lost


async def test_resolve_conflict_keep_both_and_edit(fprofile: Profile,
                                                   fsession: Session) -> None:
    note_id = conflicted(fsession)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        app.push_screen(ConflictScreen(note_id))
        await pilot.pause()
        both = screen_both = app.screen.items[0]
        await pilot.press("b")  # body: both, one after the other
        await pilot.press("e")  # title: edit
        await pilot.pause()
        assert isinstance(app.screen, EditConflictModal)
        app.screen.query_one("TextArea").load_text("Agreed title")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("ctrl+s", "y")
        await pilot.pause()
    note = fsession.get(note_id)
    assert note.state == "active" and note.title == "Agreed title"
    assert screen_both is both
    assert note.body == f"intro\n{both.left}{both.right}outro\n"
    assert "our version" in note.body and "their version" in note.body


async def test_a_sync_that_purges_the_open_inspection_leaves_its_screens(
        fprofile: Profile, fsession: Session) -> None:
    from store import purge_inspection
    from tui.screens.workspace import WorkspaceScreen

    north = fsession.add_inspection("Northshire 2026", "Northshire CPP", role="team",
                                    scope="team")
    fsession.create(north, "note", "Walk round", "")

    def purging(session, progress):  # noqa: ANN001, ANN202 - the seam's signature
        purge_inspection(session, north.inspection_id, reason="purged on the server")
        return SyncResult(ok=True, server="https://sync.example.org",
                          lines=("Purged Northshire 2026.",))

    app = make_app(fprofile, sync_now=purging)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("enter")  # Northshire 2026 sorts first
        await pilot.pause()
        assert isinstance(app.screen, WorkspaceScreen)
        assert app.screen.inspection.inspection_id == north.inspection_id
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Purged Northshire 2026" in str(app.screen.query_one("#sync-result").render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, InspectionsScreen)
        assert north.inspection_id not in fsession.inspections
