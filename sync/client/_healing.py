"""Every stream heals itself (issue 11): at every sync a device compares the server's view of
its own stream in each collection (the head seq, the hash of the head record, the seqs readers
found damaged) with its local chain, the only full copy there is of what it wrote.

- The server's head is behind (a restore from an older backup): the records it lost are sent
  again, the very same signed bytes, so readers converge and nothing is lost.
- The server's head is ahead of this device's chain, or its head record is not the one this
  device wrote at that seq: an honest server never does that. An ALERT, and nothing is marked
  sent on the server's word; what is unsent goes up once the server is honest again.
- Records the server holds damaged: this device's signed copies replace them (the server
  checks that each fits exactly where it stands).

A record counts as on the server only when the server holds the same hash at that seq: the
hash chain then vouches for every record before it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from store import StoredRecord, Streams

ALL = 1 << 62  # no stream is longer: "every record after"


@dataclass(frozen=True, slots=True)
class ServerView:
    """What the server says of this device's own stream in one collection."""

    head: int = 0
    head_hash: bytes | None = None
    damaged: tuple[int, ...] = ()

    @classmethod
    def of(cls, info: dict[str, Any], device_id: bytes) -> ServerView:
        """From a collection of the listing, or a status answer."""
        head_hash = info.get("head_hash")
        return cls(int((info.get("heads") or {}).get(device_id.hex(), 0)),
                   bytes.fromhex(head_hash) if head_hash else None,
                   tuple(int(s) for s in info.get("damaged") or ()))


@dataclass(slots=True)
class StreamCheck:
    """This device's own stream in one collection against the server's view of it."""

    view: ServerView
    local_head: int = 0
    confirmed: int = 0  # every record up to this seq is on the server as written here
    lost: list[StoredRecord] = field(default_factory=list)  # pushed once, gone from the server
    unsent: list[StoredRecord] = field(default_factory=list)  # never acknowledged
    damaged: list[StoredRecord] = field(default_factory=list)  # held damaged on the server
    missing_copies: list[int] = field(default_factory=list)  # damaged there, not held here
    alert: str | None = None  # what an honest server never does

    @property
    def to_send(self) -> list[StoredRecord]:
        return self.lost + self.unsent

    @property
    def in_order(self) -> bool:
        """Nothing to send, or the first record to send follows the server's head."""
        todo = self.to_send
        return not todo or todo[0].seq == self.view.head + 1


def check_stream(streams: Streams, collection_id: bytes, device_id: bytes,
                 view: ServerView) -> StreamCheck:
    """Compare; read only. The caller acts on the result (send, replace, alert)."""
    out = StreamCheck(view)
    head = streams.head(collection_id, device_id)
    out.local_head = head.seq if head is not None else 0
    if view.head > out.local_head:
        out.alert = (f"the server says it holds records up to seq {view.head} of this device's "
                     f"stream, ahead of the {out.local_head} this device wrote: a server "
                     "does not hold records nobody sent. Nothing was marked sent on its word; "
                     "unsent records go up once the server is honest again. Tell the "
                     "server's administrator (unless this profile was restored from an older "
                     "copy of itself: then the server is right, and this device must not "
                     "write to the team until it is sorted out).")
        return out
    if view.head > 0:
        mine = streams.get(collection_id, device_id, view.head)
        if mine is None or view.head_hash != mine.hash:
            out.alert = (f"the server's record at seq {view.head} of this device's stream is "
                         "not the one this device wrote there (a fork it never made). Nothing "
                         "was marked sent on its word, and nothing more is sent until it "
                         "holds this device's own record. Tell the server's administrator.")
            return out
    out.confirmed = view.head
    for rec in streams.range(collection_id, device_id, view.head, limit=ALL):
        (out.lost if rec.pushed else out.unsent).append(rec)
    for seq in sorted(s for s in set(view.damaged) if s <= view.head):  # beyond: re-sent
        rec = streams.get(collection_id, device_id, seq)
        if rec is None:
            out.missing_copies.append(seq)
        else:
            out.damaged.append(rec)
    return out


def own_stream_checks(streams: Streams, device_id: bytes, collections: list[dict[str, Any]],
                      status: Callable[[bytes], dict[str, Any]] | None = None,
                      ) -> list[tuple[bytes, StreamCheck]]:
    """Check this device's stream in every listed collection that holds one (or that the
    server says it holds damaged). The views come from the listing, or from ``status``
    (a fresh answer per collection) when given."""
    out = []
    for col in collections:
        cid = bytes.fromhex(col["collection_id"])
        if streams.head(cid, device_id) is None and not col.get("damaged"):
            continue  # nothing of this device's here
        view = ServerView.of(status(cid) if status is not None else col, device_id)
        out.append((cid, check_stream(streams, cid, device_id, view)))
    return out


def describe_check(check: StreamCheck) -> list[str]:
    """What ``doctor`` says of a check (read only): what the server lost or holds damaged."""
    out = []
    if check.alert is not None:
        return [check.alert]
    if check.lost:
        out.append(f"the server lost records {check.lost[0].seq}-{check.lost[-1].seq} of this "
                   "device's stream (restored from an older backup?)")
    if check.damaged:
        out.append(f"the server holds {plural(len(check.damaged), 'damaged record')} of this "
                   f"device's stream (seq {', '.join(str(r.seq) for r in check.damaged)})")
    if check.missing_copies:
        out.append(f"the server holds damaged records {check.missing_copies} of this device's "
                   "stream that this device no longer has")
    return out


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
