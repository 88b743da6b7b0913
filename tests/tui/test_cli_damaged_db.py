"""A profile whose SQLite pages are damaged (issue 11, item 7): ``fieldpad doctor`` runs
SQLite's own check and says what to do; every other command says the database is damaged in
words, never "internal error (DatabaseError)"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.tui.test_cli import Cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path)
    c("init", "--author", "AI", "--kdf-memory-mib", "64")
    folder = tmp_path / "visits"
    folder.mkdir()
    for i in range(30):  # enough records for several pages of each table and index
        (folder / f"visit-{i}.md").write_text(f"# Visit {i}\n" + "Staff described waits. " * 200)
    c("note", "import", str(folder))
    return c


def damage_page_of(db: Path, table: str, *, leaf_only: bool = False) -> int:
    """Overwrite one page of ``table`` (or of an index) in place; returns its number. The file
    is closed and checkpointed by the CLI runs before it, so the page is in the main file."""
    with sqlite3.connect(db) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        where = " AND pagetype = 'leaf'" if leaf_only else ""
        pages = [r[0] for r in conn.execute(
            f"SELECT pageno FROM dbstat WHERE name = ?{where} ORDER BY pageno", (table,))]
    conn.close()
    assert pages, f"{table} has no page of its own"
    victim = pages[len(pages) // 2]
    with open(db, "r+b") as f:
        f.seek((victim - 1) * size)
        f.write(b"\x0d\x00\x00\x00\x05" + b"\xa5" * 300)  # a leaf header that lies
    return victim


def test_doctor_finds_page_corruption_the_records_check_cannot_see(cli: Cli) -> None:
    assert "all good" in cli("doctor").stdout
    db = cli.profile / "fieldpad.db"
    damage_page_of(db, "records_unpushed")  # an index only a sync reads
    r = cli("doctor", code=1)
    assert "all good" not in r.stdout
    assert "is damaged" in r.stdout
    assert "fresh profile" in r.stdout and "recovery key" in r.stdout
    r = cli("doctor", "--full", code=1)
    assert "is damaged" in r.stdout
    json_out = cli("doctor", "--json", code=1).stdout
    assert '"database"' in json_out


def test_a_command_meeting_a_damaged_database_says_so(cli: Cli) -> None:
    db = cli.profile / "fieldpad.db"
    damage_page_of(db, "records", leaf_only=True)
    r = cli("note", "list", code=1)
    assert "internal error" not in r.stderr
    assert "database is damaged" in r.stderr and "fieldpad doctor" in r.stderr
    r = cli("doctor", unlock=False, code=1)  # doctor needs no passphrase to see it
    assert "is damaged" in r.stdout and "BAD " in r.stdout


def test_a_file_that_is_not_a_database_is_named(cli: Cli) -> None:
    db = cli.profile / "fieldpad.db"
    with open(db, "r+b") as f:
        f.write(b"this is not SQLite at all" * 10)
    r = cli("note", "list", code=1)
    assert "internal error" not in r.stderr and "fieldpad doctor" in r.stderr
    assert "is damaged (file is not a database)" in r.stderr
    r = cli("doctor", code=1)
    assert "is damaged" in r.stderr and "fresh profile" in r.stderr
