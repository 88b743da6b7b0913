"""The ``fieldpad`` console script (``tui.cli.run``) ends its process at once once the command
is done, without freeing its notes one by one (issue 16): nothing it wrote or printed may be
lost for that, and the profile is left closed, its log checkpointed, as at a normal exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from store import Profile, Session
from tests.conftest import PASSPHRASE

ROOT = Path(__file__).parents[2]
#: enough rows that the JSON list is larger than a pipe's buffer (64 KiB on Linux)
NOTES = 400


@pytest.fixture
def listed(profile: Profile, session: Session, tmp_path: Path) -> Path:
    ins = session.find_inspection(None)
    with session.db.atomic():
        for i in range(NOTES):
            session.create(ins, "note", f"Note {i} " + "x" * 120, "body", tags=["S1"])
    session.lock()
    profile.close()
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    return secret


def fieldpad(profile: Profile, secret: Path, *argv: str,
             prelude: str = "") -> subprocess.Popen[bytes]:
    code = f"import sys\n{prelude}\nfrom tui.cli import run\nsys.argv[0] = 'fieldpad'\nrun()\n"
    env = {k: v for k, v in os.environ.items() if k != "FIELDPAD_PROFILE"}
    return subprocess.Popen(
        [sys.executable, "-c", code, "--profile", str(profile.directory), "--passphrase-file",
         str(secret), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env)


def test_every_row_is_printed_and_the_profile_left_closed(profile: Profile,
                                                           listed: Path) -> None:
    proc = fieldpad(profile, listed, "note", "list", "--json")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert err == b""
    rows = json.loads(out)
    assert len(out) > 64 * 1024 and len(rows) == NOTES
    assert sorted(int(r["title"].split()[1]) for r in rows) == list(range(NOTES))
    # closed and checkpointed: the last connection's close removes the log and its index
    assert sorted(p.name for p in profile.directory.iterdir()) == ["fieldpad.db"]


def test_a_reader_that_stops_early_ends_it_quietly(profile: Profile, listed: Path) -> None:
    proc = fieldpad(profile, listed, "note", "list", "--json")
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(10) == b"[\n  {\"id\":"
    proc.stdout.close()  # `fieldpad note list --json | head -c 10`
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0
    assert b"Traceback" not in err and b"Exception ignored" not in err, err


def test_exit_handlers_still_run(profile: Profile, listed: Path) -> None:
    prelude = "import atexit\natexit.register(sys.stderr.write, 'handler ran\\n')"
    proc = fieldpad(profile, listed, "note", "list", prelude=prelude)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert err == b"handler ran\n"
    assert len(out.splitlines()) == NOTES
