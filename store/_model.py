"""What a note, a revision and an inspection look like once decrypted, and their payloads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from store.inspection import PassageTag

from ._hlc import Hlc

NOTE_REV = "note.rev"
NOTE_DELETE = "note.delete"
INSPECTION_META = "inspection.meta"

ACTIVE, DELETED, CONFLICTED = "active", "deleted", "conflicted"


def make_rev(device_id: bytes, seq: int) -> str:
    """A stable revision id: the device and seq of the record that carries it."""
    return f"{device_id.hex()}.{seq}"


def parse_rev(rev: str) -> tuple[bytes, int]:
    dev, seq = rev.split(".")
    return bytes.fromhex(dev), int(seq)


@dataclass(slots=True)
class Note:
    """One note as its head revision says it is. Plaintext: lives in memory only."""

    note_id: str
    inspection_id: bytes
    collection_id: bytes
    rev: str
    parents: tuple[str, ...]
    hlc: str
    kind: str
    template: int
    title: str
    body: str
    fields: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    passages: tuple[PassageTag, ...] = ()
    state: str = ACTIVE
    author: str = ""
    # versions an automatic merge could not combine: {field: [other values]}, never dropped
    kept: dict[str, list[Any]] = field(default_factory=dict)
    pushed: bool = False
    # Provenance, never read from a payload: the device whose signature the head record
    # carries and its verified name (``author`` above is that name once a Session loaded the
    # note), and the same for the note's first revision. See ``_provenance``.
    signer: bytes = b""
    first_signer: bytes = b""
    first_author: str = ""
    # False for a note as the list cache holds it: everything but ``body`` (which is then "").
    # ``Session.get`` / ``Session.load_bodies`` decrypt the body when a note is opened,
    # searched or exported; the list, counts and filters never need it.
    body_loaded: bool = True

    def __repr__(self) -> str:
        return f"Note(id={self.note_id}, kind={self.kind}, rev={self.rev}, state={self.state})"

    @property
    def updated(self) -> datetime:
        return datetime.fromtimestamp(Hlc.parse(self.hlc).wall_ms / 1000, UTC)

    @property
    def author_device(self) -> bytes:
        return parse_rev(self.rev)[0]

    def to_payload(self) -> dict[str, Any]:
        return {
            "type": NOTE_DELETE if self.state == DELETED else NOTE_REV,
            "note_id": self.note_id,
            "rev": self.rev,
            "parents": list(self.parents),
            "hlc": self.hlc,
            "kind": self.kind,
            "template": self.template,
            "title": self.title,
            "body": self.body,
            "fields": self.fields,
            "tags": list(self.tags),
            # passages in the body as they always were; those in other long text fields under a
            # key of their own, so that a device running an older version (which unpacks
            # three values per passage) still reads the note, keeping the body's tags
            "passages": [[p.start, p.end, p.tag] for p in self.passages if not p.field],
            **({"field_passages": [[p.start, p.end, p.tag, p.field] for p in self.passages
                                   if p.field]}
               if any(p.field for p in self.passages) else {}),
            "state": self.state,
            "author": self.author,
            "kept": self.kept,
        }

    @classmethod
    def from_payload(cls, p: dict[str, Any], inspection_id: bytes, collection_id: bytes,
                     pushed: bool = False) -> Note:
        # called once per note at unlock (50,000 times in a big profile): positional
        # arguments, one bound ``get``, and no list built for a note without passages
        get = p.get
        kept = get("kept")
        return cls(
            str(p["note_id"]),
            inspection_id,
            collection_id,
            str(p["rev"]),
            tuple(get("parents", ())),
            str(p["hlc"]),
            str(get("kind", "note")),
            int(get("template", 1)),
            str(get("title", "")),
            str(get("body", "")),
            dict(get("fields") or {}),
            tuple(get("tags") or ()),
            _passages(p) if get("passages") or get("field_passages") else (),
            DELETED if get("type") == NOTE_DELETE else str(get("state", ACTIVE)),
            str(get("author", "")),
            dict(kept) if kept else {},
            pushed,
            # the list cache leaves the body out; a payload from an envelope always has one
            body_loaded="body" in p,
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``note show --json``."""
        return {
            "id": self.note_id,
            "kind": self.kind,
            "template": self.template,
            "title": self.title,
            "body": self.body,
            "fields": self.fields,
            "tags": list(self.tags),
            "passages": [p.to_dict() for p in self.passages],
            "state": self.state,
            "author": self.author,
            "author_device": self.signer.hex(),
            "first_author": self.first_author or self.author,
            "rev": self.rev,
            "parents": list(self.parents),
            "updated": self.updated.isoformat(timespec="seconds"),
            "kept": self.kept,
            "pushed": self.pushed,
        }


def _passages(payload: dict[str, Any]) -> tuple[PassageTag, ...]:
    """The passage tags of a payload: the body's (``[start, end, tag]``, every version) and
    those of other long text fields (``[start, end, tag, field]``, under their own key)."""
    body = [PassageTag(int(a), int(b), str(t)) for a, b, t in payload.get("passages", ())]
    other = [PassageTag(int(a), int(b), str(t), str(f))
             for a, b, t, f in payload.get("field_passages") or ()]
    return tuple(body + other)


@dataclass(slots=True)
class Inspection:
    inspection_id: bytes
    name: str
    partnership: str = ""
    scope: str = "local"  # "local" (this device only) or "team"
    rev: str = ""
    hlc: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id_hex(self) -> str:
        return self.inspection_id.hex()

    def to_payload(self) -> dict[str, Any]:
        return {
            "type": INSPECTION_META,
            "inspection_id": self.inspection_id.hex(),
            "rev": self.rev,
            "hlc": self.hlc,
            "name": self.name,
            "partnership": self.partnership,
            "extra": self.extra,
        }


@dataclass(frozen=True, slots=True)
class Revision:
    """One entry of a note's history."""

    rev: str
    parents: tuple[str, ...]
    hlc: str
    author: str
    state: str
    title: str
    pushed: bool
    note: Note

    @property
    def updated(self) -> datetime:
        return self.note.updated

    @property
    def signer(self) -> bytes:
        """The device whose signature this revision's envelope carries."""
        return self.note.signer


@dataclass(frozen=True, slots=True)
class Damage:
    """A record that could not be opened; never stops the rest from opening."""

    collection_id: bytes
    device_id: bytes
    seq: int
    reason: str

    def __str__(self) -> str:
        return (f"record {self.collection_id.hex()[:8]}/{self.device_id.hex()[:8]}/{self.seq}: "
                f"{self.reason}")
