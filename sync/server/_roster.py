"""Shape checks on a roster append before it reaches storage (DESIGN §6).

The server does not verify roster signatures (clients do, against the lead key they pinned);
it parses each event as strictly as a client would, so a malformed or non-canonical event, or
one for another collection, is refused at once rather than stored for every member to reject.
Storage then checks what needs the database: ``n`` and ``prev`` against the stored head.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from store.team import RosterError, SignedEvent

from ._errors import Unprocessable
from ._storage import RosterEventIn


def parse_roster_events(
    wire: Sequence[Mapping[str, str]], collection_id: bytes
) -> list[RosterEventIn]:
    """Parse ``[{"event": canonical text, "sig": hex}, ...]``; raise Unprocessable (422) at
    the first bad event, naming it (nothing of a bad batch is stored)."""
    out: list[RosterEventIn] = []
    for i, item in enumerate(wire):
        try:
            signed = SignedEvent.from_wire(item)
            event = signed.event()
        except RosterError as exc:
            raise Unprocessable(f"item {i}: {exc}", code="bad_roster_event") from None
        if event.collection != collection_id.hex():
            raise Unprocessable(
                f"item {i} (roster event {event.n}) belongs to collection {event.collection}, "
                f"not {collection_id.hex()}",
                code="wrong_collection",
            )
        out.append(RosterEventIn(event.n, event.prev, item["event"], signed.sig, signed.hash))
    return out
