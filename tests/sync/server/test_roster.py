"""The signed roster log: append-only, chained, idempotent on retry, readable by members and
appendable by leads only (both backends, the real app). The server does not verify
signatures; the events here are real ones, so the log read back verifies on a client."""

from __future__ import annotations

import json
import os

import pytest

from store.team import Roster, SignedEvent

from ._support import Device, World, raw_public
from ._team import T0, Team, add, chain, genesis, make_team, wire


def test_append_genesis_and_more_then_read_the_whole_log(world: World) -> None:
    t = make_team(world)
    cl, ca = t.client(t.lead), t.client(t.alice)
    empty = ca.get(t.roster_url).json()
    assert empty == {"collection_id": t.cid.hex(), "length": 0, "head": None, "events": []}
    roster, g = genesis(t.lead, t.cid)
    r = cl.post(t.roster_url, json=wire([g]))
    assert r.json() == {"collection_id": t.cid.hex(), "length": 1, "head": g.hash.hex()}
    roster, e2 = add(roster, t.lead, t.alice)
    roster, e3 = roster.sign_next(t.lead.key, "rotate", t.lead.device_id, at=T0,
                                  collection_key=os.urandom(32))
    r = cl.post(t.roster_url, json=wire([e2, e3]))
    assert r.json() == {"collection_id": t.cid.hex(), "length": 3, "head": e3.hash.hex()}
    log = ca.get(t.roster_url).json()
    assert log["length"] == 3 and log["head"] == roster.head.hex()
    served = [SignedEvent.from_wire(e) for e in log["events"]]
    assert served == [g, e2, e3]
    # what a member does with it: verify from genesis against the pinned lead key
    verified = Roster.verify(served, raw_public(t.lead.key))
    assert verified.is_active(t.alice.device_id) and verified.epoch == 2
    # the listing carries the head and length, so a sync with nothing new stops there
    info = ca.get("/v1/collections").json()["collections"][0]
    assert (info["roster_head"], info["roster_length"]) == (e3.hash.hex(), 3)


def test_a_retried_append_is_accepted_again(world: World) -> None:
    t = make_team(world)
    cl = t.client(t.lead)
    _, events = chain(t.lead, t.cid, [t.alice, t.bob])
    first = cl.post(t.roster_url, json=wire(events[:2])).json()
    assert cl.post(t.roster_url, json=wire(events[:2])).json() == first
    assert cl.post(t.roster_url, json=wire(events[:1])).json() == first
    # a batch overlapping what is stored: the old part is checked, the new part appended
    r = cl.post(t.roster_url, json=wire(events[1:]))
    assert r.json() == {"collection_id": t.cid.hex(), "length": 3, "head": events[2].hash.hex()}
    assert len(cl.get(t.roster_url).json()["events"]) == 3


def _conflict(r: object, length: int, head: bytes) -> None:
    assert r.status_code == 409, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["error"] == "roster_conflict"
    assert f"has {length} events" in body["message"] and head.hex() in body["message"]


def test_gaps_wrong_prev_and_forks_are_conflicts(world: World) -> None:
    t = make_team(world)
    cl = t.client(t.lead)
    roster, events = chain(t.lead, t.cid, [t.alice, t.bob])
    assert cl.post(t.roster_url, json=wire(events[:1])).status_code == 200
    head = events[0].hash
    # a gap: event 3 while the server has 1
    _conflict(cl.post(t.roster_url, json=wire(events[2:])), 1, head)
    # not contiguous within the batch
    _conflict(cl.post(t.roster_url, json=wire([events[0], events[2]])), 1, head)
    # a fork: another genesis (another time, so another hash) and its event 2, whose prev
    # names the other genesis
    other, other_events = chain(t.lead, t.cid, [t.bob], at="2026-03-02T09:00:00+00:00")
    _conflict(cl.post(t.roster_url, json=wire(other_events[:1])), 1, head)
    _conflict(cl.post(t.roster_url, json=wire(other_events[1:])), 1, head)
    # a fork at a stored position, after the log grew
    assert cl.post(t.roster_url, json=wire(events[1:])).json()["length"] == 3
    _, forked = add(Roster.verify(events[:2], raw_public(t.lead.key)), t.lead, t.bob,
                    role="lead")
    _conflict(cl.post(t.roster_url, json=wire([forked])), 3, events[2].hash)
    # nothing of a refused batch was stored
    log = cl.get(t.roster_url).json()
    assert log["length"] == 3 and [SignedEvent.from_wire(e) for e in log["events"]] == events
    assert roster.head.hex() == log["head"]


