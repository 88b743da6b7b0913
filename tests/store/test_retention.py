"""Retention: closing an inspection, its purge date, and a purge that leaves nothing behind."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store import (
    HEADER_LEN,
    META_PREFIX,
    Inspection,
    KdfParams,
    NotFound,
    Profile,
    PurgeNotDue,
    Replica,
    RetentionError,
    Session,
    _headcache,
    close_inspection,
    purge_due,
    purge_inspection,
    purge_log,
    purged_inspection_ids,
    reopen_inspection,
    require_due,
    retention_state,
)
from tests.conftest import PASSPHRASE

CANARY = "ZQX-purge-canary-41d2-QXZ"
NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)


# -- close, reopen, state ----------------------------------------------------------------------
def test_close_sets_a_purge_date_and_syncs_as_metadata(profile: Profile, session: Session) -> None:
    ins = session.add_inspection("Northshire 2026", "Northshire CPP")
    assert retention_state(ins, NOW).label == "open"
    heads_before = session.streams.heads(META_PREFIX + ins.id_hex)
    closed = close_inspection(session, ins, 30, now=NOW)
    assert closed.extra["closed_at"] == "2026-03-14T10:00:00+00:00"
    assert closed.extra["retention_days"] == 30 and closed.extra["closed_by"] == "AI"
    # a new revision of the sealed metadata: what the sync sends to the team
    assert session.streams.heads(META_PREFIX + ins.id_hex) != heads_before
    state = retention_state(closed, NOW + timedelta(days=1))
    assert state.status == "closed" and state.closed and not state.due
    assert state.purge_after == NOW + timedelta(days=30)
    assert state.label == "closed · purge after 2026-04-13"
    assert retention_state(closed, NOW + timedelta(days=30)).label == "purge due"
    # the close state is read back from the envelope, not only from the head cache
    session.lock()
    _headcache.drop(profile.db)
    s2 = profile.unlock(PASSPHRASE)
    again = s2.find_inspection("Northshire 2026")
    assert retention_state(again, NOW).purge_after == NOW + timedelta(days=30)
    assert again.partnership == "Northshire CPP"
    s2.lock()


def test_closing_again_keeps_the_close_time(session: Session) -> None:
    ins = session.add_inspection("A")
    close_inspection(session, ins, 10, now=NOW)
    later = close_inspection(session, ins, 20, now=NOW + timedelta(days=5))
    assert retention_state(later).purge_after == NOW + timedelta(days=20)


def test_reopen_clears_the_close_state_and_keeps_other_metadata(session: Session) -> None:
    ins = session.add_inspection("A")
    ins.extra = {"timeline": {"v": 1}}
    session.publish_inspection(ins, session.collection_for(ins, "note"))
    closed = close_inspection(session, ins, 10, now=NOW)
    opened = reopen_inspection(session, closed)
    assert opened.extra == {"timeline": {"v": 1}}
    assert retention_state(opened, NOW + timedelta(days=100)).status == "open"
    with pytest.raises(RetentionError, match="not closed"):
        reopen_inspection(session, opened)


@pytest.mark.parametrize("days", [0, -1, 3651, True, 1.5, "30"])
def test_retention_days_are_checked(session: Session, days: object) -> None:
    ins = session.add_inspection("A")
    with pytest.raises(RetentionError, match="1 to 3650"):
        close_inspection(session, ins, days, now=NOW)  # type: ignore[arg-type]
    assert retention_state(session.inspections[ins.inspection_id]).status == "open"


@pytest.mark.parametrize("extra", [
    {"closed_at": "yesterday", "retention_days": 1},
    {"closed_at": "2026-01-01T00:00:00", "retention_days": 1},  # no time zone
    {"closed_at": "2026-01-01T00:00:00+00:00", "retention_days": 0},
    {"closed_at": "2026-01-01T00:00:00+00:00", "retention_days": "1"},
    {"closed_at": 5, "retention_days": 1},
])
def test_malformed_close_state_reads_as_open(extra: dict) -> None:
    """Metadata from another device is never trusted to make notes purgeable."""
    ins = Inspection(b"\x01" * 16, "X", extra=extra)
    assert retention_state(ins, NOW + timedelta(days=10_000)).status == "open"


def test_purge_due_and_require_due(session: Session) -> None:
    a, b, c = (session.add_inspection(n) for n in ("A", "B", "C"))
    close_inspection(session, a, 10, now=NOW)
    close_inspection(session, b, 40, now=NOW)
    assert purge_due(session, NOW + timedelta(days=9)) == []
    assert [i.name for i in purge_due(session, NOW + timedelta(days=10))] == ["A"]
    assert [i.name for i in purge_due(session, NOW + timedelta(days=40))] == ["A", "B"]
    with pytest.raises(PurgeNotDue, match="from 2026-04-23 10:00 UTC"):
        require_due(session.inspections[b.inspection_id], NOW + timedelta(days=39))
    with pytest.raises(RetentionError, match="is open"):
        require_due(c, NOW)
    assert require_due(session.inspections[a.inspection_id], NOW + timedelta(days=10)).due


# -- purge ---------------------------------------------------------------------------------------
def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}


def _all_rows(session: Session) -> list[tuple[str, tuple]]:
    out = []
    for (table,) in session.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
        out += [(table, tuple(r)) for r in session.db.execute(f'SELECT * FROM "{table}"')]
    return out


def _team_with_restricted(session: Session, name: str) -> tuple[Inspection, bytes]:
    """A team inspection with two collections (team and restricted), as a lead's has."""
    ins = session.add_inspection(name, "CPP", role="team", scope="team")
    restricted = b"\x7e" * 8 + ins.inspection_id[:8]
    replica = Replica(session)
    replica.ensure_collection(restricted, ins.inspection_id, "restricted")
    replica.new_collection_key(restricted, 1)
    return ins, restricted


