"""The real sync behind the app's seam (tui/_sync_seam.py): the sync client, in words."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from ._sync_seam import ProgressCallback, SyncProgress, SyncResult, offline

if TYPE_CHECKING:
    from store import Session


def real_enrol(session: Session, url: str, code: str) -> str:
    """Enrol with the server at ``url``: the device's public keys and the one-time code."""
    from store._settings import SETTINGS
    from sync.client import SyncClient, fingerprint

    url = SETTINGS["server"].parse(url).rstrip("/")
    session.set_setting("server", url)  # checks the URL (https, or http to this machine)
    keys = session.keys.device
    with SyncClient(url, session.device_id, None) as client:
        result = client.enrol(code.strip(), keys.sign_pub, keys.kx_pub)
    return (f"Enrolled as {result['user']}. Device fingerprint {fingerprint(keys.sign_pub)}: "
            "compare it in person when your lead adds this device.")


def real_sync(session: Session, progress: ProgressCallback) -> SyncResult:
    """Sync with the server in this profile's settings; every failure becomes a sentence."""
    from store import FieldpadError
    from sync.client import NotConfigured, client_for, sync

    def relay(p) -> None:  # noqa: ANN001 - sync.client.Progress
        verb = {"push": "sending", "pull": "receiving", "keys": "delivering keys",
                "connecting": "connecting", "done": "done"}.get(p.phase, p.phase)
        stage = f"{p.collection}: {verb}" if p.collection else verb
        done = p.down_records + p.up_records
        total = (p.pull_total + p.up_records) if p.pull_total else None
        progress(SyncProgress(stage, done, total))

    try:
        client = client_for(session)
    except NotConfigured:
        return offline(session, progress)
    url = client.base_url
    try:
        with client:
            report = sync(session, client, relay)
    except FieldpadError as exc:
        return SyncResult(ok=False, server=url, errors=(str(exc),))
    except sqlite3.OperationalError as exc:
        why = ("the disk is full: free some space and sync again" if "full" in str(exc)
               else f"the profile database refused a write ({exc})")
        return SyncResult(ok=False, server=url, errors=(
            f"Sync stopped: {why}. Everything already stored is intact.",))
    lines = []
    if report.merged:
        lines.append(f"{len(report.merged)} notes edited on two devices were merged.")
    for note_id in report.conflicted:
        note = session.notes.get(note_id)
        lines.append(f"Needs you: {note.title if note else note_id[:8]!r} (both versions kept).")
    for label in dict.fromkeys(report.waiting_for_keys):
        lines.append(f"Waiting for the key to {label} from a teammate's device.")
    errors = tuple(report.problems) + tuple(f"Set aside: {q}" for q in report.quarantined)
    return SyncResult(ok=not errors, server=url, up=report.up_records, down=report.down_records,
                      bytes_up=report.up_bytes, bytes_down=report.down_bytes,
                      merged=len(report.merged), seconds=report.seconds, errors=errors,
                      lines=tuple(lines))
