"""The damaged-head check runs in a helper process while the passphrase is stretched (issue
16): what it read stands for the profile only if nothing else wrote to it in between, a helper
that cannot run or fails leaves the check to the session, and a damaged head is caught
whichever way it is checked."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from store import Profile, Session, WrongPassphrase, _headcheck
from store._headcheck import HeadCheck
from store._streams import Streams
from store._vault import unlock_vault
from tests.conftest import PASSPHRASE
from tests.store.test_head_damage import flip


def _two_notes(session: Session) -> tuple[str, str]:
    ins = session.find_inspection(None)
    good = session.create(ins, "note", "Intact", "still fine")
    bad = session.create(ins, "note", "Visit", "what was said")
    session.lock()
    return good.note_id, bad.note_id


def test_the_helper_reads_what_the_sessions_own_check_reads(profile: Profile,
                                                             session: Session) -> None:
    good, bad = _two_notes(session)
    flip(profile, bad, -100)
    rows = HeadCheck(profile.db.conn, profile.path).rows()
    assert rows is not None
    assert sorted(rows) == sorted(Streams(profile.db).head_rows_checked())
    intact = {r[7]: r[8] for r in rows}
    assert intact[good] == 1 and intact[bad] == 0  # as SQLite gives a truth


def _watch_own_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the session's own checks (in this process; the helper's are not seen)."""
    calls: list[int] = []
    real = Streams.head_rows_checked

    def watched(self: Streams):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(self)

    monkeypatch.setattr(Streams, "head_rows_checked", watched)
    return calls


def test_unlock_takes_the_helpers_rows_and_still_names_the_damage(
        profile: Profile, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    good, bad = _two_notes(session)
    flip(profile, bad, -100)
    own = _watch_own_checks(monkeypatch)
    again = profile.unlock(PASSPHRASE)
    assert own == []  # checked by the helper, not again after
    assert good in again.notes and bad not in again.notes
    assert bad in again.damaged_notes
    again.lock()


@pytest.mark.parametrize("python", ["/nonexistent/python3", "/bin/false", ""])
def test_a_helper_that_cannot_run_or_fails_leaves_the_check_to_the_session(
        profile: Profile, session: Session, monkeypatch: pytest.MonkeyPatch,
        python: str) -> None:
    good, bad = _two_notes(session)
    flip(profile, bad, -100)
    monkeypatch.setattr(_headcheck, "PYTHON", python)
    assert HeadCheck(profile.db.conn, profile.path).rows() is None
    own = _watch_own_checks(monkeypatch)
    again = profile.unlock(PASSPHRASE)
    assert own == [1]
    assert good in again.notes and bad not in again.notes and bad in again.damaged_notes
    again.lock()


def test_a_write_by_another_connection_meanwhile_makes_the_session_check_again(
        profile: Profile, session: Session) -> None:
    good, bad = _two_notes(session)
    check = HeadCheck(profile.db.conn, profile.path)
    assert check.rows() is not None
    # another process damages a head after the thread read it: its rows no longer stand
    other = sqlite3.connect(profile.path)
    row = other.execute("SELECT h.collection_id, h.device_id, h.seq FROM heads h "
                        "WHERE h.note_id = ?", [bad]).fetchone()
    env = bytearray(other.execute("SELECT envelope FROM records WHERE collection_id = ? AND "
                                  "device_id = ? AND seq = ?", row).fetchone()[0])
    env[-100] ^= 1
    other.execute("UPDATE records SET envelope = ? WHERE collection_id = ? AND device_id = ? "
                  "AND seq = ?", [bytes(env), *row])
    other.commit()
    other.close()
    assert check.rows() is None
    fresh = Session(profile.db, unlock_vault(profile.db, PASSPHRASE), profile.device_id,
                    check=check)
    assert good in fresh.notes and bad not in fresh.notes and bad in fresh.damaged_notes
    fresh.lock()


def test_a_wrong_passphrase_stops_the_check(profile: Profile, session: Session,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _two_notes(session)
    helpers: list[subprocess.Popen[bytes] | None] = []
    real = HeadCheck.__init__

    def init(self: HeadCheck, *args: object) -> None:
        real(self, *args)  # type: ignore[arg-type]
        helpers.append(self._proc)

    monkeypatch.setattr(HeadCheck, "__init__", init)
    with pytest.raises(WrongPassphrase):
        profile.unlock("not the passphrase at all")
    assert len(helpers) == 1 and helpers[0] is not None
    # stopped (or done already: a small profile is checked before the KDF ends) and reaped
    assert helpers[0].returncode in (0, -signal.SIGKILL)


def test_an_early_check_is_taken_up_by_the_unlock(profile: Profile, session: Session,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    good, bad = _two_notes(session)
    flip(profile, bad, -100)
    _headcheck.start_early_check(profile.path)
    assert profile.path.resolve() in _headcheck._EARLY
    own = _watch_own_checks(monkeypatch)
    again = profile.unlock(PASSPHRASE)
    assert not _headcheck._EARLY and own == []  # its rows, not the session's own check
    assert good in again.notes and bad not in again.notes and bad in again.damaged_notes
    again.lock()


def test_an_early_check_stands_aside_for_any_commit_since_even_the_sessions_own(
        profile: Profile, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    good, bad = _two_notes(session)
    _headcheck.start_early_check(profile.path)
    flip(profile, bad, -100)  # through the profile's own connection, after the check began
    own = _watch_own_checks(monkeypatch)
    again = profile.unlock(PASSPHRASE)
    assert own == [1]  # the session checked again, and saw the damage
    assert good in again.notes and bad in again.damaged_notes
    again.lock()


def test_a_command_that_never_unlocks_stops_its_early_check(
        profile: Profile, session: Session, tmp_path: Path) -> None:
    from tui.cli import main

    session.lock()
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    stopped: list[object] = []
    real = HeadCheck.cancel

    def cancel(self: HeadCheck) -> None:
        stopped.append(self)
        real(self)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(HeadCheck, "cancel", cancel)
        # refused before unlocking: the body file does not exist
        assert main(["--profile", str(profile.directory), "--passphrase-file", str(secret),
                     "note", "add", "--title", "x", "--body-file",
                     str(tmp_path / "missing")]) != 0
    assert len(stopped) == 1 and not _headcheck._EARLY
