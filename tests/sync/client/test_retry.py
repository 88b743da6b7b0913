"""The client's retry loop (issue 11, item 8), on ``httpx.MockTransport`` with a fake sleep:
no sleep after the last attempt, and ``Retry-After`` read as seconds or as an HTTP date."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from sync.client import NetworkError, RetryPolicy, SyncClient

NOW = 1_800_000_000.0  # the client's clock, fixed


class Script:
    """A transport that answers from a list, one answer per request, and a sleep that records
    instead of sleeping."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests = 0
        self.slept: list[float] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def client(self, attempts: int = 3) -> SyncClient:
        policy = RetryPolicy(attempts=attempts, base=1.0, cap=60.0, sleep=self.slept.append)
        return SyncClient("http://127.0.0.1:9", b"\x01" * 16, None, retry=policy,
                          transport=httpx.MockTransport(self.handler), clock=lambda: NOW)


def dropped() -> httpx.TransportError:
    return httpx.ConnectError("connection refused")


def test_no_sleep_after_the_last_failed_attempt() -> None:
    script = Script(dropped(), dropped(), dropped())
    with script.client(attempts=3) as c, pytest.raises(NetworkError) as err:
        c.health()
    assert script.requests == 3
    assert len(script.slept) == 2  # between attempts only, never after the last one
    assert "cannot reach the server" in str(err.value)


def test_a_single_attempt_never_sleeps() -> None:
    script = Script(dropped())
    with script.client(attempts=1) as c, pytest.raises(NetworkError):
        c.health()
    assert script.slept == []


def test_retry_after_in_seconds_is_honoured() -> None:
    script = Script(httpx.Response(503, headers={"Retry-After": "7"}),
                    httpx.Response(200, json={"status": "ok"}))
    with script.client() as c:
        assert c.health() == {"status": "ok"}
    assert script.slept == [7.0]


def test_retry_after_as_an_http_date_is_honoured() -> None:
    when = datetime.fromtimestamp(NOW + 12, UTC)
    script = Script(httpx.Response(429, headers={"Retry-After": format_datetime(when,
                                                                               usegmt=True)}),
                    httpx.Response(200, json={"status": "ok"}))
    with script.client() as c:
        assert c.health() == {"status": "ok"}
    assert script.slept == [12.0]


def test_retry_after_date_in_the_past_retries_at_once() -> None:
    when = datetime.fromtimestamp(NOW - 30, UTC)
    script = Script(httpx.Response(503, headers={"Retry-After": format_datetime(when,
                                                                               usegmt=True)}),
                    httpx.Response(200, json={"status": "ok"}))
    with script.client() as c:
        c.health()
    assert script.slept == [0.0]


def test_retry_after_is_capped() -> None:
    script = Script(httpx.Response(503, headers={"Retry-After": "86400"}),
                    httpx.Response(200, json={"status": "ok"}))
    with script.client() as c:
        c.health()
    assert script.slept == [60.0]


def test_garbage_retry_after_falls_back_to_backoff() -> None:
    script = Script(httpx.Response(503, headers={"Retry-After": "soon, maybe"}),
                    httpx.Response(200, json={"status": "ok"}))
    with script.client() as c:
        c.health()
    assert len(script.slept) == 1 and 0.0 <= script.slept[0] <= 1.0  # base * 2**0


def test_last_retryable_status_is_reported_without_a_sleep() -> None:
    script = Script(*(httpx.Response(503, json={"error": "busy", "message": "busy"})
                      for _ in range(3)))
    with script.client(attempts=3) as c, pytest.raises(NetworkError) as err:
        c.health()
    assert script.requests == 3 and len(script.slept) == 2
    assert "503" in str(err.value)
