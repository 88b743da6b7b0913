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

A command that will unlock starts it earlier still, as soon as its line is parsed and before
it imports what opening the profile needs (``start_early_check``; ``Profile.unlock`` takes it up):
at 50,000 notes the helper then ends before the session needs its rows.

What the helper read is used only if nothing else wrote to the profile in between (``PRAGMA
data_version`` is unchanged on the connection the check began from: the session's, or for an
early check one of its own, on which any commit counts); otherwise, or if the helper could
not run or failed, the session checks on its own connection as before. Either way every head
is checked. No secret reaches the helper: its one argument is the profile's path.
"""

from __future__ import annotations

import marshal
import os
import select
import sqlite3
import subprocess
import sys
from pathlib import Path

from . import _headscan
from ._headscan import HeadRow

#: The helper's interpreter: this one (tests point it elsewhere to see the fallback).
PYTHON = sys.executable
#: Far longer than the check of any profile takes; a helper past it is stopped.
TIMEOUT_SECONDS = 120.0


class HeadCheck:
    """The checked head rows of the profile at ``path``, read by a helper process. Create it
    before the KDF; :meth:`rows` waits for it."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, own: bool = False) -> None:
        """``conn``: a connection to the profile at ``path``, whose view the rows must match
        (any commit by another connection from now on sets them aside); ``own``: closed
        when the rows are taken or the check stopped."""
        self._conn = conn
        self._own = own
        self._version = _data_version(conn)
        self._proc: subprocess.Popen[bytes] | None = None
        if not PYTHON or getattr(sys, "frozen", False):  # no interpreter to start
            return
        try:
            self._proc = subprocess.Popen(
                [PYTHON, "-I", "-S", _headscan.__file__, f"{path.resolve().as_uri()}?mode=ro"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except (OSError, ValueError):
            self._proc = None  # the session checks on its own connection

    def ready(self) -> bool:
        """Whether the helper's rows are there to read (it writes them at once when it is
        done): else the session may do something useful while it waits. Where a pipe cannot
        be asked (not POSIX), never."""
        proc = self._proc
        if proc is None or proc.stdout is None or os.name != "posix":
            return proc is None
        return bool(select.select([proc.stdout], [], [], 0)[0])

    def rows(self) -> list[HeadRow] | None:
        """The checked head rows, or None when they cannot stand for the profile as the
        session's connection sees it now (another connection wrote since, or the helper
        failed): then the caller checks on its own connection."""
        proc, self._proc = self._proc, None
        try:
            return self._rows(proc) if proc is not None else None
        finally:
            self._close()

    def _rows(self, proc: subprocess.Popen[bytes]) -> list[HeadRow] | None:
        try:
            out, _ = proc.communicate(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None
        if proc.returncode != 0 or _data_version(self._conn) != self._version:
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
        self._close()

    def _close(self) -> None:
        if self._own:
            self._conn.close()


def _data_version(conn: sqlite3.Connection) -> int:
    # changes when another connection commits to the file, never for this connection's own
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


#: Checks begun by ``start_early_check``, by the resolved path of the profile's database.
_EARLY: dict[Path, HeadCheck] = {}


def start_early_check(path: Path) -> None:
    """Begin the check of the profile database at ``path`` now, from a read-only connection
    of its own (on which every later commit counts, the session's own included), for the
    unlock to come to take up (``take_early_check``). Nothing when there is no such file."""
    path = path.resolve()
    if path in _EARLY or not path.is_file():
        return
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        _EARLY[path] = HeadCheck(conn, path, own=True)
    except sqlite3.Error:
        return  # not a database we can read: the unlock says what is wrong


def take_early_check(path: Path) -> HeadCheck | None:
    """The check ``start_early_check`` began for ``path``, if any (once)."""
    return _EARLY.pop(path.resolve(), None)


def cancel_early_checks() -> None:
    """Stop every early check no unlock took up (the command ended without unlocking)."""
    while _EARLY:
        _EARLY.popitem()[1].cancel()
