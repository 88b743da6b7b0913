"""``fieldpad doctor``: the profile's SQLite pages, every local record, chain and signature,
the records set aside, and this device's own streams as the server holds them (issue 11);
``--repair`` heals what it finds and says what it did.

- ``doctor`` is read only: SQLite's own check first (a damaged file is named before anything
  is unlocked); then besides every local record, chain and signature it lists the
  records set aside (they failed verification when pulled) and compares this device's own
  streams with the server's view of them (one request; skipped, with a note, when no server
  is set or it cannot be reached).
- ``doctor --repair`` sets damaged local records aside, then syncs: records the server lost
  go up again, records it holds damaged are replaced by this device's signed copies, records
  set aside here are fetched again. Then it checks everything again.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._common import Parents, add_json_option, command, out, unlock, warn

if TYPE_CHECKING:
    from store import DoctorReport, Profile, Session


def add_parsers(sub: argparse._SubParsersAction, parents: Parents) -> None:
    p = command(sub, "doctor", "verify every record, chain and signature, and this device's "
                "streams as the server holds them", parents.unlock, cmd_doctor,
                description="Check the profile's SQLite pages, then verify every record, hash "
                "chain and signature of this profile, list the records set aside, and compare "
                "this device's own streams with the server's copy. Exit 1 when something is "
                "damaged, lost or set aside.")
    add_json_option(p)
    p.add_argument("--repair", action="store_true",
                   help="set damaged records aside and pull them again; send again what the "
                        "server lost and replace what it holds damaged; say what was done")
    p.add_argument("--full", action="store_true",
                   help="SQLite's integrity_check (slower) instead of its quick_check")


def cmd_doctor(profile: Profile, args: argparse.Namespace) -> int:
    from store import check_database, damage_report, verify_all

    broken = check_database(profile.db.conn, full=args.full)  # pages first: no unlock needed
    if broken:
        lines = damage_report(profile.path, broken)
        out(json.dumps({"database": broken, "advice": lines[-1]}, indent=2) if args.json
            else "\n".join(lines))
        return 1
    session = unlock(profile, args)
    report = verify_all(session)
    if args.repair:
        return repair(session, report)
    return doctor_text(session, report, args.json)


@dataclass
class ServerFindings:
    problems: list[str] = field(default_factory=list)  # what --repair heals
    alerts: list[str] = field(default_factory=list)  # what an honest server never does
    note: str | None = None  # why the server was not checked


def _label(session: Session, cid: bytes) -> str:
    iid, kind = session.collection_roles().get(cid, (b"", "?"))
    ins = session.inspections.get(iid)
    return f"{ins.name if ins else cid.hex()[:8]} · {kind}"


def set_aside(session: Session) -> list[str]:
    """Records held in quarantine: they failed verification and are fetched again."""
    from store import Replica

    return [str(d) for d in Replica(session).quarantined()]


def server_findings(session: Session) -> ServerFindings:
    """This device's own streams against the server's view of them; read only."""
    from sync.client import (
        NotConfigured,
        SyncError,
        client_for,
        describe_check,
        own_stream_checks,
    )

    found = ServerFindings()
    try:
        client = client_for(session)
    except NotConfigured:
        found.note = "no server is set for this profile: its copy was not checked"
        return found
    try:
        with client:
            listing = client.collections_and_inspections()
    except SyncError as exc:
        found.note = f"the server's copy was not checked: {exc}"
        return found
    for cid, check in own_stream_checks(session.streams, session.device_id,
                                        listing["collections"]):
        lines = [f"{_label(session, cid)}: {text}" for text in describe_check(check)]
        (found.alerts if check.alert is not None else found.problems).extend(lines)
    return found


def doctor_text(session: Session, report: DoctorReport, as_json: bool) -> int:
    """``fieldpad doctor``: the profile, records set aside, and the server's view."""
    aside = set_aside(session)
    server = server_findings(session)
    ok = report.ok and not aside and not server.problems and not server.alerts
    if as_json:
        out(json.dumps({"records": report.records, "streams": report.streams,
                        "problems": [str(p) for p in report.problems], "set_aside": aside,
                        "server": server.problems, "alerts": server.alerts,
                        "server_note": server.note}, indent=2))
        return 0 if ok else 1
    for p in report.problems:
        out(f"BAD {p}")
    for q in aside:
        out(f"SET ASIDE {q} (fetched again at the next sync)")
    for line in server.problems:
        out(f"SERVER {line}")
    for line in server.alerts:
        out(f"ALERT {line}")
    if server.note:
        warn(server.note)
    found = len(report.problems) + len(aside) + len(server.problems) + len(server.alerts)
    out(f"checked {report.records} records in {report.streams} streams: "
        + ("all good" if ok else f"{found} problems"))
    if server.problems or aside or not report.ok:
        out("`fieldpad doctor --repair` repairs what can be repaired and says what it did")
    return 0 if ok else 1


def repair(session: Session, report: DoctorReport) -> int:
    """``fieldpad doctor --repair``: set aside, sync (which heals), check again."""
    from store import Replica, verify_all
    from sync.client import client_for, sync

    moved, problems = Replica(session).set_aside(report.problems)
    if moved:
        out(f"set aside {moved} damaged records (kept in quarantine, nothing deleted for good)")
    for p in problems:
        warn(f"cannot repair: {p}")
    waiting = {(d.collection_id, d.device_id, d.seq) for d in Replica(session).quarantined()}
    with client_for(session) as client:
        result = sync(session, client)
    for line in result.healed:
        out(line)
    unsent = result.up_records - result.resent
    if unsent:
        out(f"sent {unsent} record{'s' if unsent != 1 else ''} that had not been sent yet")
    left = {(d.collection_id, d.device_id, d.seq) for d in Replica(session).quarantined()}
    fetched = len(waiting - left)
    if fetched:
        out(f"fetched {fetched} set-aside record{'s' if fetched != 1 else ''} again from the "
            "server")
    for p in result.problems:
        out(f"{'ALERT' if p in result.alerts else 'problem'}: {p}")
    if left:
        out(f"{len(left)} records are still set aside: their authors replace them at their "
            "next sync; run `fieldpad doctor --repair` again after that")
    if not (moved or result.healed or unsent or fetched or result.problems or left):
        out("nothing to repair: the server holds this device's streams as written here")
    after = verify_all(session)
    for p in after.problems:
        out(f"BAD {p}")
    ok = after.ok and result.ok and not left
    out(f"checked {after.records} records: "
        + ("all good" if ok else f"{len(after.problems) + len(result.problems) + len(left)} "
           "problems remain"))
    return 0 if ok else 1
