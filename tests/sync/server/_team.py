"""Helpers for the roster, invitation and purge tests: real signed roster events (built with
``store.team._roster_log``, so they verify) for devices of a :class:`World`."""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx

from store.team import Roster, SignedEvent

from ._support import Device, World, raw_public

T0 = "2026-03-01T09:00:00+00:00"


@dataclass
class Team:
    world: World
    iid: bytes
    cid: bytes
    lead: Device
    alice: Device
    bob: Device

    def client(self, dev: Device) -> httpx.Client:
        return self.world.client(dev)

    @property
    def roster_url(self) -> str:
        return f"/v1/collections/{self.cid.hex()}/roster"


def make_team(world: World) -> Team:
    """lead leads inspection I and its collection (alice a member); bob is an outsider."""
    for u in ["lead", "alice", "bob"]:
        world.user(u)
    iid = world.inspection("I", "lead")
    lead, alice, bob = world.enrol("lead"), world.enrol("alice"), world.enrol("bob")
    cid = world.collection(lead, iid, "alice")
    return Team(world, iid, cid, lead, alice, bob)


def genesis(lead: Device, cid: bytes, at: str = T0) -> tuple[Roster, SignedEvent]:
    return Roster.create(cid, lead.device_id, lead.user, lead.key, raw_public(lead.kx),
                         os.urandom(32), at=at)


def add(roster: Roster, lead: Device, dev: Device, role: str = "member",
        at: str = T0) -> tuple[Roster, SignedEvent]:
    return roster.sign_next(lead.key, "add_device", lead.device_id, at=at,
                            device_id=dev.device_id, user=dev.user, role=role,
                            sign_key=raw_public(dev.key), kx_key=raw_public(dev.kx))


def chain(lead: Device, cid: bytes, devices: list[Device],
          at: str = T0) -> tuple[Roster, list[SignedEvent]]:
    """Genesis by ``lead``, then one add_device per device."""
    roster, first = genesis(lead, cid, at)
    events = [first]
    for d in devices:
        roster, ev = add(roster, lead, d, at=at)
        events.append(ev)
    return roster, events


def wire(events: list[SignedEvent]) -> dict[str, list[dict[str, str]]]:
    return {"events": [e.to_wire() for e in events]}
