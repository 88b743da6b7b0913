"""SVG snapshot of the purge confirmation at 80×24 (the pattern of test_screens_snapshots.py).

Update with ``--snapshot-update`` and look at the result before accepting it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.widgets import DataTable

from store import KdfParams, Profile, close_inspection

from .conftest import NOW, PASSPHRASE, STORE_MS, make_app, unlock
from .test_screens_snapshots import _snap


def test_purge_confirmation(snap_compare, tmp_path) -> None:
    """Purging a team inspection whose retention period has ended: the warning, the name to
    type, the Purge button still disabled; behind it the inspections with their states."""
    profile = Profile(tmp_path / "profile", now_ms=lambda: STORE_MS)
    session, _ = profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
    old = session.add_inspection("Eastshire 2025", "Eastshire CPP", role="team", scope="team")
    for i in range(3):
        session.create(old, "note", f"note {i}", "text")
    close_inspection(session, old, 90, now=NOW - timedelta(days=120))
    recent = session.add_inspection("Westshire 2026", "Westshire CPP")
    close_inspection(session, recent, 90, now=NOW - timedelta(days=2))

    async def run_before(pilot: Any) -> None:
        await unlock(pilot, session)
        table = pilot.app.screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(old.id_hex))
        await pilot.pause()
        await pilot.press("P")
        await pilot.pause()

    _snap(snap_compare, make_app(profile), (80, 24), run_before)
