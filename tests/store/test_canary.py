"""Plaintext canary: text written into notes never reaches any file on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CANARY = "ZQX-canary-7f3a9c-QXZ"

SCRIPT = f"""
import sys
from store import KdfParams, Profile
p = Profile(sys.argv[1])
s, _ = p.init("correct horse battery staple", KdfParams.floor(), author="AI")
ins = s.add_inspection("{CANARY} inspection", "{CANARY} CPP")
ids = []
for i in range(30):
    n = s.create(ins, "interview", "{CANARY} title %d" % i, "{CANARY} body " * 50,
                 {{"setting": "{CANARY} setting", "agreement_obtained": True}}, ["#canary"])
    ids.append(n.note_id)
for i in ids[:10]:
    s.save(i, autosave=True, body="edited {CANARY} " * 40)
    s.save(i, body="saved {CANARY} " * 40)
for i in ids[10:20]:
    s.delete(i)
assert len(s.search("{CANARY.split('-')[1]}")) > 0
s.lock()
s2 = p.unlock("correct horse battery staple")
assert len(s2.list_notes()) == 20
p.checkpoint()
p.close()
"""


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.slow
def test_no_plaintext_on_disk(tmp_path: Path) -> None:
    profile, tmpdir = tmp_path / "profile", tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir), "SQLITE_TMPDIR": str(tmpdir)}
    subprocess.run([sys.executable, "-c", SCRIPT, str(profile)], check=True, env=env,
                   cwd=Path(__file__).parents[2], timeout=120)
    files = _files_under(profile) + _files_under(tmpdir)
    assert any(f.name == "fieldpad.db" for f in files)
    needles = [CANARY.encode(), CANARY.encode("utf-16-le"), b"canary-7f3a9c"]
    for f in files:
        data = f.read_bytes()
        for needle in needles:
            assert needle not in data, f"plaintext found in {f.name}"
