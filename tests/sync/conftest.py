"""PostgreSQL for the server and client suites: skipped with the reason when unreachable, a
failure instead when FIELDPAD_REQUIRE_POSTGRES=1 (as CI sets it)."""

from __future__ import annotations

import os

import pytest

from tests.sync.server._support import postgres_base_url


@pytest.fixture(scope="session")
def pg_base() -> str:
    url, why = postgres_base_url()
    if url is None:
        message = f"PostgreSQL is unreachable ({why}); set FIELDPAD_TEST_DATABASE_URL"
        if os.environ.get("FIELDPAD_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " (FIELDPAD_REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(message)
    return url
