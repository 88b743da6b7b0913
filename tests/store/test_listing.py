"""A cold list is read straight from the list cache's columns (issue 16): an unlock places the
cached heads without making their notes, and ``Session.listing`` lists exactly what the notes,
once made, list: the same notes, values and order, under every filter."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import KdfParams, Listing, Profile, Session
from store import _headcache as headcache
from tests.conftest import PASSPHRASE
from tests.store.test_head_damage import flip
from tests.store.test_session import _fork

KINDS = ("note", "focus_group", "observation")


@pytest.fixture(autouse=True, params=["helper done", "helper still working"])
def _waiting(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test twice: with the helper's rows there when unlock asks, and with unlock making
    the cached notes while it waits for them (``made_by_row``), filled in once placed."""
    from store._headcheck import HeadCheck

    done = request.param == "helper done"
    monkeypatch.setattr(HeadCheck, "ready", lambda self: done)


def _filters(session: Session) -> list[tuple]:
    ins = [None, *session.list_inspections()]
    return [(i, k, d) for i in ins for k in (None, *KINDS) for d in (False, True)]


def _assert_lists_as_the_notes(profile: Profile) -> Session:
    """Unlock, list cold under every filter, then make the notes and list from them: the same.
    The session returned has its notes made."""
    cold = profile.unlock(PASSPHRASE)
    placed = cold._placed
    assert placed is not None or not cold._notes  # nothing made yet (or no note at all)
    filters = _filters(cold)
    listed = [cold.listing(i, kind=k, include_deleted=d) for i, k, d in filters]
    assert cold._placed is placed  # and listing made none
    for (i, k, d), listing in zip(filters, listed, strict=True):
        assert listing == Listing.of(cold.list_notes(i, kind=k, include_deleted=d))
    assert cold._placed is None  # list_notes made them (if there were any)
    return cold


def _seal_instead(profile: Profile, session: Session, data: dict) -> None:
    assert session.keys is not None
    nonce, sealed = session.keys.seal(headcache.NAME,
                                      headcache.MARSHALLED + marshal.dumps(data))
    session.lock()
    profile.db.execute("UPDATE secrets SET nonce = ?, sealed = ? WHERE name = ?",
                       [nonce, sealed, headcache.NAME])


def _cache(profile: Profile, session: Session) -> dict:
    nonce, sealed = profile.db.execute(
        "SELECT nonce, sealed FROM secrets WHERE name = ?", [headcache.NAME]).fetchone()
    assert session.keys is not None
    raw = session.keys.open(headcache.NAME, nonce, sealed)
    return marshal.loads(raw[len(headcache.MARSHALLED):])


#: A note made, then perhaps edited, deleted or moved on: (inspection, kind, then what)
NOTES = st.lists(st.tuples(st.integers(0, 1), st.sampled_from(KINDS),
                           st.sampled_from(["keep", "edit", "delete"])), max_size=12)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notes=NOTES)
def test_a_cold_listing_is_what_the_notes_list(tmp_path_factory: pytest.TempPathFactory,
                                              notes: list[tuple[int, str, str]]) -> None:
    profile = Profile(tmp_path_factory.mktemp("p"))
    session, _ = profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
    places = [session.find_inspection(None), session.add_inspection("Northshire 2026")]
    for n, (where, kind, then) in enumerate(notes):
        note = session.create(places[where], kind, f"Visit {n} “quoted”", "what was said",
                              tags=["S1", "#code"] if n % 2 else [])
        if then == "edit":
            session.save(note.note_id, title=f"Visit {n}, edited", tags=("S2",))
        elif then == "delete":
            session.delete(note.note_id)
    expected = Listing.of(session.list_notes(include_deleted=True))
    session.lock()
    again = _assert_lists_as_the_notes(profile)
    assert again.listing(include_deleted=True) == expected
    again.lock()
    profile.close()


def test_a_cache_in_another_order_or_with_ties_lists_the_same(profile: Profile,
                                                              session: Session) -> None:
    """A cache not written newest first (an earlier version's), or with two changes alike,
    is sorted as the notes are: newest first, then in the order unlock placed them."""
    ins = session.find_inspection(None)
    for i in range(6):
        session.create(ins, KINDS[i % 3], f"Note {i}", "text")
    session.lock()
    first = profile.unlock(PASSPHRASE)
    data = _cache(profile, first)
    assert headcache.read(profile.db, first.keys).newest_first  # as this version writes it
    data["hashes"].reverse()
    for column in data["columns"]:
        column.reverse()
    data["first"].reverse()
    _seal_instead(profile, first, data)
    second = profile.unlock(PASSPHRASE)
    assert not headcache.read(profile.db, second.keys).newest_first
    second.lock()
    _assert_lists_as_the_notes(profile).lock()
    third = profile.unlock(PASSPHRASE)
    data = _cache(profile, third)
    hlc = headcache.COLUMNS.index("hlc")
    data["columns"][hlc] = [data["columns"][hlc][0]] * len(data["hashes"])  # all alike
    _seal_instead(profile, third, data)
    _assert_lists_as_the_notes(profile).lock()


