"""The real sync behind the app's seam (tui/_sync_seam.py): the sync client, in words."""

from __future__ import annotations

from typing import TYPE_CHECKING

# the CLI imports this module as the app starts: the seam comes with the first sync (start-up
# time, DESIGN §9), only its names for the type checker come here
if TYPE_CHECKING:
    from store import Inspection, Session

    from ._sync_seam import ProgressCallback, SyncResult


def real_enrol(session: Session, url: str, code: str) -> str:
    """Enrol with the server at ``url``: the device's public keys and the one-time code."""
    from sync.client import enrol

    done = enrol(session, url, code)
    return (f"Enrolled as {done.user}. Device fingerprint {done.fingerprint}: "
            "compare it in person when your lead adds this device.")


def real_sync(session: Session, progress: ProgressCallback) -> SyncResult:
    """Sync with the server in this profile's settings; every failure becomes a sentence."""
    import sqlite3  # here, not at the top: the CLI imports this module as the app starts

    from store import FieldpadError
    from sync.client import NotConfigured, client_for, sync

    from ._sync_seam import SyncProgress, SyncResult, offline

    def relay(p) -> None:  # sync.client.Progress
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
    except sqlite3.DatabaseError as exc:
        from store import damaged, is_damage

        if is_damage(exc):
            return SyncResult(ok=False, server=url, errors=(str(damaged(None, str(exc))),))
        if not isinstance(exc, sqlite3.OperationalError):
            raise
        why = ("the disk is full: free some space and sync again" if "full" in str(exc)
               else f"the profile database refused a write ({exc})")
        return SyncResult(ok=False, server=url, errors=(
            f"Sync stopped: {why}. Everything already stored is intact.",))
    # merged notes are counted in ``merged``, and the notes that need a person are listed by
    # the sync screen from their current state (so the list is right after each resolution)
    lines = []
    lines += [f"Vouched for your new device {d}: a lead's device adds it at its next sync."
              for d in report.linked]  # the errors say who must sync next for missing keys
    lines += [f"Added to the team after checking its invitation proof: {d}."
              for d in report.admitted]
    lines += [f"Joined {name}: the team roster was checked against your lead's invitation."
              for name in report.joined]
    lines += [f"Purged {name}: its keys and notes were destroyed on this device."
              for name in report.purged]
    lines += [f"No longer shared with this device: {label}." for label in report.access_ended]
    lines += [f"Retention period over: {name} can be purged now (P on the inspections "
              "screen shows what that destroys)." for name in report.purge_due]
    lines += [f"Healed {text}." for text in report.healed]  # e.g. records the server had lost
    errors = tuple(f"ALERT: {p}" if p in report.alerts else p for p in report.problems) + \
        tuple(f"Set aside: {q}" for q in report.quarantined)
    return SyncResult(ok=not errors, server=url, up=report.up_records, down=report.down_records,
                      bytes_up=report.up_bytes, bytes_down=report.down_bytes,
                      merged=len(report.merged), seconds=report.seconds, errors=errors,
                      lines=tuple(lines))


def real_team(session: Session, inspection: Inspection, action: str, **kw: str) -> str:
    """The team seam over the sync client (``sync.client._team``): invite, join, remove,
    revoke and pair talk to the server at once; a failure is a ``FieldpadError`` with a sentence."""
    from sync.client import NotConfigured, Team, client_for, join, team_roster

    from ._sync_seam import no_team_server

    if action not in ("invite", "join", "remove", "revoke", "pair", "link"):
        raise ValueError(f"unknown team action {action!r}")
    try:
        client = client_for(session)
    except NotConfigured:
        return no_team_server(session, inspection, action, **kw)
    with client:
        if action == "join":
            # the inspection the screen was opened on, if it is a team one this device has
            # not joined yet; otherwise the server's list says which one the code is for
            name = (inspection.name if inspection.scope == "team"
                    and session.rosters.pinned(inspection.inspection_id) is None else None)
            joined = join(session, client, kw["code"], name)
            return (f"Answered the invitation to {joined}. Your lead's next sync adds this "
                    "device; your next sync after that finishes joining.")
        team = Team(session, client, inspection)
        if action == "invite":
            return team.invite(kw["user"], kw.get("role") or "member")
        if action == "link":  # the code for another device of this user's own
            return team.link()
        if action == "pair":  # the reader's code when they are not on the team, else ""
            return team.pair(kw["reader"], kw["inspector"], kw["until"]) or ""
        if action == "remove":
            user = kw["user"]
            n = team.remove(user)
            return (f"Removed {user} ({n} device{'s' if n != 1 else ''}) from "
                    f"{inspection.name}: the server refuses them now and the keys were "
                    "rotated, so they read nothing new.")
        dev = team.revoke(kw["device"])
        roster = team_roster(session, inspection)
        lead = roster is not None and roster.is_lead(session.device_id)
        return (f"Revoked {dev.user}'s device {dev.device_id.hex()[:8]} ({dev.fingerprint}): "
                "the server refuses it from now on; "
                + ("the keys were rotated." if lead else "the keys rotate at the lead's next "
                   "sync."))

