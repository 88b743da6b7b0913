"""One sync: compare heads, deliver keys, push own records (concern forms first), pull and
verify everything else, merge. Every step leaves the store consistent, so a sync cut off at
any point resumes where it stopped: local stream heads are the pull cursors, and a page is
stored in one transaction."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from store import (
    IngestReport,
    Replica,
    Session,
    purge_due,
    purge_inspection,
    purged_inspection_ids,
    record_sync,
    retention_state,
)
from store.errors import ValidationFailed
from store.team import NotALead, Roster, purge_statement_refusal

from ._errors import AccessDenied, ServerRefused
from ._healing import StreamCheck, own_stream_checks, plural
from ._http import SyncClient
from ._joining import finish_joins
from ._link import admit_links, vouch_pending, who_must_sync
from ._report import Progress, SyncReport
from ._trust import TeamState, Trust, kind_order

log = logging.getLogger("fieldpad.sync")

PUSH_BATCH = 500
PUSH_BYTES = 4 * 1024 * 1024
COLLECTION_KINDS = ("team", "restricted")


class SyncEngine:
    def __init__(self, session: Session, client: SyncClient,
                 progress: Callable[[Progress], None] | None = None) -> None:
        self.session = session
        self.client = client
        self.replica = Replica(session)
        self.progress = Progress()
        self._notify = progress or (lambda p: None)
        self.report = SyncReport()
        self.trust = Trust(session, client, self.replica, self.report)
        self._distrusted: set[bytes] = set()  # collections whose view of this device's stream
        # was refused in this sync (an ALERT was raised)
        self._fresh_links: set[tuple[bytes, bytes, int]] = set()  # pulled in this sync

    def _tell(self, **changes: Any) -> None:
        for k, v in changes.items():
            setattr(self.progress, k, v)
        self._notify(self.progress)

    def run(self) -> SyncReport:
        start = time.perf_counter()
        before = (self.client.traffic.requests, self.client.traffic.sent,
                  self.client.traffic.received)
        listing = self.client.collections_and_inspections()
        self.trust.listing = listing
        collections = listing["collections"]
        self._purged(listing)
        self._bootstrap(listing["inspections"], collections)
        by_inspection = self._group(collections)
        self._gone(collections)
        finish_joins(self.trust, by_inspection)
        rosters: dict[bytes, Roster | None] = {}
        for col in sorted(collections, key=kind_order):
            cid = bytes.fromhex(col["collection_id"])
            self._adopt(col)
            team = rosters.get(self._team_of(col, by_inspection))
            roster = self.trust.refresh(col, team)
            if roster is None and col.get("role") == "lead" and not col.get("roster_length") \
                    and self.replica.has_key(cid, 1):
                roster = self._start_roster(col, team)  # a bootstrap cut off before its roster
            self.trust.adopt_keys(col, roster)
            roster = self.trust.lead_duties(col, roster)
            rosters[cid] = roster
        self.trust.admit_pending(by_inspection)
        vouch_pending(self.trust, by_inspection)  # a member's own new device (issue 11)
        for col in collections:
            self.trust.deliver(col, self.session.rosters.get(bytes.fromhex(col["collection_id"])))
        self._push(collections)
        for col in sorted(collections, key=_pull_order):  # concern decisions first
            self._pull(col)
        admit_links(self.trust, by_inspection, self._fresh_links)
        if any(self.replica.unpushed()):
            self._push(collections, refresh=True)  # merge revisions made while pulling
        self._tell(phase="done")
        r = self.report
        r.seconds = time.perf_counter() - start
        r.requests = self.client.traffic.requests - before[0]
        r.wire_sent = self.client.traffic.sent - before[1]
        r.wire_received = self.client.traffic.received - before[2]
        if r.ok:
            record_sync(self.session, datetime.now(UTC))
        log.info("event=done up=%d down=%d merged=%d problems=%d requests=%d seconds=%.2f",
                 r.up_records, r.down_records, len(r.merged), len(r.problems), r.requests,
                 r.seconds)
        return r

    # -- collections and keys ----------------------------------------------------------------
    @staticmethod
    def _group(collections: list[dict]) -> dict[bytes, TeamState]:
        out: dict[bytes, TeamState] = {}
        for col in collections:
            state = out.setdefault(bytes.fromhex(col["inspection_id"]), TeamState())
            state.collections[col.get("kind", "team")] = col
        return out

    @staticmethod
    def _team_of(col: dict, by_inspection: dict[bytes, TeamState]) -> bytes:
        team = by_inspection[bytes.fromhex(col["inspection_id"])].team
        return bytes.fromhex(team["collection_id"]) if team else b""

    def _purged(self, listing: dict) -> None:
        """Inspections the server lists as purged are destroyed here only on a lead's word:
        this device holds a lead-signed close whose retention period has lapsed, or the server
        passes on the purge statement the lead signed when asking for the purge. Anything else
        is an ALERT, and nothing is deleted. A sync never purges on its own: a lead's closed
        inspections whose retention period has ended are named (``purge_due``) for the lead to
        purge (``fieldpad inspection purge``), who is shown what that destroys."""
        statements = listing.get("purge_statements") or {}
        for hexid in dict.fromkeys(listing.get("purged", [])):
            iid = bytes.fromhex(hexid)
            ins = self.session.inspections.get(iid)
            held = ins is not None or iid in {i for i, _r in
                                              self.session.collection_roles().values()}
            if not held or iid in purged_inspection_ids(self.session):
                continue
            name = ins.name if ins is not None else f"inspection {hexid[:8]}"
            if ins is None or not retention_state(ins).due:
                why = purge_statement_refusal(self.session, iid, statements.get(hexid))
                if why is not None:
                    self.trust.alert(f"the server says {name} was purged, but {why}: nothing "
                                     "was deleted on this device")
                    continue
            report = purge_inspection(self.session, iid, reason="purged by its lead")
            if report.purged:
                self.report.purged.append(report.name or hexid[:8])
        for ins in purge_due(self.session):
            roster = self.session.team_roster(ins.inspection_id)
            if ins.scope == "team" and roster is not None and \
                    roster.is_lead(self.session.device_id):
                self.report.purge_due.append(ins.name)
        gone = {g.hex() for g in purged_inspection_ids(self.session)}
        for part in ("collections", "inspections"):
            listing[part][:] = [c for c in listing[part] if c["inspection_id"] not in gone]

    def _gone(self, collections: list[dict]) -> None:
        """Collections this device synced that the server no longer lists: a lead removed
        this user, or a reader's days ended. What is here stays readable here."""
        listed = {bytes.fromhex(c["collection_id"]) for c in collections}
        for cid, (iid, _kind) in self.replica.collections().items():
            ins = self.session.inspections.get(iid)
            if cid not in listed and ins is not None and ins.scope == "team" \
                    and self.session.rosters.get(cid) is not None:
                self.report.access_ended.append(self._label(cid))

    def _bootstrap(self, inspections: list[dict], collections: list[dict]) -> None:
        """A lead's device creates an inspection's collections, their first keys and their
        signed rosters (§6); the team roster's genesis is the lead key members pin."""
        have = {c["inspection_id"] for c in collections}
        for ins in inspections:
            if ins.get("role") != "lead" or ins["inspection_id"] in have:
                continue
            iid = bytes.fromhex(ins["inspection_id"])
            team: Roster | None = None
            for kind in COLLECTION_KINDS:
                cid = os.urandom(16)
                self.replica.ensure_collection(cid, iid, kind, ins.get("name", ""))
                self.replica.new_collection_key(cid, 1)
                col = self.client.create_collection(cid, iid, kind)
                roster = self.trust.genesis(cid, iid, kind, team)
                team = team or roster
                col.update(roster_length=roster.length, roster_head=roster.head.hex())
                collections.append(col)
                self.report.created_collections += 1
            team_col = next(c for c in collections if c["inspection_id"] == ins["inspection_id"]
                            and c.get("kind") == "team")
            self._publish_inspection(bytes.fromhex(team_col["collection_id"]), iid,
                                     ins.get("name", ""))

    def _start_roster(self, col: dict, team: Roster | None) -> Roster | None:
        cid, iid = bytes.fromhex(col["collection_id"]), bytes.fromhex(col["inspection_id"])
        kind = col.get("kind", "team")
        pin = self.session.rosters.pinned(iid)
        if kind == "team" and pin not in (None, self.session.keys.device.sign_pub):
            return None
        if kind != "team" and (team is None or not team.is_lead(self.session.device_id)):
            return None
        try:
            return self.trust.genesis(cid, iid, kind, team)
        except ServerRefused as exc:
            self.report.problems.append(f"{self._label(cid)}: {exc}")
            return None

    def _publish_inspection(self, collection_id: bytes, inspection_id: bytes, name: str) -> None:
        s = self.session
        ins = s.inspections[inspection_id]
        ins.name = name or ins.name
        try:
            s.publish_inspection(ins, collection_id)
        except (ValidationFailed, NotALead) as exc:  # a clash with a local name: keep the server's
            self.report.problems.append(str(exc))

    def _adopt(self, col: dict) -> None:
        cid, iid = bytes.fromhex(col["collection_id"]), bytes.fromhex(col["inspection_id"])
        self.replica.ensure_collection(cid, iid, col.get("kind", "team"),
                                       col.get("inspection_name", ""))

    # -- push --------------------------------------------------------------------------------
    def _push(self, collections: list[dict], *, refresh: bool = False) -> None:
        """Check this device's own stream in every listed collection against the server's
        view of it (``_healing``), then replace what the server holds damaged and send what
        it lacks: records it lost, and records never sent. Concern forms' streams first."""
        pending: dict[bytes, list[int]] = {}  # unacknowledged own records per collection
        for rec in self.session.streams.unpushed(self.session.device_id):
            pending.setdefault(rec.collection_id, []).append(rec.seq)
        if refresh:  # after the pull: only where merges added records, with a fresh view
            collections = [c for c in collections
                           if bytes.fromhex(c["collection_id"]) in pending]
        checks = own_stream_checks(self.session.streams, self.session.device_id, collections,
                                   self.client.stream_status if refresh else None)
        checks.sort(key=lambda c: (self._urgent(c[1].unsent), c[0]))
        for cid, check in checks:
            label = self._label(cid)
            if check.alert is not None:
                if cid not in self._distrusted:  # once per sync, not again when re-checked
                    self.trust.alert(f"{label}: {check.alert}")
                self._distrusted.add(cid)
                continue
            if any(seq <= check.confirmed for seq in pending.get(cid, ())):
                self.replica.mark_pushed(cid, check.confirmed)  # stored before, answer lost
            self._replace_damaged(cid, label, check)
            if not check.to_send:
                continue
            if not check.in_order:  # a record is missing here that the server lacks too
                self.report.problems.append(
                    f"{label}: this device no longer holds records {check.view.head + 1}-"
                    f"{check.to_send[0].seq - 1} of its own stream, and the server lacks them")
                continue
            self._send(cid, label, check)

    def _send(self, cid: bytes, label: str, check: StreamCheck) -> None:
        self._tell(phase="push", collection=label)
        sent = 0
        try:
            for batch in _batches(check.to_send):
                self.replica.mark_sending(cid, batch[-1].seq)
                answer = self.client.push(cid, [r.envelope for r in batch])
                last = batch[-1]
                if answer.get("head") != last.seq or answer.get("head_hash") != last.hash.hex():
                    self.trust.alert(
                        f"{label}: the server answered the push of records {batch[0].seq}-"
                        f"{last.seq} with a head of seq {answer.get('head')} that is not this "
                        "device's record: nothing was marked sent; it is checked again at the "
                        "next sync.")
                    break
                self.replica.mark_pushed(cid, last.seq)
                size = sum(len(r.envelope) for r in batch)
                log.info("event=push collection=%s records=%d-%d bytes=%d", cid.hex()[:8],
                         batch[0].seq, last.seq, size)
                sent += len(batch)
                self.report.up_records += len(batch)
                self.report.up_bytes += size
                self._tell(up_records=self.progress.up_records + len(batch),
                           up_bytes=self.progress.up_bytes + size)
        except AccessDenied:
            raise
        except ServerRefused as exc:
            self.report.problems.append(f"{label}: {exc}")
        resent = min(sent, len(check.lost))
        if resent:
            self.report.resent += resent
            self.report.healed.append(f"{label}: re-sent {plural(resent, 'record')} the server "
                                      "had lost (the same signed records)")

    def _replace_damaged(self, cid: bytes, label: str, check: StreamCheck) -> None:
        """The server holds some of this device's records damaged: send its signed copies."""
        if check.missing_copies:
            self.report.problems.append(
                f"{label}: the server holds damaged copies of records {check.missing_copies} of "
                "this device's stream, which this device no longer holds to replace them")
        replaced = 0
        try:
            for batch in _batches(check.damaged):
                replaced += int(self.client.repair(cid, [r.envelope for r in batch])["replaced"])
        except AccessDenied:
            raise
        except ServerRefused as exc:
            self.report.problems.append(f"{label}: the server refused this device's copies of "
                                        f"records it holds damaged ({exc})")
        if replaced:
            self.report.repaired += replaced
            self.report.healed.append(
                f"{label}: replaced {plural(replaced, 'damaged record')} on the server with this "
                "device's own signed copies")

    def _urgent(self, recs: list) -> int:
        notes = self.session.notes
        return 0 if any(r.note_id in notes and notes[r.note_id].kind == "concern"
                        for r in recs) else 1

    # -- pull --------------------------------------------------------------------------------
    def _pull(self, col: dict) -> None:
        cid = bytes.fromhex(col["collection_id"])
        label = self._label(cid)
        me = self.session.device_id
        # this device's own stream is never pulled: its chain here is the original, checked
        # against the server's view in ``_push``
        server = {bytes.fromhex(d): s for d, s in col.get("heads", {}).items()
                  if d != me.hex()}
        self.replica.drop_stale_quarantine(cid, server)
        local = self.replica.stream_heads(cid)
        missing = sum(max(0, s - local.get(d, 0)) for d, s in server.items())
        if not any(self.replica.has_key(cid, e) for e in col.get("epochs", [1])):
            # enrolled, but no device has wrapped the key for this one yet: not done (§7)
            self.report.waiting_for_keys.append(label)
            log.info("event=waiting_for_keys collection=%s records=%d", cid.hex()[:8], missing)
            why = who_must_sync(self.session, cid, label)
            if why:
                self.report.wait_for_admission(why)
            return
        if not missing:
            return
        self._tell(phase="pull", collection=label, pull_total=self.progress.pull_total + missing)
        stalled = 0
        announced = dict(server)  # stream heads the server says it holds
        explained: set[bytes] = set()  # streams already reported as quarantined or gapped
        set_aside: set[tuple[bytes, int]] = set()  # what failed verification here
        waiting = False  # some records wait for a key this device does not hold yet
        while True:
            after = self.replica.stream_heads(cid)
            page = self.client.pull(cid, after)
            for d, s in page.heads.items():
                if d != me.hex():
                    announced[bytes.fromhex(d)] = max(announced.get(bytes.fromhex(d), 0), s)
            rep = self.replica.ingest(page.envelopes, cid)
            self._account(rep, page.envelopes)
            log.info("event=pull collection=%s received=%d stored=%d set_aside=%d more=%s",
                     cid.hex()[:8], len(page.envelopes), rep.stored, len(rep.quarantined),
                     page.more)
            explained |= {q.device_id for q in rep.quarantined}
            set_aside |= {(q.device_id, q.seq) for q in rep.quarantined
                          if q.collection_id == cid and q.seq}
            explained |= {d for d in announced
                          if any(g.startswith(f"{cid.hex()[:8]}/{d.hex()[:8]}:") for g in rep.gaps)}
            if cid in rep.waiting:
                explained |= set(announced)
                waiting = True
            if not page.more:
                self._check_delivered(cid, label, announced, explained)
                break
            stalled = stalled + 1 if rep.stored == 0 else 0
            if stalled >= 3:  # the server keeps sending what cannot be stored
                self.report.problems.append(f"{label}: the pull makes no progress; some "
                                            "records were quarantined")
                break
        # every stream that stopped short of its announced head stopped at a record that did
        # not verify or did not arrive: the server's copy may be damaged beyond recognition
        # (a header that no longer parses); it checks, so asking costs nothing if it is not
        if not waiting:
            local = self.replica.stream_heads(cid)
            set_aside |= {(d, local.get(d, 0) + 1) for d, head in announced.items()
                          if local.get(d, 0) < head}
        if set_aside:
            self._report_damage(cid, label, sorted(set_aside))

    def _report_damage(self, cid: bytes, label: str, records: list[tuple[bytes, int]]) -> None:
        """Tell the server which records were set aside here: it checks its own copies, and
        the authors of those it holds damaged send theirs again at their next sync."""
        try:
            answer = self.client.report_damage(cid, records[:100])
        except AccessDenied:
            raise
        except ServerRefused as exc:
            self.report.problems.append(f"{label}: could not report records set aside ({exc})")
            return
        damaged = int(answer.get("damaged", 0))
        self.report.reported_damage += damaged
        if damaged:
            self.report.healed.append(
                f"{label}: told the server it holds {plural(damaged, 'damaged record')}; "
                "their authors replace them at their next sync, and this device fetches them "
                "again then")

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
        for text in rep.refused:
            self.trust.alert(text)
        r.waiting_for_keys += [self._label(c) for c in rep.waiting]
        self._fresh_links.update(rep.links)
        self._tell(down_records=self.progress.down_records + rep.stored,
                   down_bytes=self.progress.down_bytes + size)

    def _label(self, cid: bytes) -> str:
        iid, role = self.replica.collections().get(cid, (b"", "?"))
        ins = self.session.inspections.get(iid)
        return f"{ins.name if ins else cid.hex()[:8]} · {role}"


def _pull_order(col: dict) -> int:
    kind = col.get("kind", "team")
    return 0 if kind == "restricted" else 1 if kind == "team" else 2


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
