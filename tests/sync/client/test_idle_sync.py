"""A sync with nothing to do is one request (DESIGN §9): the listing carries what each device
needs to see that nothing changed (stream heads, its own stream's head hash, roster lengths
and heads, key epochs, the invitations that wait on it). Real `fieldpad serve` on loopback,
both backends; requests counted by the client's traffic counters.

The short-cut must not skip work: a record the server gained is pulled, records it lost are
sent again, a head ahead of this device's chain is an ALERT; and an older server without the
listing's invitation fields gets the questions asked as before."""

from __future__ import annotations

from pathlib import Path

import httpx

from sync.client import Team
from tests.sync.client._checks import settle, write_notes
from tests.sync.client._tamper import roll_back, server_head, set_head
from tests.sync.client.conftest import Device, Server, make_team


def idle(device: Device, **kw: object) -> int:
    """Sync ``device`` when nothing is new; the requests it made."""
    rep = device.sync(**kw)
    assert rep.ok, rep.problems
    assert (rep.up_records, rep.down_records, rep.delivered_keys) == (0, 0, 0), rep
    assert not (rep.admitted or rep.joined or rep.healed or rep.alerts), rep
    return rep.requests


class OldServer(httpx.HTTPTransport):
    """A server from before the listing said which invitations wait on the device: the very
    answers of the real server, without ``pending_joins`` and ``joins``."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        resp = super().handle_request(request)
        self.paths.append(f"{request.method} {request.url.path}")
        if request.method != "GET" or request.url.path != "/v1/collections":
            return resp
        resp.read()
        body = resp.json()
        assert "pending_joins" in body and "joins" in body  # the real server sends them
        del body["pending_joins"], body["joins"]
        for col in body["collections"]:
            del col["active_device_ids"], col["missing_key_ids"]
        return httpx.Response(resp.status_code, json=body)


def test_an_idle_sync_is_one_request(server: Server, tmp_path: Path) -> None:
    team, (lead, bob) = make_team(server, tmp_path, ["bob"])
    try:
        write_notes(bob.session, "seen", 2, {})
        settle([lead, bob])
        assert idle(lead) == 1 and idle(bob) == 1
        # an invitation nobody answered yet: the lead's device need not ask for joins
        server.user("cat")
        code = lead.invite("cat")
        assert idle(lead) == 1
        # cat's device answered; until the lead's device checks the answer, cat's sync says
        # whose sync comes next without asking for the invitation's state
        cat = team.device("cat-laptop", "cat")
        cat.join(code)
        rep = cat.sync()
        assert rep.requests == 1, rep.requests
        assert any("must sync next" in w for w in rep.problems) and rep.only_waiting, rep
        assert lead.sync().admitted  # the listing said a join waits: the lead asked
        assert cat.sync().joined
        settle([lead, bob, cat])
        assert idle(lead) == 1 and idle(bob) == 1 and idle(cat) == 1
    finally:
        team.close()


def test_after_idle_syncs_a_gained_record_is_pulled_and_a_rollback_healed(
        server: Server, tmp_path: Path) -> None:
    team, (lead, bob) = make_team(server, tmp_path, ["bob"])
    try:
        settle([lead, bob])
        assert idle(lead) == 1 and idle(bob) == 1
        # the server gained a record: bob's next sync pulls it
        write_notes(lead.session, "new", 1, {})
        assert lead.sync().up_records == 1
        rep = bob.sync()
        assert rep.ok and rep.down_records == 1, rep
        assert idle(bob) == 1
        # the server lost records (restored from an older backup): the author re-sends them
        write_notes(bob.session, "kept", 3, {})
        assert bob.sync().up_records == 3
        assert idle(bob) == 1
        cid, me = bob.team(), bob.session.device_id
        head = server_head(server, cid, me)
        roll_back(server, cid, me, 2)
        rep = bob.sync()
        assert rep.ok and rep.resent == 2 and not rep.alerts, rep
        assert server_head(server, cid, me) == head
        assert idle(bob) == 1
        # a head ahead of this device's chain: an ALERT at every sync, nothing marked sent
        set_head(server, cid, me, head[0] + 5)
        rep = bob.sync()
        assert rep.alerts and "ahead of the" in rep.alerts[0], rep.alerts
        assert bob.sync().alerts
    finally:
        team.close()


def test_an_older_server_without_the_invitation_fields(server: Server, tmp_path: Path) -> None:
    team, (lead, bob) = make_team(server, tmp_path, ["bob"])
    try:
        settle([lead, bob])
        old = OldServer()
        assert idle(lead, transport=old) == 1  # no invitation here: nothing to ask
        server.user("cat")
        code = lead.invite("cat")
        cat = team.device("cat-laptop", "cat")
        cat.join(code)
        old.paths.clear()
        rep = cat.sync(transport=old)  # without the states, it asks for its invitation's
        assert any("must sync next" in w for w in rep.problems) and rep.only_waiting, rep
        assert any(p.startswith("GET /v1/invites/") for p in old.paths), old.paths
        old.paths.clear()
        rep = lead.sync(transport=old)  # without the count, the lead's device asks
        assert rep.admitted and "GET /v1/invites/pending" in old.paths, (rep, old.paths)
        assert cat.sync(transport=old).joined
        settle([lead, bob, cat])
        assert idle(cat, transport=old) == 1
    finally:
        team.close()


def test_a_device_enrolled_but_not_on_the_roster_costs_no_request(server: Server,
                                                                  tmp_path: Path) -> None:
    """While bob's phone is enrolled (the server lists it, without keys) and not yet on the
    signed roster, nobody can give it a key and no roster device is gone: the counts alone
    sent every device to GET .../members at every sync; the listing's device ids do not."""
    team, (lead, bob) = make_team(server, tmp_path, ["bob"])
    try:
        settle([lead, bob])
        phone = team.device("bob-phone", "bob")
        assert idle(lead) == 1 and idle(bob) == 1
        old = OldServer()  # an older server: the counts only, so both devices ask
        assert idle(lead, transport=old) == 3 and idle(bob, transport=old) == 2
        assert old.paths.count(f"GET /v1/collections/{lead.team().hex()}/members") == 3
        # once linked and admitted, the phone gets its keys and reads the team's notes
        write_notes(lead.session, "for the phone", 1, {})
        with bob.client() as c:
            code = Team(bob.session, c, bob.session.find_inspection("Northshire 2026")).link()
        phone.join(code)
        assert bob.sync().linked and lead.sync().admitted
        rep = phone.sync()
        assert rep.ok and rep.joined, rep.problems
        assert "for the phone 0" in {n.title for n in phone.session.list_notes()}
        settle([lead, bob, phone])
        assert idle(lead) == 1 and idle(bob) == 1 and idle(phone) == 1
    finally:
        team.close()
