"""Liveness and readiness: ``/v1/health`` stays a static answer, ``/v1/health/ready`` asks the
database and says 503 when it is gone. Real server processes on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from ._support import ServerProcess


def _drop(db_url: str) -> None:
    """Take the database away from under the running server."""
    if "://" not in db_url:
        for suffix in ("", "-wal", "-shm"):
            Path(db_url + suffix).unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        schema = conn.execute("SELECT current_schema()").fetchone()[0]
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_ready_until_the_database_is_gone(db_url: str) -> None:
    with ServerProcess(db_url) as server, httpx.Client(base_url=server.url) as client:
        r = client.get("/v1/health/ready")
        assert r.status_code == 200 and r.json()["status"] == "ok", r.text
        _drop(db_url)
        r = client.get("/v1/health/ready")
        assert r.status_code == 503, r.text
        assert r.json()["error"] == "not_ready"
        assert "database" in r.json()["message"]
        # liveness stays cheap and says only that the process answers
        assert client.get("/v1/health").status_code == 200


def test_a_replaced_sqlite_file_is_not_ready(tmp_path: Path) -> None:
    db = tmp_path / "server.db"
    with ServerProcess(str(db)) as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/v1/health/ready").status_code == 200
        # a copy put in its place by hand while running: the server's open connections would
        # go on writing into the old, unlinked file
        os.replace(db, tmp_path / "moved.db")
        db.write_bytes((tmp_path / "moved.db").read_bytes())
        r = client.get("/v1/health/ready")
        assert r.status_code == 503, r.text
