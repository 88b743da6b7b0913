"""The store through an unlocked session: notes, autosave, history, delete, search, merge."""

from __future__ import annotations

import pytest

from store import CONFLICTED, DELETED, NotFound, Profile, Session, ValidationFailed, make_rev
from tests.conftest import PASSPHRASE


def test_fresh_profile_has_a_notebook(session: Session) -> None:
    [ins] = session.list_inspections()
    assert ins.name == "Notebook" and ins.scope == "local"


def test_create_list_show_persist(profile: Profile, session: Session) -> None:
    ins = session.find_inspection(None)
    n = session.create(ins, "interview", "Parent meeting", "They felt heard.",
                       {"participant_type": "parent or carer", "agreement_obtained": True},
                       ["s3"])
    assert n.tags == ("S3",)
    session.lock()
    s2 = profile.unlock(PASSPHRASE)
    got = s2.get(n.note_id[:8])
    assert (got.title, got.body, got.fields["participant_type"]) == (
        "Parent meeting", "They felt heard.", "parent or carer")
    assert [x.note_id for x in s2.list_notes(ins)] == [n.note_id]


def test_validation_refuses_bad_notes(session: Session) -> None:
    ins = session.find_inspection(None)
    with pytest.raises(ValidationFailed) as info:
        session.create(ins, "record_review", "R", "", {"pseudonym": "Jane Smith"})
    assert any(i.field == "pseudonym" for i in info.value.issues)
    assert session.list_notes() == []


def test_streams_are_contiguous_and_chained(session: Session) -> None:
    ins = session.find_inspection(None)
    for i in range(5):
        session.create(ins, "note", f"n{i}", "b")
    recs = [r for r in session.streams.all()]
    seqs = [r.seq for r in recs]
    assert seqs == list(range(1, len(recs) + 1))
    from store import parse_header

    for a, b in zip(recs, recs[1:], strict=False):
        assert parse_header(b.envelope).prev_hash == a.hash


def test_autosave_replaces_unpushed_draft_in_place(session: Session) -> None:
    ins = session.find_inspection(None)
    n = session.create(ins, "note", "Draft", "a")
    count = session.streams.count()
    for i in range(20):
        n = session.save(n.note_id, autosave=True, body="a" + "b" * i)
    assert session.streams.count() == count + 1  # one draft record, replaced 19 times
    rev = n.rev
    n = session.save(n.note_id, body="final")  # a checkpoint finalises the draft
    assert n.rev == rev and session.streams.count() == count + 1
    n = session.save(n.note_id, autosave=True, body="after checkpoint")
    assert session.streams.count() == count + 2  # a saved revision is never overwritten
    assert [r.note.body for r in session.history(n.note_id)] == ["a", "final", "after checkpoint"]


def test_autosave_never_replaces_a_pushed_record(session: Session) -> None:
    ins = session.find_inspection(None)
    n = session.create(ins, "note", "Draft", "a")
    n = session.save(n.note_id, autosave=True, body="b")
    last = session.streams.head(n.collection_id, session.device_id)
    session.streams.mark_pushed(n.collection_id, session.device_id, last.seq)
    session.save(n.note_id, autosave=True, body="c")
    assert session.streams.head(n.collection_id, session.device_id).seq == last.seq + 1


def test_autosave_keeps_invalid_text(session: Session) -> None:
    ins = session.find_inspection(None)
    n = session.create(ins, "note", "T", "")
    n = session.save(n.note_id, autosave=True, title="")  # invalid, but typed: kept
    assert session.get(n.note_id).title == ""
    with pytest.raises(ValidationFailed):
        session.save(n.note_id, title="")


def test_history_and_restore(profile: Profile, session: Session) -> None:
    ins = session.find_inspection(None)
    n = session.create(ins, "note", "v1", "one")
    session.save(n.note_id, title="v2", body="two")
    session.save(n.note_id, title="v3", body="three")
    hist = session.history(n.note_id)
    assert [h.title for h in hist] == ["v1", "v2", "v3"]
    session.restore(n.note_id, hist[0].rev)
    assert session.get(n.note_id).body == "one"
    session.lock()
    s2 = profile.unlock(PASSPHRASE)
    assert s2.get(n.note_id).title == "v1"
    assert len(s2.history(n.note_id)) == 4


def test_delete_is_a_tombstone(profile: Profile, session: Session) -> None:
    ins = session.find_inspection(None)
    n = session.create(ins, "note", "Gone", "soon")
    session.delete(n.note_id)
    assert session.list_notes() == []
    assert session.get(n.note_id).state == DELETED
    assert session.search("soon") == []
    session.lock()
    s2 = profile.unlock(PASSPHRASE)
    assert s2.list_notes() == [] and len(s2.list_notes(include_deleted=True)) == 1
    s2.restore(n.note_id, s2.history(n.note_id)[0].rev)
    assert s2.get(n.note_id).state == "active"


def test_search(profile: Profile, session: Session) -> None:
    ins = session.find_inspection(None)
    a = session.create(ins, "note", "Referral waits", "Long waits for initial referral")
    session.create(ins, "note", "Other", "Nothing relevant")
    assert [n.note_id for n in session.search("referr")] == [a.note_id]
    session.save(a.note_id, body="changed entirely")
    assert session.search("initial") == []
    session.lock()
    assert [n.note_id for n in profile.unlock(PASSPHRASE).search("changed")] == [a.note_id]


