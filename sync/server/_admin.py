"""``fieldpad server admin``: accounts, enrolment codes, devices and inspections, on the
database directly (no server needs to run).

    admin [--config PATH] [--db PATH | --database-url URL]
                                            user add NAME | user list
                                            invite USER      (the code is the last line)
                                            device list      (one a line, device id first)
                                            device revoke ID
                                            inspection add NAME --lead USER   (prints its id)
                                            inspection list
                                            purges   (audit: one a line, inspection id first)
                                            backup PATH   (SQLite: a consistent copy, live)
                                            restore PATH  (SQLite: keeps the current file)

Exit codes: 0 ok, 1 error, 2 usage.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ._auth import new_code
from ._cli import add_settings_options, describe, settings_from
from ._errors import ApiError
from ._limits import Limits
from ._settings import SettingsError
from ._storage import Storage

USER_RE = re.compile(r"[A-Za-z0-9._@-]{1,64}")


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fieldpad server admin",
        description="Manage the sync server's users, devices and inspections.",
    )
    add_settings_options(parser)
    sub = parser.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    user = sub.add_parser("user", help="add or list users").add_subparsers(
        dest="action", required=True
    )
    user.add_parser("add", help="add a user").add_argument("name")
    user.add_parser("list", help="list users")
    sub.add_parser("invite", help="print a one-time enrolment code for USER").add_argument(
        "user"
    )
    device = sub.add_parser("device", help="list or revoke devices").add_subparsers(
        dest="action", required=True
    )
    device.add_parser("list", help="list devices, one a line, id first")
    device.add_parser("revoke", help="revoke a device").add_argument("id")
    insp = sub.add_parser("inspection", help="add or list inspections").add_subparsers(
        dest="action", required=True
    )
    add = insp.add_parser("add", help="add an inspection (prints its id)")
    add.add_argument("name")
    add.add_argument("--lead", required=True, metavar="USER")
    insp.add_parser("list", help="list inspections")
    sub.add_parser("purges", help="list purged inspections (audit), one a line, id first")
    p = sub.add_parser("backup", help="copy the SQLite database to a new file, safely while "
                                      "the server runs (PostgreSQL: use pg_dump)")
    p.add_argument("path", type=Path, help="the backup file to create (never overwritten)")
    p = sub.add_parser("restore", help="replace the SQLite database with a backup; the "
                                       "current one is kept beside it. Stop the server first")
    p.add_argument("path", type=Path, help="a file made by `backup`")
    return parser


def admin_main(argv: list[str], *, clock: Callable[[], float] = time.time) -> int:
    """Run one admin command; return the exit code (0 ok, 1 error, 2 usage)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else 2
    try:
        settings = settings_from(args)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    url = settings.database
    if args.cmd in ("backup", "restore"):
        return _backup_or_restore(args, url, clock)
    try:
        from ._storage import open_storage

        storage = open_storage(url)
    except Exception as exc:  # noqa: BLE001 - connection refused, bad path, bad URL
        print(f"error: cannot open the database {describe(url)}: {exc}", file=sys.stderr)
        return 1
    try:
        return _run(args, storage, settings.limits, clock)
    except ApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        storage.close()


def _backup_or_restore(args: argparse.Namespace, url: str, clock: Callable[[], float]) -> int:
    from ._backup import BackupError, backup, restore
    from ._storage import sqlite_path

    try:
        db = sqlite_path(url)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if db is None:
        tool = "pg_dump --format=custom" if args.cmd == "backup" else "pg_restore"
        print(f"error: this server's database is PostgreSQL ({describe(url)}): use {tool} "
              "(see docs/operations.md, 'Backup and restore')", file=sys.stderr)
        return 2
    try:
        if args.cmd == "backup":
            print(f"backed up {backup(db, args.path.expanduser()).line()}")
            return 0
        summary, kept = restore(args.path.expanduser(), db, clock())
    except (BackupError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if kept is not None:
        print(f"kept the database as it was in {kept}")
    print(f"restored {db} from {summary.line()}")
    print("start the server again; docs/operations.md says what devices do next")
    return 0


def _run(args: argparse.Namespace, storage: Storage, limits: Limits,
         clock: Callable[[], float]) -> int:
    now = clock()
    if args.cmd == "user" and args.action == "add":
        if not USER_RE.fullmatch(args.name):
            print("error: a user name is 1-64 of A-Z a-z 0-9 . _ @ -", file=sys.stderr)
            return 1
        storage.add_user(args.name, now)
        print(f"added user {args.name}")
    elif args.cmd == "user":
        for u in storage.list_users():
            print(f"{u.name}\tdevices={u.active_devices}\tcreated={_when(u.created_at)}")
    elif args.cmd == "invite":
        code, code_id, secret_hash = new_code()
        ttl = limits.code_ttl_s
        storage.add_invite(args.user, code_id, secret_hash, now, now + ttl)
        print(
            f"enrolment code for {args.user}: single use, {limits.code_tries} tries, "
            f"expires {_when(now + ttl)} ({ttl // 60} minutes)"
        )
        print(f"on the device: fieldpad enrol SERVER_URL {code}")
        print(code)
    elif args.cmd == "device" and args.action == "list":
        for d in storage.list_devices():
            state = "active" if d.revoked_at is None else f"revoked={_when(d.revoked_at)}"
            print(f"{d.device_id.hex()}\t{d.user}\t{state}\tenrolled={_when(d.created_at)}")
    elif args.cmd == "device":
        try:
            device_id = bytes.fromhex(args.id)
            if len(device_id) != 16:
                raise ValueError
        except ValueError:
            print("error: a device id is 32 hex digits (see: device list)", file=sys.stderr)
            return 1
        if storage.revoke_device(device_id, now):
            print(f"revoked {device_id.hex()}")
        else:
            print(f"{device_id.hex()} was already revoked")
    elif args.cmd == "inspection" and args.action == "add":
        inspection_id = os.urandom(16)
        storage.add_inspection(inspection_id, args.name, args.lead, now)
        print(inspection_id.hex())
    elif args.cmd == "purges":
        for g in storage.list_purges():
            by = g.by_device.hex() if g.by_device else "-"
            print(f"{g.inspection_id.hex()}\t{g.name}\tpurged={_when(g.purged_at)}\tby={by}"
                  f"\trecords={g.records_deleted}")
    else:
        for i in storage.list_inspections():
            purged = "" if i.purged_at is None else f"\tpurged={_when(i.purged_at)}"
            print(f"{i.id.hex()}\t{i.name}\tlead={i.lead}{purged}")
    return 0
