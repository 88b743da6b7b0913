"""Profile settings: a small documented schema, sealed under the local data key (DESIGN §3)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
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
        if kind is dict:
            try:
                value = json.loads(raw) if raw.strip() else {}
            except ValueError:
                value = None
            if not isinstance(value, dict):
                raise ValueError('give a JSON object, e.g. {"workspace.search": "ctrl+f"}')
            return value
        if self.key == "ca_file" and raw.strip():
            # stored absolute: the same file whatever folder a later command runs in
            return str(Path(raw.strip()).expanduser().resolve())
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
    Setting("ca_file", "",
            "A PEM file of the certificate authority that signs the sync server's certificate "
            "(your organisation's own CA); only it is trusted then. Empty: the system's trust "
            "store."),
    Setting("keymap", {},
            'Keys of your own in the app: a JSON object of binding ids and keys, e.g. '
            '{"workspace.search": "ctrl+f", "app.help": "f1,h"}; docs/keys.md lists the ids. '
            "Applied on unlocking; an entry the app cannot use is named in a notice."),
)}

#: A keymap's bounds: it is a handful of keys, not a place to store anything else.
KEYMAP_MAX_ENTRIES, KEYMAP_MAX_TEXT = 200, 100


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
    if key == "ca_file" and value:
        _check_ca_file(key, Path(value))
    if key == "keymap":
        _check_keymap(key, value)


def _check_keymap(key: str, value: Any) -> None:
    """The shape only: which binding ids and key names exist is the app's to say."""
    if not isinstance(value, dict) or len(value) > KEYMAP_MAX_ENTRIES:
        raise invalid(key, f"give a JSON object of at most {KEYMAP_MAX_ENTRIES} binding ids "
                      'and keys, e.g. {"workspace.search": "ctrl+f"}')
    for binding_id, keys in value.items():
        if not (isinstance(binding_id, str) and isinstance(keys, str) and binding_id.strip()
                and keys.strip() and len(binding_id) <= KEYMAP_MAX_TEXT
                and len(keys) <= KEYMAP_MAX_TEXT):
            raise invalid(key, "each entry is a binding id and its keys, both text, e.g. "
                          '"workspace.search": "ctrl+f" (several keys: "ctrl+f,slash")')


def _check_ca_file(key: str, path: Path) -> None:
    if not path.is_absolute():
        raise invalid(key, "give the CA file's full path")
    try:
        text = path.read_bytes()[:1_000_000]
    except OSError as exc:
        raise invalid(key, f"cannot read {path}: {exc.strerror}") from None
    if b"-----BEGIN CERTIFICATE-----" not in text:
        raise invalid(key, f"{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")



def encode(values: dict[str, Any]) -> bytes:
    return json.dumps(values, sort_keys=True).encode()


def decode(raw: bytes) -> dict[str, Any]:
    data = json.loads(raw)
    return {k: v for k, v in data.items() if k in SETTINGS}
