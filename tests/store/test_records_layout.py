"""Issue 16: the records layout that fits SQLite, and its migration from every earlier schema.

``records`` is a rowid table with the envelope last (no overflow page per envelope), head
lookups read a covering index, the unpushed query has an index it can use, and a profile made
at any earlier schema upgrades with every row kept byte for byte (see ``_old_schema``).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import MIGRATION_NAMES, KdfParams, Profile, Session, migrate, schema_version
from store._db import PAGE_SIZE
from store._doctor import MISSING_HEADS
from store._streams import HEAD_REFS
from tests.conftest import PASSPHRASE

from ._old_schema import assert_kept, snapshot, write_old

LAYOUT = "0004_records_layout"


def _plan(db: sqlite_utils.Database, sql: str, params: list | None = None) -> str:
    return " | ".join(r[3] for r in db.execute(f"EXPLAIN QUERY PLAN {sql}", params or []))


def test_records_is_a_rowid_table_with_the_envelope_last(session: Session) -> None:
    db = session.db
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'records'").fetchone()[0]
    assert "WITHOUT ROWID" not in sql.upper()
    cols = [r[1] for r in db.execute("PRAGMA table_info(records)")]
    assert cols[-1] == "envelope"
    assert db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'quarantine'").fetchone()[0]
    assert "WITHOUT ROWID" not in sql.upper()


def test_head_lookups_never_read_an_envelope_row(session: Session) -> None:
    """What ``Streams.head_refs`` and doctor's missing-head join ask is answered from an index:
    SQLite says COVERING INDEX, so the table's rows (the envelopes) are not read."""
    ins = session.find_inspection(None)
    note = session.create(ins, "note", "Visit", "body")
    refs = [(r.collection_id, r.device_id, r.seq, r.envelope, r.note_id)
            for r, n in session.streams.head_refs() if n == note.note_id]
    assert refs == [(*session.streams.heads(note.note_id)[0], b"", note.note_id)]
    assert "COVERING INDEX records_ref" in _plan(session.db, HEAD_REFS)
    missing = _plan(session.db, MISSING_HEADS)
    assert "SCAN r" not in missing and "COVERING INDEX" in missing


def test_unpushed_uses_its_index(session: Session) -> None:
    for where in ("device_id = ? AND pushed != 1 ORDER BY collection_id, seq",
                  "device_id = ? AND collection_id = ? AND pushed != 1 ORDER BY seq"):
        plan = _plan(session.db, "SELECT collection_id, device_id, seq, hash, envelope, "
                     f"note_id, pushed, draft FROM records WHERE {where}",
                     [session.device_id] * where.count("?"))
        assert "records_unpushed" in plan and "TEMP B-TREE" not in plan, plan


def test_unpushed_reads_only_the_collections_asked_for(session: Session) -> None:
    """Replica.unpushed asks for the shared collections only: a notebook's records (never
    pushed) are not read at every sync."""
    team = session.add_inspection("Northshire 2026", "Health", role="team")
    local = session.find_inspection("Notebook")
    session.create(local, "note", "Local", "stays here")
    shared = session.create(team, "note", "Shared", "goes up")
    me = session.device_id
    every = {r.collection_id for r in session.streams.unpushed(me)}
    assert every == {local_cid := session.collection_for(local, "note"), shared.collection_id}
    only = session.streams.unpushed(me, [shared.collection_id])
    assert {r.collection_id for r in only} == {shared.collection_id}
    assert [r.seq for r in only] == sorted(r.seq for r in only)
    from store import Replica

    pushed_first = [r.collection_id for recs in Replica(session).unpushed() for r in recs]
    assert local_cid not in pushed_first and shared.collection_id in pushed_first


def test_envelopes_take_little_more_than_their_size_on_disk(session: Session) -> None:
    """The table's pages hold the envelopes with little slack: under 1.25x their bytes (a
    WITHOUT ROWID table spilt each ~1.3 KB envelope to an overflow page of its own: 3.5x)."""
    ins = session.find_inspection(None)
    rng = os.urandom
    with session.db.atomic():
        for i in range(300):
            # incompressible text of 1.0 to 1.9 KB: envelopes of about the same size
            session.create(ins, "note", f"Note {i}", rng(500 + 3 * i).hex()[: 1000 + 3 * i])
    held = session.db.execute("SELECT sum(length(envelope)) FROM records").fetchone()[0]
    try:
        pages = session.db.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name = 'records'").fetchone()[0]
    except sqlite3.OperationalError:  # pragma: no cover - SQLite built without dbstat
        pytest.skip("this SQLite has no dbstat table")
    assert pages / held <= 1.25, (pages, held)


