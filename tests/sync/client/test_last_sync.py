"""A complete sync records when it finished (the app's header shows it in later runs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from store import last_synced

from .conftest import Server, make_team


def test_a_complete_sync_records_when_it_finished(server: Server, tmp_path: Path) -> None:
    team, (lead,) = make_team(server, tmp_path, [])
    try:
        before = datetime.now(UTC)
        assert lead.sync().ok
        at = last_synced(lead.session)
        assert at is not None and before <= at <= datetime.now(UTC) + timedelta(seconds=1)
    finally:
        team.close()
