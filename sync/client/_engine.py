"""One sync: compare heads, deliver keys, push own records (concern forms first), pull and
verify everything else, merge. Every step leaves the store consistent, so a sync cut off at
any point resumes where it stopped: local stream heads are the pull cursors, and a page is
stored in one transaction."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from store import Session
from store._errors import ValidationFailed
from store._replica import IngestReport, Replica

from .._protocol import decode_b64url
from ._errors import AccessDenied, ServerRefused
from ._http import SyncClient

log = logging.getLogger("fieldpad.sync")

PUSH_BATCH = 500
PUSH_BYTES = 4 * 1024 * 1024
COLLECTION_KINDS = ("team", "restricted")


@dataclass
class Progress:
    """Where a sync stands, for the progress bar and the progress line."""

    collection: str = ""
    phase: str = "connecting"
    up_records: int = 0
    up_bytes: int = 0
    down_records: int = 0
    down_bytes: int = 0
    pull_total: int = 0  # records the server said it has that this device lacks


@dataclass
class SyncReport:
    up_records: int = 0
    up_bytes: int = 0
    down_records: int = 0
    down_bytes: int = 0
    requests: int = 0
    wire_sent: int = 0
    wire_received: int = 0
    seconds: float = 0.0
    merged: list[str] = field(default_factory=list)
    conflicted: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    created_collections: int = 0
    delivered_keys: int = 0
    waiting_for_keys: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class SyncEngine:
    def __init__(self, session: Session, client: SyncClient,
                 progress: Callable[[Progress], None] | None = None) -> None:
        self.session = session
        self.client = client
        self.replica = Replica(session)
        self.progress = Progress()
        self._notify = progress or (lambda p: None)
        self.report = SyncReport()

    def _tell(self, **changes: Any) -> None:
        for k, v in changes.items():
            setattr(self.progress, k, v)
        self._notify(self.progress)

    def run(self) -> SyncReport:
        start = time.perf_counter()
        before = (self.client.traffic.requests, self.client.traffic.sent,
                  self.client.traffic.received)
        listing = self.client.collections_and_inspections()
        self._bootstrap(listing["inspections"], listing["collections"])
        collections = listing["collections"]
        for col in collections:
            self._adopt(col)
        self._push(collections)
        for col in collections:
            self._pull(col)
        if any(self.replica.unpushed()):
            self._push(collections, refresh=True)  # merge revisions made while pulling
        self._tell(phase="done")
        r = self.report
        r.seconds = time.perf_counter() - start
        r.requests = self.client.traffic.requests - before[0]
        r.wire_sent = self.client.traffic.sent - before[1]
        r.wire_received = self.client.traffic.received - before[2]
        return r

    # -- collections and keys ----------------------------------------------------------------
    def _bootstrap(self, inspections: list[dict], collections: list[dict]) -> None:
        """A lead's device creates an inspection's collections and their first keys (§6)."""
        have = {c["inspection_id"] for c in collections}
        for ins in inspections:
            if ins.get("role") != "lead" or ins["inspection_id"] in have:
                continue
            iid = bytes.fromhex(ins["inspection_id"])
            for kind in COLLECTION_KINDS:
                cid = os.urandom(16)
                self.replica.ensure_collection(cid, iid, kind, ins.get("name", ""))
                self.replica.new_collection_key(cid, 1)
                col = self.client.create_collection(cid, iid, kind)
                collections.append(col)
                self.report.created_collections += 1
            team = next(c for c in collections if c["inspection_id"] == ins["inspection_id"]
                        and c.get("kind") == "team")
            self._publish_inspection(bytes.fromhex(team["collection_id"]), iid,
                                     ins.get("name", ""))

    def _publish_inspection(self, collection_id: bytes, inspection_id: bytes, name: str) -> None:
        s = self.session
        ins = s.inspections[inspection_id]
        ins.name = name or ins.name
        try:
            s.publish_inspection(ins, collection_id)
        except ValidationFailed as exc:  # a clash with a local name: keep the server's
            self.report.problems.append(str(exc))

    def _adopt(self, col: dict) -> None:
        cid, iid = bytes.fromhex(col["collection_id"]), bytes.fromhex(col["inspection_id"])
        self.replica.ensure_collection(cid, iid, col.get("kind", "team"),
                                       col.get("inspection_name", ""))
        for k in col.get("keys", []):
            if not self.replica.has_key(cid, k["epoch"]):
                if not self.replica.unwrap_key(cid, k["epoch"], decode_b64url(k["wrapped"])):
                    self.report.problems.append(
                        f"a key for collection {cid.hex()[:8]} epoch {k['epoch']} was not "
                        "wrapped for this device; ask the lead to check the team's devices")
        unknown = [d for d in col.get("heads", {}) if self.session.keyring.signer(
            bytes.fromhex(d)) is None]
        if unknown or col.get("devices_missing_keys"):
            self._members(cid, col)

    def _members(self, cid: bytes, col: dict) -> None:
        info = self.client.members(cid)
        current = info["epoch"]
        wraps: list[tuple[int, bytes, bytes]] = []
        for member in info["members"]:
            for dev in member["devices"]:
                did = bytes.fromhex(dev["device_id"])
                sign, kx = bytes.fromhex(dev["sign_key"]), bytes.fromhex(dev["kx_key"])
                self.replica.register_device(did, sign, kx)
                have = set(dev.get("epochs", []))
                for epoch in range(1, current + 1):
                    if epoch not in have and self.replica.has_key(cid, epoch):
                        wraps.append((epoch, did, self.replica.wrap_key(cid, epoch, did, kx)))
        if wraps:
            self._tell(phase="keys", collection=cid.hex()[:8])
            for i in range(0, len(wraps), 500):
                self.client.upload_keys(cid, wraps[i:i + 500])
            self.report.delivered_keys += len(wraps)

    # -- push --------------------------------------------------------------------------------
    def _push(self, collections: list[dict], *, refresh: bool = False) -> None:
        own = self.session.device_id.hex()
        server_heads = {c["collection_id"]: c.get("heads", {}) for c in collections}
        for recs in self.replica.unpushed():
            cid = recs[0].collection_id
            label = self._label(cid)
            if refresh or cid.hex() not in server_heads:
                head = self.client.status(cid).get(self.session.device_id, 0)
            else:
                head = server_heads[cid.hex()].get(own, 0)
            done = [r for r in recs if r.seq <= head]
            if done:
                self.replica.mark_pushed(cid, done[-1].seq)  # stored before, answer lost
            todo = [r for r in recs if r.seq > head]
            if todo and todo[0].seq != head + 1:
                self.report.problems.append(
                    f"{label}: the server is missing records {head + 1}-{todo[0].seq - 1} of "
                    "this device; run `fieldpad doctor --repair`")
                continue
            self._tell(phase="push", collection=label)
            try:
                for batch in _batches(todo):
                    self.replica.mark_sending(cid, batch[-1].seq)
                    self.client.push(cid, [r.envelope for r in batch])
                    self.replica.mark_pushed(cid, batch[-1].seq)
                    size = sum(len(r.envelope) for r in batch)
                    self.report.up_records += len(batch)
                    self.report.up_bytes += size
                    self._tell(up_records=self.progress.up_records + len(batch),
                               up_bytes=self.progress.up_bytes + size)
            except AccessDenied:
                raise
            except ServerRefused as exc:
                self.report.problems.append(f"{label}: {exc}")

    # -- pull --------------------------------------------------------------------------------
    def _pull(self, col: dict) -> None:
        cid = bytes.fromhex(col["collection_id"])
        label = self._label(cid)
        server = {bytes.fromhex(d): s for d, s in col.get("heads", {}).items()}
        local = self.replica.stream_heads(cid)
        missing = sum(max(0, s - local.get(d, 0)) for d, s in server.items())
        if not missing:
            return
        if not any(self.replica.has_key(cid, e) for e in col.get("epochs", [1])):
            # enrolled, but no teammate's device has wrapped the key for this one yet
            self.report.waiting_for_keys.append(label)
            return
        self._tell(phase="pull", collection=label, pull_total=self.progress.pull_total + missing)
        stalled = 0
        announced = dict(server)  # stream heads the server says it holds
        explained: set[bytes] = set()  # streams already reported as quarantined or gapped
        while True:
            after = self.replica.stream_heads(cid)
            page = self.client.pull(cid, after)
            for d, s in page.heads.items():
                announced[bytes.fromhex(d)] = max(announced.get(bytes.fromhex(d), 0), s)
            if any(self.session.keyring.signer(bytes.fromhex(d)) is None for d in page.heads):
                self._members(cid, col)
            rep = self.replica.ingest(page.envelopes, cid)
            self._account(rep, page.envelopes)
            explained |= {q.device_id for q in rep.quarantined}
            explained |= {d for d in announced
                          if any(g.startswith(f"{cid.hex()[:8]}/{d.hex()[:8]}:") for g in rep.gaps)}
            if cid in rep.waiting:
                explained |= set(announced)
            if not page.more:
                self._check_delivered(cid, label, announced, explained)
                break
            stalled = stalled + 1 if rep.stored == 0 else 0
            if stalled >= 3:  # the server keeps sending what cannot be stored
                self.report.problems.append(f"{label}: the pull makes no progress; some "
                                            "records were quarantined")
                break

    def _check_delivered(self, cid: bytes, label: str, announced: dict[bytes, int],
                         explained: set[bytes]) -> None:
        """After the last page, every stream must reach the head the server announced: a
        server that withholds, replays or reorders records is reported, never trusted."""
        local = self.replica.stream_heads(cid)
        for d, head in sorted(announced.items()):
            have = local.get(d, 0)
            if have < head and d not in explained:
                self.report.problems.append(
                    f"{label}: the server announced records {have + 1}-{head} of device "
                    f"{d.hex()[:8]} but did not send them in order; they were not stored and "
                    "will be asked for again at the next sync")

    def _account(self, rep: IngestReport, envelopes: list[bytes]) -> None:
        size = sum(len(e) for e in envelopes)
        r = self.report
        r.down_records += rep.stored
        r.down_bytes += size
        r.merged += rep.merged
        r.conflicted += rep.conflicted
        # what this sync set aside; the quarantine table also keeps what earlier syncs did
        r.quarantined += [str(d) for d in rep.quarantined]
        r.problems += [f"stream gap: {g}" for g in rep.gaps]
        r.waiting_for_keys += [self._label(c) for c in rep.waiting]
        self._tell(down_records=self.progress.down_records + rep.stored,
                   down_bytes=self.progress.down_bytes + size)

    def _label(self, cid: bytes) -> str:
        iid, role = self.replica.collections().get(cid, (b"", "?"))
        ins = self.session.inspections.get(iid)
        return f"{ins.name if ins else cid.hex()[:8]} · {role}"


def _batches(recs: list) -> list[list]:
    out: list[list] = [[]]
    size = 0
    for r in recs:
        if out[-1] and (len(out[-1]) >= PUSH_BATCH or size + len(r.envelope) > PUSH_BYTES):
            out.append([])
            size = 0
        out[-1].append(r)
        size += len(r.envelope)
    return [b for b in out if b]


def sync(session: Session, client: SyncClient,
         progress: Callable[[Progress], None] | None = None) -> SyncReport:
    """Run one sync of ``session`` with the server behind ``client``."""
    return SyncEngine(session, client, progress).run()
