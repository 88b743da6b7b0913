"""Prometheus metrics after a real team's sync: counters move, labels are route templates and
never ids or names. A real ``fieldpad serve --metrics`` on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from .conftest import Server, make_team

HEX_ID = re.compile(r"[0-9a-fA-F]{32}")


@pytest.fixture
def server_args() -> tuple[str, ...]:
    return ("--metrics",)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_count_a_sync_and_carry_no_ids(server: Server, tmp_path: Path) -> None:
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        ins = alice.session.find_inspection("Northshire 2026")
        for i in range(3):
            alice.session.create(ins, "note", f"Canary title {i}", "canary body text")
        assert alice.sync().ok
        assert lead.sync().ok
        scrape = httpx.get(server.url + "/v1/metrics")
    finally:
        team.close()
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    text = scrape.text
    got = _samples(text)
    assert got[("fieldpad_sync_records_total", (("direction", "up"),))] >= 3
    assert got[("fieldpad_sync_records_total", (("direction", "down"),))] >= 3
    assert got[("fieldpad_sync_bytes_total", (("direction", "up"),))] > 3 * 100
    push = ("fieldpad_http_requests_total", (("method", "POST"),
            ("route", "/v1/collections/{c}/records"), ("status", "200")))
    assert got[push] >= 1
    assert got[("fieldpad_devices", (("state", "active"),))] == 2
    assert any(name == "fieldpad_http_request_duration_seconds_bucket" for name, _ in got)
    # nothing that says who: no 32-hex id, no user, inspection or note text
    assert HEX_ID.search(text) is None, HEX_ID.search(text)
    for word in ("alice", "lead", "Northshire", "Canary", "canary"):
        assert word not in text


def test_metrics_are_off_unless_asked(tmp_path: Path) -> None:
    s = Server(str(tmp_path / "plain.db"))
    try:
        r = httpx.get(s.url + "/v1/metrics")
    finally:
        s.close()
    assert r.status_code == 404 and r.json()["error"] == "no_such_route"