@pytest.mark.parametrize("case", ["not_json", "not_canonical", "non_ascii", "bad_shape",
                                  "other_collection", "short_sig", "too_long", "too_many"])
def test_malformed_events_are_refused(world: World, case: str) -> None:
    t = make_team(world)
    cl = t.client(t.lead)
    _, g = genesis(t.lead, t.cid)
    item = g.to_wire()
    code = "bad_roster_event"
    if case == "not_json":
        item["event"] = "{not json"
    elif case == "not_canonical":
        item["event"] = json.dumps(json.loads(item["event"]), indent=1)
    elif case == "non_ascii":
        item["event"] = item["event"].replace('"lead"', '"l\u00e9ad"')
    elif case == "bad_shape":
        fields = json.loads(item["event"])
        fields["note"] = "content never belongs in a roster"
        item["event"] = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    elif case == "other_collection":
        _, g = genesis(t.lead, os.urandom(16))
        item, code = g.to_wire(), "wrong_collection"
    elif case == "short_sig":
        item["sig"], code = item["sig"][:-2], "invalid_request"
    elif case == "too_long":
        item["event"], code = "x" * 1025, "invalid_request"
    body = {"events": [item]} if case != "too_many" else {"events": [item] * 101}
    if case == "too_many":
        code = "invalid_request"
    r = cl.post(t.roster_url, json=body)
    assert r.status_code == 422 and r.json()["error"] == code, r.text
    assert cl.get(t.roster_url).json()["length"] == 0


def test_members_read_the_roster_but_only_leads_append(world: World) -> None:
    t = make_team(world)
    _, events = chain(t.lead, t.cid, [t.alice])
    for dev in (t.alice, t.bob):
        r = t.client(dev).post(t.roster_url, json=wire(events[:1]))
        assert r.status_code == 403, r.text
    assert t.client(t.alice).post(t.roster_url, json=wire(events[:1])).json()["error"] \
        == "not_a_lead"
    assert t.client(t.lead).post(t.roster_url, json=wire(events)).status_code == 200
    assert t.client(t.alice).get(t.roster_url).json()["length"] == 2
    r = t.client(t.bob).get(t.roster_url)
    assert r.status_code == 403 and r.json()["error"] == "not_a_member"
    # a depute lead of the collection appends too (the roster's own rules are the clients')
    depute = t.world.enrol("alice")
    c = t.client(t.lead)
    assert c.post(f"/v1/collections/{t.cid.hex()}/members",
                  json={"user": "alice", "role": "lead"}).status_code == 200
    roster = Roster.verify(events, raw_public(t.lead.key))
    _, e3 = add(roster, t.lead, depute)
    assert t.client(depute).post(t.roster_url, json=wire([e3])).json()["length"] == 3


def test_after_pages_through_the_log(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import sync.server._routes_team as routes

    monkeypatch.setattr(routes, "ROSTER_PAGE", 2)
    t = make_team(world)
    extra = [Device.new(f"u{i}") for i in range(4)]
    _, events = chain(t.lead, t.cid, extra)
    assert t.client(t.lead).post(t.roster_url, json=wire(events)).json()["length"] == 5
    ca = t.client(t.alice)
    got: list[SignedEvent] = []
    after = 0
    while True:
        page = ca.get(t.roster_url, params={"after": after}).json()
        assert page["length"] == 5 and page["head"] == events[-1].hash.hex()
        assert len(page["events"]) <= 2
        if not page["events"]:
            break
        got += [SignedEvent.from_wire(e) for e in page["events"]]
        after = len(got)
    assert got == events
    assert ca.get(t.roster_url, params={"after": 99}).json()["events"] == []
    for bad in ["-1", "x", str(2**63)]:
        r = ca.get(t.roster_url, params={"after": bad})
        assert r.status_code == 422 and r.json()["error"] == "invalid_request"


def test_roster_of_an_unknown_collection(world: World) -> None:
    t: Team = make_team(world)
    url = f"/v1/collections/{os.urandom(16).hex()}/roster"
    assert t.client(t.lead).get(url).status_code == 403
    _, g = genesis(t.lead, bytes.fromhex(url.split("/")[3]))
    assert t.client(t.lead).post(url, json=wire([g])).status_code == 403