def test_damaged_and_uncached_heads_list_as_the_notes_do(profile: Profile,
                                                         session: Session) -> None:
    ins = session.find_inspection(None)
    good = session.create(ins, "note", "Intact", "still fine")
    bad = session.create(ins, "note", "Visit", "what was said")
    session.lock()
    flip(profile, bad.note_id, -1)
    cold = _assert_lists_as_the_notes(profile)  # the damaged head is listed by neither
    assert cold.listing().note_id == [good.note_id] and cold.damaged_notes
    # a note written after the cache was sealed (no lock since: a crash) is not in it: its
    # envelope is opened, so every note is made at unlock and listed from the notes
    late = cold.create(ins, "note", "Late", "after the cache")
    cold.keyring.wipe()
    again = profile.unlock(PASSPHRASE)
    assert again._placed is None
    assert again.listing().note_id == [late.note_id, good.note_id]
    again.lock()


def test_two_heads_of_a_note_are_merged_at_unlock_and_listed_from_the_notes(
        profile: Profile, session: Session) -> None:
    ins = session.find_inspection(None)
    other = session.create(ins, "observation", "Other", "words")
    n = session.create(ins, "note", "Shared", "line one\nline two\n")
    session.save(n.note_id, body="OURS\nline one\nline two\n")
    _fork(session, n.note_id, n.rev, b"\x01" * 16, body="line one\nline two\nTHEIRS\n")
    session.lock()
    again = profile.unlock(PASSPHRASE)
    assert again._placed is None  # made at unlock, to merge the heads
    listing = again.listing(include_deleted=True)
    assert listing == Listing.of(again.list_notes(include_deleted=True))
    assert sorted(listing.note_id) == sorted([n.note_id, other.note_id])
    again.lock()


def test_made_notes_are_the_notes_an_unlock_always_made(profile: Profile,
                                                        session: Session) -> None:
    """Made later from the placed columns, each note carries its head record's collection,
    signer, name, pushed state and first author, with no body loaded."""
    ins = session.find_inspection(None)
    a = session.create(ins, "observation", "Seen", "at the unit", tags=["S3"])
    session.save(a.note_id, title="Seen, edited")
    before = session.notes[a.note_id]
    session.lock()
    cold = profile.unlock(PASSPHRASE)
    note = cold.notes[a.note_id]
    for name in ("note_id", "inspection_id", "collection_id", "rev", "parents", "hlc", "kind",
                 "template", "title", "tags", "state", "author", "pushed", "signer",
                 "first_signer", "first_author"):
        assert getattr(note, name) == getattr(before, name), name
    assert note.first_author == "AI" and not note.body_loaded
    assert cold.get(a.note_id).body == "at the unit"
    cold.lock()


def test_a_cache_row_a_note_cannot_be_made_from_is_opened_from_its_envelope(
        profile: Profile, session: Session) -> None:
    ins = session.find_inspection(None)
    ids = [session.create(ins, "note", f"N{i}", "text").note_id for i in range(3)]
    session.lock()
    first = profile.unlock(PASSPHRASE)
    data = _cache(profile, first)
    row = data["columns"][0].index(ids[1])
    data["columns"][headcache.COLUMNS.index("passages")][row] = [[0, 1, "S1"]]  # one short
    _seal_instead(profile, first, data)
    assert headcache.malformed(data["columns"]) == {row}
    again = profile.unlock(PASSPHRASE)
    assert again.notes[ids[1]].body_loaded and not again.notes[ids[0]].body_loaded
    assert sorted(again.listing().note_id) == sorted(ids)
    again.lock()


def test_the_cache_is_written_newest_first(profile: Profile, session: Session) -> None:
    ins = session.find_inspection(None)
    for i in range(4):
        session.create(ins, "note", f"N{i}", "text")
    session.lock()
    again = profile.unlock(PASSPHRASE)
    hlcs = _cache(profile, again)["columns"][headcache.COLUMNS.index("hlc")]
    assert hlcs == sorted(hlcs, reverse=True) and len(set(hlcs)) == 4
    again.lock()


