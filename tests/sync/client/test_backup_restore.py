"""``fieldpad server admin backup`` and ``restore`` with a real team on a real server (SQLite):
back up, sync more, restore the older backup, start again.

The mechanics are tested here: the backup's data is back, the current database was kept, the
server starts and is ready, and devices sync with it. That every device then heals the
server's streams (re-uploads what the backup lacks) is issue 11's stream repair, asserted in
the last test.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from sync.server import admin_main

from .conftest import Device, Server, make_team


@pytest.fixture
def sqlite_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Server(str(tmp_path / "server.db"))
    yield s
    s.close()


def _records(db: Path) -> dict[tuple[bytes, bytes], int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {(bytes(c), bytes(d)): n for c, d, n in conn.execute(
            "SELECT collection_id, device_id, COUNT(*) FROM records "
            "GROUP BY collection_id, device_id")}


def _titles(device: Device) -> set[str]:
    return {n.title for n in device.session.notes.values()}


def _note(device: Device, title: str) -> None:
    device.session.create(device.session.find_inspection("Northshire 2026"), "note", title,
                          "body")


def _backup_sync_restore(server: Server, tmp_path: Path) -> tuple[list[Device], Path]:
    """A team; alice's first note; a backup; alice's second note; the backup restored."""
    db = Path(server.db_url)
    team, devices = make_team(server, tmp_path, ["alice"])
    lead, alice = devices
    _note(alice, "Before the backup")
    assert alice.sync().ok and lead.sync().ok
    at_backup = _records(db)
    backup = tmp_path / "backups" / "monday.db"
    backup.parent.mkdir()
    assert admin_main(["--db", str(db), "backup", str(backup)]) == 0
    assert backup.stat().st_mode & 0o077 == 0  # for the owner only
    _note(alice, "After the backup")
    assert alice.sync().ok and lead.sync().ok
    assert "After the backup" in _titles(lead)
    assert _records(db) != at_backup
    server.stop()
    assert admin_main(["--db", str(db), "restore", str(backup)]) == 0
    assert _records(db) == at_backup  # the backup's data, exactly
    kept = list(db.parent.glob("server.db.before-restore-*"))
    assert len(kept) == 1 and _records(kept[0]) != at_backup  # nothing lost by restoring
    server.restart()
    return devices, backup


def test_backup_then_restore_brings_the_backup_back_and_devices_sync(
        sqlite_server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (lead, alice), _ = _backup_sync_restore(sqlite_server, tmp_path)
    out = capsys.readouterr().out
    assert "backed up" in out and "restored" in out and "kept the database" in out
    assert httpx.get(sqlite_server.url + "/v1/health/ready").status_code == 200
    # the server answers every device: each sync completes and what they hold stays theirs
    for device in (lead, alice):
        device.sync()
        assert {"Before the backup", "After the backup"} <= _titles(device)


def test_restore_refuses_what_is_not_a_server_backup(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "server.db"
    assert admin_main(["--db", str(db), "user", "add", "alice"]) == 0
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    assert admin_main(["--db", str(db), "restore", str(junk)]) == 1
    assert "not a readable SQLite database" in capsys.readouterr().err
    assert admin_main(["--db", str(db), "restore", str(tmp_path / "none.db")]) == 1
    assert "does not exist" in capsys.readouterr().err
    # a backup never overwrites
    assert admin_main(["--db", str(db), "backup", str(junk)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert admin_main(["--db", str(db), "user", "list"]) == 0
    assert "alice" in capsys.readouterr().out  # nothing was touched


def test_postgres_points_to_pg_dump(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://fieldpad:secret@db.invalid/fieldpad"
    assert admin_main(["--database-url", url, "backup", "/tmp/x.db"]) == 2
    err = capsys.readouterr().err
    assert "pg_dump" in err and "secret" not in err


def test_every_device_heals_the_restored_server_and_converges(
        sqlite_server: Server, tmp_path: Path) -> None:
    (lead, alice), _ = _backup_sync_restore(sqlite_server, tmp_path)
    for _ in range(2):
        assert alice.sync().ok and lead.sync().ok
    _note(alice, "After the restore")
    assert alice.sync().ok, "alice's stream must continue past what the backup lacked"
    assert lead.sync().ok
    assert {"Before the backup", "After the backup", "After the restore"} <= _titles(lead)
    # a device that has never seen either copy gets everything from the healed server
    sqlite_server.user("bob")
    code = lead.invite("bob")
    bob = Device(tmp_path, "bob-laptop", sqlite_server, "bob")
    try:
        bob.join(code)
        assert lead.sync().ok
        assert bob.sync().ok
        assert {"Before the backup", "After the backup", "After the restore"} <= _titles(bob)
    finally:
        bob.close()
