"""A one-time storage upgrade says so before it runs (issue 16's leftovers): opening a profile
whose schema is older calls ``on_upgrade`` first, with the migrations it will run, the notes it
holds and an estimate of the time, so the CLI and the app can tell the inspector why this open
takes seconds. The store imports no interface: it only calls what it is given."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from store import MIGRATION_NAMES, KdfParams, Profile, Upgrade, pending_upgrade, schema_version
from tests.conftest import PASSPHRASE
from tests.store._old_schema import write_old

LAYOUT = "0004_records_layout"


def _source(root: Path, notes: int) -> Path:
    profile = Profile(root / "source")
    s, _ = profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
    ins = s.find_inspection(None)
    first = s.create(ins, "note", "First visit", "the family was at home")
    s.save(first.note_id, body="the family was at home; the school was called")  # a revision
    for i in range(notes - 1):
        s.create(ins, "note", f"Note {i}", "text")
    s.lock()
    profile.close()
    return root / "source"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _source(tmp_path_factory.mktemp("upgrade"), 3)


def test_opening_an_older_profile_says_so_before_the_upgrade_runs(source: Path,
                                                                   tmp_path: Path) -> None:
    old = tmp_path / "old"
    write_old(source / "fieldpad.db", old, MIGRATION_NAMES.index(LAYOUT))
    seen: list[tuple[Upgrade, int]] = []

    def on_upgrade(upgrade: Upgrade) -> None:  # what the schema is while it is being told
        conn = sqlite3.connect(f"file:{old / 'fieldpad.db'}?mode=ro", uri=True)
        applied = conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
        conn.close()
        seen.append((upgrade, applied))

    profile = Profile(old, on_upgrade=on_upgrade)
    assert schema_version(profile.db) == len(MIGRATION_NAMES)
    [(upgrade, applied_then)] = seen
    assert applied_then == MIGRATION_NAMES.index(LAYOUT)  # told before, not after
    assert upgrade.migrations == (LAYOUT,)
    assert upgrade.notes == 3 and upgrade.records >= 4 and upgrade.seconds > 0
    assert upgrade.message() == ("Upgrading this profile's storage (once; about 1 s for 3 "
                                 "notes)…")
    assert len(profile.unlock(PASSPHRASE).list_notes()) == 3
    profile.close()

    # once: the next open has nothing to say
    again: list[Upgrade] = []
    Profile(old, on_upgrade=again.append).close()
    assert again == []


def test_a_new_or_current_profile_says_nothing(source: Path, tmp_path: Path) -> None:
    told: list[Upgrade] = []
    Profile(tmp_path / "new", on_upgrade=told.append).close()  # made at once, nothing to move
    Profile(source, on_upgrade=told.append).close()
    assert told == []


def test_the_estimate_grows_with_the_records_and_names_the_notes() -> None:
    big = Upgrade(migrations=(LAYOUT,), notes=50_000, records=55_000, seconds=6.4)
    assert big.message() == ("Upgrading this profile's storage (once; about 7 s for 50,000 "
                             "notes)…")


def test_pending_upgrade_reads_and_writes_nothing(source: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    write_old(source / "fieldpad.db", old, 1)
    from store import connect

    db = connect(old / "fieldpad.db")
    upgrade = pending_upgrade(db)
    assert upgrade is not None and upgrade.migrations == MIGRATION_NAMES[1:]
    assert schema_version(db) == 1  # only looked
    db.conn.close()
