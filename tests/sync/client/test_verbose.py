"""``fieldpad sync -v``: retries, waits and what sync did, on stderr; never a name, a title or
note text (a canary). The retry lines through the transport seam; the rest end to end."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest

from sync.client import RetryPolicy, SyncClient
from tests.tui.test_cli_sync import _cli, admin

CANARY = "Zebracanary"


def test_retries_and_waits_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    answers = iter([httpx.Response(503, json={"error": "busy", "message": "busy"}),
                    httpx.Response(429, headers={"Retry-After": "2"},
                                   json={"error": "rate_limited", "message": "slow down"}),
                    httpx.Response(200, json={"status": "ok", "version": "1"})])
    waits: list[float] = []
    client = SyncClient("http://127.0.0.1:9", b"\x01" * 16, None,
                        transport=httpx.MockTransport(lambda request: next(answers)),
                        retry=RetryPolicy(sleep=waits.append))
    with caplog.at_level(logging.INFO, logger="fieldpad.sync"), client:
        assert client.health()["status"] == "ok"
    lines = [r.getMessage() for r in caplog.records if r.name == "fieldpad.sync"]
    assert len(lines) == 2 and len(waits) == 2
    assert lines[0].startswith("event=retry method=GET route=/v1/health status=503 "
                               "attempt=1/5 wait=")
    assert lines[1].endswith("status=429 attempt=2/5 wait=2.0s")  # Retry-After honoured
    assert waits[1] == 2.0


def test_member_paths_log_no_user_name() -> None:
    from sync.client._http import _route

    assert _route("/v1/collections/" + "ab" * 16 + "/members/alice.smith") == \
        "/v1/collections/abababab/members/{user}"


def test_verbose_sync_shows_what_it_did_and_no_names_or_text(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.tui.test_cli import ROOT

    db = tmp_path / "server.db"
    admin(db, "user", "add", f"lead{CANARY}")
    admin(db, "inspection", "add", f"Inspection {CANARY}", "--lead", f"lead{CANARY}")
    proc = subprocess.Popen([sys.executable, "-m", "tui", "serve", "--db", str(db), "--port",
                             "0"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        laptop = _cli(tmp_path, "laptop")
        laptop("enrol", url, admin(db, "invite", f"lead{CANARY}").strip().splitlines()[-1])
        laptop("sync")
        body = tmp_path / "body.md"
        body.write_text(f"the {CANARY} body text\n")
        laptop("note", "add", "--inspection", f"Inspection {CANARY}", "--title",
               f"Title {CANARY}", "--body-file", str(body))
        r = laptop("sync", "-vv")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    logged = [x for x in r.stderr.splitlines() if x.startswith("fieldpad.sync: ")]
    assert any(re.search(r"event=push collection=[0-9a-f]{8} records=\d+-\d+ bytes=\d+", x)
               for x in logged), r.stderr
    assert any("event=request method=POST" in x for x in logged)  # -vv: every request
    assert any(x.startswith("fieldpad.sync: event=done up=") for x in logged)
    assert CANARY not in r.stderr
    assert CANARY.lower() not in r.stderr.lower()
    assert "body text" not in r.stdout + r.stderr
