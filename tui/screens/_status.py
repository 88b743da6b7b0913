"""The right-hand side of the title bar on the inspections list and the workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from store import last_synced

from .._notes import clock

if TYPE_CHECKING:
    from .._host import Host


def sync_status(app: Host) -> str:
    """"synced 17:42 · 3 unsynced": records of team inspections not yet sent. Local
    inspections (the Notebook) never leave this device, so they do not count."""
    session = app.session
    team = {i for i, ins in session.inspections.items() if ins.scope != "local"}
    if not team:
        return "local notes only"
    total = sum(1 for n in session.notes.values() if not n.pushed and n.inspection_id in team)
    # this run's last sync, else the last one any run finished (the command line, the demo)
    at = app.last_sync_at or last_synced(session)
    when = f"synced {clock(at.astimezone())}" if at else "not synced yet"
    return f"{when} · {total} unsynced"


__all__ = ["sync_status"]
