"""The ``fieldpad`` command end to end, in subprocesses, unlocking with --passphrase-file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PASSPHRASE = "correct horse battery staple"


class Cli:
    def __init__(self, tmp: Path) -> None:
        self.profile = tmp / "profile"
        self.secret = tmp / "secret"
        self.secret.write_text(PASSPHRASE + "\n")
        self.tmp = tmp

    def __call__(self, *args: str, unlock: bool = True, input: str | None = None,
                 code: int = 0) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "tui", "--profile", str(self.profile), *args]
        if unlock:
            argv += ["--passphrase-file", str(self.secret)]
        env = {k: v for k, v in os.environ.items() if k != "FIELDPAD_PROFILE"}
        r = subprocess.run(argv, capture_output=True, text=True, input=input, cwd=ROOT, env=env,
                           timeout=60)
        assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
        return r


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path)
    r = c("init", "--author", "AI", "--kdf-memory-mib", "64")
    words = [w.split(".", 1)[1] for w in r.stdout.split() if "." in w and w[0].isdigit()]
    assert len(words) == 24
    c.words = " ".join(words)  # type: ignore[attr-defined]
    return c


def test_version_is_fast_path() -> None:
    r = subprocess.run([sys.executable, "-m", "tui", "--version"], capture_output=True,
                       text=True, cwd=ROOT, check=True)
    assert r.stdout.startswith("fieldpad ")
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "tui", "--version"],
                         capture_output=True, text=True, cwd=ROOT).stderr
    for heavy in ("textual", "cryptography", "sqlite_utils", "httpx"):
        assert f" {heavy}" not in out, f"--version imports {heavy}"


def test_create_list_show_edit_history(cli: Cli, tmp_path: Path) -> None:
    body = tmp_path / "body.md"
    body.write_text("Staff described long waits.\n")
    note_id = cli("note", "add", "--kind", "focus_group", "--title", "Health visitors",
                  "--body-file", str(body), "--field", "number_attending=7",
                  "--tag", "S1").stdout.strip()
    assert len(note_id) == 32
    rows = json.loads(cli("note", "list", "--json").stdout)
    assert [(r["id"], r["kind"], r["title"], r["inspection"], r["state"], r["author"])
            for r in rows] == [(note_id, "focus_group", "Health visitors", "Notebook", "active",
                                "AI")]
    assert "updated" in rows[0]
    shown = json.loads(cli("note", "show", note_id[:8], "--json").stdout)
    assert shown["body"] == "Staff described long waits.\n"
    assert shown["fields"] == {"number_attending": 7} and shown["tags"] == ["S1"]
    body.write_text("Staff described long waits in the north.\n")
    cli("note", "edit", note_id, "--body-file", str(body), "--tag", "status:uncertainty")
    shown = json.loads(cli("note", "show", note_id, "--json").stdout)
    assert "north" in shown["body"] and shown["tags"] == ["S1", "status:uncertainty"]
    hist = json.loads(cli("note", "history", note_id, "--json").stdout)
    assert len(hist) == 2 and hist[1]["parents"] == [hist[0]["rev"]]
    # provenance: the signing device of each revision and its author (a local notebook: AI)
    assert [h["author"] for h in hist] == ["AI", "AI"] and len(hist[1]["device"]) == 32
    assert (shown["author"], shown["first_author"], shown["author_device"]) == (
        "AI", "AI", hist[1]["device"])
    printed = cli("note", "history", note_id, "--devices").stdout
    diff = cli("note", "diff", note_id).stdout
    assert "## Notes\nStaff described long waits{+ in the north+}.\n" in diff, diff
    assert "## Tags\nS1{+ status:uncertainty+}" in diff
    changed = json.loads(cli("note", "diff", note_id, "1", "2", "--json").stdout)["changes"]
    assert [c["field"] for c in changed] == ["body", "tags"]
    assert "no revision 'zzz'" in cli("note", "diff", note_id, "zzz", code=1).stderr
    assert hist[1]["fingerprint"] and hist[1]["fingerprint"] in printed
    cli("note", "restore", note_id, hist[0]["rev"])
    assert "north" not in json.loads(cli("note", "show", note_id, "--json").stdout)["body"]
    cli("note", "delete", note_id)
    assert json.loads(cli("note", "list", "--json").stdout) == []


def test_wrong_passphrase_exit_3(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_text("not the right passphrase\n")
    r = cli("note", "list", "--passphrase-file", str(bad), unlock=False, code=3)
    assert "wrong passphrase" in r.stderr


def test_usage_errors_and_validation(cli: Cli) -> None:
    cli("note", "add", "--kind", "nonsense", "--title", "x", code=2)
    r = cli("note", "add", "--kind", "record_review", "--title", "R", "--field",
            "pseudonym=Jane Smith", code=2)
    assert "pseudonym" in r.stderr
    r = cli("note", "add", "--title", "x", "--field", "nosuch=1", code=2)
    assert "no such field" in r.stderr
    r = cli("note", "show", "deadbeef", code=1)
    assert "no note" in r.stderr
    cli("unlock", "check", unlock=False, code=3, input="")  # no terminal, no passphrase


def test_inspection_and_import(cli: Cli, tmp_path: Path) -> None:
    cli("inspection", "add", "Northshire 2026", "--partnership", "Northshire CPP")
    names = [i["name"] for i in json.loads(cli("inspection", "list", "--json").stdout)]
    assert names == ["Northshire 2026", "Notebook"]
    r = cli("note", "add", "--title", "x", code=1)
    assert "several inspections" in r.stderr
    folder = tmp_path / "md"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.md").write_text("# Walk round\n\nBusy but calm.\n")
    (folder / "sub" / "b.markdown").write_text("No heading here.\n")
    (folder / "ignored.txt").write_text("not markdown")
    cli("note", "import", str(folder), "--inspection", "Northshire 2026")
    rows = json.loads(cli("note", "list", "--inspection", "Northshire 2026", "--json").stdout)
    assert sorted(r["title"] for r in rows) == ["Walk round", "b"]


def test_import_is_all_or_nothing(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "md"
    folder.mkdir()
    (folder / "a.md").write_text("# Fine\n\ntext\n")
    (folder / "b.md").write_text("# " + "T" * 300 + "\n")  # title cut to 200: still valid
    (folder / "c.md").write_text("#   \nan empty heading falls back to the file name\n")
    cli("note", "import", str(folder))
    titles = sorted(r["title"] for r in json.loads(cli("note", "list", "--json").stdout))
    assert titles == ["Fine", "T" * 200, "c"]
    again = tmp_path / "again"
    again.mkdir()
    (again / "a.md").write_text("# Would be fine\n")
    (again / "b.md").write_text("# Too long a body\n" + "x" * 250_000)
    r = cli("note", "import", str(again), code=1)
    assert "b.md" in r.stderr and "nothing was imported" in r.stderr
    assert len(json.loads(cli("note", "list", "--json").stdout)) == 3


def test_passwd_and_recovery(cli: Cli, tmp_path: Path) -> None:
    both = tmp_path / "both"
    both.write_text(f"{PASSPHRASE}\nan entirely new passphrase\n")
    cli("passwd", "--passphrase-file", str(both), unlock=False)
    cli("unlock", "check", code=3)
    new = tmp_path / "new"
    new.write_text("an entirely new passphrase\n")
    cli("unlock", "check", "--passphrase-file", str(new), unlock=False)
    words = tmp_path / "words"
    words.write_text(cli.words + "\n")  # type: ignore[attr-defined]
    r = cli("unlock", "check", "--recovery", "--passphrase-file", str(words), unlock=False)
    assert r.stdout.startswith("unlocked")


def test_doctor_names_a_damaged_record(cli: Cli) -> None:
    ids = [cli("note", "add", "--title", f"note {i}").stdout.strip() for i in range(3)]
    assert cli("doctor").stdout.strip().endswith("all good")
    import sqlite3

    db = sqlite3.connect(cli.profile / "fieldpad.db")
    seq, env = db.execute("SELECT seq, envelope FROM records WHERE note_id = ?",
                          [ids[1]]).fetchone()
    damaged = bytearray(env)
    damaged[150] ^= 0xFF
    db.execute("UPDATE records SET envelope = ? WHERE note_id = ?", [bytes(damaged), ids[1]])
    # without the sealed head cache every head is opened from its envelope, as on a new device
    db.execute("DELETE FROM secrets WHERE name = 'headcache'")
    db.commit()
    db.close()
    r = cli("doctor", code=1)
    assert f"/{seq}:" in r.stdout and "BAD" in r.stdout
    r = cli("note", "list", "--json")
    assert sorted(x["id"] for x in json.loads(r.stdout)) == sorted([ids[0], ids[2]])
    assert "doctor" in r.stderr
    assert json.loads(cli("note", "show", ids[2], "--json").stdout)["title"] == "note 2"


def test_config(cli: Cli) -> None:
    assert cli("config", "get", "idle_lock_minutes").stdout.strip() == "10"
    cli("config", "set", "idle_lock_minutes", "5")
    cli("config", "set", "server", "https://sync.example.org")
    assert cli("config", "get", "idle_lock_minutes").stdout.strip() == "5"
    assert "server = \"https://sync.example.org\"" in cli("config", "list").stdout
    r = cli("config", "set", "server", "http://sync.example.org", code=2)
    assert "https" in r.stderr
    cli("config", "set", "idle_lock_minutes", "many", code=2)
    cli("config", "set", "colour", "red", code=1)
    for f in cli.profile.iterdir():  # settings are sealed too: not in the db, -wal or -shm
        assert b"sync.example.org" not in f.read_bytes(), f.name


def test_inspection_timeline(cli: Cli) -> None:
    cli("inspection", "add", "Northshire 2026")
    r = cli("inspection", "timeline", "Northshire 2026", "--notification", "2026-01-05",
            "--holiday", "2026-02-16")
    assert "week  1" in r.stdout and "today: " in r.stdout
    cli("inspection", "timeline", "Northshire 2026", "--notification", "5 Jan", code=2)
    # sealed in the inspection's metadata: it survives a new unlock
    from store import Profile
    from tests.tui.test_cli import PASSPHRASE as P

    s = Profile(cli.profile).unlock(P)
    ins = s.find_inspection("Northshire 2026")
    assert ins.extra["timeline"]
    s.lock()
