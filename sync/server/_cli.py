"""Shared bits of the server's command lines: the database option and opening storage."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

ENV_URL = "FIELDPAD_SERVER_DATABASE_URL"


def default_db_path() -> Path:
    import platformdirs

    return platformdirs.user_data_path("fieldpad") / "server.db"


def add_db_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--db",
        metavar="PATH",
        help="SQLite database file (default: the platform data dir's fieldpad/server.db)",
    )
    group.add_argument(
        "--database-url",
        metavar="URL",
        help=f"sqlite:///PATH or postgresql://... (also read from ${ENV_URL})",
    )


def db_url(args: argparse.Namespace) -> str:
    if args.db:
        return str(Path(args.db).expanduser())
    if args.database_url:
        return str(args.database_url)
    if os.environ.get(ENV_URL):
        return os.environ[ENV_URL]
    return str(default_db_path())


def describe(url: str) -> str:
    """A database URL without any password, for messages and logs."""
    if "://" in url and "@" in url.split("://", 1)[1].split("/", 1)[0]:
        scheme, rest = url.split("://", 1)
        userinfo, host = rest.split("@", 1)
        return f"{scheme}://{userinfo.split(':', 1)[0]}@{host}"
    return url