def test_a_cold_note_list_makes_no_notes(profile: Profile, session: Session, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The command that needs it most: ``note list`` prints from the columns (were any note
    made, this test fails)."""
    from store._session import Session as Live
    from tui.cli import main

    ins = session.find_inspection(None)
    made = [session.create(ins, "note", f"N{i}", "text").note_id for i in range(3)]
    session.lock()
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")

    def refuse(self: Session, multi: set[str] | None = None) -> None:
        if self._placed is not None:
            raise AssertionError("a note was made")

    monkeypatch.setattr(Live, "_materialise", refuse)
    for extra in ([], ["--json"]):
        capsys.readouterr()
        assert main(["--profile", str(profile.directory), "--passphrase-file", str(secret),
                     "note", "list", *extra]) == 0
        text = capsys.readouterr().out
        assert all(n[:8] in text for n in made)


def test_a_cold_unlock_keeps_its_clock_past_the_newest_change(profile_dir: Path) -> None:
    """The clock observes the newest change among the placed notes (not made into notes), so
    a note written after a cold unlock is newer than every note, even with the wall clock
    set back."""
    now = [2_000_000_000_000]
    profile = Profile(profile_dir, now_ms=lambda: now[0])
    session, _ = profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
    ins = session.find_inspection(None)
    for _ in range(4):
        session.create(ins, "note", "Visit", "text")
        now[0] += 60_000
    newest = max(n.hlc for n in session.notes.values())
    session.lock()
    now[0] -= 3_600_000  # an hour back
    cold = profile.unlock(PASSPHRASE)
    assert cold._placed is not None and str(cold.clock.now()) > newest
    cold.lock()
    profile.close()


def test_notes_read_on_two_threads_at_once_are_made_once_and_seen_whole(
        profile: Profile, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from store._session import Session as Live

    ins = session.find_inspection(None)
    for i in range(50):
        session.create(ins, "note", f"N{i}", "text")
    session.lock()
    cold = profile.unlock(PASSPHRASE)
    made: list[int] = []
    real = Live._make

    def slow(self: Session, placed, multi) -> None:  # type: ignore[no-untyped-def]
        made.append(1)
        time.sleep(0.2)  # the other thread reads meanwhile
        real(self, placed, multi)

    monkeypatch.setattr(Live, "_make", slow)
    seen: list[int] = []
    start = threading.Barrier(2)

    def read() -> None:
        start.wait()
        seen.append(len(cold.notes))

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert made == [1] and seen == [50, 50]
    cold.lock()


def test_a_note_another_device_edited_keeps_both_signers_when_made_later(
        tmp_path: Path) -> None:
    """Its head signed by one device, its first revision by another: each is named."""
    from tests.store.test_replica import COLL, _device, sync

    pa, a, ra = _device(tmp_path / "a", "AI")
    pb, b, rb = _device(tmp_path / "b", "LR2")
    ra.new_collection_key(COLL)
    kb, ka = b.keys.device, a.keys.device
    assert rb.unwrap_key(COLL, 1, ra.wrap_key(COLL, 1, b.device_id, kb.kx_pub))
    ra.register_device(b.device_id, kb.sign_pub, kb.kx_pub)
    rb.register_device(a.device_id, ka.sign_pub, ka.kx_pub)
    n = a.create(a.find_inspection("Northshire 2026"), "note", "Shared", "one")
    sync((a, ra), (b, rb))
    b.save(n.note_id, body="one, and more")
    sync((b, rb), (a, ra))
    before = a.notes[n.note_id]
    assert before.signer == b.device_id and before.first_signer == a.device_id
    a.lock()
    b.lock()
    cold = pa.unlock(PASSPHRASE)
    assert cold.listing().author == [before.author]
    note = cold.notes[n.note_id]
    assert (note.signer, note.author, note.first_signer, note.first_author) == (
        before.signer, before.author, before.first_signer, before.first_author)
    cold.lock()


def test_an_autosave_after_a_cold_unlock_reads_one_row_not_all(profile: Profile,
                                                               session: Session) -> None:
    """Replacing a draft reads the draft's own parents from its cache row alone; the other
    rows join the session's payloads only when something reads them all (a rewrite)."""
    ins = session.find_inspection(None)
    n = session.create(ins, "note", "Visit", "first")
    session.create(ins, "note", "Other", "text")
    session.save(n.note_id, body="second")  # a revision with a parent
    draft = session.save(n.note_id, autosave=True, body="typing")  # this device's last record
    session.lock()
    cold = profile.unlock(PASSPHRASE)
    assert cold._unrowed is not None
    again = cold.save(n.note_id, autosave=True, body="typing more")
    assert again.rev == draft.rev and again.parents == draft.parents  # replaced in place
    assert cold._unrowed is not None  # no other row was made for it
    cold.lock()  # a rewrite: every row joins then
    latest = profile.unlock(PASSPHRASE)
    assert latest.get(n.note_id).body == "typing more" and len(latest.listing()) == 2
    latest.lock()


def test_one_record_the_head_of_two_notes_lists_as_the_notes_do(profile: Profile,
                                                                 session: Session) -> None:
    """A damaged heads table (one record the head of two notes): not taken for a whole
    placement of the cache, and listed as the notes list it."""
    ins = session.find_inspection(None)
    a = session.create(ins, "note", "A", "text")
    b = session.create(ins, "note", "B", "text")
    session.lock()
    c, d, s = profile.db.execute("SELECT collection_id, device_id, seq FROM heads "
                                 "WHERE note_id = ?", [a.note_id]).fetchone()
    profile.db.execute("UPDATE heads SET collection_id = ?, device_id = ?, seq = ? "
                       "WHERE note_id = ?", [c, d, s, b.note_id])
    cold = profile.unlock(PASSPHRASE)
    assert cold._placed is not None and not cold._placed.whole()
    listing = cold.listing()
    assert listing == Listing.of(cold.list_notes()) and listing.title == ["A", "A"]
    cold.lock()
