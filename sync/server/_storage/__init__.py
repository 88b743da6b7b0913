"""Server storage: one interface, two backends chosen by URL (the way Atuin does it).

``sqlite:///relative.db``, ``sqlite:////absolute/server.db`` or a bare path
-> :class:`SqliteStorage` (the default);
``postgresql://user@host/db`` (or ``postgres://``) -> :class:`PostgresStorage`.
"""

from __future__ import annotations

from pathlib import Path

from ._base import (
    Caller,
    CollectionView,
    DeviceKey,
    DeviceRow,
    IncomingRecord,
    InspectionRow,
    InviteSummary,
    JoinRequest,
    KeyView,
    MemberDeviceView,
    MemberState,
    MemberView,
    OwnStream,
    PullOutcome,
    PurgeRow,
    PushOutcome,
    RepairOutcome,
    RosterEventIn,
    RosterLog,
    Storage,
    StorageUnavailable,
    StoredCopy,
    StreamStatus,
    TeamInvite,
    UserRow,
    WrappedKey,
)


def sqlite_path(url: str | Path) -> Path | None:
    """The SQLite file that ``url`` names, or None for PostgreSQL. ValueError if neither."""
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        return None
    if "://" in text and not text.startswith("sqlite://"):
        raise ValueError(
            f"unsupported database URL scheme in {text.split('://')[0]!r}: use sqlite:///PATH, "
            "a file path, or postgresql://..."
        )
    if text.startswith("sqlite://"):
        # As SQLAlchemy reads it: sqlite:///relative.db, sqlite:////absolute/path.db
        if not text.startswith("sqlite:///"):
            raise ValueError("an SQLite URL is sqlite:///relative.db or sqlite:////abs/path.db")
        text = text[len("sqlite:///") :]
    if not text:
        raise ValueError("an SQLite URL needs a file path: sqlite:///path/to/server.db")
    return Path(text).expanduser()


def open_storage(url: str | Path, *, migrate: bool = True) -> Storage:
    """Open (and by default migrate) the storage named by ``url``."""
    path = sqlite_path(url)
    if path is None:
        from .postgres import PostgresStorage

        return PostgresStorage(str(url), migrate=migrate)
    from .sqlite import SqliteStorage

    return SqliteStorage(path, migrate=migrate)


__all__ = [
    "Caller",
    "CollectionView",
    "DeviceKey",
    "DeviceRow",
    "IncomingRecord",
    "InviteSummary",
    "InspectionRow",
    "JoinRequest",
    "KeyView",
    "MemberDeviceView",
    "MemberState",
    "MemberView",
    "OwnStream",
    "PullOutcome",
    "PurgeRow",
    "PushOutcome",
    "RepairOutcome",
    "RosterEventIn",
    "RosterLog",
    "Storage",
    "StoredCopy",
    "StreamStatus",
    "StorageUnavailable",
    "TeamInvite",
    "UserRow",
    "WrappedKey",
    "open_storage",
    "sqlite_path",
]
