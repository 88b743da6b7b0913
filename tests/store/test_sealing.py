"""Sealed fields: the concern form's child identifier, readable only by its recipient devices."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from store import Profile, Session, ValidationFailed
from store.crypto import (
    SEALED_PREFIX,
    field_context,
    is_sealed,
    open_value,
    seal_value,
    sealed_recipients,
)
from store.inspection import validate_note
from tests.conftest import PASSPHRASE

CHILD = "CHI 0101011234"
CONCERN = {"raised_at": "2026-03-14T09:00", "nature": "no recent home visit",
           "immediacy": "immediate"}


def device() -> tuple[bytes, X25519PrivateKey, bytes]:
    key = X25519PrivateKey.generate()
    return os.urandom(16), key, key.public_key().public_bytes_raw()


# -- the format ---------------------------------------------------------------------------------
def test_round_trip_for_every_recipient() -> None:
    (d1, k1, p1), (d2, k2, p2) = device(), device()
    ctx = field_context("n" * 32, "child_identifier")
    blob = seal_value(CHILD, [(d1, p1), (d2, p2)], ctx)
    assert blob.startswith(SEALED_PREFIX) and is_sealed(blob) and CHILD not in blob
    assert sealed_recipients(blob) == [d1, d2]
    assert open_value(blob, d1, k1, ctx) == CHILD
    assert open_value(blob, d2, k2, ctx) == CHILD
    assert seal_value(CHILD, [(d1, p1)], ctx) != seal_value(CHILD, [(d1, p1)], ctx)  # random


def test_a_non_recipient_cannot_open() -> None:
    (d1, _k1, p1), (d2, k2, _p2) = device(), device()
    ctx = field_context("n" * 32, "child_identifier")
    blob = seal_value(CHILD, [(d1, p1)], ctx)
    assert open_value(blob, d2, k2, ctx) is None
    # claiming a recipient's device id does not help without its private key
    assert open_value(blob, d1, k2, ctx) is None


def test_a_blob_moved_to_another_note_or_field_does_not_open() -> None:
    d1, k1, p1 = device()
    blob = seal_value(CHILD, [(d1, p1)], field_context("a" * 32, "child_identifier"))
    assert open_value(blob, d1, k1, field_context("b" * 32, "child_identifier")) is None
    assert open_value(blob, d1, k1, field_context("a" * 32, "nature")) is None


def test_damaged_and_lookalike_values() -> None:
    d1, k1, p1 = device()
    ctx = b"n|f"
    blob = seal_value(CHILD, [(d1, p1)], ctx)
    flipped = blob[:-2] + ("A" if blob[-2] != "A" else "B") + blob[-1]
    assert open_value(flipped, d1, k1, ctx) is None
    assert open_value(blob[:40], d1, k1, ctx) is None
    for text in ("sealed:v1:", "sealed:v1:hello world", "CHI 0101011234", "", None, 42):
        assert not is_sealed(text)
    with pytest.raises(ValueError):
        sealed_recipients("sealed:v1:!!")
    with pytest.raises(ValueError):
        seal_value(CHILD, [], ctx)


def test_validation_takes_a_blob_and_limits_the_plaintext() -> None:
    d1, _k1, p1 = device()
    long_text = "x" * 190
    blob = seal_value(long_text, [(d1, p1), *(device()[::2] for _ in range(3))], b"n|f")
    assert len(blob) > 200
    ok = validate_note("concern", 1, "c", "", {**CONCERN, "child_identifier": blob})
    assert ok == []
    too_long = validate_note("concern", 1, "c", "", {**CONCERN, "child_identifier": "x" * 201})
    assert [i.field for i in too_long] == ["child_identifier"]


# -- through the session ------------------------------------------------------------------------
def concern(session: Session, **fields: object):  # noqa: ANN201
    ins = session.find_inspection(None)
    return session.create(ins, "concern", "Concern from R-017", "",
                          {**CONCERN, "child_identifier": CHILD, **fields})


def stored_payloads(session: Session, note_id: str) -> list[dict]:
    return [session.open_record(rec) for rec in session.streams.for_note(note_id)]


def test_create_seals_and_unseal_opens_on_this_device(profile: Profile,
                                                      session: Session) -> None:
    note = concern(session)
    blob = note.fields["child_identifier"]
    assert is_sealed(blob) and sealed_recipients(blob) == [session.device_id]
    assert session.unseal(note, "child_identifier") == CHILD
    for payload in stored_payloads(session, note.note_id):
        assert CHILD not in str(payload)
    session.lock()
    again = profile.unlock(PASSPHRASE)
    assert again.unseal(note.note_id, "child_identifier") == CHILD


def test_autosave_keeps_an_unchanged_blob(session: Session) -> None:
    note = concern(session)
    blob = note.fields["child_identifier"]
    for i in range(3):
        note = session.save(note.note_id, autosave=True, body=f"typing {i}")
        assert note.fields["child_identifier"] == blob
    # the same plaintext typed again (a form sends what it shows) keeps the blob too
    note = session.save(note.note_id, fields={**note.fields, "child_identifier": CHILD})
    assert note.fields["child_identifier"] == blob
    note = session.save(note.note_id, fields={**note.fields, "child_identifier": "CHI 0202"})
    assert note.fields["child_identifier"] != blob
    assert session.unseal(note, "child_identifier") == "CHI 0202"
    note = session.save(note.note_id, fields={**note.fields, "child_identifier": None})
    assert session.unseal(note, "child_identifier") is None


def test_a_raiser_who_is_not_a_lead_cannot_read_it_back(session: Session) -> None:
    lead_id, lead_key, lead_pub = device()
    session.seal_recipients = lambda inspection: [(lead_id, lead_pub)]
    note = concern(session)
    blob = note.fields["child_identifier"]
    assert sealed_recipients(blob) == [lead_id]
    assert session.unseal(note, "child_identifier") is None
    assert open_value(blob, lead_id, lead_key,
                      field_context(note.note_id, "child_identifier")) == CHILD
    # editing the rest of the form keeps the blob the raiser cannot open
    note = session.save(note.note_id, fields={**note.fields, "immediacy": "routine"})
    assert note.fields["child_identifier"] == blob


def test_no_recipients_falls_back_to_this_device(session: Session) -> None:
    session.seal_recipients = lambda inspection: []
    note = concern(session)
    assert session.unseal(note, "child_identifier") == CHILD  # never sealed for nobody


def test_a_new_lead_device_gets_it_at_the_next_save(session: Session) -> None:
    note = concern(session)
    lead_id, lead_key, lead_pub = device()
    own = (session.device_id, session.keys.device.kx_pub)
    session.seal_recipients = lambda inspection: [own, (lead_id, lead_pub)]
    note = session.save(note.note_id, autosave=True, body="more")
    blob = note.fields["child_identifier"]
    assert set(sealed_recipients(blob)) == {session.device_id, lead_id}
    assert open_value(blob, lead_id, lead_key,
                      field_context(note.note_id, "child_identifier")) == CHILD
    assert session.save(note.note_id, autosave=True, body="again").fields[
        "child_identifier"] == blob


def test_a_blob_copied_from_another_note_does_not_open_there(session: Session) -> None:
    first = concern(session)
    second = concern(session, child_identifier=first.fields["child_identifier"])
    assert second.fields["child_identifier"] == first.fields["child_identifier"]
    assert session.unseal(second, "child_identifier") is None
    assert session.unseal(first, "child_identifier") == CHILD


def test_never_searched_never_a_minimisation_warning(session: Session) -> None:
    note = concern(session)
    assert session.search("0101011234") == [] and session.search("CHI") == []
    assert session.search("home visit") == [session.get(note.note_id)]
    assert session.minimisation_warnings(note) == []


def test_plaintext_from_before_sealing_is_sealed_at_the_next_save(session: Session) -> None:
    note = concern(session, child_identifier=None)
    note.fields["child_identifier"] = CHILD  # as an old note decrypts: plaintext in the note
    assert session.unseal(note, "child_identifier") == CHILD
    note = session.save(note.note_id, autosave=True, body="touched")
    assert is_sealed(note.fields["child_identifier"])
    assert session.unseal(note, "child_identifier") == CHILD


def test_a_too_long_identifier_is_refused_before_sealing(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="child_identifier"):
        concern(session, child_identifier="x" * 201)


def test_export_redacts_the_identifier_in_free_text(session: Session, tmp_path: Path) -> None:
    from store.inspection import export_inspection

    ins = session.find_inspection(None)
    session.create(ins, "concern", "Concern", f"Mentioned {CHILD} in passing.",
                   {**CONCERN, "child_identifier": CHILD})
    [path] = export_inspection(session, ins, "md", tmp_path / "out")
    text = path.read_text()
    assert CHILD not in text and "[sealed]" in text and SEALED_PREFIX not in text


# -- the canary: never on disk ------------------------------------------------------------------
CANARY = "ZQX-sealed-4b1d-QXZ"
SCRIPT = f"""
import os, sys
from store import KdfParams, Profile
p = Profile(sys.argv[1])
s, _ = p.init("correct horse battery staple", KdfParams.floor(), author="AI")
ins = s.find_inspection(None)
fields = {{"raised_at": "2026-03-14T09:00", "nature": "n", "immediacy": "immediate",
          "child_identifier": "{CANARY}"}}
