"""Locking (ctrl+l and idle), and what must never leave the app: screenshots, clipboard, title."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import TextArea

from store import FieldpadError, Profile, Session
from tui.screens.editor import EditorScreen, TagModal
from tui.screens.unlock import UnlockScreen

from .conftest import PASSPHRASE, advance, make_app, unlock

pytestmark = pytest.mark.anyio


async def _open_editor_with_modal(pilot, session: Session) -> EditorScreen:
    app = pilot.app
    ins = session.find_inspection(None)
    note = session.create(ins, "note", "Secret title", "Secret body")
    await unlock(pilot, session)
    app.push_screen(EditorScreen(ins, "note", note.note_id))
    await pilot.pause()
    editor = app.screen
    assert isinstance(editor, EditorScreen)
    return editor


def _only_unlock_left(app: App) -> None:
    assert len(app.screen_stack) == 1, app.screen_stack  # the prompt, in the bottom's place
    assert isinstance(app.screen, UnlockScreen)
    for screen in app.screen_stack:
        assert not screen.query(".note-text, TextArea, NoteList")


async def test_ctrl_l_locks_everything_and_keeps_what_was_typed(
        fprofile: Profile, fsession: Session) -> None:
    app = make_app(fprofile, autosave_delay=30)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await _open_editor_with_modal(pilot, fsession)
        note_id = editor.note_id
        area = editor.query_one("#f-body", TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        await pilot.press("!", "ctrl+g")  # a modal on top of the editor
        await pilot.pause()
        assert isinstance(app.screen, TagModal)
        app.copy_to_clipboard("Secret body")
        await pilot.press("ctrl+l")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        _only_unlock_left(app)
        assert app.session is None and fsession.locked and fsession.notes == {}
        assert app.clipboard == ""
        assert app.title == "fieldpad" and app.sub_title == "Unlock"
        assert fsession.keys is None
        with pytest.raises(FieldpadError):  # (NotFound today: the notes are gone)
            fsession.save(note_id, body="x")
    # the typed "!" was flushed before the lock
    assert Profile(fprofile.directory).unlock(PASSPHRASE).get(note_id).body == "Secret body!"


@pytest.mark.slow
async def test_idle_lock(fprofile: Profile, fsession: Session) -> None:
    app = make_app(fprofile, idle_lock_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_editor_with_modal(pilot, fsession)
        for _ in range(3):  # a key press now and then keeps it open
            await advance(pilot, 45)
            await pilot.press("end")
        await advance(pilot, 59)
        assert isinstance(app.screen, EditorScreen)
        await advance(pilot, 1)  # a minute without a key
        await app.workers.wait_for_complete()
        await pilot.pause()
        _only_unlock_left(app)
        assert fsession.locked
        assert "Locked after a while" in str(app.screen.query_one("#unlock-message").render())
        # and it unlocks again with the passphrase
        app.screen.query_one("#secret").value = PASSPHRASE
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session is not None and not app.session.locked


async def test_idle_lock_setting_is_used(fprofile: Profile, fsession: Session) -> None:
    fsession.set_setting("idle_lock_minutes", 3)
    fsession.set_setting("theme", "nord")
    app = make_app(fprofile, idle_lock_seconds=None)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "textual-dark"  # sealed: unknown until unlocked
        await unlock(pilot, fsession)
        assert app.idle_lock_seconds == 180
        assert app.theme == "nord"


@pytest.mark.slow
async def test_no_screenshots_no_clipboard_no_plaintext_title(
        fprofile: Profile, fsession: Session, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[str] = []
    monkeypatch.setattr(App, "copy_to_clipboard", lambda self, text: sent.append(text))
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await _open_editor_with_modal(pilot, fsession)
        assert app.title == "fieldpad" and app.sub_title == "Editor"
        area = editor.query_one("#f-body", TextArea)
        area.focus()
        area.select_all()
        await pilot.press("ctrl+c")  # TextArea's copy
        assert app.clipboard == "Secret body"  # inside the app only
        assert sent == []
        app.action_screenshot(path=str(tmp_path))
        app.deliver_screenshot(path=str(tmp_path))
        with pytest.raises(RuntimeError):
            app.save_screenshot(path=str(tmp_path))
        await pilot.pause()
        assert list(tmp_path.glob("*.svg")) == []
        assert "screenshot" not in " ".join(
            b.action for b in app._bindings.key_to_bindings.get("ctrl+s", []))
        # with the user's permission, copying reaches the system clipboard
        app.settings = app.settings.with_changes(allow_clipboard=True)
        await pilot.press("ctrl+c")
        assert sent == ["Secret body"]


async def test_lock_while_sync_runs_waits_for_the_sync(fprofile: Profile,
                                                       fsession: Session) -> None:
    import threading

    from tui._sync_seam import SyncResult

    release = threading.Event()
    seen: list[bool] = []

    def slow_sync(session, progress):
        assert release.wait(10)
        seen.append(session.locked)
        return SyncResult(ok=True)

    app = make_app(fprofile, sync_now=slow_sync)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, fsession)
        await pilot.press("s", "ctrl+l")
        await pilot.pause()
        _only_unlock_left(app)
        assert not fsession.locked  # the sync thread still uses it
        release.set()
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert seen == [False] and fsession.locked


def _collected(obj: object) -> bool:
    """Whether the cyclic collector walks ``obj`` (frozen objects are in none of its
    generations)."""
    import gc

    return any(o is obj for o in gc.get_objects())


async def test_unlocked_notes_are_out_of_the_collectors_way_until_the_lock(
        fprofile: Profile, fsession: Session) -> None:
    """Issue 16: with 50,000 notes alive a full collection walked them all (~0.5 s, while the
    lists were painted); unlocking freezes them, locking gives them back to the collector."""
    ins = fsession.find_inspection(None)
    note = fsession.create(ins, "note", "Secret title", "Secret body")
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        assert _collected(note)
        await unlock(pilot, fsession)
        assert not _collected(note)
        await pilot.press("ctrl+l")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session is None
        assert _collected(note)
