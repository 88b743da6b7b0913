"""The damaged-head check run while the passphrase is stretched.

Unlock checks every note head's stored envelope against its stored hash before the head cache
may stand in for it (``_headscan``, issue 11): at 50,000 notes that is 65 MB read and hashed,
longer than the floor KDF. The check needs no key (it reads ciphertext and hashes only), so
:meth:`Profile.unlock` starts it first in a helper process of its own: the same Python, with
no site and no environment (``-I -S``), running ``_headscan.py`` on a read-only connection,
with the rows marshalled back on a pipe. A process and not a thread: it runs beside the KDF
and then beside the session's reading of the cache on another core, where a thread waited
for the interpreter's lock (at 50,000 notes the thread's rows came ~120 ms after the KDF;
the process's, with the cache read meanwhile, ~0 ms, for ~25 ms to unmarshal them).

What the helper read is used only if nothing else wrote to the profile in between (the main
connection's ``PRAGMA data_version`` is unchanged); otherwise, or if the helper could not run
or failed, the session checks on its own connection as before. Either way every head is
checked. No secret reaches the helper: its one argument is the profile's path.
"""

from __future__ import annotations

import marshal
import subprocess
import sys
from pathlib import Path

import sqlite_utils

from . import _headscan
from ._headscan import HeadRow

#: The helper's interpreter: this one (tests point it elsewhere to see the fallback).
PYTHON = sys.executable
#: Far longer than the check of any profile takes; a helper past it is stopped.
TIMEOUT_SECONDS = 120.0


class HeadCheck:
    """The checked head rows of the profile at ``path``, read by a helper process. Create it
    before the KDF; :meth:`rows` waits for it."""

    def __init__(self, db: sqlite_utils.Database, path: Path) -> None:
        self._db = db
        self._version = _data_version(db)
        self._proc: subprocess.Popen[bytes] | None = None
        if not PYTHON or getattr(sys, "frozen", False):  # no interpreter to start
            return
        try:
            self._proc = subprocess.Popen(
                [PYTHON, "-I", "-S", _headscan.__file__, f"{path.resolve().as_uri()}?mode=ro"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except (OSError, ValueError):
            self._proc = None  # the session checks on its own connection

    def rows(self) -> list[HeadRow] | None:
        """The checked head rows, or None when they cannot stand for the profile as the
        session's connection sees it now (another connection wrote since, or the helper
        failed): then the caller checks on its own connection."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        try:
            out, _ = proc.communicate(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None
        if proc.returncode != 0 or _data_version(self._db) != self._version:
            return None
        try:
            rows = marshal.loads(out)
        except (EOFError, ValueError, TypeError):
            return None
        return rows if isinstance(rows, list) else None

    def cancel(self) -> None:
        """Stop the helper (a wrong passphrase)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.communicate()


def _data_version(db: sqlite_utils.Database) -> int:
    # changes when another connection commits to the file, never for this connection's own
    return int(db.conn.execute("PRAGMA data_version").fetchone()[0])
