"""Fixtures: every server test runs on SQLite and on PostgreSQL (a fresh schema each).

PostgreSQL comes from FIELDPAD_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test,
then user root). If it is unreachable the PostgreSQL cases skip, saying why, unless
FIELDPAD_REQUIRE_POSTGRES=1, in which case they fail.
"""

from __future__ import annotations

from collections.abc import Iterator

import anyio.from_thread
import pytest

from sync.server import Limits, Storage, create_app, open_storage

from ._support import Clock, PortalTransport, World, fresh_schema

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield str(tmp_path / "server.db")
        return
    base = request.getfixturevalue("pg_base")
    with fresh_schema(base) as url:
        yield url


@pytest.fixture
def storage(db_url: str) -> Iterator[Storage]:
    s = open_storage(db_url)
    yield s
    s.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def portal() -> Iterator[anyio.from_thread.BlockingPortal]:
    with anyio.from_thread.start_blocking_portal() as p:
        yield p


@pytest.fixture
def limits() -> Limits:
    """Override in a module to test other limits."""
    return Limits()


@pytest.fixture
def app(storage: Storage, clock: Clock, limits: Limits):  # type: ignore[no-untyped-def]
    return create_app(storage, clock=clock, limits=limits)


@pytest.fixture
def world(storage: Storage, clock: Clock, portal, app) -> Iterator[World]:  # type: ignore[no-untyped-def]
    w = World(storage, clock, lambda: PortalTransport(app, portal))
    yield w
    w.close()
