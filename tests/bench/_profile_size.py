"""Profile bytes per plaintext byte (issue 16's budget: at most 1.3x), for the scale table.

``profile_size(directory, passphrase)`` unlocks the profile to count the plaintext its notes
hold (UTF-8 bytes of every title, body, field value and tag), locks it, checkpoints the WAL and
sums the files in the folder. ``parts`` says where the bytes are, per table and index (SQLite's
``dbstat``, when built in): records, their indexes, the sealed head cache in ``secrets``, ...
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from store import Profile, Session


@dataclass(frozen=True)
class ProfileSize:
    notes: int
    plaintext: int  # bytes of what the notes say
    on_disk: int  # bytes of every file in the profile folder, WAL checkpointed
    parts: dict[str, int] = field(default_factory=dict)  # table or index -> bytes

    @property
    def ratio(self) -> float:
        return self.on_disk / self.plaintext if self.plaintext else float("inf")


def plaintext_bytes(session: Session) -> int:
    total = 0
    for n in session.load_bodies(session.notes.values()):  # the list holds no bodies
        total += len(n.title.encode()) + len(n.body.encode())
        total += sum(len(t.encode()) for t in n.tags)
        if n.fields:
            total += len(json.dumps(n.fields, ensure_ascii=False).encode())
    return total


def disk_bytes(directory: Path) -> int:
    return sum(f.stat().st_size for f in Path(directory).rglob("*") if f.is_file())


def parts(db_path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return {name: size for name, size in conn.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")}
    except sqlite3.OperationalError:  # SQLite built without dbstat
        return {}
    finally:
        conn.close()


def profile_size(directory: Path, passphrase: str) -> ProfileSize:
    profile = Profile(directory)
    session = profile.unlock(passphrase)
    notes, plain = len(session.notes), plaintext_bytes(session)
    session.lock()
    profile.close()  # checkpoints the WAL into the file
    return ProfileSize(notes, plain, disk_bytes(directory), parts(profile.path))
