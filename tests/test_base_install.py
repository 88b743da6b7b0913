"""The base install works (issue 14): ``pip install .`` without extras, in a fresh virtual
environment, can init, add a note, enrol and sync against a server run from the dev environment
(which has the ``[server]`` extra); its ``fieldpad serve`` says which extra to install.

pip may reach the package index for the base dependencies, so this is slow; CI runs it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tui.test_cli import PASSPHRASE, ROOT

pytestmark = pytest.mark.slow

#: What the package is built from: a copy, so the build never writes into the work tree.
SOURCES = ("store", "sync", "tui", "pyproject.toml", "README.md")


@pytest.fixture(scope="module")
def base_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("base-install")
    src = root / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    r = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(src)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return bin_dir


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A server from the dev environment (this interpreter, with the server extra)."""
    db = tmp_path / "server.db"
    _admin(db, "user", "add", "lead")
    proc = subprocess.Popen([sys.executable, "-m", "sync.server", "serve", "--db", str(db),
                             "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("listening on "), line
    yield line.split()[-1], db
    proc.terminate()
    proc.wait(timeout=10)


def _admin(db: Path, *args: str) -> str:
    r = subprocess.run([sys.executable, "-m", "sync.server", "admin", "--db", str(db), *args],
                       capture_output=True, text=True, cwd=ROOT, timeout=60, check=True)
    return r.stdout


def _run(argv: list[str], cwd: Path, code: int = 0) -> subprocess.CompletedProcess[str]:
    # cwd is a scratch folder, never the work tree: the installed package must be the one used
    r = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)})
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    return r


def test_the_base_install_lacks_the_server_extra(base_bin: Path, tmp_path: Path) -> None:
    r = subprocess.run([str(base_bin / "python"), "-c", "import pydantic"], capture_output=True,
                       text=True, cwd=tmp_path, timeout=60)
    assert r.returncode == 1 and "No module named 'pydantic'" in r.stderr


def test_base_install_inits_adds_enrols_and_syncs(base_bin: Path, tmp_path: Path,
                                                  served: tuple[str, Path]) -> None:
    url, db = served
    _admin(db, "inspection", "add", "Northshire 2026", "--lead", "lead")
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    profile = tmp_path / "profile"

    def fieldpad(*args: str) -> str:
        return _run([str(base_bin / "fieldpad"), "--profile", str(profile), *args,
                     "--passphrase-file", str(secret)], tmp_path).stdout

    fieldpad("init", "--author", "LD", "--kdf-memory-mib", "64")
    code = _admin(db, "invite", "lead").strip().splitlines()[-1]
    assert "fingerprint" in fieldpad("enrol", url, code).lower()
    assert fieldpad("sync").startswith("synced")
    note_id = fieldpad("note", "add", "--inspection", "Northshire 2026", "--title",
                       "Walk round").strip()
    assert "up 1 record " in fieldpad("sync")
    assert json.loads(fieldpad("note", "show", note_id, "--json"))["title"] == "Walk round"


def test_serve_without_the_extra_says_what_to_install(base_bin: Path, tmp_path: Path) -> None:
    r = _run([str(base_bin / "fieldpad"), "serve", "--port", "0"], tmp_path, code=2)
    assert "fieldpad[server]" in r.stderr
    r = _run([str(base_bin / "fieldpad"), "server", "admin", "user", "list"], tmp_path, code=2)
    assert "fieldpad[server]" in r.stderr