# -- the migration ----------------------------------------------------------------------------
def _rich_profile(root: Path) -> tuple[Path, dict[str, tuple], int]:
    """A profile of the current code with what a migration must keep: notes with revisions,
    an autosaved draft, a deleted note, records pushed, in flight and unpushed, a quarantined
    envelope, stream cursors, a second inspection. Returns its folder, its notes and the
    last seq pushed of the first inspection's stream."""
    path = root / "source"
    profile = Profile(path)
    s, _ = profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
    ins = s.find_inspection(None)
    other = s.add_inspection("Northshire 2026", "Health")
    a = s.create(ins, "note", "First visit", "the family was at home")
    b = s.create(other, "note", "Strategy meeting", "police and health present")
    s.save(a.note_id, body="the family was at home; the school was called")
    c = s.create(ins, "note", "To be deleted", "x")
    s.delete(c.note_id)
    big = s.create(ins, "note", "A long report", os.urandom(6000).hex())  # overflows a page
    s.save(b.note_id, autosave=True, body="police, health and school present")  # a draft
    cid_a = s.notes[a.note_id].collection_id
    cid_b = s.notes[b.note_id].collection_id
    pushed_upto = s.streams.heads(a.note_id)[0][2]
    s.streams.mark_pushed(cid_a, s.device_id, pushed_upto)
    s.streams.mark_sending(cid_a, s.device_id, pushed_upto + 1)  # c's first revision
    env = s.db.execute("SELECT envelope FROM records WHERE note_id = ?",
                       [big.note_id]).fetchone()[0]
    s.db.execute("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?)",
                 [cid_b, b"\x09" * 16, 4, env, "signature does not verify", "2026-03-01"])
    s.db.execute("INSERT INTO stream_cursors VALUES (?, ?, ?)", [cid_b, b"\x09" * 16, 3])
    s.lock()
    s = profile.unlock(PASSPHRASE)
    notes = _notes(s)
    assert len(notes) == 4 and notes[a.note_id][4] and not notes[big.note_id][4]
    s.lock()
    profile.close()
    return path, notes, pushed_upto


def _notes(s: Session) -> dict[str, tuple]:
    return {n.note_id: (n.title, n.body, n.rev, n.state, n.pushed, n.inspection_id)
            for n in s.notes.values()}


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple], int]:
    return _rich_profile(tmp_path_factory.mktemp("rich"))


@pytest.mark.parametrize("version", range(1, MIGRATION_NAMES.index(LAYOUT) + 1))
def test_a_profile_from_every_earlier_schema_keeps_every_row(
        rich: tuple[Path, dict[str, tuple], int], tmp_path: Path, version: int) -> None:
    source, notes, pushed_upto = rich
    old = tmp_path / "old"
    copied = write_old(source / "fieldpad.db", old, version)
    assert copied["records"][1], "the earlier profile holds records"

    # the upgrade (every pending migration, then a VACUUM), closed at once: a checkpoint right
    # after the VACUUM's return to WAL mode must not fail ("database table is locked")
    Profile(old).close()
    profile = Profile(old)
    assert schema_version(profile.db) == len(MIGRATION_NAMES)
    # compacted, at the new page size, not just rebuilt beside the old table's free pages
    assert profile.db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
    assert profile.db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert profile.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    profile.close()
    assert_kept(copied, old / "fieldpad.db")

    s = Profile(old).unlock(PASSPHRASE)
    assert _notes(s) == notes  # (at 0001, without a draft column, the draft is a revision)
    # and it works on: a new revision, an autosave replacing it in place, an unpushed list
    first = next(n for n, v in notes.items() if v[0] == "First visit")
    s.save(first, body="after the upgrade")
    s.save(first, autosave=True, body="after the upgrade, autosaved")
    s.lock()
    again = Profile(old).unlock(PASSPHRASE)
    assert again.get(first).body == "after the upgrade, autosaved"
    cid = again.notes[first].collection_id
    unpushed = [r.seq for r in again.streams.unpushed(again.device_id) if r.collection_id == cid]
    head = again.streams.head(cid, again.device_id)
    assert head is not None
    # what was pushed stays pushed; the one in flight and the rest are still to send
    assert unpushed == list(range(pushed_upto + 1, head.seq + 1))
    assert again.streams.get(cid, again.device_id, pushed_upto + 1).in_flight


