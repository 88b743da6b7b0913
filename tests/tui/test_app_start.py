"""Start-up (DESIGN §9, issue 16): ``fieldpad`` reaches the unlock prompt importing and doing
only what the prompt needs; what the other screens need comes with them, and still applies.

How fast it starts is measured in ``tests/bench/bench_tui.py`` (``bench_start``), never here;
these tests keep the reasons it is fast from quietly going away.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from store import Profile, Session
from tui.screens.unlock import UnlockScreen

from .conftest import make_app

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
            print(json.dumps(sorted(sys.modules)))
    asyncio.run(go())
    return 0

tui.app.run_app = run_app
sys.exit(main(["--profile", sys.argv[1]]))
"""

#: heavy libraries the prompt has no use for (the network, the protocol models)
HEAVY = ("httpx", "httpcore", "h11", "pydantic", "pydantic_core", "certifi")
#: what of fieldpad's screens and widgets the prompt shows
PROMPT = {"tui.screens", "tui.screens._base", "tui.screens.unlock",
          "tui.widgets", "tui.widgets.key_footer", "tui.widgets.title_bar"}


def _modules_at_the_prompt(profile_dir: Path) -> set[str]:
    done = subprocess.run([sys.executable, "-c", AT_THE_PROMPT, str(profile_dir)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_cli_reaches_the_unlock_prompt_importing_only_what_the_prompt_needs(
        fprofile: Profile, fsession: Session) -> None:
    fsession.lock()
    loaded = _modules_at_the_prompt(fprofile.directory)
    assert {m for m in loaded if m.split(".")[0] in HEAVY} == set()
    assert {m for m in loaded if m == "sync" or m.startswith("sync.")} == set()
    ours = {m for m in loaded if m.startswith(("tui.screens", "tui.widgets"))}
    assert ours <= PROMPT, sorted(ours - PROMPT)
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
