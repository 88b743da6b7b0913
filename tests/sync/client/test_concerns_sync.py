"""Issue 6 concerns through a real server, on SQLite and PostgreSQL: a concern raised offline
is pushed before anything else at the next sync, so even a sync cut off after its first
request has delivered it, and it shows in the lead's queue; the sealed child identifier is
readable on lead devices only; a lead's steps are signed by the device that recorded them."""

from __future__ import annotations

import httpx
import pytest

from store.inspection import concern_steps, concerns_queue, raise_concern, record_step
from sync.client import NetworkError, RetryPolicy, sync
from tests.sync.client.conftest import Device, Server, make_team

NAME = "Northshire 2026"


class CutAfterFirstPush(httpx.BaseTransport):
    """The real transport, until the first push is answered; then the signal is gone."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.pushed: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.pushed:
            raise httpx.ConnectError("no signal in the car park", request=request)
        resp = self.inner.handle_request(request)
        if request.url.path.endswith("/records"):
            self.pushed.append(request.url.path.split("/")[3])
        return resp

    def close(self) -> None:
        self.inner.close()


def _observe(device: Device, title: str) -> str:
    ins = device.session.find_inspection(NAME)
    return device.session.create(ins, "observation", title, "What was seen.").note_id


def test_an_offline_concern_reaches_the_lead_first(server: Server, tmp_path) -> None:
    team, (lead, alice) = make_team(server, tmp_path, ["alice"])
    try:
        server.user("deputy")
        deputy = team.device("deputy-laptop", "deputy")
        deputy.join(lead.invite("deputy", role="lead"))
        assert lead.sync().ok and deputy.sync().ok
        # offline: five observations, then a concern raised from the last one
        notes = [_observe(deputy, f"Visit {i}") for i in range(5)]
        concern = raise_concern(deputy.session, notes[-1], "Bruising seen; no explanation",
                                "immediate")
        restricted = concern.collection_id
        assert restricted != deputy.team()
        # the next sync is cut off after its first push: that push was the concern's
        cut = CutAfterFirstPush()
        once = RetryPolicy(attempts=1)
        with deputy.client(transport=cut, retry=once) as c, pytest.raises(NetworkError):
            sync(deputy.session, c)
        assert cut.pushed == [restricted.hex()]
        rep = lead.sync()
        assert rep.ok, rep.problems
        queue = concerns_queue(lead.session.list_notes(kind="concern"))
        assert [q.note.note_id for q in queue] == [concern.note_id]
        assert not {f"Visit {i}" for i in range(5)} & {n.title for n in lead.session.list_notes()}
        # the rest follows at the next sync with a signal
        assert deputy.sync().ok and lead.sync().ok
        assert {f"Visit {i}" for i in range(5)} <= {n.title for n in lead.session.list_notes()}
    finally:
        team.close()


def test_the_child_identifier_is_readable_by_leads_only(server: Server, tmp_path) -> None:
    team, (lead, alice, bob) = make_team(server, tmp_path, ["alice", "bob"])
    try:
        source = _observe(alice, "Home visit")
        concern = raise_concern(alice.session, source, "Disclosure during the visit",
                                "within 24 hours", fields={"child_identifier": "CHI 0101011234"})
        stored = alice.session.get(concern.note_id).fields["child_identifier"]
        assert "0101011234" not in stored
        assert alice.session.unseal(concern.note_id, "child_identifier") is None  # sealed away
        assert alice.sync().ok
        for d in (lead, bob):
            assert d.sync().ok
        assert lead.session.unseal(concern.note_id, "child_identifier") == "CHI 0101011234"
        assert concern.note_id in bob.session.notes  # the form is the team's
        assert bob.session.unseal(concern.note_id, "child_identifier") is None

        # the lead's decision is a step signed by the lead's device
        record_step(lead.session, concern.note_id, "decision",
                    {"decision": "refer to partnership", "decision_rationale": "immediate risk"})
        assert lead.sync().ok and alice.sync().ok
        steps = {s.step: s for s in concern_steps(alice.session.get(concern.note_id),
                                                  alice.session.history(concern.note_id))}
        assert steps["decision"].recorded_device == lead.session.device_id
        assert steps["raised"].recorded_device == alice.session.device_id
    finally:
        team.close()
