"""The list cache holds the notes column by column (issue 16, cache versions 4 and 5): a note made
from the cache is the note its envelope holds (less its body, read when opened), and a
profile whose cache an earlier version wrote unlocks with nothing lost and has its cache
written again in the new form."""

from __future__ import annotations

import json
import marshal
import zlib

import pytest

from store import PassageTag, Profile, Session
from store import _headcache as headcache
from tests.conftest import PASSPHRASE

QUOTE = "“I feel listened to now.”"
SHOWN = ("note_id", "inspection_id", "collection_id", "rev", "parents", "hlc", "kind",
         "template", "title", "fields", "tags", "passages", "state", "author", "kept", "pushed",
         "signer", "first_signer", "first_author")


def _notes(session: Session) -> list[str]:
    ins = session.add_inspection("Northshire 2026")
    start = len("Said: ")
    a = session.create(ins, "interview", "Young person", "Met at the unit.",
                       {"participant_type": "young person", "agreement_obtained": True,
                        "key_quotes": f"Said: {QUOTE}"}, tags=["S1", "#code"],
                       passages=[PassageTag(start, start + len(QUOTE), "S1", "key_quotes"),
                                 PassageTag(0, 3, "strength")])
    b = session.create(ins, "note", "Plain", "words")
    session.save(b.note_id, title="Plain, edited", body="more words")
    c = session.create(ins, "note", "Gone", "deleted later")
    session.delete(c.note_id)
    return [a.note_id, b.note_id, c.note_id]


def _shown(session: Session) -> dict[str, tuple]:
    # passages as a set: a payload lists the body's before the fields' (as it always did)
    return {n.note_id: tuple(frozenset(n.passages) if f == "passages" else getattr(n, f)
                             for f in SHOWN)
            for n in session.list_notes(include_deleted=True)}


def _sealed(profile: Profile, session: Session) -> dict:
    nonce, sealed = profile.db.execute(
        "SELECT nonce, sealed FROM secrets WHERE name = ?", [headcache.NAME]).fetchone()
    assert session.keys is not None
    raw = session.keys.open(headcache.NAME, nonce, sealed)
    assert raw.startswith(headcache.MARSHALLED)  # marshalled, not JSON, nor deflated
    return marshal.loads(raw[len(headcache.MARSHALLED):])


def _marshalled(data: dict) -> bytes:
    return headcache.MARSHALLED + marshal.dumps(data)


def _seal_instead(profile: Profile, session: Session, raw: bytes) -> None:
    """Lock ``session``, then put ``raw`` in its cache's place, sealed as the cache is."""
    assert session.keys is not None
    nonce, sealed = session.keys.seal(headcache.NAME, raw)
    session.lock()
    profile.db.execute("UPDATE secrets SET nonce = ?, sealed = ? WHERE name = ?",
                       [nonce, sealed, headcache.NAME])


def test_a_note_from_the_cache_is_the_note_its_envelope_holds(profile: Profile,
                                                              session: Session) -> None:
    ids = _notes(session)
    session.lock()
    cached = profile.unlock(PASSPHRASE)
    assert set(ids) <= set(cached._payloads[h][0] for h in cached._cached_keys
                           if not isinstance(cached._payloads[h], dict))
    from_cache = _shown(cached)
    assert not any(n.body_loaded for n in cached.notes.values())
    cached.lock()
    headcache.drop(profile.db)
    opened = profile.unlock(PASSPHRASE)  # every head from its envelope
    assert _shown(opened) == from_cache
    assert opened.get(ids[0]).passages == cached.notes.get(ids[0], opened.get(ids[0])).passages
    opened.lock()
    again = profile.unlock(PASSPHRASE)
    assert again.get(ids[1]).body == "more words"
    assert again.notes[ids[2]].state == "deleted"
    again.lock()


def test_a_cache_an_earlier_version_wrote_is_read_from_the_envelopes_and_written_anew(
        profile: Profile, session: Session) -> None:
    ids = _notes(session)
    expected = _shown(session)
    # the cache as version 3 sealed it: one object per note, keyed by record hash
    heads = {ref.hash.hex(): {k: v for k, v in session._payloads[ref.hash.hex()].items()
                              if k != "body"}
             for ref, _ in session.streams.head_refs()}
    assert session.keys is not None
    raw = zlib.compress(json.dumps({"v": 3, "heads": heads, "firsts": {}}).encode(), 1)
    nonce, sealed = session.keys.seal(headcache.NAME, raw)
    session.lock()
    profile.db.execute("UPDATE secrets SET nonce = ?, sealed = ? WHERE name = ?",
                       [nonce, sealed, headcache.NAME])
    old = profile.unlock(PASSPHRASE)
    assert not old.damaged and _shown(old) == expected  # nothing lost
    assert all(n.body_loaded for n in old.notes.values())  # opened from the envelopes
    old.lock()  # writes the cache again, in the new form
    new = profile.unlock(PASSPHRASE)
    data = _sealed(profile, new)
    assert data["v"] == headcache.VERSION == 6
    assert set(ids) <= set(data["columns"][headcache.COLUMNS.index("note_id")])
    assert "Met at the unit." not in json.dumps(data)  # still no body in it
    assert _shown(new) == expected
    assert not any(n.body_loaded for n in new.notes.values())  # from the new cache
    assert new.get(ids[0]).body == "Met at the unit."
    new.lock()


