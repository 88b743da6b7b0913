"""A one-time storage upgrade is announced (issue 16's leftovers): the CLI prints one line to
stderr before it runs, the app shows a notice while it runs and another once it is done. The
profiles are real ones at the schema before the records layout (every profile in use today)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from store import MIGRATION_NAMES, KdfParams, schema_version
from tests.conftest import PASSPHRASE
from tests.store._old_schema import write_old
from tests.store.test_upgrade_notice import LAYOUT, _source
from tui.app import FieldpadApp
from tui.screens.unlock import UnlockScreen

from .conftest import ManualClock
from .test_cli import Cli

MESSAGE = "Upgrading this profile's storage (once; about 1 s for 3 notes)…"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _source(tmp_path_factory.mktemp("upgrade"), 3)


def _old(source: Path, target: Path) -> Path:
    write_old(source / "fieldpad.db", target, MIGRATION_NAMES.index(LAYOUT))
    return target


def test_the_cli_says_it_upgrades_once_before_it_does(source: Path, tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    _old(source, cli.profile)
    r = cli("note", "list")
    assert r.stderr.splitlines() == [MESSAGE]
    assert "First visit" in r.stdout
    assert cli("note", "list").stderr == ""  # once


@pytest.mark.anyio
async def test_the_app_shows_a_notice_while_it_upgrades(source: Path, tmp_path: Path) -> None:
    old = _old(source, tmp_path / "old")
    app = FieldpadApp(old, kdf_params=KdfParams.floor, idle_lock_seconds=3600,
                      monotonic=ManualClock(), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)  # the prompt first, the upgrade behind it
        # the profile opens in a worker started a moment after the first paint, so waiting
        # for the workers once could run before it exists: wait for the upgrade to end
        deadline = time.monotonic() + 30
        while not any("upgraded" in n.message for n in app._notifications):
            assert time.monotonic() < deadline, [n.message for n in app._notifications]
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert said[:1] == [MESSAGE], said
        assert any("upgraded" in m for m in said[1:]), said
        assert app.upgrading is None
        assert schema_version(app.profile.db) == len(MIGRATION_NAMES)
        assert isinstance(app.screen, UnlockScreen)
        session = app.profile.unlock(PASSPHRASE)
        assert len(session.list_notes()) == 3
        session.lock()
