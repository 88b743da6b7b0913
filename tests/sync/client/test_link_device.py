"""A member's own second device (issue 11, item 6), through a real server on SQLite and
PostgreSQL: linked from the device they already hold with a code shown on one and typed on the
other, admitted by the lead's device at its next sync with no lead action, and until its keys
arrive its sync is not ok and says who must sync next."""

from __future__ import annotations

from pathlib import Path

from store.team import LinkClaim, publish_link
from sync.client._team import Team
from tests.sync.client.conftest import Server, make_team


def problems(rep) -> str:  # noqa: ANN001 - SyncReport
    return "\n".join(rep.problems)


def test_second_device_is_linked_and_admitted_without_lead_action(server: Server,
                                                                 tmp_path: Path) -> None:
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        ins = lead.session.find_inspection("Northshire 2026")
        lead.session.create(ins, "observation", "Walk round", "before the phone")
        assert lead.sync().ok
        phone = team.device("alice-phone", "alice")

        # enrolled but on no roster: not done, and it says what to do
        rep = phone.sync()
        assert not rep.ok
        assert "team link" in problems(rep) and "not on the team roster" in problems(rep)

        with alice.client() as c:
            code = Team(alice.session, c, alice.session.find_inspection("Northshire 2026")) \
                .link()
        assert len(code.replace("-", "")) == 40
        phone.join(code)
        rep = phone.sync()
        assert not rep.ok
        fpr = alice.session.rosters.get(alice.team()).device(alice.session.device_id) \
            .fingerprint
        assert "must sync next" in problems(rep) and "showed the code" in problems(rep)

        rep = alice.sync()  # checks the phone's proof and vouches for it
        assert rep.ok, rep.problems
        assert rep.linked == [f"alice ({phone.session.device_id.hex()[:8]})"]
        rep = phone.sync()
        assert not rep.ok and "lead's device" in problems(rep) and "lead" in problems(rep)

        rep = lead.sync()  # no human step: the lead's device reads the link and admits it
        assert rep.ok, rep.problems
        assert rep.admitted == [f"alice ({phone.session.device_id.hex()[:8]})"]
        roster = lead.session.rosters.get(lead.team())
        added = roster.device(phone.session.device_id)
        assert added is not None and added.user == "alice" and added.role == "member"

        rep = phone.sync()
        assert rep.ok, rep.problems
        assert rep.joined == ["Northshire 2026"]
        assert {n.title for n in phone.session.list_notes()} >= {"Walk round"}
        # the phone writes, the team reads it
        phone.session.create(phone.session.find_inspection("Northshire 2026"), "observation",
                             "From the phone", "typed on the train")
        assert phone.sync().ok and lead.sync().ok
        assert "From the phone" in {n.title for n in lead.session.list_notes()}
        assert fpr  # the fingerprint named in the message is the vouching device's
    finally:
        team.close()


def test_a_link_from_another_users_device_is_refused(server: Server, tmp_path: Path) -> None:
    team, (lead, alice, bob) = make_team(server, tmp_path, ["alice", "bob"])
    try:
        phone = team.device("alice-phone", "alice")
        keys = phone.session.keys.device
        # bob's device claims alice's new phone: signed and on the roster, but not alice's
        publish_link(bob.session, bob.team(), LinkClaim(phone.session.device_id, keys.sign_pub,
                                                        keys.kx_pub, "alice"))
        assert bob.sync().ok
        rep = lead.sync()
        assert rep.admitted == []
        assert any("bob" in a and "alice" in a for a in rep.alerts), rep.alerts
        assert lead.session.rosters.get(lead.team()).device(phone.session.device_id) is None
        assert lead.sync().alerts == []  # said once, not at every sync
    finally:
        team.close()