def test_a_deflated_cache_as_sealed_before_is_still_read(profile: Profile,
                                                         session: Session) -> None:
    # caches sealed before version 5 were deflated: read as they are (no slow unlock of every
    # envelope after an upgrade)
    ids = _notes(session)
    expected = _shown(session)
    session.lock()
    first = profile.unlock(PASSPHRASE)
    data = {**_sealed(profile, first), "v": 5}
    _seal_instead(profile, first, zlib.compress(
        json.dumps(data, separators=(",", ":")).encode(), 1))
    again = profile.unlock(PASSPHRASE)
    assert _shown(again) == expected and not again.damaged
    assert not any(n.body_loaded for n in again.notes.values())  # from the deflated cache
    assert again.get(ids[1]).body == "more words"
    again.lock()


def test_a_row_not_as_this_version_wrote_it_is_opened_from_its_envelope(
        profile: Profile, session: Session) -> None:
    # the notes are made from the columns in one go; one bad row must cost only itself
    ids = _notes(session)
    expected = _shown(session)
    session.lock()
    first = profile.unlock(PASSPHRASE)
    data = _sealed(profile, first)
    notes = data["columns"][headcache.COLUMNS.index("note_id")]
    bad = notes.index(ids[1])
    data["columns"][headcache.COLUMNS.index("tags")][bad] = 7  # not a list of tags
    _seal_instead(profile, first, _marshalled(data))
    again = profile.unlock(PASSPHRASE)
    assert _shown(again) == expected and not again.damaged
    assert again.notes[ids[1]].body_loaded  # opened from its envelope
    assert not again.notes[ids[0]].body_loaded  # the others from the cache
    again.lock()


@pytest.mark.parametrize("version", [4, 5])
def test_an_earlier_cache_is_read_whole_and_written_in_this_versions_form_at_the_next_lock(
        profile: Profile, session: Session, version: int) -> None:
    # version 4 kept the first signers as a dict by note id, 5 as a column; both were JSON
    ids = _notes(session)
    session.lock()
    first = profile.unlock(PASSPHRASE)
    expected = _shown(first)
    data = _sealed(profile, first)
    assert data["v"] == 6 and len(data["first"]) == len(data["hashes"])
    assert data["devices"] == [first.device_id.hex()] and set(data["first"]) == {0}
    note_ids = data["columns"][headcache.COLUMNS.index("note_id")]
    if version == 4:
        old = {"v": 4, "hashes": data["hashes"], "columns": data["columns"],
               "payloads": data["payloads"],
               "firsts": {n: first.device_id.hex() for n in note_ids}}
    else:
        old = {**data, "v": 5}
    _seal_instead(profile, first, json.dumps(old).encode())
    again = profile.unlock(PASSPHRASE)
    assert _shown(again) == expected and not again.damaged
    assert not any(n.body_loaded for n in again.notes.values())  # from the old cache
    assert {again.notes[i].first_author for i in ids} == {"AI"}
    again.lock()  # nothing changed, and still written again in this version's form
    latest = profile.unlock(PASSPHRASE)
    assert _sealed(profile, latest)["v"] == headcache.VERSION and _shown(latest) == expected
    latest.lock()


def test_equal_values_are_one_object_in_the_cache_read(profile: Profile,
                                                       session: Session) -> None:
    # marshal writes a shared value once and reads it back once: most of version 6's speed
    ins = session.find_inspection(None)
    for i in range(3):
        session.create(ins, "note", f"N{i}", "text", tags=["S1"])
    session.lock()
    again = profile.unlock(PASSPHRASE)
    columns = headcache.read(profile.db, again.keys).columns
    for name in ("kind", "tags", "fields", "passages", "kept", "state", "author"):
        assert len({id(v) for v in columns[headcache.COLUMNS.index(name)]}) == 1, name
    assert _shown(again) == _shown(profile.unlock(PASSPHRASE))
    again.lock()


def test_a_first_signer_column_that_does_not_fit_is_no_cache(profile: Profile,
                                                              session: Session) -> None:
    _notes(session)
    session.lock()
    first = profile.unlock(PASSPHRASE)
    expected = _shown(first)
    data = _sealed(profile, first)
    data["first"][0] = 9  # names no device
    _seal_instead(profile, first, _marshalled(data))
    again = profile.unlock(PASSPHRASE)
    assert _shown(again) == expected and not again.damaged
    assert all(n.body_loaded for n in again.notes.values())  # opened from the envelopes
    again.lock()
