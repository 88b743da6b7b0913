"""Shared bits of the server's command lines: the settings file, the database options and
turning them into :class:`ServerSettings`."""

from __future__ import annotations

import argparse
import urllib.parse
from pathlib import Path
from typing import Any

from ._settings import ServerSettings, load_settings


def add_settings_options(parser: argparse.ArgumentParser) -> None:
    """``--config PATH`` and the database choice (``--db`` or ``--database-url``)."""
    parser.add_argument(
        "--config", metavar="PATH", type=Path,
        help="settings file (TOML; see docs/operations.md). FIELDPAD_SERVER_* variables "
             "override it, and these options override both",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--db", metavar="PATH",
        help="SQLite database file (default: the 'database' setting, else $STATE_DIRECTORY, "
             "/var/lib/fieldpad as root, or your data dir; then server.db)",
    )
    group.add_argument(
        "--database-url", metavar="URL",
        help="sqlite:///PATH or postgresql://user@host/dbname",
    )


def settings_from(args: argparse.Namespace, **flags: Any) -> ServerSettings:
    """The settings from ``--config``, the environment and these flags (None: not given).
    Raises :class:`SettingsError` with a sentence."""
    database = str(Path(args.db).expanduser()) if args.db else args.database_url
    return load_settings(args.config, database=database, **flags)


def describe(url: str) -> str:
    """A database URL without any password (in the user part or the query), for messages
    and logs."""
    if "://" not in url:
        return url
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{userinfo.split(':', 1)[0]}@{host}"
    query = urllib.parse.urlencode(
        [(k, "***" if k.lower() == "password" else v)
         for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)])
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))
