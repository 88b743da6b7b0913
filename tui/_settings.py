"""The app's view of the profile's settings: idle lock minutes, theme, clipboard, server, keymap.

The settings live in the store, sealed under the local data key (``Session.settings`` and
``Session.set_setting``, the same ones ``fieldpad config`` uses), so they are read after
unlocking: until then the app uses the defaults below. Odd stored values fall back to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

# store._settings only (no crypto, no SQLite): the defaults are the store's, defined once
from store import IDLE_LOCK_MINUTES_RANGE, SETTINGS

if TYPE_CHECKING:
    from store import Session

DEFAULT_IDLE_LOCK_MINUTES: int = SETTINGS["idle_lock_minutes"].default
MIN_IDLE_LOCK_MINUTES, MAX_IDLE_LOCK_MINUTES = IDLE_LOCK_MINUTES_RANGE
DEFAULT_THEME: str = SETTINGS["theme"].default


@dataclass(frozen=True)
class Settings:
    #: Minutes without a key press or click before the app locks itself (1-240).
    idle_lock_minutes: int = DEFAULT_IDLE_LOCK_MINUTES
    #: The Textual theme (any name the theme picker lists).
    theme: str = DEFAULT_THEME
    #: Let copy and cut put note text on the system clipboard (off: it stays inside the app).
    allow_clipboard: bool = SETTINGS["allow_clipboard"].default
    #: The sync server's URL ("" means offline).
    server: str = SETTINGS["server"].default
    #: Keys of the user's own: binding id to keys (``tui/_keymap.py`` checks and applies it).
    keymap: dict[str, str] = field(default_factory=dict)

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def load_settings(session: Session) -> Settings:
    stored = session.settings()
    s = Settings()
    minutes = stored.get("idle_lock_minutes")
    if isinstance(minutes, int) and MIN_IDLE_LOCK_MINUTES <= minutes <= MAX_IDLE_LOCK_MINUTES:
        s = s.with_changes(idle_lock_minutes=minutes)
    if isinstance(stored.get("theme"), str) and stored["theme"]:
        s = s.with_changes(theme=stored["theme"])
    if isinstance(stored.get("allow_clipboard"), bool):
        s = s.with_changes(allow_clipboard=stored["allow_clipboard"])
    if isinstance(stored.get("server"), str):
        s = s.with_changes(server=stored["server"])
    if isinstance(stored.get("keymap"), dict):
        s = s.with_changes(keymap={k: v for k, v in stored["keymap"].items()
                                   if isinstance(k, str) and isinstance(v, str)})
    return s


def save_settings(session: Session, settings: Settings, before: Settings | None = None) -> None:
    """Store what changed. The store validates: ``ValidationFailed`` names the bad setting."""
    for key in ("server", "idle_lock_minutes", "theme", "allow_clipboard", "keymap"):
        value = getattr(settings, key)
        if before is None or getattr(before, key) != value:
            session.set_setting(key, value)
