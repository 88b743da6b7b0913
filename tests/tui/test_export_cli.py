"""``fieldpad export`` and ``fieldpad evidence`` end to end, in subprocesses."""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

# each test runs fieldpad as subprocesses (a Python start-up and an unlock per call)
pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
PASSPHRASE = "correct horse battery staple"
SEALED = "CHI-0101011234"


class Cli:
    def __init__(self, tmp: Path) -> None:
        self.profile = tmp / "profile"
        self.secret = tmp / "secret"
        self.secret.write_text(PASSPHRASE + "\n")

    def __call__(self, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "tui", "--profile", str(self.profile), *args,
                "--passphrase-file", str(self.secret)]
        env = {k: v for k, v in os.environ.items() if k != "FIELDPAD_PROFILE"}
        r = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
        assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
        return r


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path)
    c("init", "--author", "AI", "--kdf-memory-mib", "64")
    c("inspection", "add", "Northshire 2026", "--partnership", "Northshire CPP")
    body = tmp_path / "body.md"
    body.write_text("Staff described long waits for initial referral discussions.\n")
    ins = ("--inspection", "Northshire 2026")
    c("note", "add", *ins, "--kind", "focus_group", "--title", "Health visitors",
      "--body-file", str(body), "--tag", "S1", "--tag", "status:uncertainty", "--tag", "afd")
    c("note", "add", *ins, "--kind", "record_review", "--title", "Record review R-017",
      "--field", "pseudonym=R-017", "--field", "chronology_grade=weak",
      "--tag", "S2", "--tag", "status:concern")
    c("note", "add", *ins, "--kind", "concern", "--title", "Concern from R-017",
      "--field", "raised_at=2026-03-14T09:41", "--field", "nature=bruising not followed up",
      "--field", "immediacy=immediate", "--field", f"child_identifier={SEALED}",
      "--tag", "S1", "--tag", "status:concern")
    return c


def test_export_markdown_warns_and_refuses_a_non_empty_folder(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "export"
    r = cli("export", "Northshire 2026", "--format", "md", "--output", str(out))
    paths = [Path(line) for line in r.stdout.splitlines()]
    assert sorted(p.name for p in paths) == ["concern-from-r-017.md", "health-visitors.md",
                                             "record-review-r-017.md"]
    assert "plaintext" in r.stderr and "encrypted media" in r.stderr
    for p in paths:
        assert p.parent == out and stat.S_IMODE(p.stat().st_mode) == 0o600
        assert SEALED not in p.read_text()
    assert "long waits" in (out / "health-visitors.md").read_text()
    r = cli("export", "Northshire 2026", "--format", "csv", "--output", str(out), code=1)
    assert "not empty" in r.stderr and "--overwrite" in r.stderr
    r = cli("export", "Northshire 2026", "--format", "csv", "--output", str(out),
            "--overwrite")
    with (out / "record-review-grades.csv").open(encoding="utf-8-sig", newline="") as f:
        [row] = list(csv.DictReader(f))
    assert row["pseudonym"] == "R-017" and row["Chronology"] == "weak"


def test_export_docx_opens_with_every_statement(cli: Cli, tmp_path: Path) -> None:
    import docx

    r = cli("export", "northshire 2026", "--format", "docx", "--output", str(tmp_path / "d"))
    [path] = [Path(line) for line in r.stdout.splitlines()]
    doc = docx.Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    for n in range(1, 5):
        assert f"Statement {n}:" in text
    assert "Health visitors" in text and SEALED not in text


def test_export_usage_errors(cli: Cli, tmp_path: Path) -> None:
    cli("export", "Northshire 2026", "--format", "pdf", "--output", str(tmp_path / "x"), code=2)
    r = cli("export", "Nowhere", "--format", "md", "--output", str(tmp_path / "y"), code=1)
    assert "no inspection called 'Nowhere'" in r.stderr
    assert not (tmp_path / "y").exists()


def test_evidence_matrix_table_and_json(cli: Cli) -> None:
    data = json.loads(cli("evidence", "Northshire 2026", "--json").stdout)
    assert data["inspection"] == "Northshire 2026" and data["notes_counted"] == 3
    counts = {r["tag"]: r["counts"] for r in data["rows"]}
    assert counts["S1"] == {"status:nsc": 0, "status:uncertainty": 1, "status:concern": 1,
                            "strength": 0, "afd": 1}
    assert counts["S2"]["status:concern"] == 1 and sum(counts["S3"].values()) == 0
    table = cli("evidence", "Northshire 2026").stdout.splitlines()
    s1 = next(line for line in table if line.startswith("1 Safer"))
    assert s1.split()[-5:] == ["0", "1", "1", "0", "1"]
    assert any(line.startswith("QI 2.1 Impact") for line in table)
