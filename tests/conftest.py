"""Shared fixtures: real profiles in temporary directories, with the floor KDF parameters so
tests stay fast (the product's defaults are unchanged)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from store import KdfParams, Profile, Session

PASSPHRASE = "correct horse battery staple"

settings.register_profile("ci", deadline=None, print_blob=True)
settings.load_profile("ci")


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
