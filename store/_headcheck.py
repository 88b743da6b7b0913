"""The damaged-head check run while the passphrase is stretched.

Unlock checks every note head's stored envelope against its stored hash before the head cache
may stand in for it (``Streams.head_rows_checked``, issue 11): at 50,000 notes that is 65 MB
read and hashed, a third of a cold `note list`. The check needs no key (it reads ciphertext
and hashes only), and the KDF gives the interpreter's lock up while it runs, so
:meth:`Profile.unlock` starts the check on a connection of its own in a thread first and the
session takes its rows once the keys are in hand: at the product's KDF the check is done by
then, at the floor KDF most of it.

What the thread read is used only if nothing else wrote to the profile in between (the main
connection's ``PRAGMA data_version`` is unchanged); otherwise, or if the thread failed, the
session checks on its own connection as before. Either way every head is checked.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import sqlite_utils

from ._streams import HeadRow, Streams


class HeadCheck:
    """``Streams.head_rows_checked`` of the profile at ``path``, read in a thread on a
    read-only connection of its own. Create it before the KDF; :meth:`rows` waits for it."""

    def __init__(self, db: sqlite_utils.Database, path: Path) -> None:
        self._db = db
        self._version = _data_version(db)
        self._rows: list[HeadRow] | None = None
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(path,),
                                        name="fieldpad-head-check", daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error:
            return  # the session checks on its own connection
        try:
            rows: list[HeadRow] = []
            for row in Streams(sqlite_utils.Database(conn)).head_rows_checked():
                if self._cancel.is_set():
                    return
                rows.append(row)
            self._rows = rows
        except sqlite3.Error:
            pass  # likewise: a damaged file is named by the session's own read
        finally:
            conn.close()

    def rows(self) -> list[HeadRow] | None:
        """The checked head rows, or None when they cannot stand for the profile as the
        session's connection sees it now (another connection wrote since, or the read
        failed): then the caller checks on its own connection."""
        self._thread.join()
        if self._rows is None or _data_version(self._db) != self._version:
            return None
        return self._rows

    def cancel(self) -> None:
        """Stop reading (a wrong passphrase): the thread ends at its next row."""
        self._cancel.set()


def _data_version(db: sqlite_utils.Database) -> int:
    # changes when another connection commits to the file, never for this connection's own
    return int(db.conn.execute("PRAGMA data_version").fetchone()[0])
