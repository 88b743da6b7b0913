"""``fieldpad inspection close|reopen|purge|purges``: retention of an inspection (issue #6).

A purge destroys every note of an inspection on this device, and (for a team inspection) on
every device at its next sync: it is refused before the retention period has ended and asks
for the inspection's name to be typed unless ``--yes`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from store import FieldpadError, Inspection, Profile, Session

# tui._commands is imported inside each command, not here, so that it can list these commands
# in its handler table without a circular import (as tui._export_cmd does).


def request_server_purge(session: Session, inspection: Inspection) -> None:
    """Ask the sync server to purge a team inspection (POST /v1/inspections/{iid}/purge), so
    that every member device purges it at its next sync: the request carries this lead
    device's signed purge statement, which each member device checks before deleting.

    It raises (a ``FieldpadError``: exit code 4 for the network, 3 when this user does not
    lead the inspection) when the server does not confirm, so that the local purge does not
    run and the user can try again. A local inspection never left this device: nothing to ask.
    """
    if inspection.scope == "local":
        return
    from store._authority import purge_statement
    from sync.client import client_for

    statement = purge_statement(session, inspection)  # refused here unless this is a lead
    with client_for(session) as client:
        client.purge_inspection(inspection.inspection_id, statement)


def _now() -> datetime:
    return datetime.now(UTC)


def cmd_inspection_close(profile: Profile, args: argparse.Namespace) -> int:
    from store import close_inspection, retention_state

    from ._commands import _unlock, out

    session = _unlock(profile, args)
    ins = session.find_inspection(args.name)
    if not _confirm_open_concerns(session, ins, args):
        return 1
    ins = close_inspection(session, ins, args.retention_days)
    state = retention_state(ins)
    assert state.purge_after is not None
    out(f"closed {ins.name}: kept {state.retention_days} days; it can be purged from "
        f"{state.purge_after.date().isoformat()}")
    return 0


def _confirm_open_concerns(session: Session, ins: Inspection,
                           args: argparse.Namespace) -> bool:
    """Closing with open concerns asks first, naming them: at a terminal, a yes/no question;
    in a script, only with --with-open-concerns."""
    from store._concerns import open_concern_lines

    from ._commands import warn

    lines = open_concern_lines(session.list_notes(ins, kind="concern"))
    if not lines or getattr(args, "with_open_concerns", False):
        return True
    warn(f"{ins.name} has {len(lines)} open concern{'s' if len(lines) != 1 else ''}:")
    for line in lines:
        warn(f"  {line}")
    if sys.stdin is not None and sys.stdin.isatty():
        sys.stderr.write("Close it anyway? The concerns stay open. [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() in ("y", "yes"):
            return True
    warn("not closed: close the concerns first (fieldpad concern step ID closed), or close "
         "the inspection with them open using --with-open-concerns")
    return False


def cmd_inspection_reopen(profile: Profile, args: argparse.Namespace) -> int:
    from store import reopen_inspection

    from ._commands import _unlock, out

    session = _unlock(profile, args)
    ins = reopen_inspection(session, session.find_inspection(args.name))
    out(f"reopened {ins.name}: its notes are kept until it is closed again")
    return 0


def cmd_inspection_purge(profile: Profile, args: argparse.Namespace) -> int:
    from store import purge_inspection, require_due

    from ._commands import _unlock, out, warn

    session = _unlock(profile, args)
    ins = session.find_inspection(args.name)
    require_due(ins, _now())  # exit 1 with the date it becomes possible
    n = len(session.list_notes(ins, include_deleted=True))
    if not args.yes:
        where = "on every device at its next sync and on the server" if ins.scope != "local" \
            else "on this device"
        warn(f"Purging {ins.name!r} destroys its keys and all {n} of its notes {where}. "
             "It cannot be undone.")
        warn(f"Type the inspection's name ({ins.name}) to purge it: ")
        typed = sys.stdin.readline().strip()
        if typed != ins.name:
            raise FieldpadError("the name typed does not match; nothing was purged")
    request_server_purge(session, ins)
    report = purge_inspection(session, ins.inspection_id, reason="purged by its owner after "
                              "the retention period")
    out(f"purged {report.name}: {report.notes} notes, {report.records} records and "
        f"{report.keys} keys destroyed")
    if report.notebook_recreated:
        out("a new, empty Notebook was made, since no inspection was left")
    if not report.checkpointed:
        warn("warning: the database is busy; its write-ahead log is folded in when fieldpad "
             "closes")
    return 0


def cmd_inspection_purges(profile: Profile, args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from store import purge_log

    from ._commands import _unlock, out

    session = _unlock(profile, args)
    entries = purge_log(session)
    if args.json:
        out(json.dumps([asdict(e) for e in entries], indent=2, ensure_ascii=False))
        return 0
    if not entries:
        out("no inspection has been purged in this profile")
    for e in entries:
        out(f"{e.at}  {e.inspection_id[:8]}  {e.name:<28} {e.notes:>5} notes  {e.reason}")
    return 0
