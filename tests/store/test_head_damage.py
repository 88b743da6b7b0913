"""A note whose stored head record is damaged is never shown as genuine (issue 11, item 7):
the sealed head cache, keyed by record hash, cannot stand in for an envelope that no longer
has that hash; the damage is reported at unlock and opening the note says so."""

from __future__ import annotations

import pytest

from store import DamagedNote, Profile, Session, verify_all
from tests.conftest import PASSPHRASE


def flip(profile: Profile, note_id: str, offset: int) -> None:
    """Flip one byte of the stored head envelope of ``note_id``, in place, as bad storage
    would (the stored hash column is left as it was)."""
    c, d, s = profile.db.execute(
        "SELECT collection_id, device_id, seq FROM heads WHERE note_id = ?", [note_id]).fetchone()
    where = "collection_id = ? AND device_id = ? AND seq = ?"
    env = bytearray(profile.db.execute(f"SELECT envelope FROM records WHERE {where}",
                                       [c, d, s]).fetchone()[0])
    env[offset] ^= 0x01
    profile.db.execute(f"UPDATE records SET envelope = ? WHERE {where}", [bytes(env), c, d, s])


@pytest.mark.parametrize("where", [-1, -100, 200], ids=["signature", "ciphertext", "body"])
def test_damaged_head_is_not_shown_from_the_head_cache(profile: Profile, session: Session,
                                                       where: int) -> None:
    ins = session.find_inspection(None)
    good = session.create(ins, "note", "Intact", "still fine")
    bad = session.create(ins, "note", "Visit", "what was said")
    session.lock()  # seals the head cache with both payloads
    flip(profile, bad.note_id, where)
    again = profile.unlock(PASSPHRASE)
    assert again.get(good.note_id).body == "still fine"
    assert bad.note_id not in again.notes
    assert [n.note_id for n in again.list_notes(ins)] == [good.note_id]
    assert any("damaged" in d.reason for d in again.damaged), again.damaged
    with pytest.raises(DamagedNote) as err:
        again.get(bad.note_id[:8])
    message = str(err.value)
    assert "failed verification" in message and "doctor --repair" in message
    assert "what was said" not in message and "Visit" not in message
    assert not verify_all(again).ok  # doctor agrees
    again.lock()


def test_unlock_leaves_the_connection_and_the_collector_as_it_found_them(
        profile: Profile, session: Session) -> None:
    """Unlock reads every head with the file mapped and a bigger page cache, and without the
    cyclic garbage collector (issue 16); afterwards all three are as they were, and a head
    damaged on disk is still caught by that read."""
    import gc

    ins = session.find_inspection(None)
    bad = session.create(ins, "note", "Visit", "what was said")
    session.create(ins, "note", "Intact", "still fine")
    session.lock()
    flip(profile, bad.note_id, -100)
    pragmas = {p: profile.db.execute(f"PRAGMA {p}").fetchone()[0]
               for p in ("mmap_size", "cache_size")}
    assert gc.isenabled()
    again = profile.unlock(PASSPHRASE)
    assert gc.isenabled()
    assert {p: profile.db.execute(f"PRAGMA {p}").fetchone()[0] for p in pragmas} == pragmas
    assert bad.note_id not in again.notes and len(again.notes) == 1
    again.lock()
    gc.disable()
    try:  # a caller that turned the collector off keeps it off
        profile.unlock(PASSPHRASE).lock()
        assert not gc.isenabled()
    finally:
        gc.enable()
