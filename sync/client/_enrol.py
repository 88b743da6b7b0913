"""Enrolling this device with a sync server: the one definition the CLI and the app share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from ._http import SyncClient

if TYPE_CHECKING:
    from store import Session


@dataclass(frozen=True)
class Enrolment:
    """Who the server enrolled this device as, where, and the fingerprint to compare."""

    user: str
    url: str
    fingerprint: str


def enrol(session: Session, url: str, code: str,
          transport: httpx.BaseTransport | None = None) -> Enrolment:
    """Send the device's public keys with the one-time ``code`` to the server at ``url``; keep
    the URL in the profile's settings (checked first: https, or http to this machine only)."""
    from store import SETTINGS
    from store.team import fingerprint_text

    url = SETTINGS["server"].parse(url).rstrip("/")
    session.set_setting("server", url)  # validates the URL before anything is sent
    keys = session.keys.device
    with SyncClient(url, session.device_id, None, transport=transport) as client:
        result = client.enrol(code.strip(), keys.sign_pub, keys.kx_pub)
    session.rosters.set_user(result["user"])
    return Enrolment(result["user"], url, fingerprint_text(keys.sign_pub))
