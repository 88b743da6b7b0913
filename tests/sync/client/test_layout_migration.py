"""Issue 16: a member's profile made at every earlier schema, holding what a working device
holds (records of its own pushed, in flight and not yet pushed, other devices' records pulled,
an autosaved draft, a quarantined record, heads), upgraded to the records layout of 0004:
every row kept byte for byte, the same notes listed, and sync goes on with a real server
(SQLite): what was unpushed goes up, the quarantined record is fetched again, the team
converges."""

from __future__ import annotations

from pathlib import Path

import pytest

from store import MIGRATION_NAMES, Profile, parse_rev, schema_version
from tests.conftest import PASSPHRASE
from tests.store._old_schema import assert_kept, write_old
from tests.sync.client._checks import assert_converged, settle, snapshot, write_notes
from tests.sync.client._tamper import flip_byte
from tests.sync.client.conftest import Server, make_team

LAYOUT = "0004_records_layout"



# every profile in use today is at the schema just before the layout: that one runs always
@pytest.mark.parametrize("version", [
    *(pytest.param(v, marks=pytest.mark.slow) for v in range(1, MIGRATION_NAMES.index(LAYOUT))),
    MIGRATION_NAMES.index(LAYOUT)])
def test_a_member_profile_from_every_earlier_schema_upgrades_and_syncs_on(
        tmp_path: Path, version: int) -> None:
    server = Server(str(tmp_path / "server.db"))
    team, (lead, bob) = make_team(server, tmp_path, ["bob"])
    try:
        written: dict[str, str] = {}
        write_notes(lead.session, "lead", 3, written)
        assert lead.sync().ok
        write_notes(bob.session, "bob pushed", 2, written)
        newest = write_notes(lead.session, "lead later", 2, written)[-1]
        assert lead.sync().ok
        cid, lead_id = lead.team(), lead.session.device_id
        bad = parse_rev(newest.rev)[1]
        flip_byte(server, cid, lead_id, bad)  # a failing disk on the server
        rep = bob.sync()  # pulls lead's records (the damaged one set aside), pushes bob's
        assert rep.up_records == 2 and len(rep.quarantined) == 1, (rep.up_records,
                                                                    rep.quarantined)
        unsent = write_notes(bob.session, "bob unpushed", 3, written)
        draft = bob.session.save(unsent[-1].note_id, autosave=True, body="an autosaved draft")
        written[draft.title] = draft.body
        me = bob.session.device_id
        in_flight = parse_rev(unsent[0].rev)[1]
        bob.session.streams.mark_sending(cid, me, in_flight)  # sent, no answer: in flight
        seen = snapshot(bob.session)
        assert seen[draft.note_id][1] == "an autosaved draft"
        bob.close()

        old = tmp_path / "bob-old"
        copied = write_old(bob.profile.directory / "fieldpad.db", old, version)
        held = {(c, d, s): p for c, d, s, p in bob_records(copied)}
        assert {held[(cid, me, s)] for s in range(1, in_flight)} == {1}
        assert held[(cid, me, in_flight)] == 2 and held[(cid, me, in_flight + 1)] == 0
        assert held[(cid, lead_id, bad - 1)] == 1 and (cid, lead_id, bad) not in held

        bob.profile = Profile(old)  # the upgrade
        assert schema_version(bob.profile.db) == len(MIGRATION_NAMES)
        bob.profile.close()
        assert_kept(copied, old / "fieldpad.db")
        bob.profile = Profile(old)
        bob.session = bob.profile.unlock(PASSPHRASE)
        assert snapshot(bob.session) == seen

        flip_byte(server, cid, lead_id, bad)  # the server's disk mended: the copy is good
        rep = bob.sync()
        assert rep.ok, rep.problems
        assert rep.up_records == 4, rep.up_records  # 3 unpushed + the draft, once each
        assert not bob.session.db.execute("SELECT 1 FROM quarantine").fetchall()
        assert not [r for r in bob.session.streams.unpushed(me) if r.collection_id == cid]
        for d, r in zip([lead, bob], settle([lead, bob]), strict=True):
            assert r.ok and not r.quarantined, (d.name, r.problems, r.quarantined)
        assert_converged({d.name: d.session for d in (lead, bob)}, written)
    finally:
        team.close()
        server.close()


def bob_records(copied: dict) -> list[tuple[bytes, bytes, int, int]]:
    cols, rows = copied["records"]
    at = [cols.index(c) for c in ("collection_id", "device_id", "seq", "pushed")]
    return [tuple(r[i] for i in at) for r in rows]  # type: ignore[misc]