def test_purge_leaves_nothing_of_the_inspection_on_disk(profile: Profile,
                                                        session: Session) -> None:
    keep = session.find_inspection("Notebook")
    gone, restricted = _team_with_restricted(session, f"{CANARY} inspection")
    kept_note = session.create(keep, "note", "kept note", "keep me " * 20)
    ids = []
    for i in range(12):
        n = session.create(gone, "interview", f"{CANARY} title {i}", f"{CANARY} body " * 40,
                           {"setting": f"{CANARY} setting", "agreement_obtained": True})
        ids.append(n.note_id)
    session.save(ids[0], body=f"edited {CANARY} " * 30)
    session.save(ids[1], autosave=True, body="draft " * 30)
    session.delete(ids[2])
    concern = session.create(gone, "concern", "Concern", "",
                             {"raised_by": "AI", "raised_at": "2026-03-14T09:41",
                              "nature": f"{CANARY} nature", "immediacy": "within 24 hours"})
    assert concern.collection_id == restricted
    session.record_audit(gone, "export", format="md", files=3)
    team = session.collection_for(gone, "note")
    other_dev = b"\x42" * 16
    session.db.execute("INSERT INTO stream_cursors VALUES (?, ?, 3)", [team, other_dev])
    session.db.execute("INSERT INTO quarantine VALUES (?, ?, 1, ?, 'bad', 'now')",
                       [restricted, other_dev, b"\x99" * 200])
    nonce, sealed = session.keys.seal(f"roster:{team.hex()}", b"{}")  # type: ignore[union-attr]
    session.db.execute("INSERT INTO secrets VALUES (?, ?, ?)",
                       [f"roster:{team.hex()}", nonce, sealed])
    held = [session.keyring._cks[(c, 1)] for c in (team, restricted)]
    # a lock and unlock: the head cache now holds the doomed notes' payloads
    session.lock()
    session = profile.unlock(PASSPHRASE)
    gone = session.inspections[gone.inspection_id]
    assert len(session.list_notes(gone)) == 12
    recs = [r for r in session.streams.all() if r.collection_id in (team, restricted)]
    needles = {b"hash": [r.hash for r in recs],
               b"ciphertext": [r.envelope[HEADER_LEN:HEADER_LEN + 48] for r in recs],
               b"ids": [gone.inspection_id, team, restricted],
               b"hex": [gone.id_hex.encode(), team.hex().encode(), restricted.hex().encode()]}
    profile.checkpoint()
    before = b"".join(_files(profile.directory).values())
    assert all(n in before for n in needles[b"hash"] + needles[b"ciphertext"])
    held = [session.keyring._cks[(c, 1)] for c in (team, restricted)]

    report = purge_inspection(session, gone.inspection_id, reason="retention period ended")
    assert report.purged and report.checkpointed and not report.notebook_recreated
    assert (report.notes, report.collections, report.keys) == (13, 2, 2)
    assert report.records == len(recs)
    assert all(k.wiped for k in held)
    # the sealed head cache on disk is rewritten at once, not at the next lock (a crash or a
    # killed process between the purge and the lock must not bring the notes back)
    cache = _headcache.load(session.db, session.keys)  # type: ignore[arg-type]
    assert cache and not set(ids) & {p.get("note_id") for p in cache.values()}
    assert not any(CANARY in str(p) for p in cache.values())

    def check_clean() -> None:
        files = _files(profile.directory)
        assert "fieldpad.db" in files
        for fname, data in files.items():
            for what, items in needles.items():
                for item in items:
                    assert item not in data, f"{what.decode()} of the purged inspection in {fname}"
            for text in (CANARY.encode(), CANARY.encode("utf-16-le")):
                assert text not in data, f"plaintext in {fname}"

    check_clean()
    for table, row in _all_rows(session):
        for value in row:
            for item in needles[b"ids"] + needles[b"hash"]:
                assert not (isinstance(value, bytes) and item in value), table
            assert not (isinstance(value, str) and any(h.decode() in value
                                                       for h in needles[b"hex"])), table
    # in memory: no note, key, payload or search hit of it
    assert gone.inspection_id not in session.inspections
    assert not [n for n in session.notes.values() if n.inspection_id == gone.inspection_id]
    assert session.search(CANARY.split("-")[1]) == []
    assert session.keyring.latest_epoch(team) is None
    assert team not in session.collection_roles() and restricted not in session.collection_roles()
    assert not any(CANARY in str(p) for p in session._payloads.values())
    # the rest is untouched
    assert session.get(kept_note.note_id).body == kept_note.body
    session.lock()
    check_clean()
    profile.close()
    check_clean()

    p2 = Profile(profile.directory)
    s2 = p2.unlock(PASSPHRASE)
    try:
        assert [i.name for i in s2.list_inspections()] == ["Notebook"]
        assert [n.note_id for n in s2.list_notes()] == [kept_note.note_id]
        assert retention_state(s2.find_inspection("Notebook")).status == "open"
        cache = _headcache.load(s2.db, s2.keys)  # type: ignore[arg-type]
        assert cache and not any(CANARY in str(p) for p in cache.values())
        assert not set(ids) & {p.get("note_id") for p in cache.values()}
        [entry] = purge_log(s2)
        assert entry.name == f"{CANARY} inspection" and entry.reason == "retention period ended"
        assert (entry.inspection_id, entry.scope, entry.notes) == (gone.id_hex, "team", 13)
        assert entry.by == "AI"
    finally:
        s2.lock()
        p2.close()


