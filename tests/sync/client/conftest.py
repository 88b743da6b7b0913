"""Sync client tests run against a real ``fieldpad serve`` subprocess on loopback, on SQLite
and on PostgreSQL. Devices are real profiles (floor KDF parameters) in temporary folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import KdfParams, Profile
from sync.client import SyncClient, SyncReport, join, sync
from sync.client import Team as Team_
from sync.server import open_storage
from tests.conftest import PASSPHRASE
from tests.sync.server._support import ServerProcess, fresh_schema, new_code


class Server:
    """A running server and the admin side of its database (what `server admin` does)."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.storage = open_storage(db_url)
        self.process = ServerProcess(db_url).__enter__()

    @property
    def url(self) -> str:
        return self.process.url

    def restart(self) -> None:
        self.process.__exit__()
        self.process = ServerProcess(self.db_url).__enter__()

    def stop(self) -> None:
        self.process.__exit__()

    def user(self, name: str) -> str:
        self.storage.add_user(name, _now())
        return name

    def invite(self, user: str) -> str:
        code, code_id, secret_hash = new_code()
        self.storage.add_invite(user, code_id, secret_hash, _now(), _now() + 900)
        return code

    def inspection(self, name: str, lead: str) -> bytes:
        iid = os.urandom(16)
        self.storage.add_inspection(iid, name, lead, _now())
        return iid

    def close(self) -> None:
        self.process.__exit__()
        self.storage.close()


def _now() -> float:
    import time

    return time.time()


class Device:
    """One enrolled device: a real profile, unlocked, with a client for the server."""

    def __init__(self, root: Path, name: str, server: Server, user: str) -> None:
        self.name = name
        self.server = server
        self.user = user
        self.profile = Profile(root / name)
        self.session, _ = self.profile.init(PASSPHRASE, KdfParams.floor(), author=name)
        self.session.set_setting("server", server.url)
        keys = self.session.keys.device
        with SyncClient(server.url, self.session.device_id, None) as c:
            c.enrol(server.invite(user), keys.sign_pub, keys.kx_pub)
        self.session.rosters.set_user(user)

    def client(self, **kw: object) -> SyncClient:
        return SyncClient(self.server.url, self.session.device_id,
                          self.session.keys.device.signing, **kw)  # type: ignore[arg-type]

    def sync(self, **kw: object) -> SyncReport:
        with self.client(**kw) as c:
            return sync(self.session, c)

    def relock(self) -> None:
        self.session.lock()
        self.session = self.profile.unlock(PASSPHRASE)

    def team_ops(self, inspection: str = "Northshire 2026") -> tuple[Team_, SyncClient]:
        c = self.client()
        return Team_(self.session, c, self.session.find_inspection(inspection)), c

    def invite(self, user: str, role: str = "member",
               inspection: str = "Northshire 2026") -> str:
        ops, c = self.team_ops(inspection)
        with c:
            return ops.invite(user, role)

    def join(self, code: str, inspection: str | None = None) -> str:
        with self.client() as c:
            return join(self.session, c, code, inspection)

    def team(self, inspection: str = "Northshire 2026") -> bytes:
        ins = self.session.find_inspection(inspection)
        return self.session.collection_for(ins, "note")

    def close(self) -> None:
        if not self.session.locked:
            self.session.lock()
        self.profile.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    if request.param == "sqlite":
        s = Server(str(tmp_path / "server.db"))
        yield s
        s.close()
        return
    base = request.getfixturevalue("pg_base")
    with fresh_schema(base) as url:
        s = Server(url)
        yield s
        s.close()


class Team:
    """A lead and members of one inspection, every device enrolled and holding the keys."""

    def __init__(self, server: Server, root: Path) -> None:
        self.server = server
        self.root = root
        self.devices: list[Device] = []

    def device(self, name: str, user: str) -> Device:
        d = Device(self.root, name, self.server, user)
        self.devices.append(d)
        return d

    def close(self) -> None:
        for d in self.devices:
            d.close()


def make_team(server: Server, root: Path, members: list[str], *, lead_user: str = "lead",
              inspection: str = "Northshire 2026") -> tuple[Team, list[Device]]:
    """Users lead + members, one device each, the inspection synced to every device."""
    team = Team(server, root)
    server.user(lead_user)
    for m in members:
        server.user(m)
    server.inspection(inspection, lead_user)
    lead = team.device(f"{lead_user}-laptop", lead_user)
    rep = lead.sync()
    assert rep.ok, rep.problems
    devices = [lead] + [team.device(f"{m}-laptop", m) for m in members]
    codes = [lead.invite(m, inspection=inspection) for m in members]
    for d, code in zip(devices[1:], codes, strict=True):
        d.join(code)
    rep = lead.sync()  # checks each join proof, adds the devices, wraps the keys
    assert rep.ok, rep.problems
    assert len(rep.admitted) == len(members), rep.admitted
    for d in devices[1:]:
        r = d.sync()
        assert r.ok, r.problems
        assert d.session.find_inspection(inspection)
    return team, devices


@pytest.fixture
def team_factory(server: Server, tmp_path: Path) -> Iterator:
    made: list[Team] = []

    def factory(members: list[str]) -> list[Device]:
        team, devices = make_team(server, tmp_path, members)
        made.append(team)
        return devices

    yield factory
    for t in made:
        t.close()
