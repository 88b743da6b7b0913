"""Storage plumbing on both backends: migrations, URL choice, connections returned clean after
errors, and logs that carry ids and actions only."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from store import envelope_hash
from sync.server import Storage, open_storage
from sync.server._storage._schema import LATEST
from sync.server._storage.sqlite import SqliteStorage

from ._support import Stream, World, push, raw_public


def test_migrations_are_versioned_and_idempotent(storage: Storage, db_url: str) -> None:
    assert storage.schema_version() == LATEST
    assert storage.migrate() == LATEST
    again = open_storage(db_url)  # a second process starting on the same database
    try:
        assert again.schema_version() == LATEST
    finally:
        again.close()


def test_connections_come_back_clean_after_errors(db_url: str) -> None:
    if db_url.startswith("postgresql"):
        import psycopg

        from sync.server._storage.postgres import PostgresStorage

        storage: Storage = PostgresStorage(db_url, max_size=1)
        db_error: type[Exception] = psycopg.Error
    else:
        import sqlite3

        storage = SqliteStorage(db_url, pool_size=1)
        db_error = sqlite3.Error
    try:
        for _ in range(3):
            with pytest.raises(db_error):  # a database error inside a transaction
                with storage._tx() as tx:  # type: ignore[attr-defined]
                    tx.run("INSERT INTO users (name, created_at) VALUES (?, ?)", ("x", 1.0))
                    tx.run("SELECT * FROM no_such_table")
            with pytest.raises(RuntimeError):  # and an error of ours
                with storage._tx() as tx:  # type: ignore[attr-defined]
                    tx.run("INSERT INTO users (name, created_at) VALUES (?, ?)", ("y", 1.0))
                    raise RuntimeError("boom")
        # the one pooled connection works, and nothing of the failed transactions stayed
        storage.add_user("after", time.time())
        assert [u.name for u in storage.list_users()] == ["after"]
    finally:
        storage.close()


def test_storage_is_chosen_by_url(tmp_path: Path) -> None:
    for url in [str(tmp_path / "a.db"), f"sqlite:///{tmp_path}/b.db"]:
        s = open_storage(url)
        assert isinstance(s, SqliteStorage)
        s.close()
    assert (tmp_path / "a.db").exists() and (tmp_path / "b.db").exists()
    with pytest.raises(ValueError, match="unsupported"):
        open_storage("mysql://localhost/x")


def test_logs_name_ids_and_actions_never_bodies_or_signatures(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.user("lead")
    iid = world.inspection("I", "lead")
    lead = world.enrol("lead")
    cid = world.collection(lead, iid)
    envs = Stream(lead, cid).next(2)
    with caplog.at_level(logging.INFO, logger="fieldpad.server"):
        c = world.client(lead)
        assert push(c, cid, envs).status_code == 200
        c.post(f"/v1/collections/{cid.hex()}/pull", json={})
        c.get("/v1/collections/" + "ab" * 16 + "/status")
    text = caplog.text
    assert "event=push" in text and f"collection={cid.hex()}" in text and "accepted=2" in text
    assert "event=refused status=403 error=not_a_member" in text
    for secret in [envs[0][100:120].hex(), "Signature", "sig1", envs[0][-64:].hex()]:
        assert secret not in text


def test_migration_3_upgrades_a_version_2_database(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database a version-2 server made (and filled) takes migration 3 without losing data:
    the roster, invitation and purge tables appear empty, old roster heads are dropped."""
    from sync.server._storage import _schema

    monkeypatch.setattr(_schema, "MIGRATIONS", _schema.MIGRATIONS[:2])
    monkeypatch.setattr(_schema, "LATEST", 2)
    old = open_storage(db_url)
    iid, cid, now = b"\x01" * 16, b"\x02" * 16, time.time()
    try:
        assert old.schema_version() == 2
        old.add_user("lead", now)
        old.add_inspection(iid, "I", "lead", now)
        with old._tx() as tx:  # type: ignore[attr-defined]
            tx.run("INSERT INTO collections (id, inspection_id, epoch, roster_head, created_at,"
                   " kind) VALUES (?, ?, 1, ?, ?, 'restricted')", (cid, iid, "ab" * 32, now))
    finally:
        old.close()
    monkeypatch.undo()
    new = open_storage(db_url)
    try:
        assert new.schema_version() == LATEST
        with new._tx(write=False) as tx:  # type: ignore[attr-defined]
            row = tx.one("SELECT kind, epoch, roster_head, roster_length FROM collections "
                         "WHERE id = ?", (cid,))
            assert tuple(row) == ("restricted", 1, None, 0)
            for table in ["roster_events", "team_invites", "purges"]:
                assert tx.one(f"SELECT count(*) FROM {table}")[0] == 0
            versions = [int(r[0]) for r in tx.all(
                "SELECT version FROM schema_migrations ORDER BY version")]
            assert versions == list(range(1, LATEST + 1))
        [insp] = new.list_inspections()
        assert (insp.id, insp.name, insp.lead, insp.purged_at) == (iid, "I", "lead", None)
        assert [u.name for u in new.list_users()] == ["lead"]
        assert new.list_purges() == []
        assert new.migrate() == LATEST  # and again: nothing to do
    finally:
        new.close()


