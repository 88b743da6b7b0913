"""Who wrote a revision: the member whose device signed its envelope (issue 12).

A payload may say anything about its author, so the name shown for a revision is never read
from it: it comes from the device id in the envelope's header, which the signature covers,
looked up on the collection's verified roster (the user that device was enrolled as, and its
key fingerprint for comparing in person). In a local notebook the only signer is this device,
named by its author setting. A device the roster does not know (yet) is named by its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, Protocol

from ._content_merge import merge_order

if TYPE_CHECKING:
    from ._model import Note, Revision
    from .team import Roster


class Session(Protocol):
    """What provenance reads of an unlocked session (``store.Session``, which imports this
    module: a protocol, so the two do not import each other)."""

    device_id: bytes
    keys: Any
    rosters: Any
    db: Any

    @property
    def author(self) -> str: ...
    def collection_roles(self) -> dict[bytes, tuple[bytes, str]]: ...
    def team_roster(self, inspection_id: bytes) -> Roster | None: ...
    def history(self, note_id: str) -> list[Revision]: ...
    def author_of(self, collection_id: bytes, device_id: bytes) -> Author: ...

__all__ = ["Author", "Side", "author_of", "conflict_sides", "first_signers"]


@dataclass(frozen=True, slots=True)
class Author:
    """The signer of a revision.

    ``name`` is the roster's user for the device (or this device's author name in a local
    notebook); ``on_roster`` says whether a verified roster vouched for it; ``sign_key`` is
    the device's public signing key where known (its fingerprint is shown on demand).
    """

    name: str
    device_id: bytes
    on_roster: bool = False
    sign_key: bytes = b""

    @property
    def device(self) -> str:
        """The device id as it is shown: its first 8 hex digits."""
        return self.device_id.hex()[:8]

    @property
    def fingerprint(self) -> str:
        """The device fingerprint people compare in person, or "" when the key is unknown."""
        if not self.sign_key:
            return ""
        from .team import fingerprint_text

        return fingerprint_text(self.sign_key)

    def label(self, *, device: bool = False) -> str:
        """``"alice"``, or with ``device=True`` ``"alice (device 1a2b3c4d)"``."""
        return f"{self.name} (device {self.device})" if device else self.name


def author_of(session: Session, collection_id: bytes, device_id: bytes) -> Author:
    """The signer ``device_id`` of a record of ``collection_id``, named from what this device
    has verified: the collection's roster, else its inspection's team roster, else (for this
    device's own records) its author setting."""
    roster = session.rosters.get(collection_id)
    if roster is None or roster.device(device_id) is None:
        inspection_id = session.collection_roles().get(collection_id, (b"", ""))[0]
        roster = session.team_roster(inspection_id) if inspection_id else None
    dev = roster.device(device_id) if roster is not None else None
    if dev is not None:
        return Author(dev.user, device_id, True, dev.sign_key)
    if device_id == session.device_id:
        keys = session.keys
        return Author(session.author, device_id, False,
                      keys.device.sign_pub if keys is not None else b"")
    return Author(f"device {device_id.hex()[:8]}", device_id)


def first_signers(session: Session, note_id: str | None = None, *,
                  among: Sequence[str] | None = None) -> dict[str, bytes]:
    """The device that signed each note's first revision (the one with no parents), by note
    id: every note's, only ``note_id``'s, or those ``among`` (a pulled page's notes). A
    record no other revision of its note names as a child in ``revparents`` is a first
    revision."""
    if among is None:
        groups: list[list[str]] = [[note_id]] if note_id else [[]]
    else:
        groups = [list(among[i:i + 500]) for i in range(0, len(among), 500)]
    out: dict[str, bytes] = {}
    for ids in groups:
        where = f"AND r.note_id IN ({', '.join('?' * len(ids))})" if ids else ""
        rows = session.db.execute(
            "SELECT r.note_id, r.device_id FROM records r WHERE r.note_id IS NOT NULL "
            f"AND r.note_id NOT LIKE 'meta:%' {where} AND NOT EXISTS (SELECT 1 FROM revparents "
            "p WHERE p.note_id = r.note_id AND p.rev = lower(hex(r.device_id)) || '.' || r.seq) "
            "ORDER BY r.seq DESC", ids).fetchall()
        out.update((n, d) for n, d in rows)
    return out


@dataclass(frozen=True, slots=True)
class Side:
    """One version of a conflicted note: the revision, who signed it and when, and whether it
    is this user's (signed by this device, or by another device of the same roster user)."""

    rev: str
    author: Author
    updated: datetime
    mine: bool
    this_device: bool = False

    def label(self, tz: tzinfo | None = None) -> str:
        """``"yours · lead · 14 Mar 09:40"`` (the device is :attr:`device_label`)."""
        when = self.updated.astimezone(tz).strftime("%d %b %H:%M")
        return f"{'yours' if self.mine else 'theirs'} · {self.author.name} · {when}"

    @property
    def device_label(self) -> str:
        return "this device" if self.this_device else f"device {self.author.device}"


def conflict_sides(session: Session, note: Note) -> tuple[Side, Side] | None:
    """The two versions a conflicted note was merged from, as ``(ours, theirs)`` in merge
    order (``ours`` is the version whose text the note kept; ``theirs`` what ``kept`` and
    the second half of each marked passage hold), or None when the history has no merge."""
    revs = {r.rev: r for r in session.history(note.note_id)}
    current = revs.get(note.rev)
    seen: set[str] = set()
    # the nearest merge at or before the current revision (an edit since keeps the conflict)
    while current is not None and len(current.parents) < 2 and current.parents \
            and current.rev not in seen:
        seen.add(current.rev)
        current = revs.get(current.parents[0])
    if current is None or len(current.parents) < 2:
        return None
    ours_rev, theirs_rev = merge_order(current.parents[0], current.parents[1])
    me = session.author_of(note.collection_id, session.device_id)
    sides = []
    for rev in (ours_rev, theirs_rev):
        r = revs.get(rev)
        if r is None:
            return None
        who = session.author_of(r.note.collection_id, r.signer)
        mine = r.signer == session.device_id or (who.on_roster and me.on_roster
                                                  and who.name == me.name)
        sides.append(Side(rev, who, r.updated, mine, r.signer == session.device_id))
    return sides[0], sides[1]
