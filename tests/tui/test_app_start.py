"""Start-up (DESIGN §9, issue 16): ``fieldpad`` reaches the unlock prompt importing and doing
only what the prompt needs; what the other screens need comes with them, and still applies.

How fast it starts is measured in ``tests/bench/bench_tui.py`` (``bench_start``), never here;
these tests keep the reasons it is fast from quietly going away.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from store import KdfParams, Profile, Session
from tui.screens import SCREENS_CSS
from tui.screens.unlock import UnlockScreen

from .conftest import PASSPHRASE, make_app

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.anyio

#: ``fieldpad --profile DIR`` through the CLI's parser and dispatch, as a user starts it; only
#: the app's run is headless, and it prints what is imported once the prompt is up
AT_THE_PROMPT = """
import asyncio, json, sys, time
import tui.app
from tui.cli import main

def run_app(profile_dir, **kw):
    async def go():
        app = tui.app.FieldpadApp(profile_dir, **kw)
        async with app.run_test(size=(80, 24)) as pilot:
            deadline = time.monotonic() + 60
            while not (isinstance(app.screen, tui.app.UnlockScreen)
                       and any(w.is_mounted for w in app.screen.query("#secret"))):
                assert time.monotonic() < deadline, "no unlock prompt"
                await asyncio.sleep(0.001)
            from tui.screens import SCREENS_CSS
            css = app.stylesheet.has_source(str(SCREENS_CSS), "")
            print(json.dumps({"modules": sorted(sys.modules), "screens_css": css}))
    asyncio.run(go())
    return 0

tui.app.run_app = run_app
sys.exit(main(["--profile", sys.argv[1]]))
"""

#: heavy libraries the prompt has no use for (the network, the protocol models)
HEAVY = ("httpx", "httpcore", "h11", "pydantic", "pydantic_core", "certifi")
#: what of fieldpad's screens and widgets the prompt shows
PROMPT = {"tui.screens", "tui.screens._base", "tui.screens.unlock"}
#: fieldpad's modules the prompt has no use for: the sync seams (the CLI hands the app ones
#: that import them when first used), the footer and title bar of the other screens (the
#: prompt draws its own lines), and Textual's footer
NOT_AT_THE_PROMPT = {"tui._sync_adapter", "tui._sync_seam", "tui.widgets.key_footer",
                     "tui.widgets.title_bar", "textual.widgets._footer"}


def _at_the_prompt(profile_dir: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", AT_THE_PROMPT, str(profile_dir)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_cli_reaches_the_unlock_prompt_importing_only_what_the_prompt_needs(
        fprofile: Profile, fsession: Session) -> None:
    fsession.lock()
    seen = _at_the_prompt(fprofile.directory)
    assert seen["screens_css"] is False  # the other screens' styles are not parsed before it
    loaded = set(seen["modules"])
    assert {m for m in loaded if m.split(".")[0] in HEAVY} == set()
    assert {m for m in loaded if m == "sync" or m.startswith("sync.")} == set()
    ours = {m for m in loaded if m.startswith(("tui.screens", "tui.widgets"))}
    assert ours <= PROMPT, sorted(ours - PROMPT)
    assert loaded & NOT_AT_THE_PROMPT == set()
    # the palette's provider comes when the palette opens; a text area with the editor
    assert "tui._commands_palette" not in loaded
    assert "textual.widgets._text_area" not in loaded


def test_importing_the_cli_imports_no_network_no_models_and_no_screen() -> None:
    code = "import sys, json, tui.cli; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    loaded = set(json.loads(done.stdout))
    assert {m for m in loaded if m.split(".")[0] in (*HEAVY, "sync", "textual")} == set()
    assert {m for m in loaded if m.startswith(("tui.screens", "tui.widgets", "tui.app"))} \
        == set()


def test_the_app_looks_for_the_database_the_store_opens() -> None:
    """The app names the profile's database itself (not to import the store before the
    prompt): the name must be the store's."""
    import store
    from tui.app import DB_NAME

    assert DB_NAME == store.DB_NAME


@pytest.mark.parametrize("opened_by", ["cli", "caller"])
async def test_the_unlock_prompt_is_the_first_screen(fprofile: Profile, fsession: Session,
                                                     opened_by: str) -> None:
    """The prompt is the app's default screen, not pushed over a blank one (one screen less
    before it shows), whether the app opens the profile itself (the CLI) or is handed it."""
    from tui.app import FieldpadApp

    fsession.lock()
    app = FieldpadApp(fprofile.directory, idle_lock_seconds=3600) if opened_by == "cli" \
        else make_app(fprofile)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert len(app.screen_stack) == 1, app.screen_stack
            assert isinstance(app.screen, UnlockScreen)
            assert app.focused is app.screen.query_one("#secret")
    finally:
        if opened_by == "cli" and app._profile is not None:
            app._profile.close()


