"""Schema migrations: every earlier version upgrades to the current one with its data intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from store import MIGRATION_NAMES, KdfParams, Profile, connect, migrate, schema_version
from tests.conftest import PASSPHRASE


@pytest.mark.parametrize("stop_before", MIGRATION_NAMES[1:])
def test_upgrade_from_every_earlier_version(tmp_path: Path, stop_before: str) -> None:
    """Build a profile at an earlier schema with real data, then open it with the current code."""
    path = tmp_path / "p"
    db = connect(path / "fieldpad.db")
    migrate(db, stop_before=stop_before)
    earlier = schema_version(db)
    assert earlier < len(MIGRATION_NAMES)
    # write a vault and a note with the session code limited to the earlier schema's columns
    from store import create_vault

    keys, _ = create_vault(db, PASSPHRASE, KdfParams.floor(), b"\x07" * 16)
    db.execute("INSERT INTO devices (id, sign_pub, kx_pub) VALUES (?, ?, ?)",
               [b"\x07" * 16, keys.device.sign_pub, keys.device.kx_pub])
    db.conn.close()

    profile = Profile(path)  # applies the pending migrations
    assert schema_version(profile.db) == len(MIGRATION_NAMES)
    s = profile.unlock(PASSPHRASE)
    ins = s.add_inspection("Migrated", "")
    note = s.create(ins, "note", "After the upgrade", "works")
    s.save(note.note_id, autosave=True, body="autosave needs the newest columns")
    s.lock()
    again = Profile(path).unlock(PASSPHRASE)
    assert again.get(note.note_id).body == "autosave needs the newest columns"


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    p = Profile(tmp_path / "p")
    p.init(PASSPHRASE, KdfParams.floor())
    p.db.conn.close()
    p2 = Profile(tmp_path / "p")
    assert schema_version(p2.db) == len(MIGRATION_NAMES)


def test_pragmas(tmp_path: Path) -> None:
    db = Profile(tmp_path / "p").db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert db.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
