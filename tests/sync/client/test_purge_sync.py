"""Issue 6 retention through a real server, on SQLite and PostgreSQL: a closed inspection
whose retention period is over is named by the lead's next sync and purged when the lead asks
(never by a sync alone, issue 11), on the server and then on every member device at its next
sync; afterwards no byte of it remains anywhere, and the purge is recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from store import close_inspection, purge_inspection, purge_log
from store.team import purge_statement
from tests.sync.client.conftest import Device, Server, make_team

NAME = "Northshire 2026"


def _files(device: Device) -> list[Path]:
    d = device.profile.directory
    return [p for p in d.iterdir() if p.is_file()]


def _leftovers(device: Device, needles: list[bytes]) -> list[str]:
    found = []
    for path in _files(device):
        data = path.read_bytes()
        found += [f"{path.name}: {n.hex()[:16]}" for n in needles if n in data]
    return found


def _server_rows(server: Server, cids: list[bytes]) -> int:
    with server.storage._tx(write=False) as tx:
        return sum(int(tx.one(f"SELECT count(*) FROM {table} WHERE collection_id = ?",
                              (cid,))[0])
                   for cid in cids for table in ("records", "wrapped_keys", "roster_events"))


def test_purge_reaches_every_device_and_the_server(server: Server, tmp_path) -> None:
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        ins = lead.session.find_inspection(NAME)
        iid = ins.inspection_id
        for d, who in ((lead, "lead"), (alice, "alice")):
            i = d.session.find_inspection(NAME)
            d.session.create(i, "observation", f"{who} watched", "CANARY-PURGE-" + who)
            assert d.sync().ok
        assert lead.sync().ok
        cids = [c for c, (i, _) in lead.session.collection_roles().items() if i == iid]
        marks = ",".join("?" * len(cids))
        needles = [*cids, iid] + [bytes(r[0]) for r in lead.session.db.execute(
            f"SELECT hash FROM records WHERE collection_id IN ({marks})", cids).fetchall()]
        assert _server_rows(server, cids) > 0

        # the lead closed it with a one-day retention period two days ago
        close_inspection(lead.session, ins, 1, now=datetime.now(UTC) - timedelta(days=2))
        rep = lead.sync()
        assert rep.ok, rep.problems
        assert rep.purge_due == [NAME] and rep.purged == []
        assert _server_rows(server, cids) > 0
        # what `fieldpad inspection purge` does once the lead has confirmed
        closed = lead.session.find_inspection(NAME)
        with lead.client() as c:
            c.purge_inspection(iid, purge_statement(lead.session, closed))
        assert purge_inspection(lead.session, iid, reason="purged by its lead").purged
        assert _server_rows(server, cids) == 0
        assert [p.inspection_id for p in server.storage.list_purges()] == [iid]

        # alice's device purges it at its next sync
        rep = alice.sync()
        assert rep.ok, rep.problems
        assert rep.purged == [NAME]
        for d in (lead, alice):
            assert NAME not in {i.name for i in d.session.list_inspections()}
            assert not [n for n in d.session.list_notes() if "watched" in n.title]
            assert [e.name for e in purge_log(d.session)] == [NAME]
            d.relock()
            assert not [n for n in d.session.list_notes() if "watched" in n.title]
    finally:
        team.close()
    for d in (lead, alice):  # locked and closed: the files as a thief would find them
        assert not _leftovers(d, needles), _leftovers(d, needles)
