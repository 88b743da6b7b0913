"""``fieldpad doctor``: verify every record, chain and signature; ``--repair`` pulls damaged
records again from the server."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from ._common import Parents, add_json_option, command, out, unlock, warn

if TYPE_CHECKING:
    from store import DoctorReport, Profile, Session


def add_parsers(sub: argparse._SubParsersAction, parents: Parents) -> None:
    p = command(sub, "doctor", "verify every record, chain and signature", parents.unlock,
                cmd_doctor, description="Check the profile's SQLite pages, then verify every "
                "record, hash chain and signature of this profile. Exit 1 when something is "
                "damaged.")
    add_json_option(p)
    p.add_argument("--repair", action="store_true",
                   help="set damaged records aside and pull them again from the server")
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
    if args.repair and not report.ok:
        return _repair(session, report)
    if args.json:
        out(json.dumps({"records": report.records, "streams": report.streams,
                        "problems": [str(p) for p in report.problems]}, indent=2))
    else:
        for p in report.problems:
            out(f"BAD {p}")
        out(f"checked {report.records} records in {report.streams} streams: "
            + ("all good" if report.ok else f"{len(report.problems)} problems"))
    return 0 if report.ok else 1


def _repair(session: Session, report: DoctorReport) -> int:
    from store import Replica, verify_all
    from sync.client import client_for, sync

    moved, problems = Replica(session).set_aside(report.problems)
    out(f"set aside {moved} damaged records (kept in quarantine, nothing deleted for good)")
    for p in problems:
        warn(f"cannot repair: {p}")
    with client_for(session) as client:
        result = sync(session, client)
    out(f"pulled {result.down_records} records again from the server")
    after = verify_all(session)
    for p in after.problems:
        out(f"BAD {p}")
    out(f"checked {after.records} records: "
        + ("all good" if after.ok else f"{len(after.problems)} problems remain"))
    return 0 if after.ok else 1
