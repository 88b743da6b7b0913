"""What this device trusts about its teams (issue 7): the verified roster of every collection,
the lead key pinned per inspection, invitations in flight, the user this device was enrolled
as and the devices marked verified in person.

Everything is sealed under the local data key in the ``secrets`` table (names ``roster:<cid>``,
``pin:<iid>``, ``invite:<id>``, ``identity``, ``verified``): member names and public keys
reveal who is on a team, so a lost laptop must not show them either.

A roster is re-verified from its events at load (rosters are small: a signature check per
event), so a tampered database can only make a roster fail, never make one trusted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ._roster_log import GENESIS, Roster, RosterError, RosterForged, SignedEvent

if TYPE_CHECKING:
    from store import VaultKeys

TEAM = "team"


class RosterBook:
    def __init__(self, db: Any, keys: VaultKeys) -> None:
        self.db = db
        self.keys = keys
        self._rosters: dict[bytes, Roster | None] = {}
        self._signers: dict[tuple[bytes, bytes], Ed25519PublicKey | None] = {}

    def __repr__(self) -> str:
        return f"RosterBook({len(self._rosters)} loaded)"

    # -- sealed rows -------------------------------------------------------------------------
    def _get(self, name: str) -> Any:
        row = self.db.execute("SELECT nonce, sealed FROM secrets WHERE name = ?",
                              [name]).fetchone()
        if row is None:
            return None
        return json.loads(self.keys.open(name, row[0], row[1]))

    def _put(self, name: str, value: Any) -> None:
        nonce, sealed = self.keys.seal(name, json.dumps(value, sort_keys=True).encode())
        self.db.execute("INSERT OR REPLACE INTO secrets (name, nonce, sealed) VALUES (?, ?, ?)",
                        [name, nonce, sealed])

    def _drop(self, name: str) -> None:
        self.db.execute("DELETE FROM secrets WHERE name = ?", [name])

    def _names(self, prefix: str) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT name FROM secrets WHERE name >= ? AND name < ? ORDER BY name",
            [prefix, prefix + "\uffff"]).fetchall()]

    # -- identity ----------------------------------------------------------------------------
    @property
    def user(self) -> str | None:
        """The server user this device was enrolled as."""
        data = self._get("identity")
        return data.get("user") if data else None

    def set_user(self, user: str) -> None:
        self._put("identity", {"user": user})

    # -- pins --------------------------------------------------------------------------------
    def pinned(self, inspection_id: bytes) -> bytes | None:
        data = self._get(f"pin:{inspection_id.hex()}")
        return bytes.fromhex(data["sign_key"]) if data else None

    def pin(self, inspection_id: bytes, sign_key: bytes) -> None:
        """Pin the lead key an inspection's team roster starts from. A pin never changes: a
        roster that names another lead later is a forgery, not a new lead."""
        old = self.pinned(inspection_id)
        if old is not None and old != sign_key:
            raise RosterForged(1, "the team roster names another lead key than the one this "
                               "device pinned when it joined")
        self._put(f"pin:{inspection_id.hex()}", {"sign_key": sign_key.hex()})

    # -- rosters -----------------------------------------------------------------------------
    def get(self, collection_id: bytes) -> Roster | None:
        """The verified roster of a collection, or None if this device has none (yet)."""
        if collection_id not in self._rosters:
            self._rosters[collection_id] = self._load(collection_id)
        return self._rosters[collection_id]

    def _load(self, collection_id: bytes) -> Roster | None:
        data = self._get(f"roster:{collection_id.hex()}")
        if not data:
            return None
        events = [SignedEvent.unpack(bytes.fromhex(e)) for e in data["events"]]
        try:
            return Roster.verify(events, bytes.fromhex(data["anchor"]))
        except RosterError:
            return None  # damaged: fetched and verified again at the next sync

    def save(self, roster: Roster, anchor: bytes) -> None:
        """Keep a verified roster; ``anchor`` is the lead key its genesis was checked
        against (the pin for a team roster, a lead of the team roster otherwise)."""
        self._put(f"roster:{roster.collection.hex()}",
                  {"anchor": anchor.hex(), "events": [e.pack().hex() for e in roster.events]})
        self._rosters[roster.collection] = roster
        self._signers = {k: v for k, v in self._signers.items() if k[0] != roster.collection}

    def anchor(self, collection_id: bytes) -> bytes:
        """The lead key a stored roster's genesis was verified against."""
        data = self._get(f"roster:{collection_id.hex()}")
        if not data:
            raise KeyError("no roster is stored for this collection")
        return bytes.fromhex(data["anchor"])

    def forget(self, collection_id: bytes) -> None:
        self._drop(f"roster:{collection_id.hex()}")
        self._rosters.pop(collection_id, None)
        self._signers = {k: v for k, v in self._signers.items() if k[0] != collection_id}

    def verify_for(self, events: list[SignedEvent], kind: str, inspection_id: bytes,
                   team: Roster | None) -> tuple[Roster, bytes]:
        """Verify a whole served log. A team roster must start from the pinned lead key; any
        other collection's roster from a lead on the inspection's verified team roster.
        Returns (roster, anchor). Raises ``RosterError``."""
        if not events:
            raise RosterForged(None, "the server served no roster")
        first = events[0].event()
        if first.op != GENESIS:
            raise RosterForged(1, "the roster does not start with its genesis")
        key = bytes.fromhex(first.sign_key or "")
        if kind == TEAM:
            pin = self.pinned(inspection_id)
            if pin is None:
                raise RosterForged(1, "this device has not joined the inspection (no pinned "
                                   "lead key)")
            return Roster.verify(events, pin), pin
        if team is None:
            # a local records reader is on no team: they pinned their pair's lead key
            pin = self.pinned(inspection_id)
            if pin is not None and pin == key:
                return Roster.verify(events, pin), pin
            raise RosterForged(1, "the team roster must be verified first")
        lead = team.device(bytes.fromhex(first.device_id or ""))
        if lead is None or not team.is_lead(lead.device_id) or lead.sign_key != key:
            raise RosterForged(1, "the roster was started by a device that is not a lead on "
                               "the team roster")
        return Roster.verify(events, key), key

    def signer_for(self, collection_id: bytes,
                   fallback: Callable[[bytes], Ed25519PublicKey | None]
                   ) -> Callable[[bytes], Ed25519PublicKey | None]:
        """Who may sign records of a collection: a device on its verified roster (one removed
        later keeps its earlier records valid: it never got the later epochs' keys). A
        collection without a roster (a local notebook) falls back to ``fallback``."""
        roster = self.get(collection_id)
        if roster is None:
            return fallback

        def lookup(device_id: bytes) -> Ed25519PublicKey | None:
            k = (collection_id, device_id)
            if k not in self._signers:
                dev = roster.device(device_id)
                self._signers[k] = (Ed25519PublicKey.from_public_bytes(dev.sign_key)
                                    if dev else None)
            return self._signers[k]

        return lookup

    # -- invitations -------------------------------------------------------------------------
    def save_invite(self, invite_id: bytes, data: dict[str, Any]) -> None:
        self._put(f"invite:{invite_id.hex()}", data)

    def invites(self, side: str | None = None) -> dict[bytes, dict[str, Any]]:
        out = {}
        for name in self._names("invite:"):
            data = self._get(name)
            if data and (side is None or data.get("side") == side):
                out[bytes.fromhex(name[len("invite:"):])] = data
        return out

    def drop_invite(self, invite_id: bytes) -> None:
        self._drop(f"invite:{invite_id.hex()}")

    # -- verified in person ------------------------------------------------------------------
    def verified(self) -> set[bytes]:
        data = self._get("verified")
        return {bytes.fromhex(d) for d in data} if data else set()

    def mark_verified(self, device_id: bytes, verified: bool = True) -> None:
        have = self.verified()
        have = have | {device_id} if verified else have - {device_id}
        self._put("verified", sorted(d.hex() for d in have))

    def wipe(self) -> None:
        self._rosters.clear()
        self._signers.clear()
