"""The time of the last complete sync survives the process and is sealed in the profile."""

from __future__ import annotations

from datetime import UTC, datetime

from store import Profile, Session, last_synced, record_sync
from tests.conftest import PASSPHRASE


def test_last_sync_survives_a_relock_and_is_sealed(profile: Profile, session: Session) -> None:
    assert last_synced(session) is None
    at = datetime(2026, 3, 14, 17, 42, 5, tzinfo=UTC)
    record_sync(session, at)
    session.lock()
    again = profile.unlock(PASSPHRASE)
    assert last_synced(again) == at
    raw = b"".join(bytes(r["sealed"]) for r in again.db.query("SELECT sealed FROM secrets"))
    assert b"2026-03-14" not in raw
