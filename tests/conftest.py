"""Shared fixtures: real profiles in temporary directories, with the floor KDF parameters so
tests stay fast (the product's defaults are unchanged)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from store import KdfParams, Profile, Session

PASSPHRASE = "correct horse battery staple"

settings.register_profile("ci", deadline=None, print_blob=True)
settings.load_profile("ci")


# -- the end of a `pytest -n 2` run (issue 15) -------------------------------------------------
# A run used to end with "PytestUnraisableExceptionWarning: Exception ignored in: <function
# gc_callback ...> KeyboardInterrupt". Each xdist worker tells the controller it has finished,
# then still prints its terminal summary and runs pytest's last garbage collections (five full
# passes over a heap of about a million objects). The controller tears the workers down at once;
# execnet gives a worker 5 s and then sends it SIGINT. The KeyboardInterrupt landed in whatever
# Python code ran: often hypothesis's gc callback, inside those collections, where pytest reports
# it as unraisable. Both halves are fixed here: a worker writes no summary, and the controller
# waits for a worker to end before tearing it down.

#: How long the controller waits for a worker that said it has finished to end by itself.
WORKER_END_SECONDS = 120


def pytest_configure(config: pytest.Config) -> None:
    """An xdist worker writes no terminal summary: nobody reads a worker's terminal (the
    controller prints the run's), and its summary hooks are slow there: syrupy counts "unused"
    snapshots against every test the worker ran, and in a worker every snapshot the other
    worker used looks unused."""
    if hasattr(config, "workerinput"):
        config.option.no_summary = True


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object | None) -> None:
    """On the controller, when a worker has finished: wait until its pytest has returned (its
    channel closes then), so that tearing the workers down never interrupts one."""
    if error is None:
        with contextlib.suppress(Exception):  # a worker that died: the teardown handles it
            node.channel.waitclose(timeout=WORKER_END_SECONDS)


@pytest.fixture
def profile_dir(tmp_path: Path) -> Path:
    return tmp_path / "profile"


@pytest.fixture
def profile(profile_dir: Path) -> Iterator[Profile]:
    p = Profile(profile_dir)
    yield p
    try:
        p.db.conn.close()
    except Exception:  # noqa: BLE001 - already closed by the test
        pass


@pytest.fixture
def session(profile: Profile) -> Iterator[Session]:
    s, _words = profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
    yield s
    if not s.locked:
        s.lock()


@pytest.fixture
def recovery(profile: Profile) -> tuple[Session, str]:
    return profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