def test_migrating_the_current_schema_changes_nothing(
        rich: tuple[Path, dict[str, tuple], int]) -> None:
    source, _, _ = rich
    conn = sqlite3.connect(source / "fieldpad.db")
    before = snapshot(conn)
    conn.close()
    mtime = os.stat(source / "fieldpad.db").st_mtime_ns
    Profile(source).close()
    assert os.stat(source / "fieldpad.db").st_mtime_ns == mtime  # no VACUUM on an open
    conn = sqlite3.connect(source / "fieldpad.db")
    assert snapshot(conn) == before
    conn.close()


# -- a property: any rows at 0003 come through 0004 unchanged ----------------------------------
_ids = st.sampled_from([bytes([i]) * 16 for i in (1, 2, 3)])
_stream = st.tuples(_ids, _ids, st.lists(st.tuples(
    st.binary(min_size=0, max_size=9000),           # envelopes small, page-sized and larger
    st.one_of(st.none(), st.text(min_size=1, max_size=40)),
    st.sampled_from([0, 1, 2]), st.sampled_from([0, 1])), min_size=1, max_size=6))


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow,
                                                   HealthCheck.function_scoped_fixture])
@given(streams=st.lists(_stream, max_size=5), quarantined=st.lists(
    st.tuples(_ids, _ids, st.integers(1, 50), st.binary(max_size=5000), st.text(max_size=30)),
    max_size=4))
def test_the_layout_migration_keeps_any_rows(streams: list, quarantined: list) -> None:
    db = sqlite_utils.Database(memory=True)
    migrate(db, stop_before=LAYOUT)
    seen: set[tuple[bytes, bytes]] = set()
    for c, d, recs in streams:
        if (c, d) in seen:
            continue
        seen.add((c, d))
        for seq, (env, note_id, pushed, draft) in enumerate(recs, start=1):
            db.execute("INSERT INTO records (collection_id, device_id, seq, hash, envelope, "
                       "note_id, pushed, draft) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [c, d, seq, os.urandom(32), env, note_id, pushed, draft])
            if note_id is not None:
                db.execute("INSERT OR IGNORE INTO heads VALUES (?, ?, ?, ?)",
                           [note_id, c, d, seq])
    for c, d, seq, env, reason in quarantined:
        db.execute("INSERT OR REPLACE INTO quarantine VALUES (?, ?, ?, ?, ?, ?)",
                   [c, d, seq, env, reason, "2026-01-01"])
    before = snapshot(db.conn)
    migrate(db)
    assert schema_version(db) == len(MIGRATION_NAMES)
    after = snapshot(db.conn)
    for table, (cols, data) in before.items():
        assert sorted(tuple(r[after[table][0].index(c)] for c in cols)
                      for r in after[table][1]) == data, table
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_profile_open_elsewhere_is_compacted_at_a_later_open(
        rich: tuple[Path, dict[str, tuple], int], tmp_path: Path) -> None:
    """VACUUM (and the new page size) needs the file to itself: while another process has it
    open the upgrade still completes, the compaction waits for a later open."""
    old = tmp_path / "old"
    copied = write_old(rich[0] / "fieldpad.db", old, MIGRATION_NAMES.index(LAYOUT))
    elsewhere = sqlite3.connect(old / "fieldpad.db")
    elsewhere.execute("SELECT count(*) FROM records").fetchall()
    profile = Profile(old)
    assert schema_version(profile.db) == len(MIGRATION_NAMES)
    assert profile.db.execute("PRAGMA freelist_count").fetchone()[0] > 0
    assert profile.db.execute("PRAGMA page_size").fetchone()[0] != PAGE_SIZE
    assert profile.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    profile.close()
    assert elsewhere.execute("SELECT count(*) FROM records").fetchone()[0] == len(
        copied["records"][1])
    elsewhere.close()
    assert_kept(copied, old / "fieldpad.db")

    profile = Profile(old)  # alone now
    assert profile.db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert profile.db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
    profile.close()
    mtime = os.stat(old / "fieldpad.db").st_mtime_ns
    Profile(old).close()
    assert os.stat(old / "fieldpad.db").st_mtime_ns == mtime  # once, not at every open
    assert_kept(copied, old / "fieldpad.db")
