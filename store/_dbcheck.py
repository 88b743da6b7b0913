"""SQLite's own check of a profile file (``PRAGMA quick_check`` / ``integrity_check``), and the
words for a damaged one (issue 11, item 7).

Record checks (``_doctor.verify_all``) see envelopes, chains and signatures; they cannot see a
damaged page of an index or of a table they do not read, which a later command then trips
over. Nothing here needs the passphrase: the check reads structure, never plaintext.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .errors import StoreError

MAX_LINES = 20  # SQLite lists every bad page; a few name the damage well enough

RESTORE_ADVICE = (
    "What was synced is safe on the server: move this profile folder aside (keep it), make a "
    "fresh profile on this device (`fieldpad init`, `fieldpad enrol`, then join the team "
    "again) and its first sync pulls everything back. Your recovery key still opens the old "
    "profile if you need something that was never synced.")


class DatabaseDamaged(StoreError):
    """The profile's SQLite file is damaged: pages fail SQLite's own check, or the file is not
    a database at all. The message says what to do; it names no note content."""


def check_database(conn: sqlite3.Connection, *, full: bool = False) -> list[str]:
    """What SQLite finds wrong with the file, or ``[]``. ``full`` runs ``integrity_check``
    (also compares every index with its table; slower), else ``quick_check``."""
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = conn.execute(f"PRAGMA {pragma}({MAX_LINES})").fetchall()
    except sqlite3.DatabaseError as exc:  # too damaged to walk at all
        return [str(exc)]
    lines = [line for (text,) in rows for line in str(text).splitlines()]
    return [] if lines == ["ok"] else [ln for ln in lines if not ln.startswith("*** in database")]


def is_damage(exc: BaseException) -> bool:
    """A ``sqlite3.DatabaseError`` that means a damaged file ("database disk image is
    malformed", "file is not a database"), not a busy, full or misused database."""
    return type(exc) is sqlite3.DatabaseError or (
        isinstance(exc, sqlite3.DatabaseError) and "malformed" in str(exc))


def damaged(where: Path | str | None, detail: str) -> DatabaseDamaged:
    place = f" at {where}" if where else ""
    return DatabaseDamaged(f"the profile database{place} is damaged ({detail}). Run "
                           f"`fieldpad doctor` to see the damage. {RESTORE_ADVICE}")


def damage_report(where: Path | str, problems: list[str]) -> list[str]:
    """``fieldpad doctor``'s words for a file that fails SQLite's check."""
    return [f"the profile database at {where} is damaged: SQLite's own check fails",
            *(f"BAD {p}" for p in problems[:MAX_LINES]), RESTORE_ADVICE]
