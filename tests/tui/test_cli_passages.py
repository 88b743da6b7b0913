"""``fieldpad note edit`` moves tagged passages with their words (issue 12), in the body and in
a long text field, and says which tags lost their words. In process, unlocking with a
passphrase file."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from store import KdfParams, PassageTag, Profile
from tests.conftest import PASSPHRASE
from tui.cli import _note
from tui.cli._common import lock_all


def test_note_edit_moves_passages_with_their_words(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    profile = Profile(tmp_path / "p")
    session, _ = profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
    ins = session.find_inspection(None)
    note = session.create(ins, "interview", "Carer", "Calm. Listened to.",
                          {"participant_type": "staff", "agreement_obtained": True,
                           "key_quotes": "“Better now.” Worse before."},
                          passages=[PassageTag(6, 18, "S2"),
                                    PassageTag(0, 13, "S1", "key_quotes"),
                                    PassageTag(14, 26, "afd", "key_quotes")])
    session.lock()
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    body = tmp_path / "body.txt"
    body.write_text("Very calm, all day. Listened to.")
    args = argparse.Namespace(id=note.note_id, title=None, body_file=str(body),
                              field=["key_quotes=She said: “Better now.”"], tag=[], untag=[],
                              passphrase_fd=None, passphrase_file=str(secret))
    try:
        assert _note.cmd_note_edit(profile, args) == 0
        err = capsys.readouterr().err
        s2 = profile.unlock(PASSPHRASE)
        saved = s2.get(note.note_id)
        s2.lock()
    finally:
        lock_all()
        profile.close()
    assert "passage tag afd removed" in err
    words = {p.tag: (saved.fields[p.field] if p.field else saved.body)[p.start:p.end]
             for p in saved.passages}
    assert words == {"S2": "Listened to.", "S1": "“Better now.”"}