def test_not_found_and_several_inspections(session: Session) -> None:
    session.add_inspection("Northshire 2026", "Northshire CPP")
    with pytest.raises(Exception, match="several inspections"):
        session.find_inspection(None)
    assert session.find_inspection("northshire 2026").partnership == "Northshire CPP"
    with pytest.raises(NotFound):
        session.get("ffffffff")


def _fork(session: Session, note_id: str, parent: str, other_device: bytes, **changes) -> None:
    """Make a concurrent head, as if another device had edited the same revision."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from store import Header, seal

    cur = session.get(note_id)
    sk = Ed25519PrivateKey.generate()
    session.keyring.add_device(other_device, sk.public_key().public_bytes_raw(), bytes(32))
    payload = cur.to_payload()
    payload.update(changes, rev=make_rev(other_device, 1), parents=[parent],
                   hlc="9999999999999-0000-other", author="LR2")
    ck = session.keyring.key(cur.collection_id, 1)
    env = seal(Header(cur.collection_id, other_device, 1, bytes(32), 1), payload, ck, sk)
    with session.db.atomic():
        rec = session.streams.append(env, note_id, pushed=True)
        session.streams.set_heads(note_id, (), (rec.collection_id, rec.device_id, rec.seq))


def test_two_heads_merge_at_unlock(profile: Profile, session: Session) -> None:
    ins = session.find_inspection(None)
    n = session.create(ins, "note", "Shared", "line one\nline two\nline three\n")
    session.save(n.note_id, body="OURS\nline one\nline two\nline three\n")
    _fork(session, n.note_id, n.rev, b"\x01" * 16,
          body="line one\nline two\nline three\nTHEIRS\n")
    assert len(session.streams.heads(n.note_id)) == 2
    session.lock()
    s2 = profile.unlock(PASSPHRASE)
    merged = s2.get(n.note_id)
    assert "OURS" in merged.body and "THEIRS" in merged.body
    assert len(merged.parents) == 2 and len(s2.streams.heads(n.note_id)) == 1


def test_conflicting_heads_keep_both(profile: Profile, session: Session) -> None:
    ins = session.find_inspection(None)
    n = session.create(ins, "note", "Shared", "the same line\n")
    session.save(n.note_id, body="our version\n", title="Our title")
    _fork(session, n.note_id, n.rev, b"\x02" * 16, body="their version\n", title="Their title")
    merged = session.merge_heads(n.note_id)
    assert merged.state == CONFLICTED
    text = merged.body + repr(merged.kept)
    for s in ("their version", "our version", "Their title", "Our title"):
        assert s in text or s == merged.title


def test_head_cache_is_used_and_never_trusted_blindly(profile: Profile, session: Session) -> None:
    from store import _headcache

    ins = session.find_inspection(None)
    a = session.create(ins, "note", "Cached", "from the cache")
    session.lock()  # writes the cache
    assert _headcache.load(profile.db, profile.unlock(PASSPHRASE).keys)
    s2 = profile.unlock(PASSPHRASE)
    assert s2.get(a.note_id).body == "from the cache"
    # a change made after the cache was written is read from its envelope, not the stale cache
    s2.save(a.note_id, autosave=True, body="newer than the cache")
    s2.keyring.wipe()  # simulate a crash: no lock, so no new cache
    s3 = profile.unlock(PASSPHRASE)
    assert s3.get(a.note_id).body == "newer than the cache"
    # a damaged cache is ignored
    profile.db.execute("UPDATE secrets SET sealed = zeroblob(64) WHERE name = 'headcache'")
    assert profile.unlock(PASSPHRASE).get(a.note_id).body == "newer than the cache"


def test_autosave_never_replaces_a_record_in_flight(session: Session) -> None:
    ins = session.find_inspection(None)
    n = session.create(ins, "note", "Draft", "a")
    n = session.save(n.note_id, autosave=True, body="b")
    last = session.streams.head(n.collection_id, session.device_id)
    session.streams.mark_sending(n.collection_id, session.device_id, last.seq)
    session.save(n.note_id, autosave=True, body="c")
    assert session.streams.head(n.collection_id, session.device_id).seq == last.seq + 1
    assert len(session.streams.unpushed(session.device_id)) == last.seq + 1


def test_draft_notes_skip_validation_and_locked_sessions_say_so(session: Session) -> None:
    from store import LockedError

    ins = session.find_inspection(None)
    draft = session.create(ins, "record_review", "", "", {}, autosave=True)
    assert session.get(draft.note_id).kind == "record_review"
    with pytest.raises(ValidationFailed):
        session.save(draft.note_id, title="R-001 review")  # a revision must validate
    session.save(draft.note_id, fields={"pseudonym": "R-001"}, title="R-001 review")
    session.lock()
    with pytest.raises(LockedError):
        session.get(draft.note_id)


def test_the_default_profile_is_found_without_loading_the_store(monkeypatch,  # noqa: ANN001
                                                                  tmp_path) -> None:
    """The app and the CLI find the profile through this one light function, before unlock."""
    import subprocess
    import sys
    from pathlib import Path

    from store import default_profile_dir

    code = ("import sys, store; print(store.default_profile_dir()); "
            "print(sorted(m for m in sys.modules if m.startswith(('sqlite_utils', 'store._s'))))")
    env = {"FIELDPAD_PROFILE": str(tmp_path), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       check=True, cwd=Path(__file__).parents[2])
    assert r.stdout.split("\n")[:2] == [str(tmp_path), "[]"]
    monkeypatch.setenv("FIELDPAD_PROFILE", str(tmp_path))
    assert default_profile_dir() == tmp_path