def test_purge_is_idempotent_and_the_log_survives_lock(profile: Profile,
                                                       session: Session) -> None:
    ins = session.add_inspection("Old")
    session.create(ins, "note", "n", "b")
    first = purge_inspection(session, ins.inspection_id, reason="by hand")
    again = purge_inspection(session, ins.id_hex, reason="purged on the server")
    assert first.purged and not again.purged
    assert [e.reason for e in purge_log(session)] == ["by hand"]
    unknown = purge_inspection(session, b"\x55" * 16, reason="purged on the server")
    assert not unknown.purged and len(purge_log(session)) == 1
    session.lock()
    s2 = profile.unlock(PASSPHRASE)
    assert [e.name for e in purge_log(s2)] == ["Old"]
    assert not purge_inspection(s2, ins.inspection_id, reason="again").purged
    with pytest.raises(NotFound):
        s2.find_inspection("Old")
    s2.lock()


def test_purged_ids_and_a_damaged_log(session: Session) -> None:
    a, b = session.add_inspection("A"), session.add_inspection("B")
    purge_inspection(session, a.inspection_id, reason="one")
    assert purged_inspection_ids(session) == {a.inspection_id}
    session.db.execute("UPDATE secrets SET sealed = ? WHERE name = 'purge-log'", [b"\0" * 40])
    report = purge_inspection(session, b.inspection_id, reason="two")  # not blocked by it
    assert report.purged
    log = purge_log(session)
    assert [e.reason for e in log][-1] == "two" and "could not be read" in log[0].reason