ids = [s.create(ins, "concern", "c %d" % i, "", fields).note_id for i in range(5)]
for i in ids:
    s.save(i, autosave=True, body="edited")
    s.save(i, fields={{**s.get(i).fields, "child_identifier": "{CANARY} 2"}})
assert s.search("{CANARY.split('-')[1]}") == []
assert s.unseal(ids[0], "child_identifier") == "{CANARY} 2"
s.save_head_cache()
os._exit(0)  # no checkpoint, no close: the -wal file is still there to be read
"""


def test_sealed_plaintext_never_reaches_disk(tmp_path: Path) -> None:
    profile, tmpdir = tmp_path / "profile", tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir), "SQLITE_TMPDIR": str(tmpdir)}
    subprocess.run([sys.executable, "-c", SCRIPT, str(profile)], check=True, env=env,
                   cwd=Path(__file__).parents[2], timeout=120)
    files = [p for root in (profile, tmpdir) for p in root.rglob("*") if p.is_file()]
    assert any(f.name.endswith("-wal") for f in files)
    needles = [CANARY.encode(), CANARY.encode("utf-16-le"), b"sealed-4b1d"]
    for f in files:
        data = f.read_bytes()
        for needle in needles:
            assert needle not in data, f"sealed plaintext found in {f.name}"


def test_a_partial_view_of_the_leads_never_narrows_a_blob(session: Session) -> None:
    lead_id, lead_key, lead_pub = device()
    own = (session.device_id, session.keys.device.kx_pub)
    session.seal_recipients = lambda inspection: [own, (lead_id, lead_pub)]
    note = concern(session)
    blob = note.fields["child_identifier"]
    session.seal_recipients = lambda inspection: [own]  # e.g. no roster known yet
    note = session.save(note.note_id, autosave=True, body="edited")
    assert note.fields["child_identifier"] == blob  # the other lead keeps access
    assert open_value(blob, lead_id, lead_key,
                      field_context(note.note_id, "child_identifier")) == CHILD
