"""Forwarded headers are trusted only from the proxies the operator names (issue 11 item 8):
otherwise any client on the proxy's address (loopback, here) would pick its own rate bucket
by sending ``X-Forwarded-For``. Real server processes on SQLite."""

from __future__ import annotations

from pathlib import Path

import httpx

from sync.server import Limits

from ._support import Device, ServerProcess, enrol_body

BURST = Limits().enrol_burst
NOT_A_CODE = "AAAAAA-AAAAA-AAAAA-AAAAA-AAAAA"


def _enrol(client: httpx.Client, forwarded_for: str) -> int:
    body = enrol_body(NOT_A_CODE, Device.new("x"))
    return client.post("/v1/enrol", json=body,
                       headers={"X-Forwarded-For": forwarded_for}).status_code


def test_forwarded_for_from_loopback_does_not_reset_the_enrolment_limit(tmp_path: Path) -> None:
    with ServerProcess(str(tmp_path / "server.db")) as server, \
            httpx.Client(base_url=server.url) as client:
        answers = [_enrol(client, f"203.0.113.{i}") for i in range(BURST + 2)]
    # every attempt is a wrong code (401) until the one bucket of 127.0.0.1 runs dry
    assert answers[:BURST] == [401] * BURST
    assert answers[BURST:] == [429, 429], answers


def test_a_trusted_proxy_gives_each_client_its_own_bucket(tmp_path: Path) -> None:
    with ServerProcess(str(tmp_path / "server.db"),
                       args=("--trusted-proxy", "127.0.0.0/8")) as server, \
            httpx.Client(base_url=server.url) as client:
        first = [_enrol(client, "203.0.113.7") for _ in range(BURST + 1)]
        other = _enrol(client, "203.0.113.8")
        # the proxy's own address is not a client: a forged hop before it is ignored, the
        # address the proxy appended (the last one) is what counts
        spoofed = _enrol(client, "198.51.100.1, 203.0.113.7")
    assert first[-1] == 429 and first[:-1] == [401] * BURST
    assert other == 401
    assert spoofed == 429