def test_purging_the_last_inspection_leaves_a_fresh_notebook(profile: Profile,
                                                             session: Session) -> None:
    nb = session.find_inspection(None)
    session.create(nb, "note", "n", "b")
    report = purge_inspection(session, nb.inspection_id, reason="closed")
    assert report.notebook_recreated
    [fresh] = session.list_inspections()
    assert fresh.name == "Notebook" and fresh.inspection_id != nb.inspection_id
    assert session.list_notes() == []
    session.create(fresh, "note", "new", "b")  # still writable
    session.lock()
    s2 = profile.unlock(PASSPHRASE)
    assert [n.title for n in s2.list_notes()] == ["new"]
    s2.lock()


def test_close_and_reopen_after_purge_are_refused(session: Session) -> None:
    ins = session.add_inspection("Old")
    purge_inspection(session, ins.inspection_id, reason="x")
    with pytest.raises(NotFound):
        close_inspection(session, ins, 10)
    with pytest.raises(NotFound):
        reopen_inspection(session, ins)


@pytest.mark.slow
@settings(max_examples=8)
@given(st.lists(st.tuples(st.booleans(), st.sampled_from(["create", "save", "delete"])),
                min_size=1, max_size=14),
       st.booleans())
def test_purging_one_of_two_inspections_leaves_exactly_the_other(ops: list[tuple[bool, str]],
                                                                 relock: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        profile = Profile(Path(tmp) / "p")
        session, _ = profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
        a, b = session.add_inspection("A"), session.add_inspection("B")
        mine: dict[bool, list[str]] = {True: [], False: []}
        for i, (in_a, op) in enumerate(ops):
            ins, ids = (a if in_a else b), mine[in_a]
            live = [n for n in ids if session.notes[n].state != "deleted"]
            if op == "save" and live:
                session.save(live[-1], body=f"saved {i}", autosave=i % 2 == 0)
            elif op == "delete" and live:
                session.delete(live[0])
            else:
                ids.append(session.create(ins, "note", f"n{i}", f"body {i}").note_id)
        expected = {n: (session.notes[n].title, session.notes[n].body, session.notes[n].state)
                    for n in mine[False]}
        if relock:
            session.lock()
            session = profile.unlock(PASSPHRASE)
        purge_inspection(session, a.inspection_id, reason="test")

        def got(s: Session) -> dict[str, tuple[str, str, str]]:
            return {n.note_id: (n.title, n.body, n.state)  # bodies: decrypted on demand
                    for n in s.load_bodies(s.list_notes(include_deleted=True))}

        assert got(session) == expected
        assert {r.note_id for r in session.streams.all() if r.note_id} <= set(expected) | {
            META_PREFIX + b.id_hex, META_PREFIX + session.find_inspection("Notebook").id_hex}
        session.lock()
        s2 = profile.unlock(PASSPHRASE)
        assert got(s2) == expected
        assert sorted(i.name for i in s2.list_inspections()) == ["B", "Notebook"]
        s2.lock()
        profile.close()
