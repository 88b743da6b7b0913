"""The deployment artefacts in deploy/: the systemd unit verifies and keeps its hardening, the
example settings load, the reverse-proxy examples pass paths and queries through untouched."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sync.server._settings import load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
INSTALLED = "/opt/fieldpad/venv/bin/fieldpad"
MAX_EXPOSURE = 15  # systemd-analyze security's scale x10: 1.5 is "OK"


def _unit_here(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this checkout's `fieldpad` (verify checks that the
    program exists; everything else is the file as shipped)."""
    text = (DEPLOY / "fieldpad.service").read_text()
    assert INSTALLED in text
    here = Path(sys.executable).with_name("fieldpad")
    assert here.exists(), "the venv has no fieldpad entry point"
    unit = tmp_path / "fieldpad.service"
    unit.write_text(text.replace(INSTALLED, str(here)))
    return unit


@pytest.fixture
def analyze() -> str:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (.ci/run installs the systemd package)")
    return tool


def test_the_unit_verifies_without_a_warning(analyze: str, tmp_path: Path) -> None:
    unit = _unit_here(tmp_path)
    r = subprocess.run([analyze, "verify", "--man=no", str(unit)], capture_output=True,
                       text=True, timeout=60)
    # verify exits 0 on unknown keys and only warns: any output is a failure here
    assert r.returncode == 0 and r.stdout.strip() == "" and r.stderr.strip() == "", r.stderr


def test_the_unit_stays_hardened(analyze: str, tmp_path: Path) -> None:
    unit = _unit_here(tmp_path)
    text = unit.read_text()
    for line in ("DynamicUser=yes", "StateDirectory=fieldpad", "ProtectSystem=strict",
                 "NoNewPrivileges=yes", "ProtectHome=yes", "PrivateTmp=yes",
                 "CapabilityBoundingSet=\n", "SystemCallFilter=@system-service"):
        assert line in text, line
    r = subprocess.run([analyze, "security", "--offline=yes", f"--threshold={MAX_EXPOSURE}",
                        str(unit)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr
    assert re.search(r"Overall exposure level for fieldpad.service: [01]\.\d OK", r.stdout)


def test_the_example_settings_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATE_DIRECTORY", "/var/lib/fieldpad")
    s = load_settings(DEPLOY / "server.toml")
    assert s.database == "/var/lib/fieldpad/server.db"
    assert s.host == "127.0.0.1" and "127.0.0.1" in s.trusted_proxies
    assert s.metrics and s.log_format == "json"
    assert "--config /etc/fieldpad/server.toml" in (DEPLOY / "fieldpad.service").read_text()
    assert "--config /etc/fieldpad/server.toml" in (DEPLOY / "fieldpad-admin").read_text()


def test_the_proxies_pass_paths_and_queries_as_signed() -> None:
    nginx = (DEPLOY / "nginx.conf").read_text()
    passes = re.findall(r"^\s*proxy_pass\s+(\S+);", nginx, re.M)
    assert passes, "no proxy_pass"
    # a URI part after host:port makes nginx send a normalised, decoded path instead
    assert all(re.fullmatch(r"http://[\w.\-\[\]:]+", p) for p in passes), passes
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    caddy = (DEPLOY / "Caddyfile").read_text()
    code = "\n".join(x.split("#", 1)[0] for x in caddy.splitlines())
    assert "reverse_proxy 127.0.0.1:8765" in code
    for directive in ("rewrite", "uri ", "strip_prefix", "handle_path"):
        assert directive not in code, directive
    for text in (nginx, caddy):
        assert "/v1/metrics" in text  # kept from the internet
