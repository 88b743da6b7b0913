"""The store's side of sync: the full replica of every readable stream (DESIGN §4, §5, §6).

``Replica`` is what the sync client talks to: which own records still need pushing (concern
forms first), where each stream stands, storing pulled records after verifying them (signature,
chain, commitment, payload), quarantining what fails, and collection keys wrapped for devices
with HPKE. It never does I/O beyond the profile database.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from store.crypto import (
    Expect,
    SecretBytes,
    envelope_hash,
    open_envelope,
    parse_header,
    verify_run,
)
from store.team import (
    DEVICE_LINK,
    LINK_PREFIX,
    meta_refusal,
    route_link,
    seq_refusal,
    signer_label,
)

from ._model import INSPECTION_META, NOTE_DELETE, NOTE_REV, Damage, Note, make_rev, parse_rev
from ._provenance import first_signers
from ._session import META_PREFIX, Session, _doc
from ._streams import StoredRecord
from .errors import EnvelopeError, MalformedEnvelope, StoreError, UnknownKey

CK_INFO = b"fieldpad/v1/ck"
SET_ASIDE_BY_DOCTOR = "set aside by doctor --repair"
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


@dataclass
class _Page:
    """What ingesting one page of pulled records writes, gathered so that each kind of row is
    written with one ``executemany`` at the end of the page rather than a statement per
    record (a cold pull of thousands of records spent most of its time in SQL calls)."""

    records: dict[tuple[bytes, bytes, int], StoredRecord] = field(default_factory=dict)
    unquarantine: list[tuple[bytes, bytes, int]] = field(default_factory=list)
    parents: list[tuple[str, str, str]] = field(default_factory=list)  # note, parent, rev
    gone: list[tuple[str, bytes, bytes, int]] = field(default_factory=list)  # heads to drop
    new: list[tuple[str, str, bytes, bytes, int]] = field(default_factory=list)  # head if no child


def _ck_info(collection_id: bytes, epoch: int, device_id: bytes) -> bytes:
    return CK_INFO + collection_id + epoch.to_bytes(4, "big") + device_id


@dataclass
class IngestReport:
    stored: int = 0
    duplicates: int = 0
    quarantined: list[Damage] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    # streams that need a collection key this device does not hold yet: not stored, not
    # quarantined, fetched again once a teammate's device has delivered the key
    waiting: set[bytes] = field(default_factory=set)
    changed_notes: set[str] = field(default_factory=set)
    merged: list[str] = field(default_factory=list)
    conflicted: list[str] = field(default_factory=list)
    # verified records that tried what their signer may not do (a member closing an
    # inspection, say): stored so the stream stays chained, honoured nowhere
    refused: list[str] = field(default_factory=list)
    # device links stored by this ingest (collection, device, seq): a lead's sync reads them
    links: list[tuple[bytes, bytes, int]] = field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.quarantined += other.quarantined
        self.gaps += other.gaps
        self.waiting |= other.waiting
        self.changed_notes |= other.changed_notes
        self.merged += other.merged
        self.conflicted += other.conflicted
        self.refused += other.refused


class Replica:
    def __init__(self, session: Session) -> None:
        self._expect: bytes | None = None
        self._tips: dict[tuple[bytes, bytes], tuple[int, bytes]] = {}
        self._q_streams: set[tuple[bytes, bytes]] = set()
        self._page = _Page()
        self.session = session
        self.db = session.db
        self.streams = session.streams

    def __repr__(self) -> str:
        return f"Replica({self.session!r})"

    # -- collections and keys ----------------------------------------------------------------
    def ensure_collection(self, collection_id: bytes, inspection_id: bytes, role: str,
                          inspection_name: str = "") -> None:
        """Know a team collection (from the server's list) and its inspection."""
        s = self.session
        with self.db.atomic():
            self.db.execute("INSERT OR IGNORE INTO inspections (id, scope) VALUES (?, 'team')",
                            [inspection_id])
            self.db.execute("INSERT OR IGNORE INTO collections (id, inspection_id, role) "
                            "VALUES (?, ?, ?)", [collection_id, inspection_id, role])
        s.remember_collection(collection_id, inspection_id, role)
        if inspection_id not in s.inspections:
            from ._model import Inspection

            s.inspections[inspection_id] = Inspection(
                inspection_id, inspection_name or f"Inspection {inspection_id.hex()[:8]}",
                scope="team")

    def collections(self) -> dict[bytes, tuple[bytes, str]]:
        return self.session.collection_roles()

    def has_key(self, collection_id: bytes, epoch: int) -> bool:
        return self.session.keyring.key(collection_id, epoch) is not None

    def new_collection_key(self, collection_id: bytes, epoch: int = 1) -> None:
        self.session.keyring.add(collection_id, epoch, SecretBytes.random(32))

    def wrap_key(self, collection_id: bytes, epoch: int, device_id: bytes, kx_pub: bytes) -> bytes:
        """HPKE-wrap a held collection key for a member device; info binds collection, epoch
        and recipient so a wrapped key cannot be replayed for another of them."""
        ck = self.session.keyring.key(collection_id, epoch)
        if ck is None:
            raise StoreError("this device does not hold that collection key")
        return _SUITE.encrypt(ck, X25519PublicKey.from_public_bytes(kx_pub),
                              info=_ck_info(collection_id, epoch, device_id))

    def unwrap_key(self, collection_id: bytes, epoch: int, wrapped: bytes,
                   check: Callable[[bytes], bool] | None = None) -> bool:
        """Store a collection key wrapped for this device. False if it does not open or
        ``check`` (the roster's key commitment) refuses it: a key the lead did not commit to
        on the signed roster is never used, whoever wrapped it."""
        keys = self.session.require_unlocked()
        try:
            ck = _SUITE.decrypt(wrapped, keys.device.exchange,
                                info=_ck_info(collection_id, epoch, self.session.device_id))
        except (InvalidTag, ValueError):
            return False
        if len(ck) != 32 or (check is not None and not check(ck)):
            return False
        self.session.keyring.add(collection_id, epoch, SecretBytes(ck))
        return True

    def register_device(self, device_id: bytes, sign_pub: bytes, kx_pub: bytes) -> None:
        self.session.keyring.add_device(device_id, sign_pub, kx_pub)

    # -- push --------------------------------------------------------------------------------
    def unpushed(self) -> list[list[StoredRecord]]:
        """This device's unpushed records, one list per collection, streams holding a concern
        form first (a stream must stay contiguous, so the whole stream goes first)."""
        s = self.session
        by_coll: dict[bytes, list[StoredRecord]] = {}
        roles = s.collection_roles()
        # a local inspection never leaves this device: its collections are not even read
        shared = [c for c, (_iid, role) in roles.items() if role != "notebook"]
        for rec in self.streams.unpushed(s.device_id, shared):
            by_coll.setdefault(rec.collection_id, []).append(rec)

        def urgent(recs: list[StoredRecord]) -> int:
            return 0 if any(r.note_id in s.notes and s.notes[r.note_id].kind == "concern"
                            for r in recs) else 1

        return sorted(by_coll.values(), key=lambda recs: (urgent(recs), recs[0].collection_id))

    def mark_sending(self, collection_id: bytes, up_to_seq: int) -> None:
        self.streams.mark_sending(collection_id, self.session.device_id, up_to_seq)

    def mark_pushed(self, collection_id: bytes, up_to_seq: int) -> None:
        self.streams.mark_pushed(collection_id, self.session.device_id, up_to_seq)
        for n in self.session.notes.values():
            if n.collection_id == collection_id:
                dev, seq = parse_rev(n.rev)
                if dev == self.session.device_id and seq <= up_to_seq:
                    n.pushed = True

    def stream_heads(self, collection_id: bytes) -> dict[bytes, int]:
        return {d: s for d, s in self.db.execute(
            "SELECT device_id, max(seq) FROM records WHERE collection_id = ? GROUP BY device_id",
            [collection_id]).fetchall()}

    # -- pull --------------------------------------------------------------------------------
    def ingest(self, envelopes: list[bytes], collection_id: bytes | None = None) -> IngestReport:
        """Verify and store pulled records in stream order; one bad record never stops the
        others. A record that fails is quarantined and stops only its own stream."""
        report = IngestReport()
        blocked: set[tuple[bytes, bytes]] = set()
        # records stored in this page, opened once: (hash, payload) by (collection, device, seq)
        self._opened: dict[tuple[bytes, bytes, int], tuple[bytes, dict[str, Any]]] = {}
        self._expect = collection_id
        # per page: each stream's next (seq, prev_hash), and which streams have quarantined rows
        self._tips = {}
        self._page = _Page()
        with self.db.atomic():
            self._q_streams = {(c, d) for c, d in self.db.execute(
                "SELECT DISTINCT collection_id, device_id FROM quarantine").fetchall()}
            authentic = self._authenticate(envelopes)
            for i, env in enumerate(envelopes):
                self._ingest_one(env, report, blocked, authentic[i])
            self._write_page()
        docs: list[Note] = []
        firsts: list[Note] = []
        changed = sorted(report.changed_notes)
        heads = self._heads_of(changed)
        for note_id in changed:
            note = self._refresh(note_id, report, heads.get(note_id, []), firsts)
            if note is not None:
                docs.append(note)
        if firsts:
            signers = first_signers(self.session, among=[n.note_id for n in firsts])
            for note in firsts:
                device = signers.get(note.note_id)
                if device is not None:
                    note.first_signer = device
                    note.first_author = self.session.author_of(note.collection_id, device).name
        self.session.search_index.put_many(
            [_doc(n) for n in docs if n.state != "deleted"],
            [n.note_id for n in docs if n.state == "deleted"])
        self._opened = {}
        self._page = _Page()
        return report

    def _write_page(self) -> None:
        """Write what the page's records add, in one statement per kind of row: the records,
        what they release from quarantine, their parents, and the note heads they make."""
        page, conn = self._page, self.db.conn
        conn.executemany(
            "INSERT INTO records (collection_id, device_id, seq, hash, envelope, note_id, pushed,"
            " draft) VALUES (?, ?, ?, ?, ?, ?, 1, 0)",
            [(r.collection_id, r.device_id, r.seq, r.hash, r.envelope, r.note_id)
             for r in page.records.values()])
        conn.executemany("DELETE FROM quarantine WHERE collection_id = ? AND device_id = ? AND "
                         "seq = ?", page.unquarantine)
        conn.executemany("INSERT OR IGNORE INTO revparents VALUES (?, ?, ?)", page.parents)
        # a revision is a head unless a revision names it as a parent: one stored before this
        # page, or one of this page (whichever of the two came first)
        notes = sorted({n for n, *_ in page.new})
        named: set[tuple[str, str]] = set()
        for i in range(0, len(notes), 500):
            chunk = notes[i:i + 500]
            named.update(conn.execute(
                "SELECT note_id, parent FROM revparents WHERE note_id IN "
                f"({', '.join('?' * len(chunk))})", chunk).fetchall())
        conn.executemany("DELETE FROM heads WHERE note_id = ? AND collection_id = ? AND "
                         "device_id = ? AND seq = ?", page.gone)
        conn.executemany("INSERT OR IGNORE INTO heads VALUES (?, ?, ?, ?)",
                         [(n, c, d, seq) for n, rev, c, d, seq in page.new
                          if (n, rev) not in named])

    def _authenticate(self, envelopes: list[bytes]) -> list[bool]:
        """Which envelopes of a page are already known to be their signer's: each stream's
        records in the page, in order, chained and checked by one signature (``verify_run``).
        The others (a broken chain, a bad signature, an unknown collection) are checked one
        by one as they are opened, which names the bad record. ``open_envelope`` still checks
        each record's header against its stream's stored head, so a page must follow it."""
        s = self.session
        known = s.collection_roles()
        runs: dict[tuple[bytes, bytes], list[int]] = {}
        for i, env in enumerate(envelopes):
            try:
                h = parse_header(env)
            except EnvelopeError:
                continue
            if h.collection_id in known:
                runs.setdefault((h.collection_id, h.device_id), []).append(i)
        authentic = [False] * len(envelopes)
        signers: dict[bytes, Callable[[bytes], Any]] = {}
        for (c, d), idx in runs.items():
            signer = signers.get(c) or signers.setdefault(c, s.signer_for(c))
            check = verify_run([envelopes[i] for i in idx], signer(d))
            for i, ok in zip(idx, check.authentic, strict=True):
                authentic[i] = ok
        return authentic

    def _ingest_one(self, env: bytes, report: IngestReport,
                    blocked: set[tuple[bytes, bytes]], authentic: bool = False) -> None:
        s = self.session
        try:
            header = parse_header(env)
        except EnvelopeError as exc:
            report.quarantined.append(Damage(b"", b"", 0, str(exc)))
            return
        c, d, seq = header.collection_id, header.device_id, header.seq
        if (c, d) in blocked:
            return
        # not kept: it belongs to no stream this device reads here, so nothing would ever fetch
        # it again in its place (a damaged header, or a server mixing collections up)
        if c not in s.collection_roles():
            report.quarantined.append(Damage(c, d, seq, "a collection this device does not know"))
            return
        if self._expect is not None and c != self._expect:
            report.quarantined.append(Damage(c, d, seq, "it came in a pull of another "
                                             "collection"))
            return
        tip = self._tips.get((c, d))
        if tip is None:
            tip = self.streams.next_seq(c, d)
        want, prev_hash = tip
        if seq < want:
            old = self._page.records.get((c, d, seq)) or self.streams.get(c, d, seq)
            if old is not None and old.hash == envelope_hash(env):
                report.duplicates += 1
            else:
                self._quarantine(env, c, d, seq, "a different record with this seq is already "
                                 "stored (a fork or a replay)", report)
            return
        if seq > want:
            report.gaps.append(f"{c.hex()[:8]}/{d.hex()[:8]}: seq {want} to {seq - 1} missing")
            blocked.add((c, d))
            return
        beyond = seq_refusal(s, c, d, seq, want - 1)
        if beyond is not None:  # an honest server refused the device since its removal
            self._quarantine(env, c, d, seq, beyond, None)
            report.refused.append(f"a record ({c.hex()[:8]}/{d.hex()[:8]}/{seq}) was refused "
                                  f"and set aside, because {beyond}; nothing was changed")
            blocked.add((c, d))
            return
        try:
            # an authentic record's signature, or a later one's that vouches for it, was
            # checked in _authenticate: only its header against the stream's tip remains
            _, payload = open_envelope(env, s.keyring.resolver(c),
                                       None if authentic else s.signer_for(c),
                                       Expect(c, d, seq, prev_hash))
            note_id, rev, parents = _route(payload, make_rev(d, seq), header.ref)
        except UnknownKey:
            report.waiting.add(c)
            blocked.add((c, d))
            return
        except EnvelopeError as exc:
            self._quarantine(env, c, d, seq, str(exc), report)
            blocked.add((c, d))
            return
        if note_id is not None and note_id.startswith(META_PREFIX):
            why = meta_refusal(s, c, d, payload)
            if why is not None:
                report.refused.append(self._refusal(c, d, seq, payload, why))
                note_id = None  # kept in its stream, never the inspection's metadata
        # written with the rest of the page (_write_page); its seq and chain were checked
        # against the stream's tip when it was opened (Expect)
        rec = StoredRecord(c, d, seq, envelope_hash(env), env, note_id, True)
        self._page.records[(c, d, seq)] = rec
        self._tips[(c, d)] = (seq + 1, rec.hash)
        if (c, d) in self._q_streams:
            self._page.unquarantine.append((c, d, seq))
        report.stored += 1
        self._opened[(c, d, seq)] = (rec.hash, payload)
        if note_id is not None and note_id.startswith(LINK_PREFIX):
            report.links.append((c, d, seq))
        if note_id is None or note_id.startswith(LINK_PREFIX):
            return
        if note_id.startswith(META_PREFIX):
            self._set_meta_head(note_id, c, d, seq, payload)
            return
        page = self._page
        for p in parents:
            pd, ps = parse_rev(p)
            page.parents.append((note_id, p, rev))
            page.gone.append((note_id, c, pd, ps))
        page.new.append((note_id, rev, c, d, seq))
        report.changed_notes.add(note_id)

    def _refusal(self, c: bytes, d: bytes, seq: int, payload: dict[str, Any], why: str) -> str:
        s = self.session
        roster = s.rosters.get(c)
        iid_hex = str(payload.get("inspection_id", ""))
        named = next((i.name for i in s.inspections.values() if i.id_hex == iid_hex), None)
        target = repr(named) if named else f"inspection {iid_hex[:8]}"
        extra = payload.get("extra") if isinstance(payload.get("extra"), dict) else {}
        what = "close" if extra.get("closed_at") else "change"
        return (f"{signer_label(roster, d)} signed a record ({c.hex()[:8]}/{d.hex()[:8]}/{seq}) "
                f"that would {what} {target}: refused, because {why}; nothing was changed")

    def _set_meta_head(self, note_id: str, c: bytes, d: bytes, seq: int,
                       payload: dict[str, Any]) -> None:
        s = self.session
        iid = bytes.fromhex(note_id[len(META_PREFIX):])
        cur = s.inspections.get(iid)
        if cur is not None and cur.hlc and cur.hlc > str(payload.get("hlc", "")):
            return
        self.db.execute("DELETE FROM heads WHERE note_id = ?", [note_id])
        self.db.execute("INSERT INTO heads VALUES (?, ?, ?, ?)", [note_id, c, d, seq])
        from ._session import _inspection_from

        s.inspections[iid] = _inspection_from(payload, {iid: "team"})

    def _quarantine(self, env: bytes, c: bytes, d: bytes, seq: int, reason: str,
                    report: IngestReport | None) -> None:
        """Set a record aside; ``report`` lists it as failing verification (None: refused
        for what it tried, which the caller reports as such)."""
        self.db.execute("INSERT OR REPLACE INTO quarantine VALUES (?, ?, ?, ?, ?, ?)",
                        [c, d, seq, env, reason, datetime.now(UTC).isoformat()])
        if report is not None:
            report.quarantined.append(Damage(c, d, seq, reason))

    def _heads_of(self, note_ids: list[str]) -> dict[str, list[tuple[bytes, bytes, int]]]:
        """The heads of each of ``note_ids``, in one query per 500 notes."""
        out: dict[str, list[tuple[bytes, bytes, int]]] = {}
        for i in range(0, len(note_ids), 500):
            chunk = note_ids[i:i + 500]
            for n, c, d, seq in self.db.conn.execute(
                    "SELECT note_id, collection_id, device_id, seq FROM heads WHERE note_id IN "
                    f"({', '.join('?' * len(chunk))}) ORDER BY note_id, device_id, seq", chunk):
                out.setdefault(n, []).append((c, d, seq))
        return out

    def _refresh(self, note_id: str, report: IngestReport, heads: list[tuple[bytes, bytes, int]],
                 firsts: list[Note]) -> Note | None:
        """Bring the in-memory note up to its ``heads``; merge when there are several. Returns
        the note when the caller must update the search index (a merge does that itself).
        A note whose first author is not known yet joins ``firsts``, named in one query."""
        s = self.session
        if len(heads) > 1:
            merged = s.merge_heads(note_id)
            if merged is not None:
                report.merged.append(note_id)
                if merged.state == "conflicted":
                    report.conflicted.append(note_id)
                return None
            return s.notes.get(note_id)
        if not heads:
            return None
        c, d, seq = heads[0]
        rec = self._page.records.get((c, d, seq)) or self.streams.get(c, d, seq)
        if rec is None:
            return None
        opened = self._opened.get((c, d, seq))
        payload = opened[1] if opened is not None and opened[0] == rec.hash else None
        if payload is None:
            payload = s.open_record(rec)
        if payload is None:
            return None
        try:
            note = s.note_from(rec, payload)
        except (KeyError, TypeError, ValueError) as exc:
            s.damaged.append(Damage(c, d, seq, f"its payload is not a valid note ({exc})"))
            return None
        s.remember_payload(rec, payload)
        known = s.notes.get(note_id)
        if known is not None and known.first_signer:
            note.first_signer, note.first_author = known.first_signer, known.first_author
        else:
            firsts.append(note)
        s.notes[note_id] = note
        return note

    def set_aside(self, damaged: list[Damage]) -> tuple[int, list[str]]:
        """``doctor --repair``: move each damaged record, and what follows it in its stream
        (it cannot chain without it), to quarantine so that the next pull fetches them again.
        This device's own unpushed records are its only copy: they are left alone and named.
        Returns (records set aside, problems)."""
        s = self.session
        moved, problems, notes = 0, [], set()
        with self.db.atomic():
            for dmg in sorted({(d.collection_id, d.device_id, d.seq) for d in damaged if d.seq}):
                c, d, seq = dmg
                tail = [r for r in self.streams.range(c, d, seq - 1, limit=1_000_000)]
                if d == s.device_id and any(not r.pushed for r in tail):
                    problems.append(f"record {c.hex()[:8]}/{d.hex()[:8]}/{seq} is this "
                                    "device's only copy; it cannot be fetched again")
                    continue
                for r in tail:
                    self.db.execute("INSERT OR REPLACE INTO quarantine VALUES (?, ?, ?, ?, ?, ?)",
                                    [c, d, r.seq, r.envelope, SET_ASIDE_BY_DOCTOR,
                                     datetime.now(UTC).isoformat()])
                    self.db.execute("DELETE FROM records WHERE collection_id = ? AND "
                                    "device_id = ? AND seq = ?", [c, d, r.seq])
                    self.db.execute("DELETE FROM heads WHERE collection_id = ? AND device_id = ? "
                                    "AND seq = ?", [c, d, r.seq])
                    if r.note_id:
                        self.db.execute("DELETE FROM revparents WHERE note_id = ? AND rev = ?",
                                        [r.note_id, make_rev(d, r.seq)])
                        notes.add(r.note_id)
                    moved += 1
            for note_id in notes:
                self._rebuild_heads(note_id)
        return moved, problems

    def _rebuild_heads(self, note_id: str) -> None:
        """Heads from what is stored: every revision no stored revision names as a parent."""
        recs = self.streams.for_note(note_id)
        revs = {make_rev(r.device_id, r.seq): r for r in recs}
        parents = {p for (p,) in self.db.execute(
            "SELECT parent FROM revparents WHERE note_id = ?", [note_id]).fetchall()}
        self.db.execute("DELETE FROM heads WHERE note_id = ?", [note_id])
        for rev, r in revs.items():
            if rev not in parents:
                self.db.execute("INSERT INTO heads VALUES (?, ?, ?, ?)",
                                [note_id, r.collection_id, r.device_id, r.seq])

    def drop_stale_quarantine(self, collection_id: bytes, heads: dict[bytes, int]) -> int:
        """Forget what is set aside in a collection that no pull will ever fetch again in
        its place, given the server's stream ``heads``: a record of a stream the server does
        not hold (a damaged device id, say) or beyond its head (a damaged seq), and one whose
        place now holds a verified record. What ``doctor --repair`` set aside is this device's
        own damaged copy: it stays until the record is fetched again. Returns rows dropped."""
        stored = {(d, s) for d, s in self.db.execute(
            "SELECT q.device_id, q.seq FROM quarantine q JOIN records r ON r.collection_id = "
            "q.collection_id AND r.device_id = q.device_id AND r.seq = q.seq "
            "WHERE q.collection_id = ?", [collection_id]).fetchall()}
        stale = [(d, s) for d, s, why in self.db.execute(
            "SELECT device_id, seq, reason FROM quarantine WHERE collection_id = ?",
            [collection_id]).fetchall()
            if (d, s) in stored or (why != SET_ASIDE_BY_DOCTOR and s > heads.get(d, 0))]
        with self.db.atomic():
            for d, s in stale:
                self.db.execute("DELETE FROM quarantine WHERE collection_id = ? AND "
                                "device_id = ? AND seq = ?", [collection_id, d, s])
        return len(stale)

    def quarantined(self) -> list[Damage]:
        return [Damage(c, d, s, r) for c, d, s, r in self.db.execute(
            "SELECT collection_id, device_id, seq, reason FROM quarantine ORDER BY at")]


def _route(payload: dict[str, Any], rev: str, ref: Any) -> tuple[str | None, str, list[str]]:
    """Which note a payload belongs to, checked for shape: a bad payload is quarantined."""
    kind = payload.get("type")
    if kind in (NOTE_REV, NOTE_DELETE):
        note_id, prev = payload.get("note_id"), payload.get("parents", [])
        if (not isinstance(note_id, str) or not 1 <= len(note_id) <= 64
                or payload.get("rev") != rev or not isinstance(prev, list)
                or not all(isinstance(p, str) and _is_rev(p) for p in prev)):
            raise MalformedEnvelope(ref, "its payload is not a well-formed note revision")
        return note_id, rev, prev
    if kind == INSPECTION_META:
        iid = payload.get("inspection_id")
        if not isinstance(iid, str) or len(iid) != 32:
            raise MalformedEnvelope(ref, "its payload is not well-formed inspection metadata")
        return META_PREFIX + iid, rev, []
    if kind == DEVICE_LINK:  # a member's own second device: a lead's sync reads these
        note_id = route_link(payload)
        if note_id is None:
            raise MalformedEnvelope(ref, "its payload is not a well-formed device link")
        return note_id, rev, []
    return None, rev, []  # roster.*, audit.*: stored for their own readers


def _is_rev(text: str) -> bool:
    try:
        d, s = parse_rev(text)
        return len(d) == 16 and s >= 1
    except ValueError:
        return False


def random_id() -> bytes:
    return os.urandom(16)
