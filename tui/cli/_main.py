"""``fieldpad``: the top parser, the dispatch to each command's handler, and errors in words.

Each command group's module owns its parsers and handlers (``set_defaults(func=...)``); this
module only puts them together. The groups import argparse alone at the top and the store
inside their handlers, so ``fieldpad --version`` and the app's unlock prompt start fast; and
a run imports and builds only the groups of the command it names (none for the app), all of
them only for help or a word that is no command.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from .._version import __version__
from ._common import (
    Parents,
    Parser,
    add_global_options,
    add_unlock_options,
    command,
    lock_all,
    profile_of,
)
from ._errors import report
from ._start import run_app

#: Each command group's module and the commands it adds, in the order ``fieldpad --help``
#: lists them (tests/tui/test_cli_parser.py checks the names against what each one adds).
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("_vault", ("init", "unlock", "passwd", "demo")),
    ("_sync", ("enrol", "sync")),
    ("_inspection", ("inspection",)),
    ("_note", ("note",)),
    ("_config", ("config",)),
    ("_export", ("export", "evidence")),
    ("_team", ("team",)),
    ("_uncertainty", ("uncertainty",)),
    ("_review", ("review",)),
    ("_concern", ("concern",)),
    ("_doctor", ("doctor",)),
    ("_server", ("serve", "server")),
)
COMMANDS = frozenset(c for _, names in GROUPS for c in names)
#: Global options that take a value: the word after one is not a command.
_VALUED = ("--profile", "--passphrase-fd", "--passphrase-file")


def group(name: str) -> ModuleType:
    return importlib.import_module(f"{__package__}.{name}")


def _commands_named(argv: Sequence[str] | None) -> frozenset[str] | None:
    """The commands ``argv`` may name, or None for all of them: help was asked for, or the
    first word is no command (argparse then lists the commands in its error)."""
    if argv is None or "-h" in argv or "--help" in argv:
        return None
    words, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUED:
            skip = True
        elif not arg.startswith("-"):
            words.append(arg)
    if words and words[0] not in COMMANDS:
        return None
    return COMMANDS.intersection(words)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``fieldpad`` parser. With ``argv``, only the command groups it may use are imported
    and built (a bare ``fieldpad``, the app, builds none): each group's parsers cost time a
    command that does not use them should not pay. Without, all of them."""
    wanted = _commands_named(argv)
    parser = Parser(  # its help ends with every exit code its commands can return
        prog="fieldpad",
        description="Encrypted field notes for joint inspection teams. Without a command: the "
                    "full-screen app.",
    )
    parser.add_argument("--version", action="version", version=f"fieldpad {__version__}")
    add_global_options(parser)
    add_unlock_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    parents = Parents.make()
    for name, names in GROUPS:
        if wanted is not None and wanted.isdisjoint(names):
            continue
        group(name).add_parsers(sub, parents)
        if name == "_vault":
            demo = command(sub, "demo", "a throwaway profile, a local server and a team's "
                           "notes, then the app", parents.common, _demo)
            demo.set_defaults(no_profile=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Any command line, through the parser (the package's ``main`` opens the app without it
    when the line plainly asks for the app)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything fieldpad writes (profile, -wal and -shm files, exports) is for this user only.
    os.umask(0o077)
    if argv[:1] == ["serve"] or argv[:2] == ["server", "admin"]:
        # the server's own parsers own these arguments, --help included
        return group("_server").run(argv[0], argv[1:] if argv[0] == "serve" else argv[2:])
    args = build_parser(argv).parse_args(argv)
    if args.command is None:
        return _app(args)
    try:
        if getattr(args, "unlocks", False):
            _check_early(args)
        profile = None if getattr(args, "no_profile", False) else profile_of(args)
        return args.func(profile, args)
    except KeyboardInterrupt:
        print("\nfieldpad: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - turned into words and an exit code below
        return report(exc)
    finally:
        lock_all()  # seals the head cache and wipes the keys of every session it unlocked


def _check_early(args: argparse.Namespace) -> None:
    """Begin the damaged-head check of the profile a command will unlock now, before the
    command imports what opening it needs (a tenth of a second and more): at 50,000 notes the
    check then ends before the session wants its rows. It reads no secret; an unlock that
    never comes stops it (``lock_all``)."""
    from pathlib import Path

    from store import DB_NAME, default_profile_dir, start_early_check

    profile = getattr(args, "profile", None)
    start_early_check((Path(profile) if profile else default_profile_dir()) / DB_NAME)


def _app(args: argparse.Namespace) -> int:
    """A bare ``fieldpad`` in a spelling ``_start`` leaves to the parser: the app."""
    return run_app(args.profile, args.no_mouse)


def _demo(profile: object, args: argparse.Namespace) -> int:
    """``fieldpad demo``: a throwaway team and server, then the app (through :func:`main`)."""
    from ..demo import run

    return run(main)