@pytest.mark.parametrize("start", ["unlock", "first-run"])
async def test_after_a_lock_the_prompt_is_the_only_screen_left(fprofile: Profile,
                                                                start: str) -> None:
    """Locking leaves a fresh prompt as the bottom and only screen, nothing of the session
    under it: after the prompt (the inspections took its place) and after the first run (the
    inspections over its blank screen)."""
    from tui.screens.inspections import InspectionsScreen
    from tui.screens.workspace import WorkspaceScreen

    if start == "unlock":
        fprofile.init(PASSPHRASE, KdfParams.floor(), author="AI")[0].lock()
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first = app.screen
        if start == "unlock":
            session = fprofile.unlock(PASSPHRASE)
        else:
            session = fprofile.init(PASSPHRASE, KdfParams.floor(), author="AI")[0]
        app.unlocked(session)
        await pilot.pause()
        await pilot.press("enter")  # the first inspection's notes
        await pilot.pause()
        assert isinstance(app.screen, WorkspaceScreen)
        assert [type(s) for s in app.screen_stack][-2:] == [InspectionsScreen, WorkspaceScreen]
        await app.lock()
        await pilot.pause()
        assert len(app.screen_stack) == 1, app.screen_stack
        assert isinstance(app.screen, UnlockScreen) and app.screen is not first
        assert app._bookmarks  # where the user was: ids only, to go back there
        # and unlocking again replaces the prompt with the inspections, as at start
        app.unlocked(fprofile.unlock(PASSPHRASE))
        await pilot.pause()
        await pilot.pause()
        assert [type(s) for s in app.screen_stack] == [InspectionsScreen, WorkspaceScreen]


async def _loaded_ahead(pilot: Any) -> None:
    """Wait until the app has loaded ``screens.tcss`` ahead (after the profile opens in a
    thread, a moment after the first paint)."""
    deadline = time.monotonic() + 30
    while not pilot.app.stylesheet.has_source(str(SCREENS_CSS), ""):
        assert time.monotonic() < deadline, "screens.tcss was not loaded ahead"
        await pilot.pause(0.01)
    await pilot.pause()


async def test_the_other_screens_styles_apply_when_loaded_ahead(
        fprofile: Profile, fsession: Session) -> None:
    """Loaded ahead once the prompt is up (after the profile opens), then used after
    unlocking: the inspections list fills the screen as ``screens.tcss`` says."""
    from tui.screens.inspections import InspectionsScreen

    fsession.lock()
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await _loaded_ahead(pilot)
        assert isinstance(app.screen, UnlockScreen)
        app.unlocked(fprofile.unlock(PASSPHRASE))
        await pilot.pause()
        assert isinstance(app.screen, InspectionsScreen)
        table = app.screen.query_one("#inspections")
        assert table.styles.height is not None and str(table.styles.height) == "1fr"


async def test_a_screen_opened_before_they_are_loaded_ahead_still_gets_its_styles(
        fprofile: Profile, fsession: Session) -> None:
    """Help from the prompt at once: Textual loads ``screens.tcss`` with the screen."""
    from tui.screens.help import HelpScreen

    fsession.lock()
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_help()
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        body = app.screen.query_one("#help-body")
        assert body.styles.scrollbar_size_vertical == 1
        assert body.styles.padding.left == 2


@pytest.mark.parametrize("vault", [True, False], ids=["unlock", "first-run"])
async def test_loading_the_other_screens_styles_ahead_changes_nothing_shown(
        fprofile: Profile, vault: bool) -> None:
    """The app does not restyle the prompt after loading ``screens.tcss`` (start-up time):
    restyling it would change nothing, as no rule there matches the prompt's widgets."""
    if vault:
        fprofile.init(PASSPHRASE, KdfParams.floor(), author="AI")[0].lock()
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await _loaded_ahead(pilot)
        nodes = list(app.screen.walk_children(with_self=True))
        assert len(nodes) > 8, nodes  # the screen and its widgets (the prompt has 10)
        before = [node.styles.base.css for node in nodes]
        app.stylesheet.update(app)
        await pilot.pause()
        assert [node.styles.base.css for node in nodes] == before


async def test_the_first_run_loads_the_screens_styles_with_itself(fprofile: Profile) -> None:
    """``app.tcss`` holds only the unlock prompt's rules; the first run's are in
    ``screens.tcss``, which its screens list, so they are styled from their first paint."""
    from tui.screens.first_run import CreateVaultScreen

    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CreateVaultScreen)
        assert app.stylesheet.has_source(str(SCREENS_CSS), "")
        assert app.screen.query_one("#create-message").styles.margin.top == 1
        assert app.screen.query_one(".intro").styles.margin.bottom == 1


async def test_the_prompts_key_line_shows_its_keys_and_follows_the_focus(
        fprofile: Profile, fsession: Session) -> None:
    """The prompt draws its keys in one line (start-up time), as the footer would: the input's
    enter hides the screen's while it has the focus; the palette on the right."""
    fsession.lock()
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = app.screen.query_one("#unlock-keys")
        shown = str(keys.render())
        assert "^r Use recovery key" in shown and shown.rstrip().endswith("▏^p palette")
        assert "Unlock" not in shown
        app.screen.set_focus(None)
        await pilot.pause()
        assert "⏎ Unlock ^r Use recovery key" in str(keys.render())
