"""The vault: passphrase and recovery slots, passphrase change, tampering, redaction."""

from __future__ import annotations

import json
import sqlite3

import pytest

from store import (
    KdfParams,
    KdfParamsError,
    Profile,
    SecretBytes,
    VaultError,
    VaultExists,
    WrongPassphrase,
)
from store.crypto import FLOOR_MEMORY_KIB
from tests.conftest import PASSPHRASE


def _snapshot(profile: Profile) -> list:
    return [list(profile.db.query(f"SELECT * FROM {t} ORDER BY 1"))
            for t in ("vault_slots", "secrets", "records", "meta")]


def test_wrong_passphrase_is_typed_and_changes_nothing(profile: Profile, session) -> None:
    session.lock()
    before = _snapshot(profile)
    with pytest.raises(WrongPassphrase) as info:
        profile.unlock("not the passphrase at all")
    assert info.value.exit_code == 3
    assert "not the passphrase" not in str(info.value)
    assert _snapshot(profile) == before


@pytest.mark.slow
def test_recovery_key_unlocks_and_resets(profile: Profile, recovery) -> None:
    session, words = recovery
    ins = session.find_inspection(None)
    note = session.create(ins, "note", "Kept through recovery", "body")
    session.lock()
    assert len(words.split()) == 24
    s2 = profile.unlock_recovery(words.upper())  # case and spacing do not matter
    assert s2.get(note.note_id).title == "Kept through recovery"
    s2.lock()
    profile.reset_passphrase_with_recovery(words, "a brand new passphrase", KdfParams.floor())
    with pytest.raises(WrongPassphrase):
        profile.unlock(PASSPHRASE)
    assert profile.unlock("a brand new passphrase").get(note.note_id).body == "body"


def test_bad_recovery_words(profile: Profile, recovery) -> None:
    _session, words = recovery
    w = words.split()
    w[0], w[1] = w[1], w[0]
    with pytest.raises(WrongPassphrase):
        profile.unlock_recovery(" ".join(w))
    with pytest.raises(WrongPassphrase):
        profile.unlock_recovery("abandon " * 24)


def test_passphrase_change_rewraps_only_the_ldk(profile: Profile, session) -> None:
    ins = session.find_inspection(None)
    session.create(ins, "note", "A note", "text")
    before = _snapshot(profile)
    profile.change_passphrase(PASSPHRASE, "another good passphrase", KdfParams.floor())
    after = _snapshot(profile)
    assert after[1:] == before[1:]  # secrets, records and meta untouched
    assert after[0] != before[0]
    with pytest.raises(WrongPassphrase):
        profile.unlock(PASSPHRASE)
    assert len(profile.unlock("another good passphrase").list_notes()) == 1


def test_passphrase_change_with_wrong_old_passphrase(profile: Profile, session) -> None:
    before = _snapshot(profile)
    with pytest.raises(WrongPassphrase):
        profile.change_passphrase("wrong wrong wrong", "another good passphrase")
    assert _snapshot(profile) == before


def _set_kdf(profile: Profile, **changes: int) -> None:
    row = next(profile.db.query("SELECT kdf FROM vault_slots WHERE slot = 'passphrase'"))
    d = json.loads(row["kdf"])
    d.update(changes)
    profile.db.execute("UPDATE vault_slots SET kdf = ? WHERE slot = 'passphrase'",
                       [json.dumps(d)])


def test_parameters_below_the_floor_are_refused(profile: Profile, session) -> None:
    _set_kdf(profile, m=FLOOR_MEMORY_KIB // 2)
    with pytest.raises(KdfParamsError, match="below the safe floor"):
        profile.unlock(PASSPHRASE)
    _set_kdf(profile, m=FLOOR_MEMORY_KIB, t=1)
    with pytest.raises(KdfParamsError):
        profile.unlock(PASSPHRASE)


def test_tampered_parameters_are_refused(profile: Profile, session) -> None:
    # raising the cost is above the floor, but the parameters are bound into the AAD
    _set_kdf(profile, t=4)
    with pytest.raises(WrongPassphrase):
        profile.unlock(PASSPHRASE)


def test_params_floor_and_new() -> None:
    with pytest.raises(KdfParamsError):
        KdfParams.new(memory_kib=1024)
    assert KdfParams.new().memory_kib == 256 * 1024


def test_init_twice_and_weak_passphrase(profile: Profile, session) -> None:
    with pytest.raises(VaultExists):
        profile.init(PASSPHRASE, KdfParams.floor())


def test_weak_passphrase_refused(profile: Profile) -> None:
    with pytest.raises(VaultError, match="too short"):
        profile.init("short", KdfParams.floor())
    assert not profile.has_vault


def test_secrets_are_redacted_and_wiped(session) -> None:
    s = SecretBytes(b"k" * 32)
    assert "k" not in repr(s) and "redacted" in repr(s)
    assert "redacted" in repr(session.keys) and "redacted" in repr(session.keyring)
    ldk = session.keys.ldk
    session.lock()
    assert ldk.wiped and session.locked
    with pytest.raises(ValueError):
        ldk.reveal()


def test_closing_a_closed_profile_does_nothing(profile_dir) -> None:
    # `fieldpad init` closes its profile, and the command closes every profile it opened after
    p = Profile(profile_dir)
    p.close()
    p.close()
    with pytest.raises(sqlite3.ProgrammingError):
        p.db.execute("SELECT 1")
