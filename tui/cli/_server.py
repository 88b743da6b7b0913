"""``fieldpad serve`` and ``fieldpad server admin``: the sync server, whose own parsers own
their arguments. They need the ``[server]`` extra; without it they say what to install."""

from __future__ import annotations

import argparse
import sys

from ._common import EXIT_USAGE, Parents

#: What the ``[server]`` extra installs: without one of them the server cannot start.
SERVER_EXTRA_MODULES = frozenset({"fastapi", "starlette", "uvicorn", "pydantic", "psycopg",
                                  "psycopg_pool"})


def add_parsers(sub: argparse._SubParsersAction, parents: Parents) -> None:
    # Listed for --help only: main() hands `serve ...` and `server admin ...` to run() below
    # before this parser sees them.
    p = sub.add_parser("serve", help="run the sync server (needs fieldpad[server])",
                       add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER, help="the server's options (serve --help)")
    p = sub.add_parser("server", help="server administration on its database (needs "
                                      "fieldpad[server])",
                       description="Server administration, on the database directly.")
    p.add_argument("area", choices=["admin"], help="admin: users, devices, inspections, codes")
    p.add_argument("rest", nargs=argparse.REMAINDER, help="the admin command and its options")


def run(command: str, rest: list[str]) -> int:
    """``fieldpad serve`` / ``fieldpad server admin``: the server's own parsers take ``rest``."""
    try:
        from sync.server import admin_main, serve_main
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in SERVER_EXTRA_MODULES:
            raise
        print(f"fieldpad: `fieldpad {command}` needs the server's packages ({exc.name} is "
              "missing): install fieldpad[server], e.g. pip install 'fieldpad[server]'",
              file=sys.stderr)
        return EXIT_USAGE
    return serve_main(rest) if command == "serve" else admin_main(rest)
