"""``fieldpad enrol`` and ``fieldpad sync``: this device and the team's sync server."""

from __future__ import annotations

import argparse
import shlex
from typing import TYPE_CHECKING

from ._common import EXIT_DEVICE, Parents, command, out, plural, unlock, warn

if TYPE_CHECKING:
    from store import Profile


def add_parsers(sub: argparse._SubParsersAction, parents: Parents) -> None:
    p = command(sub, "enrol", "enrol this device with a sync server", parents.unlock, cmd_enrol,
                description="Enrol this device with a sync server: sends its public keys with "
                            "the one-time code and prints its fingerprint to compare in person.")
    p.add_argument("url", help="the server, e.g. https://sync.example.org")
    p.add_argument("code", help="the one-time code your lead or administrator gave you")
    p.add_argument("--ca-file", metavar="PEM",
                   help="your organisation's certificate authority, if it signs the server's "
                        "certificate (kept as the ca_file setting)")

    p = command(sub, "sync", "headless batch sync with a progress line", parents.unlock,
                cmd_sync, description="Sync every inspection with the server: push, pull, "
                "keys and team news. Exit 1 when something needs attention.")
    p.add_argument("--quiet", action="store_true",
                   help="no progress line on stderr (for timers and scripts); the summary and "
                        "anything that needs attention are still printed")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="log retries, waits and each push and pull on stderr (ids and counts, "
                        "never names or text); -vv: every request")


def cmd_enrol(profile: Profile, args: argparse.Namespace) -> int:
    from sync.client import enrol

    done = enrol(unlock(profile, args), args.url, args.code, ca_file=args.ca_file)
    out(f"Enrolled this device as {done.user} with {done.url}.")
    out(f"Device fingerprint: {done.fingerprint}")
    out("Compare it in person with your lead. Next: `fieldpad team join CODE` with the code "
        "your lead gives you (a lead's first device just runs `fieldpad sync`).")
    return 0


def cmd_sync(profile: Profile, args: argparse.Namespace) -> int:
    from sync.client import client_for, log_to_stderr, sync

    from ._progress import ProgressLine

    session = unlock(profile, args)
    log_to_stderr(args.verbose)
    line = ProgressLine(enabled=not (args.quiet or args.verbose))
    with client_for(session) as client:
        try:
            report = sync(session, client, line.update)
        finally:
            line.close()
    out(f"synced: up {plural(report.up_records, 'record')} ({_kb(report.up_bytes)}), down "
        f"{plural(report.down_records, 'record')} ({_kb(report.down_bytes)}) in "
        f"{report.seconds:.1f} s")
    if report.merged:
        out(f"{len(report.merged)} notes edited on two devices were merged automatically.")
    for note_id in report.conflicted:
        title = session.notes[note_id].title if note_id in session.notes else note_id
        out(f"needs you: {title!r} was edited on two devices; both versions are kept "
            f"(`fieldpad note show {note_id[:8]}`).")
    for dev in report.linked:  # the problems below say who syncs next while keys are missing
        out(f"vouched for your new device {dev}: a lead's device adds it at its next sync")
    for label in report.access_ended:
        out(f"no longer shared with this device: {label} (removed by a lead, or the access "
            "ended); what is already here stays readable here")
    for dev in report.admitted:
        out(f"added to the team after checking its invitation proof: {dev}")
    for name in report.joined:
        out(f"joined {name}: the team roster was checked against your lead's invitation")
    for name in report.purged:
        out(f"purged inspection {name}: its keys and notes were destroyed on this device")
    for name in report.purge_due:
        out(f"retention period over: {name} can be purged now; you lead it, so see what that "
            f"destroys with `fieldpad inspection purge {shlex.quote(name)}`")
    for line in report.healed:
        out(f"healed {line}")
    for q in report.quarantined:
        warn(f"set aside (failed verification): {q}")
    for p in report.problems:
        warn(f"{'ALERT' if p in report.alerts else 'problem'}: {p}")
    if report.only_waiting:
        return EXIT_DEVICE
    return 0 if report.ok and not report.quarantined else 1


def _kb(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} B"
