"""First run, unlocking, the recovery key, and start-up staying import-light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Button, Checkbox, Input, Label

from store import KdfParams, Profile
from tui.screens.first_run import CreateVaultScreen, RecoveryKeyScreen
from tui.screens.inspections import InspectionsScreen
from tui.screens.unlock import UnlockScreen

from .conftest import PASSPHRASE, make_app

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.anyio


async def _type(pilot, selector: str, text: str) -> None:
    """Focus an input and type ``text`` at its end, key by key."""
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    widget.cursor_position = len(widget.value)
    await pilot.press(*text)


def _put(pilot, selector: str, text: str) -> None:
    """Set most of a long value at once (typing each key costs ~70 ms under the pilot)."""
    pilot.app.screen.query_one(selector, Input).value = text


@pytest.mark.slow
async def test_first_run_creates_vault_and_shows_recovery_key_once(tmp_path: Path) -> None:
    directory = tmp_path / "new-profile"
    app = make_app(Profile(directory))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CreateVaultScreen)
        await _type(pilot, "#author", "AI")
        await _type(pilot, "#pass1", "short")
        assert "Too short" in str(app.screen.query_one("#strength", Label).render())
        _put(pilot, "#pass1", "short but now long enough")
        await _type(pilot, "#pass2", "other")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CreateVaultScreen)
        assert "differ" in str(app.screen.query_one("#create-message", Label).render())
        _put(pilot, "#pass2", "short but now long enou")
        await _type(pilot, "#pass2", "gh")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecoveryKeyScreen)
        words = [str(w.render()).split(". ", 1)[1] for w in screen.query(".recovery-word")]
        assert len(words) == 24
        assert screen.query_one("#continue", Button).disabled
        await pilot.click("#continue")  # disabled: nothing happens
        assert isinstance(app.screen, RecoveryKeyScreen)
        screen.query_one("#written", Checkbox).value = True
        await pilot.pause()
        await pilot.click("#continue")
        await pilot.pause()
        assert isinstance(app.screen, InspectionsScreen)
        assert [i.name for i in app.session.list_inspections()] == ["Notebook"]
        assert app.session.author == "AI"
    # the vault opens with the passphrase and, separately, with the words shown
    again = Profile(directory)
    again.unlock("short but now long enough").lock()
    again.unlock_recovery(" ".join(words)).lock()


@pytest.mark.slow
async def test_wrong_then_right_passphrase(fprofile: Profile, fsession) -> None:
    fsession.lock()
    before = fprofile.db.execute("SELECT count(*) FROM records").fetchone()[0]
    slots = list(fprofile.db.query("SELECT * FROM vault_slots"))
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        for attempt in (1, 2):
            await pilot.press(*"not mine", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            message = str(app.screen.query_one("#unlock-message", Label).render())
            assert f"Wrong passphrase. {attempt} attempt" in message
            assert app.session is None
            assert app.screen.query_one("#secret", Input).value == ""
        assert fprofile.db.execute("SELECT count(*) FROM records").fetchone()[0] == before
        assert list(fprofile.db.query("SELECT * FROM vault_slots")) == slots
        _put(pilot, "#secret", PASSPHRASE[:-3])
        await _type(pilot, "#secret", PASSPHRASE[-3:])
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, InspectionsScreen)
        assert app.session is not None and not app.session.locked


async def test_unlock_with_recovery_key(tmp_path: Path) -> None:
    profile = Profile(tmp_path / "p")
    session, words = profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
    session.lock()
    app = make_app(profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+r")
        assert app.screen.query_one("#secret", Input).password is False
        app.screen.query_one("#secret", Input).value = "abandon " * 23 + "zoo"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        assert "Wrong recovery key" in str(app.screen.query_one("#unlock-message").render()) \
            or "recovery" in str(app.screen.query_one("#unlock-message").render()).lower()
        app.screen.query_one("#secret", Input).value = words
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, InspectionsScreen)


async def test_empty_passphrase_is_not_tried(fprofile: Profile, fsession) -> None:
    fsession.lock()
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "first" in str(app.screen.query_one("#unlock-message").render())
        assert app.unlock_attempts == 0


async def test_the_collector_stays_off_until_the_unlocked_notes_are_frozen(
        fprofile: Profile, fsession, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16: the store loads the notes with the cyclic collector off; back on before the
    app froze them, its first collections walked all of them (0.3-0.6 s at 50,000 notes).
    The prompt's worker keeps it off until ``unlocked`` has run, and on again after, also
    after a wrong passphrase."""
    import gc

    from tui.app import FieldpadApp

    fsession.lock()
    seen: list[bool] = []
    unlocked = FieldpadApp.unlocked

    def watched(self: FieldpadApp, *args: object, **kw: object) -> None:
        seen.append(gc.isenabled())
        unlocked(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(FieldpadApp, "unlocked", watched)
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        _put(pilot, "#secret", "not mine")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session is None and gc.isenabled()
        _put(pilot, "#secret", PASSPHRASE)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, InspectionsScreen)
        assert seen == [False]
        assert gc.isenabled()


def test_tui_package_and_app_module_stay_light() -> None:
    """``fieldpad --version`` must not import Textual; the app reaches the prompt without
    importing the store (sqlite-utils, crypto), which loads in a thread meanwhile."""
    code = ("import sys, tui, tui.cli; assert 'textual' not in sys.modules, 'textual'; "
            "import tui.app; assert 'store' not in sys.modules, sorted(m for m in sys.modules "
            "if m.startswith('store'))")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


async def _first_run(pilot) -> None:
    """Create a vault and get past the recovery key, as quickly as the pilot allows."""
    app = pilot.app
    await pilot.pause()
    _put(pilot, "#pass1", "a long enough passphrase")
    _put(pilot, "#pass2", "a long enough passphrase")
    app.screen.query_one("#pass2", Input).focus()
    await pilot.pause()
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    app.screen.query_one("#written", Checkbox).value = True
    await pilot.pause()
    await pilot.click("#continue")
    await pilot.pause()


@pytest.mark.slow
async def test_first_run_offers_enrolment_or_offline(tmp_path: Path) -> None:
    from store import FieldpadError
    from tui.screens.first_run import EnrolScreen

    calls = []

    def enrol_now(session, url: str, code: str) -> str:
        calls.append((url, code))
        if code == "BAD":
            raise FieldpadError("the server refused (401 invalid_code): this code is not valid")
        return "Enrolled as ai. Device fingerprint ABCD-EFGH."

    app = make_app(Profile(tmp_path / "p"), enrol_now=enrol_now)
    async with app.run_test(size=(80, 24)) as pilot:
        await _first_run(pilot)
        assert isinstance(app.screen, EnrolScreen)
        _put(pilot, "#enrol-url", "https://sync.example.org")
        _put(pilot, "#enrol-code", "BAD")
        app.screen.query_one("#enrol-code", Input).focus()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, EnrolScreen)
        assert "not valid" in str(app.screen.query_one("#enrol-message", Label).render())
        _put(pilot, "#enrol-code", "GOOD-CODE")
        app.screen.query_one("#enrol-code", Input).focus()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, InspectionsScreen)
        assert calls == [("https://sync.example.org", "BAD"),
                         ("https://sync.example.org", "GOOD-CODE")]
    app = make_app(Profile(tmp_path / "q"), enrol_now=enrol_now)
    async with app.run_test(size=(80, 24)) as pilot:
        await _first_run(pilot)
        await pilot.press("escape")  # work offline
        await pilot.pause()
        assert isinstance(app.screen, InspectionsScreen)
    assert len(calls) == 2
