"""Where the default profile lives, without importing ``store`` (the app must show its unlock
prompt before the store's crypto and SQLite modules load). Mirrors store.default_profile_dir."""

from __future__ import annotations

import os
from pathlib import Path


def default_profile_dir() -> Path:
    env = os.environ.get("FIELDPAD_PROFILE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("fieldpad", appauthor=False) / "default"
