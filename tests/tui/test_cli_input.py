"""Bad input at the command line (issue 11, item 7): body files read with a bound and decoded
strictly, imports that refuse links leaving the folder, terminal escapes shown escaped, and
passphrase problems that exit 3. Each failure is a clear line, exit 2 (or 3), nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tui.test_cli import Cli

ESC_TITLE = "\x1b[2J\x1b[31mRed\x1b]0;pwned\x07 title\x9b1m"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path)
    c("init", "--author", "AI", "--kdf-memory-mib", "64")
    return c


def notes(cli: Cli) -> list[dict]:
    return json.loads(cli("note", "list", "--json").stdout)


def test_body_file_from_dev_zero_is_refused_with_a_bound(cli: Cli) -> None:
    r = cli("note", "add", "--title", "Zeros", "--body-file", "/dev/zero", code=2)
    assert "/dev/zero" in r.stderr and "larger than" in r.stderr
    assert notes(cli) == []


def test_binary_and_non_utf8_body_files_are_refused(cli: Cli, tmp_path: Path) -> None:
    png = tmp_path / "photo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    r = cli("note", "add", "--title", "Photo", "--body-file", str(png), code=2)
    assert "photo.png" in r.stderr and "binary" in r.stderr
    assert "internal error" not in r.stderr
    nul = tmp_path / "nul.md"
    nul.write_bytes(b"text with a \x00 byte in it\n")
    r = cli("note", "add", "--title", "Nul", "--body-file", str(nul), code=2)
    assert "binary" in r.stderr
    latin = tmp_path / "latin1.md"
    latin.write_bytes("Caf\u00e9 au lait, na\u00efve\n".encode("latin-1"))
    r = cli("note", "add", "--title", "Latin", "--body-file", str(latin), code=2)
    assert "latin1.md" in r.stderr and "not UTF-8 text" in r.stderr and "byte 4" in r.stderr
    assert notes(cli) == []
    # an edit with a bad body changes nothing either
    good = tmp_path / "good.md"
    good.write_text("Caf\u00e9 au lait\n", encoding="utf-8")
    note_id = cli("note", "add", "--title", "Good", "--body-file", str(good)).stdout.strip()
    before = json.loads(cli("note", "show", note_id, "--json").stdout)
    cli("note", "edit", note_id, "--body-file", str(latin), code=2)
    cli("note", "edit", note_id, "--body-file", "/dev/zero", code=2)
    shown = json.loads(cli("note", "show", note_id, "--json").stdout)
    assert shown["body"] == "Caf\u00e9 au lait\n" and shown["rev"] == before["rev"]


def test_body_from_stdin_is_bounded_and_strict(cli: Cli) -> None:
    r = cli("note", "add", "--title", "Piped", "--body-file", "-",
            input="fine text\n")
    assert len(r.stdout.strip()) == 32
    big = "x" * 900_000
    r = cli("note", "add", "--title", "Piped big", "--body-file", "-", input=big, code=2)
    assert "standard input" in r.stderr and "larger than" in r.stderr
    assert [n["title"] for n in notes(cli)] == ["Piped"]


def test_import_refuses_links_that_leave_the_folder(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "old-notes"
    folder.mkdir()
    (folder / "visit.md").write_text("# Visit\nA walk round the office.\n")
    (folder / "same.md").symlink_to(folder / "visit.md")  # inside the folder: fine
    secret = tmp_path / "outside" / "secret.md"
    secret.parent.mkdir()
    secret.write_text("# Not for the team\nroot:x:0:0\n")
    (folder / "passwd.md").symlink_to(secret)
    r = cli("note", "import", str(folder), code=2)
    assert "passwd.md" in r.stderr and "outside" in r.stderr
    assert "nothing was imported" in r.stderr
    assert notes(cli) == []
    # a file named on its own that links elsewhere is refused too
    (folder / "passwd.md").unlink()
    (tmp_path / "etc.md").symlink_to("/etc/passwd")
    r = cli("note", "import", str(tmp_path / "etc.md"), code=2)
    assert "etc.md" in r.stderr
    assert notes(cli) == []
    # a linked folder leading out is not walked into: only the folder's own files come in
    (folder / "elsewhere").symlink_to(secret.parent, target_is_directory=True)
    cli("note", "import", str(folder))
    assert sorted(n["title"] for n in notes(cli)) == ["Visit", "Visit"]


def test_import_refuses_binary_and_huge_files(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.md").write_bytes(b"# A\n\xff\xfe broken\n")
    r = cli("note", "import", str(folder), code=2)
    assert "a.md" in r.stderr and "not UTF-8 text" in r.stderr
    assert notes(cli) == []


def test_terminal_escapes_in_titles_are_shown_escaped(cli: Cli, tmp_path: Path) -> None:
    note_id = cli("note", "add", "--title", ESC_TITLE, "--field", "x=1", code=2)  # bad field
    note_id = cli("note", "add", "--title", ESC_TITLE).stdout.strip()
    for args in (("note", "list"), ("note", "show", note_id), ("note", "history", note_id),
                 ("note", "list", "--json"), ("note", "show", note_id, "--json")):
        r = cli(*args)
        for raw in ("\x1b", "\x07", "\x9b"):
            assert raw not in r.stdout, (args, r.stdout)
    listed = cli("note", "list").stdout
    assert "\\u001b[31mRed" in listed
    shown = cli("note", "show", note_id).stdout
    assert "# \\u001b[2J\\u001b[31mRed\\u001b]0;pwned\\u0007 title\\u009b1m" in shown
    # JSON keeps the exact title: the escapes are JSON's own
    assert json.loads(cli("note", "show", note_id, "--json").stdout)["title"] == ESC_TITLE
    # an error that names things (here: the inspections to choose from) is escaped too
    cli("inspection", "add", f"North{ESC_TITLE}")
    r = cli("note", "add", "--title", "Which one?", code=1)
    assert "several inspections" in r.stderr and "North\\u001b[2J" in r.stderr
    assert all(raw not in r.stderr for raw in ("\x1b", "\x07", "\x9b"))


def test_passphrase_file_problems_exit_3(cli: Cli, tmp_path: Path) -> None:
    r = cli("note", "list", "--passphrase-file", str(tmp_path / "missing"), unlock=False,
            code=3)
    assert "cannot read the passphrase" in r.stderr
    bad = tmp_path / "latin"
    bad.write_bytes(b"caf\xe9\n")
    r = cli("note", "list", "--passphrase-file", str(bad), unlock=False, code=3)
    assert "passphrase" in r.stderr and "internal error" not in r.stderr
    r = cli("note", "list", "--passphrase-file", "/dev/zero", unlock=False, code=3)
    assert "passphrase" in r.stderr
    r = cli("note", "list", "--passphrase-file", str(tmp_path), unlock=False, code=3)
    assert "cannot read the passphrase" in r.stderr
