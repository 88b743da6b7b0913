"""Where a profile lives: its directory and its database file's name.

Standard library only (platformdirs on first use), so the app can find the profile and show
its unlock prompt before the store's crypto and SQLite modules load.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The profile's database file, in its directory.
DB_NAME = "fieldpad.db"


def default_profile_dir() -> Path:
    """``$FIELDPAD_PROFILE``, else the platform's data dir (e.g. ~/.local/share/fieldpad)."""
    env = os.environ.get("FIELDPAD_PROFILE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("fieldpad", appauthor=False) / "default"
