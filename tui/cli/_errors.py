"""Every error of ``fieldpad`` in words and an exit code (``report``): imported when one
happens, or with the parser, not for the app's start."""

from __future__ import annotations

import os
import sys

from ._exits import EXIT_ERROR, EXIT_OK


def report(exc: BaseException) -> int:
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
