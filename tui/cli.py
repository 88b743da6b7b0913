"""The ``fieldpad`` command (DESIGN §7).

Only argparse is imported up front: every command imports what it needs when it runs, so that
``fieldpad --version`` and the TUI start fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ._version import __version__

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_LOCKED, EXIT_NETWORK = 0, 1, 2, 3, 4

KINDS = ("record_review", "interview", "focus_group", "observation", "partnership_discussion",
         "concern", "good_practice", "note")


def _add_unlock_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("unlocking without a prompt (for scripts and timers)")
    g.add_argument("--passphrase-fd", type=int, metavar="N",
                   help="read the passphrase from file descriptor N (first line)")
    g.add_argument("--passphrase-file", metavar="PATH",
                   help="read the passphrase from the first line of PATH")


def _retention_days(text: str) -> int:
    """1-3650 whole days, checked before unlocking (a usage error, exit 2)."""
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if not 1 <= days <= 3650:
        raise argparse.ArgumentTypeError("choose from 1 to 3650 days")
    return days


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fieldpad",
        description="Encrypted field notes for joint inspection teams.",
        epilog="Exit codes: 0 ok, 1 error, 2 usage, 3 locked or wrong passphrase, 4 network.",
    )
    parser.add_argument("--version", action="version", version=f"fieldpad {__version__}")
    parser.add_argument("--profile", metavar="DIR",
                        help="profile directory (default: $FIELDPAD_PROFILE or the data dir)")
    parser.add_argument("--no-mouse", action="store_true",
                        help="the app ignores the mouse (keyboard only)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", help="create the vault of a new profile")
    p.add_argument("--author", metavar="INITIALS",
                   help="how your notes are signed in lists (initials or designation)")
    p.add_argument("--kdf-memory-mib", type=int, metavar="MIB",
                   help="Argon2id memory in MiB (default 256; at least 64)")
    _add_unlock_options(p)

    p = sub.add_parser("unlock", help="check a passphrase")
    p.add_argument("what", choices=["check"])
    p.add_argument("--recovery", action="store_true",
                   help="check the 24-word recovery key instead (read from the prompt or file)")
    _add_unlock_options(p)

    p = sub.add_parser("passwd", help="change the passphrase (re-wraps only the data key)")
    p.add_argument("--recovery", action="store_true",
                   help="forgotten passphrase: prove it with the 24-word recovery key instead")
    p.add_argument("--new-passphrase-file", metavar="PATH",
                   help="read the new passphrase from the first line of PATH")
    _add_unlock_options(p)

    sub.add_parser("demo", help="a throwaway profile, a local server and a team's notes, "
                                "then the app")

    p = sub.add_parser("enrol", help="enrol this device with a sync server")
    p.add_argument("url", help="the server, e.g. https://sync.example.org")
    p.add_argument("code", help="the one-time code your lead or administrator gave you")
    _add_unlock_options(p)

    p = sub.add_parser("sync", help="headless batch sync with a progress line")
    p.add_argument("--quiet", action="store_true", help="no progress line, only problems")
    _add_unlock_options(p)

    p = sub.add_parser("inspection", help="inspections in this profile")
    isub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = isub.add_parser("add", help="add a local inspection")
    q.add_argument("name")
    q.add_argument("--partnership", default="", help="the community planning partnership")
    _add_unlock_options(q)
    q = isub.add_parser("timeline", help="set an inspection's timeline from its notification date")
    q.add_argument("name")
    q.add_argument("--notification", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--holiday", action="append", default=[], metavar="YYYY-MM-DD",
                   help="a day in a school-holiday week, left out of the week count")
    _add_unlock_options(q)
    q = isub.add_parser("list", help="list inspections")
    q.add_argument("--json", action="store_true")
    _add_unlock_options(q)
    q = isub.add_parser("close", help="close an inspection; it can be purged once its "
                                      "retention period has ended (prints the date)")
    q.add_argument("name")
    q.add_argument("--retention-days", type=_retention_days, default=90, metavar="N",
                   help="days to keep its notes after closing, 1-3650 (default 90)")
    _add_unlock_options(q)
    q = isub.add_parser("reopen", help="reopen a closed inspection (no purge date any more)")
    q.add_argument("name")
    _add_unlock_options(q)
    q = isub.add_parser("purge", help="destroy a closed inspection's keys and notes, here and "
                                      "(for a team) on every device, after its retention period")
    q.add_argument("name")
    q.add_argument("--yes", action="store_true",
                   help="do not ask for the inspection's name to be typed to confirm")
    _add_unlock_options(q)
    q = isub.add_parser("purges", help="the log of inspections purged in this profile")
    q.add_argument("--json", action="store_true")
    _add_unlock_options(q)

    p = sub.add_parser("note", help="scriptable notes")
    nsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = nsub.add_parser("add", help="add a note; prints its id")
    q.add_argument("--inspection", metavar="NAME")
    q.add_argument("--kind", choices=KINDS, default="note")
    q.add_argument("--title", required=True)
    q.add_argument("--body-file", metavar="FILE", help="the note's text ('-' for stdin)")
    q.add_argument("--field", action="append", default=[], metavar="NAME=VALUE")
    q.add_argument("--tag", action="append", default=[], metavar="TAG",
                   help="evidence tag: S1-S4, QI2.1, status:nsc|uncertainty|concern, "
                        "strength, afd, covid, #code")
    _add_unlock_options(q)
    q = nsub.add_parser("list", help="list notes")
    q.add_argument("--inspection", metavar="NAME")
    q.add_argument("--kind", choices=KINDS)
    q.add_argument("--search", metavar="WORDS", help="only notes matching these words")
    q.add_argument("--deleted", action="store_true", help="include deleted notes")
    q.add_argument("--json", action="store_true")
    _add_unlock_options(q)
    q = nsub.add_parser("show", help="show one note")
    q.add_argument("id")
    q.add_argument("--json", action="store_true")
    q.add_argument("--reveal", action="store_true",
                   help="also show sealed fields (the child identifier) if this device may "
                        "open them; recorded in the inspection's audit log")
    _add_unlock_options(q)
    q = nsub.add_parser("concern", help="raise a concern from a note (a concern form linked "
                                        "to it); prints the concern's id")
    q.add_argument("id", help="the note the concern arose from")
    q.add_argument("--nature", required=True, help="the nature of the concern")
    q.add_argument("--immediacy", required=True, metavar="IMMEDIACY",
                   help="immediate, within 24 hours or routine")
    q.add_argument("--title", help="default: Concern from <the note's title>")
    q.add_argument("--field", action="append", default=[], metavar="NAME=VALUE",
                   help="another field of the concern form, e.g. child_identifier=... "
                        "(sealed for the leads' devices when saved)")
    _add_unlock_options(q)
    q = nsub.add_parser("edit", help="change a note (a new revision in its history)")
    q.add_argument("id")
    q.add_argument("--title")
    q.add_argument("--body-file", metavar="FILE", help="the new text ('-' for stdin)")
    q.add_argument("--field", action="append", default=[], metavar="NAME=VALUE")
    q.add_argument("--tag", action="append", default=[], metavar="TAG", help="add a tag")
    q.add_argument("--untag", action="append", default=[], metavar="TAG", help="remove a tag")
    _add_unlock_options(q)
    q = nsub.add_parser("history", help="a note's revisions")
    q.add_argument("id")
    q.add_argument("--json", action="store_true")
    _add_unlock_options(q)
    q = nsub.add_parser("restore", help="make an earlier revision current again")
    q.add_argument("id")
    q.add_argument("rev", help="revision id (or a unique prefix) from `note history`")
    _add_unlock_options(q)
    q = nsub.add_parser("delete", help="delete a note (it stays in history)")
    q.add_argument("id")
    _add_unlock_options(q)
    q = nsub.add_parser("import", help="import Markdown files or folders, one note a file")
    q.add_argument("paths", nargs="+", metavar="PATH")
    q.add_argument("--inspection", metavar="NAME")
    q.add_argument("--kind", choices=KINDS, default="note")
    _add_unlock_options(q)

    p = sub.add_parser("config", help="settings of this profile (sealed in the vault)")
    csub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = csub.add_parser("list", help="every setting, its value and what it does")
    _add_unlock_options(q)
    q = csub.add_parser("get", help="one setting's value")
    q.add_argument("key")
    _add_unlock_options(q)
    q = csub.add_parser("set", help="change a setting")
    q.add_argument("key")
    q.add_argument("value")
    _add_unlock_options(q)

    p = sub.add_parser("export", help="export an inspection's evidence for report writing "
                                      "(plaintext files)")
    p.add_argument("inspection", metavar="INSPECTION", help="the inspection's name or id prefix")
    p.add_argument("--format", required=True, choices=["md", "csv", "docx"],
                   help="md: a file per note; csv: record review grades and the evidence "
                        "matrix; docx: one evidence summary by statement")
    p.add_argument("--output", required=True, metavar="DIR",
                   help="an empty folder to write into (created if missing)")
    p.add_argument("--overwrite", action="store_true",
                   help="write into a folder that is not empty, replacing files of the same "
                        "names")
    _add_unlock_options(p)

    p = sub.add_parser("evidence", help="the evidence matrix of an inspection")
    p.add_argument("inspection", metavar="INSPECTION", help="the inspection's name or id prefix")
    p.add_argument("--json", action="store_true")
    _add_unlock_options(p)

    from ._team_cmd import add_parsers as _team_parsers

    _team_parsers(sub, _add_unlock_options)
    from ._uncertainty_cmd import add_parsers as _uncertainty_parsers

    _uncertainty_parsers(sub, _add_unlock_options)

    p = sub.add_parser("review", help="records reading: the summary of grades, moderation")
    rsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = rsub.add_parser("summary", help="grades per evaluation item across the record reviews")
    q.add_argument("--inspection", metavar="NAME")
    q.add_argument("--json", action="store_true")
    _add_unlock_options(q)
    q = rsub.add_parser("moderate", help="record a moderation decision on a record review")
    q.add_argument("id", metavar="NOTE_ID")
    how = q.add_mutually_exclusive_group(required=True)
    how.add_argument("--agree", action="store_true", help="the grades stand as recorded")
    how.add_argument("--amend", action="store_true",
                     help="grades changed in moderation (needs --notes)")
    q.add_argument("--notes", default="", help="moderation notes: what was changed and why")
    q.add_argument("--grade", action="append", default=[], metavar="ITEM=GRADE",
                   help="with --amend: a changed grade, e.g. chronology=adequate")
    _add_unlock_options(q)

    p = sub.add_parser("concern", help="the concerns queue and the lead's steps")
    csub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = csub.add_parser("list", help="open concerns with their age, oldest first")
    q.add_argument("--inspection", metavar="NAME")
    q.add_argument("--json", action="store_true")
    _add_unlock_options(q)
    q = csub.add_parser("step", help="record a decision, a referral or the closing of a concern")
    q.add_argument("id", metavar="NOTE_ID")
    q.add_argument("step", choices=["decision", "referral", "closed"])
    q.add_argument("--field", action="append", default=[], metavar="NAME=VALUE",
                   help="decision: decision, decision_rationale, decided_at; referral: "
                        "partner_lead_contacted, referral_method, referral_reference, "
                        "referral_at (times default to now)")
    _add_unlock_options(q)

    p = sub.add_parser("doctor", help="verify every record, chain and signature, and this "
                       "device's streams as the server holds them")
    p.add_argument("--json", action="store_true")
    p.add_argument("--repair", action="store_true",
                   help="set damaged records aside and pull them again; send again what the "
                        "server lost and replace what it holds damaged; say what was done")
    _add_unlock_options(p)

    p = sub.add_parser("serve", help="run the sync server", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p = sub.add_parser("server", help="server administration (on the database directly)")
    p.add_argument("area", choices=["admin"])
    p.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything fieldpad writes (profile, -wal and -shm files, exports) is for this user only.
    os.umask(0o077)
    if argv[:1] == ["serve"] or argv[:2] == ["server", "admin"]:
        # the server's own parsers own these arguments, --help included
        from sync.server import admin_main, serve_main

        return serve_main(argv[1:]) if argv[0] == "serve" else admin_main(argv[2:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _app(args)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("\nfieldpad: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - turned into words and an exit code below
        return _report(exc)


def _app(args: argparse.Namespace) -> int:
    """A bare ``fieldpad``: the full-screen app (it creates a vault on first run)."""
    from pathlib import Path

    from ._locations import default_profile_dir
    from ._sync_adapter import real_enrol, real_sync, real_team
    from .app import run_app

    directory = Path(args.profile) if args.profile else default_profile_dir()
    try:
        return run_app(directory, no_mouse=args.no_mouse, sync_now=real_sync,
                       enrol_now=real_enrol, team_now=real_team)
    except Exception as exc:  # noqa: BLE001 - words, never a traceback with plaintext in it
        return _report(exc)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "serve":
        from sync.server import serve_main

        return serve_main(args.rest)
    if args.command == "server":
        from sync.server import admin_main

        return admin_main(args.rest)
    if args.command == "demo":
        from .demo import run

        return run()
    from . import _commands

    return _commands.run(args)


def _report(exc: BaseException) -> int:
    """Every error ends as one clear line; never a traceback that could show a secret."""
    import sqlite3

    from store import FieldpadError

    if isinstance(exc, FieldpadError):
        print(f"fieldpad: {exc}", file=sys.stderr)
        return exc.exit_code
    if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc):
        print("fieldpad: the disk is full: nothing was saved by this command and nothing "
              "earlier was lost. Free some space and try again.", file=sys.stderr)
        return EXIT_ERROR
    if isinstance(exc, OSError):
        print(f"fieldpad: {exc.strerror or exc}"
              + (f": {exc.filename}" if exc.filename else ""), file=sys.stderr)
        return EXIT_ERROR
    if os.environ.get("FIELDPAD_DEBUG") == "1":
        raise exc
    print(f"fieldpad: internal error ({type(exc).__name__}); nothing already saved was lost. "
          "Run with FIELDPAD_DEBUG=1 to see details, and please report it.", file=sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
