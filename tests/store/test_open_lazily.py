"""Issue 16: an unlock opens what the list shows and no more. The search index is built when
first asked for (never by unlock, `note list` or a save), locking cancels a build under way,
and lock rewrites no cache that did not change."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from store import Profile, Session
from store._search import SearchIndex
from tests.conftest import PASSPHRASE


def _index_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "fieldpad-search-index"]


def _indexed(session: Session) -> int:
    return session.search_index._db.execute("SELECT count(*) FROM fts").fetchone()[0]


def test_unlock_list_and_save_never_build_the_search_index(profile: Profile,
                                                           session: Session) -> None:
    ins = session.find_inspection(None)
    a = session.create(ins, "note", "Referral waits", "Long waits for initial referral")
    session.lock()
    s2 = profile.unlock(PASSPHRASE)
    assert [n.note_id for n in s2.list_notes()] == [a.note_id]
    s2.save(a.note_id, body="Waits for the initial referral are shorter")
    assert not _index_threads() and _indexed(s2) == 0 and not s2.search_index.built
    # the first search builds it, and finds the saved text
    assert [n.note_id for n in s2.search("shorter")] == [a.note_id]
    assert s2.search_index.built and _indexed(s2) == 1
    s2.lock()


def test_a_background_build_serves_the_first_search(profile: Profile, session: Session) -> None:
    ins = session.find_inspection(None)
    ids = [session.create(ins, "note", f"Visit {i}", f"home visit number {i}").note_id
           for i in range(30)]
    session.lock()
    s2 = profile.unlock(PASSPHRASE)
    s2.prepare_search()
    s2.save(ids[0], body="a changed body about the duty team")  # while it may be building
    assert [n.note_id for n in s2.search("duty")] == [ids[0]]
    assert {n.note_id for n in s2.search("home visit")} == set(ids[1:])  # ids[0]'s body changed
    s2.lock()
    assert not _index_threads()


def _endless(consumed: list[int]) -> Iterator[tuple[str, str, str, str]]:
    for i in range(10**9):  # never ends in a test's lifetime unless the build is cancelled
        consumed[0] = i
        yield f"{i:032x}", "title", "body", ""


@pytest.mark.timeout(60)
def test_close_cancels_a_build_under_way_rather_than_waiting_for_it() -> None:
    consumed = [0]
    index = SearchIndex(lambda: _endless(consumed))
    index.start()
    while consumed[0] < 2_000:  # the build is under way
        threading.Event().wait(0.01)
    index.close()
    assert not index.building and not index.built and not _index_threads()
    assert consumed[0] < 10**9 - 1
    assert index.search("title") == []  # closed: nothing to find, no build started again


def _sealed_cache(profile: Profile) -> bytes:
    row = profile.db.execute("SELECT nonce, sealed FROM secrets WHERE name = 'headcache'"
                             ).fetchone()
    return bytes(row[0]) + bytes(row[1])


def test_lock_rewrites_the_head_cache_only_when_something_changed(profile: Profile,
                                                                  session: Session) -> None:
    ins = session.find_inspection(None)
    a = session.create(ins, "note", "Cached", "from the cache")
    session.lock()
    first = _sealed_cache(profile)
    s2 = profile.unlock(PASSPHRASE)
    s2.list_notes()
    s2.search("cache")
    s2.lock()
    assert _sealed_cache(profile) == first  # nothing changed: not sealed again
    s3 = profile.unlock(PASSPHRASE)
    s3.save(a.note_id, body="changed since")
    s3.lock()
    assert _sealed_cache(profile) != first
    s4 = profile.unlock(PASSPHRASE)
    assert s4.get(a.note_id).body == "changed since"
    assert s4.get(a.note_id).first_author == a.first_author
    s4.lock()


def test_the_list_cache_holds_no_bodies_and_a_body_is_decrypted_when_opened(
        profile: Profile, session: Session) -> None:
    from store import _headcache

    ins = session.find_inspection(None)
    a = session.create(ins, "note", "Visit", "a body only an opened note shows", tags=["S1"])
    b = session.create(ins, "note", "Other visit", "another body")
    session.lock()
    cache = _headcache.load(profile.db, profile.unlock(PASSPHRASE).keys)
    assert cache and not any("body" in p for p in cache.values())
    assert "a body only" not in str(cache)
    s2 = profile.unlock(PASSPHRASE)
    listed = {n.note_id: n for n in s2.list_notes()}
    # the list has everything it shows, and no body
    assert (listed[a.note_id].title, listed[a.note_id].tags) == ("Visit", ("S1",))
    assert not listed[a.note_id].body_loaded and listed[a.note_id].body == ""
    # opening decrypts it from the head record
    assert s2.get(a.note_id[:8]).body == "a body only an opened note shows"
    assert s2.notes[a.note_id].body_loaded and not s2.notes[b.note_id].body_loaded
    [loaded] = s2.load_bodies([listed[b.note_id]])
    assert loaded.body == "another body"
    # a save of a note opened from the list keeps its body
    s2.save(b.note_id, title="Renamed visit")
    s2.lock()
    s3 = profile.unlock(PASSPHRASE)
    assert s3.get(b.note_id).body == "another body"
    assert [n.note_id for n in s3.search("another")] == [b.note_id]
    s3.lock()


def test_a_body_whose_record_no_longer_opens_is_named_damaged(profile: Profile,
                                                             session: Session) -> None:
    from store import DamagedNote, parse_rev

    ins = session.find_inspection(None)
    a = session.create(ins, "note", "Visit", "text")
    session.lock()
    s2 = profile.unlock(PASSPHRASE)
    note = s2.notes[a.note_id]
    device, seq = parse_rev(note.rev)
    # the record is gone since the list was read (a concurrent purge, say)
    profile.db.execute("DELETE FROM records WHERE collection_id = ? AND device_id = ? AND seq = ?",
                       [note.collection_id, device, seq])
    with pytest.raises(DamagedNote, match=a.note_id[:8]):
        s2.load_bodies([note])
    assert not note.body_loaded
    s2.lock()


def test_changes_to_a_listed_note_keep_its_words(profile: Profile, session: Session) -> None:
    """A note from the list carries no body; tagging, retitling or deleting it and restoring it
    from there must never seal an empty text over its words."""
    ins = session.find_inspection(None)
    a = session.create(ins, "note", "Referral waits", "Long waits for initial referral")
    session.lock()
    s2 = profile.unlock(PASSPHRASE)
    [listed] = s2.list_notes()
    assert not listed.body_loaded and listed.body == ""
    s2.save(a.note_id, tags=["S1"])
    s2.save(a.note_id, title="Referral waits, north", autosave=True)
    s2.lock()
    s3 = profile.unlock(PASSPHRASE)
    s3.delete(a.note_id)
    first = s3.history(a.note_id)[0]
    s3.restore(a.note_id, first.rev)
    [note] = s3.load_bodies(s3.list_notes())
    assert (note.title, note.body) == ("Referral waits", "Long waits for initial referral")
    assert all(r.note.body == "Long waits for initial referral" for r in s3.history(a.note_id))
    s3.lock()


def test_a_note_without_its_body_is_never_sealed(profile: Profile, session: Session) -> None:
    ins = session.find_inspection(None)
    a = session.create(ins, "note", "Referral waits", "Long waits for initial referral")
    session.lock()
    s2 = profile.unlock(PASSPHRASE)
    [listed] = s2.list_notes()
    with pytest.raises(ValueError, match="body was not loaded"):
        s2._commit(listed, parents=(listed.rev,), autosave=False)
    assert s2.get(a.note_id).body == "Long waits for initial referral"
    s2.lock()


def test_unlock_freezes_what_it_made_for_the_collector_until_lock(profile: Profile,
                                                                  session: Session) -> None:
    """The notes an unlock made are left out of the collector's passes while the session is
    open (they are made with it paused, and its first passes afterwards walked them all), and
    handed back to it at lock; a caller that keeps the collector off is left alone."""
    import gc

    ins = session.find_inspection(None)
    for i in range(3):
        session.create(ins, "note", f"Visit {i}", "what was said")
    session.lock()
    assert gc.get_freeze_count() == 0
    again = profile.unlock(PASSPHRASE)
    assert gc.isenabled() and gc.get_freeze_count() > 0
    assert len(again.list_notes(ins)) == 3
    again.lock()
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    gc.disable()
    try:
        third = profile.unlock(PASSPHRASE)
        assert gc.get_freeze_count() == 0 and not gc.isenabled()
        third.lock()
        assert gc.get_freeze_count() == 0 and not gc.isenabled()
    finally:
        gc.enable()


def test_a_lock_that_leaves_hands_the_notes_over_and_still_wipes_the_keys(
        profile: Profile, session: Session) -> None:
    ins = session.find_inspection(None)
    a = session.create(ins, "note", "Referral waits", "Long waits for initial referral")
    session.lock()
    s2 = profile.unlock(PASSPHRASE)
    notes, keys = s2.notes, s2.keys
    assert keys is not None and list(notes) == [a.note_id]
    left: list[object] = []
    s2.lock(leave=left)
    # the session holds nothing after, as after any lock; the process's end frees the rest
    assert s2.locked and s2.notes == {} and s2.inspections == {} and s2._payloads == {}
    assert len(left) == 1 and left[0][0] is notes and list(notes) == [a.note_id]  # type: ignore[index]
    assert keys.ldk.wiped
    # and the head cache was sealed as at any lock: the next unlock reads it
    s3 = profile.unlock(PASSPHRASE)
    assert s3._cached_keys and list(s3.notes) == [a.note_id]
    s3.lock()
