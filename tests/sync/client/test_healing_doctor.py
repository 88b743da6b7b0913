"""Issue 11: ``fieldpad doctor`` reports what the server lost, holds damaged or claims beyond
this device's chain, and ``fieldpad doctor --repair`` heals it and says what it did. The real
command in a subprocess, on profiles of a team synced through a real server process (SQLite
and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from store import Profile, parse_rev
from tests.conftest import PASSPHRASE
from tests.sync.client._checks import write_notes
from tests.sync.client._tamper import flip_byte, roll_back, server_head, set_head
from tests.sync.client.conftest import Device, Server, make_team
from tests.sync.client.test_healing import converged

ROOT = Path(__file__).parents[3]
pytestmark = pytest.mark.slow


def doctor(device: Device, *args: str, code: int, command: str = "doctor") -> str:
    """`fieldpad doctor ARGS` (or another command) on the device's profile, the in-process
    session closed around it; returns stdout and stderr (the exit status must be ``code``)."""
    device.close()
    secret = device.profile.directory.parent / f"{device.name}.secret"
    secret.write_text(PASSPHRASE + "\n")
    env = {k: v for k, v in os.environ.items() if k != "FIELDPAD_PROFILE"}
    try:
        r = subprocess.run([sys.executable, "-m", "tui", "--profile",
                            str(device.profile.directory), command, *args,
                            "--passphrase-file", str(secret)],
                           capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    finally:
        device.profile = Profile(device.profile.directory)
        device.session = device.profile.unlock(PASSPHRASE)
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == code, (args, r.returncode, r.stdout, r.stderr)
    return r.stdout + r.stderr


def test_doctor_reports_and_repairs_a_rollback_and_a_damaged_record(
        server: Server, tmp_path: Path) -> None:
    team, (lead, bob) = make_team(server, tmp_path, ["bob"])
    try:
        written: dict[str, str] = {}
        write_notes(lead.session, "evidence", 5, written)
        assert lead.sync().ok and bob.sync().ok
        cid, me = lead.team(), lead.session.device_id
        assert doctor(lead, code=0).strip().endswith("all good")

        # a restore from an older backup: doctor names what is lost, --repair sends it again
        head, _ = server_head(server, cid, me)
        roll_back(server, cid, me, 3)
        out = doctor(lead, code=1)
        assert f"SERVER Northshire 2026 · team: the server lost records {head - 2}-{head}" \
            in out, out
        out = doctor(lead, "--repair", code=0)
        assert "re-sent 3 records the server had lost" in out, out
        assert server_head(server, cid, me)[0] == head
        assert doctor(lead, code=0).strip().endswith("all good")
        roll_back(server, cid, me, 1)  # and again: a plain `fieldpad sync` heals it too
        out = doctor(lead, code=0, command="sync")
        assert "healed Northshire 2026 · team: re-sent 1 record the server had lost" in out, out

        # a flipped byte: bob sets it aside and reports it; doctor says so on both devices
        later = write_notes(lead.session, "later", 2, written)
        assert lead.sync().ok
        bad = parse_rev(later[0].rev)[1]
        flip_byte(server, cid, me, bad)
        assert bob.sync().reported_damage == 1
        out = doctor(bob, code=1)
        assert f"SET ASIDE record {cid.hex()[:8]}/{me.hex()[:8]}/{bad}:" in out, out
        report = json.loads(doctor(bob, "--json", code=1))
        assert len(report["set_aside"]) == 1 and report["problems"] == []
        out = doctor(lead, code=1)
        assert "holds 1 damaged record of this device's stream" in out, out
        out = doctor(lead, "--repair", code=0)
        assert "replaced 1 damaged record on the server" in out, out
        out = doctor(bob, "--repair", code=0)
        assert "fetched 1 set-aside record again" in out, out
        assert doctor(bob, code=0).strip().endswith("all good")
        converged([lead, bob], written)
    finally:
        team.close()


def test_doctor_raises_an_alert_for_a_head_ahead_and_repairs_nothing(
        server: Server, tmp_path: Path) -> None:
    team, (lead, bob) = make_team(server, tmp_path, ["bob"])
    try:
        write_notes(bob.session, "mine", 1, {})
        assert bob.sync().ok
        cid, me = bob.team(), bob.session.device_id
        head, _ = server_head(server, cid, me)
        set_head(server, cid, me, head + 3)
        (note,) = write_notes(bob.session, "unsent", 1, {})
        out = doctor(bob, code=1, command="sync")
        assert "up 0 records" in out and "ALERT: Northshire 2026 · team: the server says" in out
        out = doctor(bob, code=1)
        assert "ALERT Northshire 2026 · team: the server says it holds records up to seq " \
            f"{head + 3}" in out, out
        out = doctor(bob, "--repair", code=1)
        assert "ALERT: " in out and "nothing to repair" not in out, out
        assert not bob.session.get(note.note_id).pushed
        set_head(server, cid, me, head)
        out = doctor(bob, "--repair", code=0)
        assert bob.session.get(note.note_id).pushed
    finally:
        team.close()
