"""``fieldpad serve``, ``server admin``, ``enrol`` and ``sync`` end to end, all as subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tui.test_cli import ROOT, Cli

# each test runs fieldpad as subprocesses (a Python start-up and an unlock per call)
pytestmark = pytest.mark.slow


def admin(db: Path, *args: str) -> str:
    r = subprocess.run([sys.executable, "-m", "tui", "server", "admin", "--db", str(db), *args],
                       capture_output=True, text=True, cwd=ROOT, timeout=60, check=True)
    return r.stdout


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db = tmp_path / "server.db"
    admin(db, "user", "add", "lead")
    proc = subprocess.Popen([sys.executable, "-m", "tui", "serve", "--db", str(db), "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("listening on "), line
    yield line.split()[-1], db
    proc.terminate()
    proc.wait(timeout=10)


def _cli(tmp_path: Path, name: str) -> Cli:
    root = tmp_path / name
    root.mkdir()
    c = Cli(root)
    c("init", "--author", name.upper()[:3], "--kdf-memory-mib", "64")
    return c


def test_enrol_and_sync_two_devices(tmp_path: Path, served: tuple[str, Path]) -> None:
    url, db = served
    admin(db, "inspection", "add", "Northshire 2026", "--lead", "lead")
    laptop = _cli(tmp_path, "laptop")
    code = admin(db, "invite", "lead").strip().splitlines()[-1]
    r = laptop("enrol", url, code)
    assert "fingerprint" in r.stdout.lower()
    r = laptop("sync")
    assert r.stdout.startswith("synced")
    names = [i["name"] for i in json.loads(laptop("inspection", "list", "--json").stdout)]
    assert "Northshire 2026" in names
    note_id = laptop("note", "add", "--inspection", "Northshire 2026", "--title",
                     "Walk round", "--tag", "S1").stdout.strip()
    r = laptop("sync", "--quiet")  # no progress lines on stderr; the summary still printed
    assert "up 1 record " in r.stdout and r.stderr == ""  # the details went up in the first
    # a second device of the same user: enrols, answers the laptop's invitation, is added to
    # the signed roster and given the keys by the first, pulls
    spare = _cli(tmp_path, "spare")
    spare("enrol", url, admin(db, "invite", "lead").strip().splitlines()[-1])
    team_code = laptop("team", "invite", "lead", "--inspection", "Northshire 2026")
    spare("team", "join", team_code.stdout.strip().splitlines()[-1])
    assert "added to the team" in laptop("sync").stdout
    assert "joined Northshire 2026" in spare("sync").stdout
    shown = json.loads(spare("note", "show", note_id, "--json").stdout)
    assert shown["title"] == "Walk round" and shown["tags"] == ["S1"]
    # the same code cannot be used twice
    r = spare("enrol", url, code, code=5)
    assert "refused" in r.stderr
    # revoked: exit 5 (the device, not the passphrase), notes still there
    device_line = next(x for x in admin(db, "device", "list").splitlines()
                       if x.strip())  # the first device enrolled: the laptop
    admin(db, "device", "revoke", device_line.split()[0])
    r = laptop("sync", code=5)
    assert "401" in r.stderr or "403" in r.stderr
    assert json.loads(laptop("note", "show", note_id, "--json").stdout)["title"] == "Walk round"


def test_sync_errors_have_exit_codes(tmp_path: Path) -> None:
    c = _cli(tmp_path, "alone")
    r = c("sync", code=1)
    assert "fieldpad enrol" in r.stderr
    c("config", "set", "server", "http://127.0.0.1:9")  # nothing listens on the discard port
    r = c("sync", code=4)
    assert "safe on this device" in r.stderr


def test_team_invite_join_list_verify_remove(tmp_path: Path, served: tuple[str, Path]) -> None:
    url, db = served
    admin(db, "user", "add", "alice")
    admin(db, "inspection", "add", "Northshire 2026", "--lead", "lead")
    lead = _cli(tmp_path, "lead")
    lead("enrol", url, admin(db, "invite", "lead").strip().splitlines()[-1])
    lead("sync")
    alice = _cli(tmp_path, "alice")
    alice("enrol", url, admin(db, "invite", "alice").strip().splitlines()[-1])
    # a member cannot invite; the code is the last line the lead's invite prints
    r = lead("team", "invite", "alice")
    code = r.stdout.strip().splitlines()[-1]
    assert len(code.replace("-", "")) == 40 and "in person" in r.stderr
    typo = ("Y" if code[0] == "X" else "X") + code[1:]  # one character mistyped
    r = alice("team", "join", typo, code=1)
    assert "mistyped" in r.stderr or "check" in r.stderr
    alice("team", "join", code)
    assert "added to the team" in lead("sync").stdout
    assert "joined Northshire 2026" in alice("sync").stdout
    roster = json.loads(alice("team", "list", "--inspection", "Northshire 2026",
                              "--json").stdout)
    assert {(d["user"], d["role"]) for d in roster} == {("lead", "lead"), ("alice", "member")}
    lead_fp = next(d["fingerprint"] for d in roster if d["user"] == "lead")
    # compare in person, then mark verified (by fingerprint prefix)
    alice("team", "verify", lead_fp[:9], "--inspection", "Northshire 2026")
    listed = alice("team", "list", "--inspection", "Northshire 2026").stdout
    assert f"{lead_fp}  verified" in listed
    r = alice("team", "invite", "lead", "--inspection", "Northshire 2026", code=1)
    assert "only a lead" in r.stderr
    # removal: alice is told at her next sync; her notes stay on her device
    r = lead("team", "remove", "alice", "--inspection", "Northshire 2026")
    assert "rotated" in r.stdout
    assert "no longer shared" in alice("sync").stdout


@pytest.mark.slow
def test_own_second_device_linked_and_sync_exit_codes_while_waiting(
        tmp_path: Path, served: tuple[str, Path]) -> None:
    """Issue 11, item 6: `fieldpad sync` exits 5 (not admitted yet) and names who must sync
    next until the new device has its keys; `team link` on the device alice holds; no lead
    action at all."""
    url, db = served
    admin(db, "user", "add", "alice")
    admin(db, "inspection", "add", "Northshire 2026", "--lead", "lead")
    lead = _cli(tmp_path, "lead")
    lead("enrol", url, admin(db, "invite", "lead").strip().splitlines()[-1])
    lead("sync")
    note_id = lead("note", "add", "--inspection", "Northshire 2026", "--title",
                   "Walk round").stdout.strip()
    laptop = _cli(tmp_path, "laptop")
    laptop("enrol", url, admin(db, "invite", "alice").strip().splitlines()[-1])
    laptop("team", "join", lead("team", "invite", "alice").stdout.strip().splitlines()[-1])
    lead("sync")
    laptop("sync")
    phone = _cli(tmp_path, "phone")
    phone("enrol", url, admin(db, "invite", "alice").strip().splitlines()[-1])
    r = phone("sync", code=5)  # enrolled, on no roster: not done
    assert "not on the team roster" in r.stderr and "fieldpad team link" in r.stderr
    r = laptop("team", "link", "--inspection", "Northshire 2026")
    code = r.stdout.strip().splitlines()[-1]
    assert "fieldpad team join" in r.stderr
    phone("team", "join", code)
    r = phone("sync", code=5)
    assert "showed the code" in r.stderr and "must sync next" in r.stderr
    assert "vouched for your new device alice" in laptop("sync").stdout
    r = phone("sync", code=5)
    assert "a lead's device (lead) must sync next" in r.stderr
    assert "added to the team" in lead("sync").stdout  # the lead's usual sync, nothing more
    r = phone("sync")
    assert "joined Northshire 2026" in r.stdout and "problem" not in r.stderr
    assert json.loads(phone("note", "show", note_id, "--json").stdout)["title"] == "Walk round"
