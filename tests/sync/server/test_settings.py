"""Server settings: a TOML file, FIELDPAD_SERVER_* variables and flags, in that order; unknown
keys refused by name; system paths under systemd; ``fieldpad serve --config`` for real."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sync.server import admin_main
from sync.server._settings import SettingsError, field_docs, load_settings

from ._support import REPO, Device, ServerProcess, enrol_body


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for var in list(os.environ):
        if var.startswith("FIELDPAD_SERVER_") or var == "STATE_DIRECTORY":
            monkeypatch.delenv(var)


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "server.toml"
    path.write_text(text)
    return path


def test_file_then_environment_then_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _toml(tmp_path, 'host = "0.0.0.0"\nport = 9000\nlog_format = "json"\n'
                             'trusted_proxies = ["10.0.0.0/24"]\n'
                             '[limits]\nmax_batch = 5\nrate_burst = 9\n')
    s = load_settings(config)
    assert (s.host, s.port, s.log_format, s.trusted_proxies) == (
        "0.0.0.0", 9000, "json", ["10.0.0.0/24"])
    assert (s.limits.max_batch, s.limits.rate_burst, s.limits.max_json) == (5, 9, 256 * 1024)
    monkeypatch.setenv("FIELDPAD_SERVER_PORT", "9100")
    monkeypatch.setenv("FIELDPAD_SERVER_LIMITS__RATE_BURST", "7")
    monkeypatch.setenv("FIELDPAD_SERVER_TRUSTED_PROXIES", "10.1.1.1, ::1")
    s = load_settings(config)
    assert (s.port, s.limits.max_batch, s.limits.rate_burst) == (9100, 5, 7)
    assert s.trusted_proxies == ["10.1.1.1", "::1"]
    s = load_settings(config, port=9200, host=None)  # None: the flag was not given
    assert (s.port, s.host) == (9200, "0.0.0.0")


@pytest.mark.parametrize(("text", "named"), [
    ("prot = 9000\n", "'prot' (did you mean 'port'?)"),
    ("[limits]\nmax_bach = 5\n", "[limits]: unknown setting 'max_bach' (did you mean "
                                 "'max_batch'?)"),
    ("[server]\nport = 1\n", "unknown setting 'server'"),
])
def test_an_unknown_key_in_the_file_is_refused_by_name(tmp_path: Path, text: str,
                                                      named: str) -> None:
    config = _toml(tmp_path, text)
    with pytest.raises(SettingsError) as err:
        load_settings(config)
    assert str(config) in str(err.value) and named in str(err.value)


@pytest.mark.parametrize(("var", "named"), [
    ("FIELDPAD_SERVER_PROT", "'prot'"),
    ("FIELDPAD_SERVER_LIMITS__MAX_BACH", "'max_bach'"),
])
def test_an_unknown_variable_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, var: str,
                                                named: str) -> None:
    monkeypatch.setenv(var, "1")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert var in str(err.value) and named in str(err.value)


def test_bad_values_are_named_and_no_value_is_quoted(tmp_path: Path) -> None:
    config = _toml(tmp_path, 'database = "postgresql://u:hunter2@db/x"\nport = 70000\n'
                             'trusted_proxies = ["proxy.example.org"]\n[limits]\nmax_batch = 0\n')
    with pytest.raises(SettingsError) as err:
        load_settings(config)
    text = str(err.value)
    assert "port:" in text and "limits.max_batch:" in text and "trusted_proxies" in text
    assert "hunter2" not in text
    ok = load_settings(_toml(tmp_path, 'database = "postgresql://u:hunter2@db/x"\n'))
    assert "hunter2" not in repr(ok)


def test_broken_toml_and_missing_file_say_so(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(_toml(tmp_path, "port = \n"))
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nowhere.toml")


def test_the_database_lives_in_the_state_directory_under_systemd(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STATE_DIRECTORY", f"{tmp_path}/state:{tmp_path}/other")
    assert load_settings().database == f"{tmp_path}/state/server.db"
    monkeypatch.delenv("STATE_DIRECTORY")
    monkeypatch.setattr("os.geteuid", lambda: 0)
    assert load_settings().database == "/var/lib/fieldpad/server.db"


def test_every_setting_is_documented() -> None:
    from sync.server import Limits

    docs = field_docs() | field_docs(Limits)
    assert all(len(text) > 15 for text in docs.values()), docs


def test_serve_reads_its_config_file(tmp_path: Path) -> None:
    """A real server started with --config: the file's limits apply and its log format is
    used; the start-up line says what it runs on."""
    log = tmp_path / "server.log"
    config = _toml(tmp_path, f'database = "{tmp_path / "cfg.db"}"\nlog_format = "json"\n'
                             "metrics = true\n[limits]\nenrol_burst = 2\n")
    with ServerProcess(None, log_level="info", log=log, args=("--config", str(config))) as srv, \
            httpx.Client(base_url=srv.url) as client:
        answers = [client.post("/v1/enrol", json=enrol_body("AAAAAA-AAAAA-AAAAA-AAAAA-AAAAA",
                                                            Device.new("x"))).status_code
                   for _ in range(3)]
        scrape = client.get("/v1/metrics")
    assert answers == [401, 401, 429]
    assert scrape.status_code == 200 and "fieldpad_http_requests_total" in scrape.text
    assert (tmp_path / "cfg.db").exists()
    first = log.read_text().splitlines()[0]
    assert '"event": "listening"' in first and str(tmp_path / "cfg.db") in first


def test_serve_refuses_an_unknown_key_with_exit_2(tmp_path: Path) -> None:
    config = _toml(tmp_path, "[limits]\nmax_bach = 5\n")
    r = subprocess.run([sys.executable, "-m", "sync.server", "serve", "--config", str(config)],
                       cwd=REPO, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "unknown setting 'max_bach'" in r.stderr and "Traceback" not in r.stderr


def test_admin_uses_the_same_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _toml(tmp_path, f'database = "{tmp_path / "admin.db"}"\n[limits]\n'
                             "code_ttl_s = 120\n")
    assert admin_main(["--config", str(config), "user", "add", "alice"]) == 0
    assert admin_main(["--config", str(config), "invite", "alice"]) == 0
    assert "(2 minutes)" in capsys.readouterr().out
    assert (tmp_path / "admin.db").exists()
    assert admin_main(["--config", str(tmp_path / "missing.toml"), "user", "list"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_the_operations_guide_lists_every_setting() -> None:
    from sync.server import Limits

    guide = (REPO / "docs" / "operations.md").read_text()
    for name in [*field_docs(), *field_docs(Limits)]:
        if name != "limits":
            assert f"| `{name}` |" in guide, f"docs/operations.md does not document {name}"

