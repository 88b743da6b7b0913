"""The ``fieldpad`` command (DESIGN §7): one module per command group, each owning its parser
and its handlers; ``_common`` holds what they share (the global and unlocking options, output,
unlocking, ``NAME=VALUE`` arguments).

Only the standard library loads up front (argparse too, unless ``fieldpad`` opens the app):
every handler imports the store when it runs, so ``fieldpad --version`` and the app's unlock
prompt start fast.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import TYPE_CHECKING, NoReturn

from . import _exits
from ._exits import EXIT_ERROR, EXIT_LOCKED, EXIT_NETWORK, EXIT_OK, EXIT_USAGE
from ._start import bare_app, run_app

if TYPE_CHECKING:
    from argparse import ArgumentParser
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """``fieldpad [options] [COMMAND ...]``: the exit code. A line that plainly asks for the
    app opens it without the parser (``_start``: start-up time); any other goes through it."""
    argv = list(sys.argv[1:] if argv is None else argv)
    options = bare_app(argv)
    if options is None:
        from ._main import main as commands

        return commands(argv)
    # Everything fieldpad writes (profile, -wal and -shm files) is for this user only.
    os.umask(0o077)
    return run_app(*options)


def run() -> NoReturn:
    """The ``fieldpad`` console script: :func:`main`, then the process ends at once.

    By the time ``main`` returns every session is locked (keys wiped, head cache sealed),
    every profile closed and checkpointed, and no thread but daemons is left. What remains is
    memory: freeing a large profile's notes object by object, then the interpreter's modules,
    took longer than the command itself at 50,000 notes; the process's end hands it all back
    at once. Output is flushed and ``atexit`` handlers run first, as at a normal exit."""
    _exits.LEFT = []
    code = main()  # a usage error or --help raises SystemExit: a normal exit, nothing held
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # `fieldpad ... | head`: the reader had enough
            pass
    atexit._run_exitfuncs()  # what os._exit skips (logging's flush, say)
    os._exit(code)


def build_parser(argv: Sequence[str] | None = None) -> ArgumentParser:
    """The ``fieldpad`` parser (``_main.build_parser``), imported when asked for: a bare
    ``fieldpad`` starts the app without it."""
    from ._main import build_parser as build

    return build(argv)


__all__ = [
    "EXIT_ERROR",
    "EXIT_LOCKED",
    "EXIT_NETWORK",
    "EXIT_OK",
    "EXIT_USAGE",
    "build_parser",
    "main",
    "run",
]
