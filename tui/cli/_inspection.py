"""``fieldpad inspection add|timeline|list|close|reopen|purge|purges``: the inspections of a
profile and their retention (issue #6).

A purge destroys every note of an inspection on this device, and (for a team inspection) on
every device at its next sync: it is refused before the retention period has ended and asks
for the inspection's name to be typed unless ``--yes`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ._common import Parents, add_json_option, command, group, out, unlock, warn

if TYPE_CHECKING:
    from store import Inspection, Profile, Session


def _retention_days(text: str) -> int:
    """1-3650 whole days, checked before unlocking (a usage error, exit 2)."""
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if not 1 <= days <= 3650:
        raise argparse.ArgumentTypeError("choose from 1 to 3650 days")
    return days


def add_parsers(sub: argparse._SubParsersAction, parents: Parents) -> None:
    actions = group(sub, "inspection", "inspections in this profile")
    p = command(actions, "add", "add a local inspection", parents.unlock, cmd_inspection_add)
    p.add_argument("name", help="its name, unique in this profile")
    p.add_argument("--partnership", default="", help="the community planning partnership")

    p = command(actions, "timeline", "set an inspection's timeline from its notification date",
                parents.unlock, cmd_inspection_timeline)
    p.add_argument("name", help="the inspection's name or id prefix")
    p.add_argument("--notification", required=True, metavar="YYYY-MM-DD",
                   help="the day the partnership was notified (week 1 is its week)")
    p.add_argument("--holiday", action="append", default=[], metavar="YYYY-MM-DD",
                   help="a day in a school-holiday week, left out of the week count")

    p = command(actions, "list", "list inspections", parents.unlock, cmd_inspection_list)
    add_json_option(p)

    p = command(actions, "close", "close an inspection; it can be purged once its retention "
                "period has ended (prints the date)", parents.unlock, cmd_inspection_close)
    p.add_argument("name", help="the inspection's name or id prefix")
    p.add_argument("--retention-days", type=_retention_days, default=90, metavar="N",
                   help="days to keep its notes after closing, 1-3650 (default 90)")
    p.add_argument("--with-open-concerns", action="store_true",
                   help="close it even though concern forms are still open (they stay open)")

    p = command(actions, "reopen", "reopen a closed inspection (no purge date any more)",
                parents.unlock, cmd_inspection_reopen)
    p.add_argument("name", help="the inspection's name or id prefix")

    p = command(actions, "purge", "destroy a closed inspection's keys and notes, here and "
                "(for a team) on every device, after its retention period", parents.unlock,
                cmd_inspection_purge)
    p.add_argument("name", help="the inspection's name or id prefix")
    p.add_argument("--yes", action="store_true",
                   help="do not ask for the inspection's name to be typed to confirm")

    p = command(actions, "purges", "the log of inspections purged in this profile",
                parents.unlock, cmd_inspection_purges)
    add_json_option(p)


def cmd_inspection_add(profile: Profile, args: argparse.Namespace) -> int:
    session = unlock(profile, args)
    ins = session.add_inspection(args.name, args.partnership)
    out(ins.id_hex)
    return 0


def cmd_inspection_timeline(profile: Profile, args: argparse.Namespace) -> int:
    from datetime import date

    from store import invalid
    from store.inspection import TimelineError, make_timeline, set_timeline, where_is

    try:
        notification = date.fromisoformat(args.notification)
        holidays = [date.fromisoformat(d) for d in args.holiday]
        timeline = make_timeline(notification, holidays=holidays)
    except (ValueError, TimelineError) as exc:
        raise invalid("timeline", str(exc)) from None
    session = unlock(profile, args)
    set_timeline(session, session.find_inspection(args.name), timeline)
    for step in timeline.schedule():
        out(f"{step.start.isoformat()}  week {step.week:>2}  {step.label}")
    out(f"today: {where_is(timeline, date.today()).label}")
    return 0


def cmd_inspection_list(profile: Profile, args: argparse.Namespace) -> int:
    from store import retention_state

    session = unlock(profile, args)
    rows = []
    for ins in session.list_inspections():
        notes = session.list_notes(ins)
        rows.append({"id": ins.id_hex, "name": ins.name, "partnership": ins.partnership,
                     "scope": ins.scope, "notes": len(notes),
                     "unpushed": sum(not n.pushed for n in notes) if ins.scope == "team" else 0,
                     "retention": retention_state(ins).label})
    if args.json:
        out(json.dumps(rows, indent=2))
    else:
        for r in rows:
            closed = f"  ({r['retention']})" if r["retention"] != "open" else ""
            out(f"{r['id'][:8]}  {r['name']:<28} {r['partnership']:<24} {r['notes']:>5} notes"
                + closed)
    return 0


# -- retention --------------------------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(UTC)


def cmd_inspection_close(profile: Profile, args: argparse.Namespace) -> int:
    from store import close_inspection, retention_state

    session = unlock(profile, args)
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
    from store.inspection import open_concern_lines

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

    session = unlock(profile, args)
    ins = reopen_inspection(session, session.find_inspection(args.name))
    out(f"reopened {ins.name}: its notes are kept until it is closed again")
    return 0


def cmd_inspection_purge(profile: Profile, args: argparse.Namespace) -> int:
    import sync.client as sync_client
    from store import FieldpadError, purge_inspection, require_due

    session = unlock(profile, args)
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
    sync_client.request_server_purge(session, ins)  # looked up now: tests refuse it there
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

    session = unlock(profile, args)
    entries = purge_log(session)
    if args.json:
        out(json.dumps([asdict(e) for e in entries], indent=2, ensure_ascii=False))
        return 0
    if not entries:
        out("no inspection has been purged in this profile")
    for e in entries:
        out(f"{e.at}  {e.inspection_id[:8]}  {e.name:<28} {e.notes:>5} notes  {e.reason}")
    return 0
