"""Issue 11, item 1: only a lead's signature changes an inspection, checked on the reader's
device. A member's device running a modified client can append any inspection metadata to its
own stream; none of it may close, purge or re-time an inspection on a lead's device, and each
attempt is an ALERT that names the signer. Real server, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from store import META_PREFIX, Inspection, close_inspection, purge_inspection, retention_state
from store.team import NotALead, canonical_json, purge_statement, purge_statement_refusal
from tests.sync.client.conftest import Device, Server, make_team

NAME = "Northshire 2026"
OTHER = "Westshire 2026"


def _forge_meta(dev: Device, inspection_id: bytes, into: bytes, extra: dict[str, Any]) -> None:
    """What a modified client on a member's device can do: seal metadata of its choosing into
    its own stream, past the local refusal in ``publish_inspection``."""
    s = dev.session
    ins = Inspection(inspection_id, "Forged", "", "team", "", str(s.clock.now()), extra)
    with s.db.atomic():
        s._append(into, META_PREFIX + inspection_id.hex(),
                  lambda rev: {**ins.to_payload(), "rev": rev}, parents=(), draft=False)


def _backdated_close() -> dict[str, Any]:
    return {"closed_at": (datetime.now(UTC) - timedelta(days=30)).isoformat(timespec="seconds"),
            "retention_days": 1, "closed_by": "alice"}


def _purges(server: Server) -> list[bytes]:
    return [p.inspection_id for p in server.storage.list_purges()]


def test_a_members_close_changes_nothing_on_the_leads_device(server: Server, tmp_path) -> None:
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        ins = alice.session.find_inspection(NAME)
        alice.session.create(ins, "observation", "Team meeting", "kept")
        # the honest client refuses at once: a member does not close the inspection
        with pytest.raises(NotALead, match="only a lead"):
            close_inspection(alice.session, ins, 1)
        _forge_meta(alice, ins.inspection_id, alice.team(), _backdated_close())
        assert alice.sync().ok

        rep = lead.sync()
        assert len(rep.alerts) == 1, rep.alerts
        assert "alice" in rep.alerts[0] and "not a lead" in rep.alerts[0]
        assert rep.purged == [] and rep.purge_due == []
        for _ in range(2):  # after sync, and again after a fresh unlock
            mine = lead.session.find_inspection(NAME)
            assert not retention_state(mine).closed
            assert [n.title for n in lead.session.list_notes(mine)] == ["Team meeting"]
            lead.relock()
        assert lead.sync().ok  # the refused record is stored once: no alert at every sync
        assert _purges(server) == []
        assert not retention_state(alice.session.find_inspection(NAME)).closed

        # a profile from before this check, where alice's record became the metadata head:
        # the next unlock finds the newest lead-signed metadata again and mends the head
        team_cid = lead.team()
        forged = lead.session.streams.head(team_cid, alice.session.device_id)
        meta_id = META_PREFIX + ins.inspection_id.hex()
        db = lead.session.db
        db.execute("UPDATE records SET note_id = ? WHERE collection_id = ? AND device_id = ? "
                   "AND seq = ?", [meta_id, team_cid, forged.device_id, forged.seq])
        db.execute("DELETE FROM heads WHERE note_id = ?", [meta_id])
        db.execute("INSERT INTO heads VALUES (?, ?, ?, ?)",
                   [meta_id, team_cid, forged.device_id, forged.seq])
        lead.relock()
        assert not retention_state(lead.session.find_inspection(NAME)).closed
        assert [d for _, d, _ in lead.session.streams.heads(meta_id)] == \
            [lead.session.device_id]
    finally:
        team.close()


def test_metadata_for_another_inspection_is_refused(server: Server, tmp_path) -> None:
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        server.inspection(OTHER, "lead")  # the lead's second inspection; alice is not in it
        assert lead.sync().ok
        other = lead.session.find_inspection(OTHER)
        lead.session.create(other, "note", "Westshire plan", "")
        timeline = {"version": 1, "notification": "2020-01-06", "holidays": []}
        # into Northshire's team collection, naming Westshire: a close and a timeline
        _forge_meta(alice, other.inspection_id, alice.team(),
                    {**_backdated_close(), "timeline": timeline})
        assert alice.sync().ok

        rep = lead.sync()
        assert len(rep.alerts) == 1 and "another inspection" in rep.alerts[0], rep.alerts
        assert OTHER in rep.alerts[0]
        west = lead.session.find_inspection(OTHER)
        assert not retention_state(west).closed and "timeline" not in west.extra
        assert [n.title for n in lead.session.list_notes(west)] == ["Westshire plan"]
        assert rep.purged == [] and _purges(server) == []
    finally:
        team.close()


def test_a_members_timeline_is_refused(server: Server, tmp_path) -> None:
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        ins = alice.session.find_inspection(NAME)
        timeline = {"version": 1, "notification": "2020-01-06", "holidays": []}
        _forge_meta(alice, ins.inspection_id, alice.team(), {"timeline": timeline})
        assert alice.sync().ok
        rep = lead.sync()
        assert len(rep.alerts) == 1 and "alice" in rep.alerts[0]
        assert "timeline" not in lead.session.find_inspection(NAME).extra
    finally:
        team.close()


def test_a_sync_never_purges_and_members_purge_only_on_a_leads_statement(
        server: Server, tmp_path) -> None:
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        ins = lead.session.find_inspection(NAME)
        iid = ins.inspection_id
        alice.session.create(alice.session.find_inspection(NAME), "note", "Alice's note", "")
        assert alice.sync().ok and lead.sync().ok
        close_inspection(lead.session, ins, 1, now=datetime.now(UTC) - timedelta(days=2))

        # the lead's own sync names what may be purged; it destroys nothing by itself
        rep = lead.sync()
        assert rep.ok and rep.purge_due == [NAME] and rep.purged == []
        assert _purges(server) == [] and lead.session.find_inspection(NAME)

        # a purge the server reports without the lead's signed statement (an old client, or
        # a server that withholds or forges one): alice had not seen the close yet
        with lead.client() as c:
            c.purge_inspection(iid)
        assert _purges(server) == [iid]
        rep = alice.sync()
        assert rep.purged == [] and len(rep.alerts) == 1, rep.alerts
        assert "nothing was deleted" in rep.alerts[0]
        assert [n.title for n in alice.session.list_notes()] == ["Alice's note"]

        # a statement alice signed herself does not pass, nor one for another inspection
        body = {"inspection_id": iid.hex(), "by": alice.session.device_id.hex(),
                "closed_at": "2020-01-01T00:00:00+00:00", "retention_days": 1}
        forged = {**body, "sig": alice.session.keys.device.signing.sign(
            b"fieldpad/v1/purge" + canonical_json(body)).hex()}
        assert "not a lead" in purge_statement_refusal(alice.session, iid, forged)
        statement = purge_statement(lead.session, lead.session.find_inspection(NAME))
        assert purge_statement_refusal(alice.session, bytes(16), statement) is not None
        assert purge_statement_refusal(
            alice.session, iid, {**statement, "retention_days": 3000}) is not None

        # the lead's purge with its signed statement: alice's device checks it and purges
        with lead.client() as c:
            c.purge_inspection(iid, statement)
        purge_inspection(lead.session, iid, reason="purged by its lead")
        rep = alice.sync()
        assert rep.ok, rep.problems
        assert rep.purged == [NAME]
        assert NAME not in {i.name for i in alice.session.list_inspections()}
    finally:
        team.close()