def test_migration_4_keeps_purges_and_adds_their_statement(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version-3 database's purge audit rows survive migration 4, with no statement."""
    from sync.server._storage import _schema

    monkeypatch.setattr(_schema, "MIGRATIONS", _schema.MIGRATIONS[:3])
    monkeypatch.setattr(_schema, "LATEST", 3)
    old = open_storage(db_url)
    iid, now = b"\x03" * 16, time.time()
    try:
        with old._tx() as tx:  # type: ignore[attr-defined]
            tx.run("INSERT INTO purges (inspection_id, name, purged_at, by_device, "
                   "records_deleted) VALUES (?, 'Old', ?, NULL, 7)", (iid, now))
    finally:
        old.close()
    monkeypatch.undo()
    new = open_storage(db_url)
    try:
        assert new.schema_version() == LATEST
        [row] = new.list_purges()
        assert (row.inspection_id, row.name, row.records_deleted) == (iid, "Old", 7)
        with new._tx(write=False) as tx:  # type: ignore[attr-defined]
            assert tx.one("SELECT statement FROM purges")[0] is None
    finally:
        new.close()


def test_migration_5_keeps_streams_and_adds_damage_reports(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version-4 database's streams and records survive migration 5; nothing is reported
    damaged yet, and the listing shows a device its own stream's head hash."""
    from sync.server._storage import Caller, _schema

    monkeypatch.setattr(_schema, "MIGRATIONS", _schema.MIGRATIONS[:4])
    monkeypatch.setattr(_schema, "LATEST", 4)
    old = open_storage(db_url)
    world = World(old, time.time)
    now = time.time()
    try:
        assert old.schema_version() == 4
        uid = old.add_user("lead", now)
        iid = world.inspection("I", "lead")
        lead = world.enrol_local("lead")
        caller = Caller(lead.device_id, uid, raw_public(lead.key))
        cid = b"\x05" * 16
        with old._tx() as tx:  # type: ignore[attr-defined]  (as a version-4 server did)
            tx.run("INSERT INTO collections (id, inspection_id, epoch, created_at, kind) "
                   "VALUES (?, ?, 1, ?, 'team')", (cid, iid, now))
            tx.run("INSERT INTO collection_epochs (collection_id, epoch, created_at) "
                   "VALUES (?, 1, ?)", (cid, now))
            tx.run("INSERT INTO memberships (collection_id, user_id, role, added_at) "
                   "VALUES (?, ?, 'lead', ?)", (cid, uid, now))
        stream = Stream(lead, cid)
        with old._tx() as tx:  # type: ignore[attr-defined]  (what a version-4 push stored)
            for seq, env in enumerate(stream.next(3), 1):
                tx.run("INSERT INTO records (collection_id, device_id, seq, epoch, hash, "
                       "envelope, received_at) VALUES (?, ?, ?, 1, ?, ?, ?)",
                       (cid, lead.device_id, seq, envelope_hash(env), env, now))
            tx.run("INSERT INTO streams (collection_id, device_id, head_seq, head_hash) "
                   "VALUES (?, ?, 3, ?)", (cid, lead.device_id, stream.prev))
    finally:
        old.close()
    monkeypatch.undo()
    new = open_storage(db_url)
    try:
        assert new.schema_version() == LATEST == 5
        [view] = new.list_collections(caller, time.time())
        assert view.heads == {lead.device_id: 3}
        assert (view.own.head, view.own.head_hash, view.own.damaged) == (3, stream.prev, [])
        with new._tx(write=False) as tx:  # type: ignore[attr-defined]
            assert tx.one("SELECT count(*) FROM damaged_records")[0] == 0
            assert tx.one("SELECT count(*) FROM records")[0] == 3
    finally:
        new.close()
