"""Concurrency: real ``uvicorn`` server processes on one database, several devices pushing and
pulling at once for a bounded time; afterwards every device's pull is exactly the union of
what was pushed, stream by stream, with no gap and no duplicate.

PostgreSQL: two server processes (they also race to migrate the fresh schema). SQLite: one.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from store import ZERO_HASH, envelope_hash
from sync._framing import decode_pull_page
from sync._signing import DeviceAuth
from sync.server import open_storage

from ._support import Device, Stream, World, fresh_schema, pull_all, push, servers

SECONDS = 3.0
DEVICES = 6


class Replica:
    """What one device has pulled, checked as it arrives: contiguous seqs, intact chains."""

    def __init__(self) -> None:
        self.streams: dict[str, list[bytes]] = {}

    @property
    def after(self) -> dict[str, int]:
        return {d: len(envs) for d, envs in self.streams.items()}

    def add(self, env: bytes) -> None:
        dev = env[22:38].hex()
        seq = int.from_bytes(env[38:46], "big")
        have = self.streams.setdefault(dev, [])
        assert seq == len(have) + 1, f"stream {dev[:8]}: got seq {seq} after {len(have)}"
        prev = envelope_hash(have[-1]) if have else ZERO_HASH
        assert env[46:78] == prev, f"stream {dev[:8]}: chain broken at seq {seq}"
        have.append(env)


def _clients(dev: Device, urls: list[str]) -> list[httpx.Client]:
    return [httpx.Client(base_url=u, auth=DeviceAuth(dev.device_id, dev.key), timeout=30)
            for u in urls]


def _push_at_once(go: threading.Barrier, c: httpx.Client, cid: bytes, envs: list[bytes],
                  results: list[httpx.Response]) -> None:
    go.wait()
    results.append(push(c, cid, envs))


#: The racer pushes as fast as the servers answer for the whole run: since pushes got quicker
#: it outran the per-device rate limit (50/s after a burst of 200) and got a 429. Limits are
#: tested in test_limits.py; here they are lifted out of the way.
NO_RATE_LIMIT = {"FIELDPAD_SERVER_LIMITS__RATE_PER_S": "1000000",
                 "FIELDPAD_SERVER_LIMITS__RATE_BURST": "1000000"}


def run_workload(db_url: str, n_servers: int) -> None:
    with servers(db_url, n_servers, env=NO_RATE_LIMIT) as procs:
        urls = [p.url for p in procs]
        storage = open_storage(db_url)
        try:
            world = World(storage, time.time, base_url=urls[0])
            users = ["ana", "ben", "cat"]
            for u in ["lead", *users]:
                world.user(u)
            iid = world.inspection("Concurrent", "lead")
            devs = [world.enrol_local("lead")]
            devs += [world.enrol_local(users[i % len(users)]) for i in range(DEVICES - 1)]
            cid = world.collection(devs[0], iid, *users)
            _run_devices(devs, urls, cid)
        finally:
            world.close()
            storage.close()


def _run_devices(devs: list[Device], urls: list[str], cid: bytes) -> None:
    pushed: dict[str, list[bytes]] = {}
    replicas: dict[str, Replica] = {}
    errors: list[BaseException] = []
    done_pushing = threading.Barrier(len(devs))  # the workers and this thread
    deadline = time.monotonic() + SECONDS

    def worker(i: int, dev: Device) -> None:
        rng = random.Random(i)
        clients = _clients(dev, urls)
        stream, mine, replica = Stream(dev, cid), [], Replica()
        try:
            while time.monotonic() < deadline:
                c = rng.choice(clients)
                if rng.random() < 0.5:
                    envs = stream.next(rng.randint(1, 5), size=rng.randint(50, 2000))
                    r = push(c, cid, envs)
                    assert r.status_code == 200, r.text
                    assert r.json()["accepted"] == len(envs)
                    mine += envs
                    if rng.random() < 0.3:  # a retry through the other process: idempotent
                        r = push(rng.choice(clients), cid, envs)
                        assert r.status_code == 200 and r.json()["duplicates"] == len(envs)
                else:
                    r = c.post(f"/v1/collections/{cid.hex()}/pull",
                               json={"after": replica.after,
                                     "max_bytes": rng.randint(1000, 64_000)})
                    assert r.status_code == 200, r.text
                    for env in decode_pull_page(r.content).envelopes:
                        replica.add(env)
                time.sleep(rng.random() * 0.01)
        except BaseException as exc:  # noqa: BLE001 - reported below, after every thread stops
            errors.append(exc)
        pushed[dev.hex] = mine
        done_pushing.wait(timeout=60)
        try:
            got, _ = pull_all(rng.choice(clients), cid, after=replica.after)
            for env in got:
                replica.add(env)
            replicas[dev.hex] = replica
            # and a fresh full pull through the other process agrees
            full, _ = pull_all(clients[-1], cid, max_bytes=50_000)
            fresh = Replica()
            for env in full:
                fresh.add(env)
            assert fresh.streams == replica.streams
        except BaseException as exc:  # noqa: BLE001 - reported below, after every thread stops
            errors.append(exc)
        finally:
            for c in clients:
                c.close()

    def racer(dev: Device) -> None:
        """One device sends each batch to every process at the same instant."""
        clients = _clients(dev, urls) + _clients(dev, urls[::-1])
        stream, mine = Stream(dev, cid), []
        try:
            while time.monotonic() < deadline:
                envs = stream.next(3, size=300)
                results: list[httpx.Response] = []
                go = threading.Barrier(2)
                ts = [threading.Thread(target=_push_at_once, args=(go, c, cid, envs, results))
                      for c in clients[:2]]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join()
                assert [r.status_code for r in results] == [200, 200], [r.text for r in results]
                assert sorted(r.json()["accepted"] for r in results) == [0, 3]
                mine += envs
        except BaseException as exc:  # noqa: BLE001 - reported below, after every thread stops
            errors.append(exc)
        pushed[dev.hex] = mine
        for c in clients:
            c.close()

    threads = [threading.Thread(target=worker, args=(i, d)) for i, d in enumerate(devs[1:])]
    threads.append(threading.Thread(target=racer, args=(devs[0],)))
    for t in threads:
        t.start()
    threads[-1].join()
    done_pushing.wait(timeout=60)
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    want = {d: envs for d, envs in pushed.items() if envs}
    total = sum(len(e) for e in want.values())
    print(f"pushed {total} records in {len(want)} streams")
    assert total > 20, "the workload pushed almost nothing"
    for dev, replica in replicas.items():
        assert replica.streams == want, f"device {dev[:8]} pulled something else"
    assert len(replicas) == DEVICES - 1


@pytest.fixture
def pg_url(pg_base: str) -> Iterator[str]:
    with fresh_schema(pg_base) as url:
        yield url


@pytest.mark.slow
def test_two_processes_share_one_postgres(pg_url: str) -> None:
    run_workload(pg_url, 2)


@pytest.mark.slow
def test_one_process_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    run_workload(str(tmp_path / "server.db"), 1)
