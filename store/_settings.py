"""Profile settings: a small documented schema, sealed under the local data key (DESIGN §3)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import invalid


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    default: Any
    doc: str

    def parse(self, raw: str) -> Any:
        """Turn the text a user typed into the stored value, or explain what is wrong."""
        kind = type(self.default)
        if kind is bool:
            low = raw.strip().lower()
            if low in ("yes", "true", "on", "1"):
                return True
            if low in ("no", "false", "off", "0"):
                return False
            raise ValueError("say yes or no")
        if kind is int:
            try:
                return int(raw)
            except ValueError:
                raise ValueError("give a whole number") from None
        return raw.strip()


#: The idle lock's bounds, in minutes (the app's settings screen says them too).
IDLE_LOCK_MINUTES_RANGE = (1, 240)

SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("server", "",
            "URL of the sync server, e.g. https://sync.example.org (empty: offline)."),
    Setting("idle_lock_minutes", 10, "Lock the app after this many idle minutes (1-240)."),
    Setting("theme", "textual-dark", "The app's colour theme (any Textual theme name)."),
    Setting("allow_clipboard", False,
            "Allow copying note text to the clipboard (off: nothing leaves the app)."),
)}


def check_setting(key: str, value: Any) -> None:
    if key not in SETTINGS:
        raise invalid(key, "no such setting; known settings: " + ", ".join(SETTINGS))
    low, high = IDLE_LOCK_MINUTES_RANGE
    if key == "idle_lock_minutes" and not low <= value <= high:
        raise invalid(key, f"choose between {low} and {high} minutes")
    if key == "server" and value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise invalid(key, "give a full URL starting with https:// (or http:// on loopback)")
        if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise invalid(key, "plain http is only allowed to this machine; use https")



def encode(values: dict[str, Any]) -> bytes:
    return json.dumps(values, sort_keys=True).encode()


def decode(raw: bytes) -> dict[str, Any]:
    data = json.loads(raw)
    return {k: v for k, v in data.items() if k in SETTINGS}
