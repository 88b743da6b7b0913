"""``fieldpad``: the top parser, the dispatch to each command's handler, and errors in words.

Each command group's module owns its parsers and handlers (``set_defaults(func=...)``); this
module only puts them together. The groups import argparse alone at the top and the store
inside their handlers, so ``fieldpad --version`` and the app's unlock prompt start fast; and
a run imports and builds only the groups of the command it names (none for the app), all of
them only for help or a word that is no command.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, NoReturn

from .._version import __version__
from ._common import (
    EXIT_ERROR,
    EXIT_OK,
    Parents,
    Parser,
    add_global_options,
    add_unlock_options,
    command,
    lock_all,
    profile_of,
)

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
        profile = None if getattr(args, "no_profile", False) else profile_of(args)
        return args.func(profile, args)
    except KeyboardInterrupt:
        print("\nfieldpad: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - turned into words and an exit code below
        return _report(exc)
    finally:
        lock_all()  # seals the head cache and wipes the keys of every session it unlocked


def _app(args: argparse.Namespace) -> int:
    """A bare ``fieldpad``: the full-screen app (it creates a vault on first run)."""
    from pathlib import Path

    from ..app import run_app

    if args.profile:
        directory = Path(args.profile)
    else:
        from store import default_profile_dir  # the store's face: not needed with --profile

        directory = default_profile_dir()
    try:
        return run_app(directory, no_mouse=args.no_mouse, sync_now=_real("real_sync"),
                       enrol_now=_real("real_enrol"), team_now=_real("real_team"))
    except Exception as exc:  # noqa: BLE001 - words, never a traceback with plaintext in it
        return _report(exc)


def _real(name: str) -> Callable[..., Any]:
    """The real sync, enrol or team seam (``tui/_sync_adapter``), imported when first used: the
    adapter and the seam it builds on have no part in showing the unlock prompt (start-up time,
    DESIGN §9)."""

    def seam(*args: Any, **kwargs: Any) -> Any:
        from .. import _sync_adapter

        return getattr(_sync_adapter, name)(*args, **kwargs)

    seam.__name__ = name
    return seam


def _demo(profile: object, args: argparse.Namespace) -> int:
    """``fieldpad demo``: a throwaway team and server, then the app (through :func:`main`)."""
    from ..demo import run

    return run(main)


def _report(exc: BaseException) -> int:
    """Every error ends as one clear line; never a traceback that could show a secret."""
    import sqlite3

    from store import FieldpadError, damaged, is_damage

    from .._printable import printable

    if is_damage(exc):  # a damaged profile file: say so, and what to do
        exc = damaged(None, str(exc))
    if isinstance(exc, FieldpadError):  # may quote a name or a server's words: escaped
        print(f"fieldpad: {printable(str(exc))}", file=sys.stderr)
        return exc.exit_code
    if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc):
        print("fieldpad: the disk is full: nothing was saved by this command and nothing "
              "earlier was lost. Free some space and try again.", file=sys.stderr)
        return EXIT_ERROR
    if isinstance(exc, BrokenPipeError):  # `fieldpad ... | head`: the reader had enough
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    if isinstance(exc, OSError):
        print(f"fieldpad: {exc.strerror or exc}"
              + (f": {exc.filename}" if exc.filename else ""), file=sys.stderr)
        return EXIT_ERROR
    if os.environ.get("FIELDPAD_DEBUG") == "1":
        raise exc
    print(f"fieldpad: internal error ({type(exc).__name__}); nothing already saved was lost. "
          "Run with FIELDPAD_DEBUG=1 to see details, and please report it.", file=sys.stderr)
    return EXIT_ERROR


def run() -> NoReturn:
    """The ``fieldpad`` console script: :func:`main`, then the process ends at once.

    By the time ``main`` returns every session is locked (keys wiped, head cache sealed),
    every profile closed and checkpointed, and no thread but daemons is left. What remains is
    memory: freeing a large profile's notes object by object, then the interpreter's modules,
    took longer than the command itself at 50,000 notes; the process's end hands it all back
    at once. Output is flushed and ``atexit`` handlers run first, as at a normal exit."""
    from . import _common

    _common.LEFT = []
    code = main()  # a usage error or --help raises SystemExit: a normal exit, nothing held
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # `fieldpad ... | head`: the reader had enough
            pass
    atexit._run_exitfuncs()  # what os._exit skips (logging's flush, say)
    os._exit(code)
