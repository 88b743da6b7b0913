"""The app in a real terminal: tmux at 80×24, keystrokes only, the screen read back."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store import KdfParams, Profile

from .conftest import PASSPHRASE

ROOT = Path(__file__).parents[2]

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    def __init__(self, socket: Path, session: str) -> None:
        self.base = ["tmux", "-S", str(socket)]
        self.session = session

    def __call__(self, *args: str) -> str:
        return subprocess.run([*self.base, *args], check=True, capture_output=True,
                              text=True, timeout=20).stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        self("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)

    def alive(self) -> bool:
        """Whether the session still runs: it ends with the app, and with it the tmux server,
        so list-sessions failing (and only that) means it is gone."""
        r = subprocess.run([*self.base, "list-sessions", "-F", "#S"], capture_output=True,
                           text=True, timeout=20)
        return r.returncode == 0 and self.session in r.stdout.split()

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", self.session)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if text in shown:
                time.sleep(0.2)  # drawn is not yet focused: let the app settle before keys
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")
            time.sleep(0.1)


@pytest.mark.slow
def test_unlock_and_write_a_note_with_keys_only(tmp_path: Path) -> None:
    directory = tmp_path / "profile"
    profile = Profile(directory)
    profile.init(PASSPHRASE, KdfParams.floor(), author="AI")[0].lock()
    profile.close()
    tmux = Tmux(tmp_path / "tmux.sock", "fp")
    command = f"cd {ROOT} && {sys.executable} -m tui.app --no-mouse {directory}"
    tmux("new-session", "-d", "-s", "fp", "-x", "80", "-y", "24", command)
    try:
        tmux.wait_for("Passphrase")
        tmux.keys(PASSPHRASE, literal=True)
        tmux.keys("Enter")
        tmux.wait_for("Inspections")
        tmux.keys("Enter")  # Notebook
        tmux.wait_for("search notes")
        tmux.keys("n")
        tmux.wait_for("which kind?")
        tmux.keys("8")  # general note
        tmux.wait_for("template v1")
        tmux.keys("Typed in tmux", literal=True)
        tmux.wait_for("Typed in tmux")
        # let the title's own events (validation, the autosave timer) settle: on a loaded
        # machine a Tab sent at once was once handled before them and lost
        time.sleep(0.5)
        tmux.keys("Tab")
        tmux.keys("Visible words", literal=True)
        tmux.wait_for("Visible words")
        tmux.keys("C-s")
        shown = tmux.wait_for("Saved as a revision")
        assert "saved" in shown and "Typed in tmux" in shown
        lines = shown.splitlines()
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        tmux.keys("Escape")
        shown = tmux.wait_for("1 of 1")
        assert "Typed in tmux" in shown
        tmux.keys("C-l")
        shown = tmux.wait_for("locked")
        assert "Typed in tmux" not in shown
        tmux.keys("C-q")
        deadline = time.monotonic() + 10
        while tmux.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not tmux.alive(), "the app did not quit on ctrl+q"
    finally:
        subprocess.run([*tmux.base, "kill-server"], capture_output=True)
    session = Profile(directory).unlock(PASSPHRASE)
    [note] = session.load_bodies(session.list_notes())  # the list holds no bodies
    assert (note.title, note.body, note.state) == ("Typed in tmux", "Visible words", "active")
