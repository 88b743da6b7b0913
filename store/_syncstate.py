"""When this profile last finished a sync with its server, for the app's header ("synced
17:42") across runs: a sync by the command line or the demo's set-up counts too.

Sealed under the local data key like the settings: the profile file does not tell a thief
when the device last talked to the server.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._session import Session

_NAME = "last_sync"


def record_sync(session: Session, at: datetime) -> None:
    """Remember ``at`` (timezone-aware) as the end of the last complete sync."""
    nonce, sealed = session.require_unlocked().seal(_NAME, at.isoformat().encode())
    session.db.execute("INSERT OR REPLACE INTO secrets (name, nonce, sealed) VALUES (?, ?, ?)",
                       [_NAME, nonce, sealed])


def last_synced(session: Session) -> datetime | None:
    """The end of the last complete sync, or None if this profile never finished one."""
    rows = list(session.db.query("SELECT nonce, sealed FROM secrets WHERE name = ?", [_NAME]))
    if not rows:
        return None
    raw = session.require_unlocked().open(_NAME, rows[0]["nonce"], rows[0]["sealed"])
    try:
        return datetime.fromisoformat(bytes(raw).decode())
    except ValueError:
        return None
