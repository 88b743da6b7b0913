"""``fieldpad serve`` stopped by SIGTERM (systemd's ``stop``, a container runtime): it says so in
its log (``event=stop reason=SIGTERM``), lets a request already under way finish, closes its
storage (``event=stopped``) and exits 0. Real server processes, through the ``fieldpad`` CLI."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .test_server_logs import parse_logfmt

REPO = Path(__file__).parents[3]


def _start(tmp_path: Path, fmt: str) -> tuple[subprocess.Popen[str], str, Path]:
    log = tmp_path / "server.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tui", "serve", "--db", str(tmp_path / "server.db"),
             "--host", "127.0.0.1", "--port", "0", "--log-format", fmt],
            cwd=REPO, stdout=subprocess.PIPE, stderr=err, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("listening on "), line
    return proc, line.split()[-1], log


def _records(log: Path, fmt: str) -> list[dict[str, str]]:
    lines = [x for x in log.read_text().splitlines() if x.strip()]
    return [parse_logfmt(x) if fmt == "logfmt" else json.loads(x) for x in lines]


@pytest.mark.parametrize(("fmt", "sig"), [
    ("logfmt", signal.SIGTERM),
    pytest.param("json", signal.SIGINT, marks=pytest.mark.slow)])
def test_a_stop_signal_is_logged_and_the_server_exits_0(tmp_path: Path, fmt: str,
                                                        sig: signal.Signals) -> None:
    """SIGTERM, and ctrl+c the same way (no KeyboardInterrupt traceback)."""
    proc, _, log = _start(tmp_path, fmt)
    proc.send_signal(sig)
    assert proc.wait(timeout=30) == 0
    events = [(r["event"], r.get("reason")) for r in _records(log, fmt)]
    assert ("stop", sig.name) in events, events
    assert events.index(("stop", sig.name)) < events.index(("stopped", None)), events
    assert "Traceback" not in log.read_text()


def test_a_request_under_way_at_sigterm_is_answered_before_the_server_stops(
        tmp_path: Path) -> None:
    proc, url, log = _start(tmp_path, "logfmt")
    where = urlsplit(url)
    with socket.create_connection((where.hostname, where.port), timeout=30) as conn:
        body = b'{"after": {}}'
        conn.sendall(b"POST /v1/collections/" + b"ab" * 16 + b"/pull HTTP/1.1\r\n"
                     b"Host: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:5])
        time.sleep(0.5)  # the request is under way: its headers are in, its body is not
        proc.send_signal(signal.SIGTERM)
        conn.settimeout(0.5)
        with pytest.raises(TimeoutError):  # no answer yet: the server waits for the body
            conn.recv(65536)
        assert proc.poll() is None  # ... and has not stopped under it
        conn.settimeout(30)
        conn.sendall(body[5:])
        answer = b""
        while chunk := conn.recv(65536):  # the answer, then the server closes the connection
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 401 "), answer  # unsigned: refused, but answered
    assert proc.wait(timeout=30) == 0
    events = [r["event"] for r in _records(log, "logfmt")]
    assert events.index("stop") < events.index("refused") < events.index("stopped"), events
