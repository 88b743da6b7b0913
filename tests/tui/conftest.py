"""Fixtures for the app's pilot and snapshot tests: real profiles on a fixed clock.

Every profile is a real encrypted store in ``tmp_path`` with the floor KDF parameters; the
store's clock (new revisions) and the app's clock (what the screens show) are fixed so that
snapshots do not change from run to run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from store import KdfParams, Note, Profile, Session, make_rev
from tests.conftest import PASSPHRASE
from tui.app import FieldpadApp

if TYPE_CHECKING:
    from tui.screens.workspace import WorkspaceScreen

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
STORE_MS = int(datetime(2026, 3, 14, 9, 40, tzinfo=UTC).timestamp() * 1000)
SIZES = [(80, 24), (120, 40)]

__all__ = ["NOW", "PASSPHRASE", "SIZES", "ManualClock", "advance", "fork", "make_app",
           "open_notebook", "unlock"]


class ManualClock:
    """The app's monotonic clock (idle lock, autosave), moved by hand: no test waits for it.
    Move it by sums of powers of two (0.25, 0.5...) so that no rounding decides a test."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


async def advance(pilot: Any, seconds: float) -> None:
    """Move the app's clock on by ``seconds`` and run what its timer runs (``tick``)."""
    app = pilot.app
    app.clock.now += seconds
    app.tick()
    await pilot.pause()


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (``pytest.mark.anyio``, from anyio's own pytest plugin) run on asyncio."""
    return "asyncio"


@pytest.fixture
def fprofile(tmp_path: Path) -> Iterator[Profile]:
    """A profile without a vault, on the fixed store clock."""
    p = Profile(tmp_path / "profile", now_ms=lambda: STORE_MS)
    yield p
    try:
        p.db.conn.close()
    except Exception:  # noqa: BLE001 - closed by the test
        pass


@pytest.fixture
def fsession(fprofile: Profile) -> Iterator[Session]:
    """An unlocked session of ``fprofile`` (vault made with the floor KDF parameters)."""
    s, _words = fprofile.init(PASSPHRASE, KdfParams.floor(), author="AI")
    yield s
    if not s.locked:
        s.lock()


def make_app(profile: Profile, **kw: Any) -> FieldpadApp:
    options: dict[str, Any] = dict(now=lambda: NOW, kdf_params=KdfParams.floor,
                                   idle_lock_seconds=3600, autosave_delay=0.25,
                                   monotonic=ManualClock(), cursor_blink=False)
    options.update(kw)
    return FieldpadApp(profile=profile, **options)


async def unlock(pilot: Any, session: Session) -> None:
    """Skip the (separately tested) prompt: hand the app a session, as the prompt would."""
    app = pilot.app
    await pilot.pause()
    app.unlocked(session)
    await pilot.pause()
    await pilot.pause()


async def open_notebook(pilot: Any, session: Session) -> WorkspaceScreen:
    """Unlock and open the workspace of the first inspection ("Notebook")."""
    from tui.screens.workspace import WorkspaceScreen

    await unlock(pilot, session)
    await pilot.press("enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, WorkspaceScreen)
    return screen


def fork(session: Session, note_id: str, parent: str, other_device: bytes,
         **changes: Any) -> Note:
    """A concurrent head from another device that edited revision ``parent``, then merged as a
    sync would: the note comes back conflicted when the edits overlap.
    (The technique of tests/store/test_session.py ``_fork``.)"""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from store import Header, seal

    cur = session.get(note_id)
    sk = Ed25519PrivateKey.generate()
    session.keyring.add_device(other_device, sk.public_key().public_bytes_raw(), bytes(32))
    payload = cur.to_payload()
    payload.update(changes, rev=make_rev(other_device, 1), parents=[parent],
                   hlc=f"{STORE_MS:013d}-0999-other", author="LR2")
    ck = session.keyring.key(cur.collection_id, 1)
    env = seal(Header(cur.collection_id, other_device, 1, bytes(32), 1), payload, ck, sk)
    with session.db.atomic():
        rec = session.streams.append(env, note_id, pushed=True)
        session.streams.set_heads(note_id, (), (rec.collection_id, rec.device_id, rec.seq))
    merged = session.merge_heads(note_id)
    assert merged is not None
    return merged


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    if hasattr(__import__("time"), "tzset"):
        __import__("time").tzset()
    os.environ.pop("FIELDPAD_PROFILE", None)


@pytest.fixture(autouse=True)
def _thawed() -> Iterator[None]:
    """An app unlocked in a test freezes what is alive then (``FieldpadApp.unlocked``) and
    only its lock thaws it: a test that ends unlocked must not leave the earlier tests'
    garbage frozen for the rest of the run."""
    yield
    import gc

    gc.unfreeze()
