"""An unlocked profile: notes and inspections decrypted in memory, and every way to change them.

Nothing here writes plaintext anywhere: every change becomes an envelope appended to (or, for an
autosave, replacing the newest unpushed draft of) this device's stream in the note's collection.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Iterable
from itertools import compress, repeat, tee
from operator import and_, eq, is_not, itemgetter, not_, truth
from typing import Any

import sqlite_utils

from store.crypto import (
    Expect,
    Header,
    SecretBytes,
    field_context,
    is_sealed,
    open_envelope,
    open_value,
    seal,
)
from store.inspection import (
    PassageTag,
    check_minimisation,
    latest_version,
    parse_tags,
    seal_fields,
    validate_note,
)
from store.inspection import sealed_names as _sealed_names
from store.team import Roster, RosterBook

from . import _headcache, _listing, _settings
from ._head_merge import merge_pair as _merge_pair
from ._head_merge import replace_note as _replace
from ._head_merge import same_content as _same_content
from ._headcheck import HeadCheck
from ._hlc import Clock, Hlc
from ._keyring import Keyring
from ._model import (
    ACTIVE,
    CONFLICTED,
    DELETED,
    INSPECTION_META,
    NOTE_DELETE,
    Damage,
    Inspection,
    Note,
    Revision,
    make_rev,
    parse_rev,
)
from ._provenance import Author, author_of, first_signers
from ._search import SearchIndex
from ._streams import HeadRow, StoredRecord, Streams, ref_of
from ._vault import VaultKeys
from .errors import (
    Ambiguous,
    DamagedNote,
    EnvelopeError,
    LockedError,
    NotFound,
    StoreError,
    ValidationFailed,
    invalid,
)

META_PREFIX = "meta:"


class Session:
    """The unlocked store. Create one with :meth:`Profile.unlock`; call :meth:`lock` when done."""

    def __init__(self, db: sqlite_utils.Database, keys: VaultKeys, device_id: bytes,
                 now_ms: Callable[[], int] | None = None, *,
                 check: HeadCheck | None = None) -> None:
        """``check``: the damaged-head check begun before the KDF (``Profile.unlock``);
        without it (or when it cannot be used) unlock checks the heads itself."""
        self.db = db
        self.keys: VaultKeys | None = keys
        self.device_id = device_id
        self.streams = Streams(db)
        self.keyring = Keyring(db, keys)
        self.rosters = RosterBook(db, keys)
        self.clock = Clock(device_id.hex()[:8], now_ms)
        self._notes: dict[str, Note] = {}
        #: the notes the unlock placed from the list cache and has not made yet (``notes``)
        self._placed: _listing.Placed | None = None
        #: and whose rows are not yet in ``_payloads`` (made the first time it is read)
        self._unrowed: _listing.Placed | None = None
        # held while they are made: a reader on another thread (a sync worker) waits for all
        # of them rather than see some; the maker's own reads pass (re-entrant)
        self._making = threading.RLock()
        self._being_made = False
        self.inspections: dict[bytes, Inspection] = {}
        self.damaged: list[Damage] = []
        #: notes whose head record is damaged on this device: not shown, named on opening
        self.damaged_notes: dict[str, Damage] = {}
        # built by the first search, or in the background once the app shows a workspace
        self.search_index = SearchIndex(self._search_docs)
        self._collections: dict[bytes, tuple[bytes, str]] = {}
        self._payload_store: dict[str, dict[str, Any] | _headcache.Row] = {}
        self._cached_keys: set[str] = set()
        self._written_at = -1
        self._froze = False  # whether unlock froze the collector's view (see ``_load``)
        #: Who a sealed field (a concern's child identifier) is sealed for, per inspection:
        #: (device id, X25519 public key) pairs. By default this device only; for a team
        #: inspection the roster sets it to the lead devices (this one among them when it is a
        #: lead's), so a member who is not a lead cannot read back what they sealed ("readable
        #: by leads only", DESIGN §2). An empty answer falls back to this device: sealing for
        #: nobody would lose the value. A blob that lacks a wanted device is sealed again at the
        #: next save by any device that can open it (never narrowed: see ``_sealed``).
        self.seal_recipients: Callable[[Inspection], list[tuple[bytes, bytes]]] = \
            self._lead_devices
        self._load(check)

    def __repr__(self) -> str:
        count = len(self._notes) + (len(self._placed) if self._placed else 0)
        return f"Session(device={self.device_id.hex()[:8]}, notes={count})"

    # -- unlock ------------------------------------------------------------------------------
    def _load(self, check: HeadCheck | None) -> None:
        # tens of thousands of notes, payloads and tuples are made here and none of them
        # forms a cycle: the cyclic collector, run every few hundred allocations, walked
        # them all again and again (a third of the load's CPU at 50,000 notes)
        paused = gc.isenabled()
        gc.disable()
        try:
            self._load_heads(check)
        finally:
            if paused:
                # and not afterwards either: made while the collector was off, they all sat
                # in its youngest generation, and its first passes after this walked every
                # one of them (0.1 s at 50,000 notes, in whatever ran next). Frozen, they are
                # left out of every pass until ``lock`` lets them go (they form no cycle, so
                # freeing the notes never needed the collector).
                gc.freeze()
                self._froze = True
                gc.enable()

    def _load_heads(self, check: HeadCheck | None) -> None:
        for r in self.db.query("SELECT id, inspection_id, role FROM collections"):
            self._collections[r["id"]] = (r["inspection_id"], r["role"])
        scopes = {r["id"]: r["scope"] for r in self.db.query("SELECT id, scope FROM inspections")}
        cached = _headcache.read(self.db, self.keys)
        index = cached.index()
        # still waiting for the helper: make the cached notes meanwhile (the app will want
        # them), their head records' values filled in once placed. A command that began its
        # check early (a cold `note list`) finds its rows there and makes none
        made = _listing.made_by_row(cached) \
            if check is not None and not cached.malformed and not check.ready() else None
        # the helper has been checking the heads meanwhile, on a core of its own: its rows,
        # or (it could not stand for this profile) the session's own check
        checked = check.rows() if check is not None else None
        heads = checked if checked is not None else self.streams.head_rows_checked()
        # the hot part of a large unlock, once per note, column by column (a few C-level
        # passes, no Python step per note): each intact head the cache holds is placed as its
        # row in the cache, its head record's collection and signer, and its pushed state
        found = list(map(index.get, map(bytes.hex, map(itemgetter(3), heads))))
        cached_heads = list(map(and_, map(is_not, found, repeat(None)),
                                map(truth, map(itemgetter(8), heads))))
        rows = list(compress(heads, cached_heads))
        at = list(compress(found, cached_heads))
        keys: list[str] = list(map(itemgetter(7), rows))
        # one object per collection and per device (each row brings its own copy): what is
        # looked up by them later (names, inspections) hashes each once, not once a note
        ids: dict[bytes, bytes] = {}
        same = ids.setdefault
        collections: list[bytes] = list(map(same, *tee(map(itemgetter(0), rows))))
        signers: list[bytes] = list(map(same, *tee(map(itemgetter(1), rows))))
        pushed = list(map(eq, map(itemgetter(5), rows), repeat(1)))
        uncached: list[HeadRow] = []
        for row in compress(heads, map(not_, cached_heads)):  # the few others
            if not row[8]:  # damaged: never shown, from the cache or otherwise; named instead
                ref = ref_of(row)
                damage = Damage(ref.collection_id, ref.device_id, ref.seq,
                                _headcache.DAMAGED_HEAD)
                self.damaged.append(damage)
                self.damaged_notes[row[7]] = damage
            else:  # not in the cache (an inspection's metadata, say), or not as written
                uncached.append(row)
        # one name per signer for the whole unlock: naming is a roster lookup (and for this
        # device a settings read), the same for every note a device signed
        names: dict[tuple[bytes, bytes], str] = {}
        pairs = list(zip(collections, signers, strict=True))
        for pair in set(pairs):
            self._name_of(*pair, names)
        places = {c: self._collections.get(c, (b"", ""))[0] for c in set(collections)}
        if at:  # none placed (a new profile): nothing to make later, nothing to freeze then
            self._placed = self._unrowed = _listing.Placed(
                cached, at, keys, collections, list(map(places.__getitem__, collections)),
                signers, list(map(names.__getitem__, pairs)), pushed, names, index, made)
        multi: set[str] = set()
        if len(set(keys)) < len(keys):  # two heads of a note: merged below, as notes
            self._materialise(multi)
        unnamed: list[Note] = []  # notes whose first signer the cache does not name
        for row in uncached:
            ref, note_id = ref_of(row), row[7]
            key = ref.hash.hex()
            payload = cached.payloads.get(key)
            if payload is None:
                rec = self.streams.get(ref.collection_id, ref.device_id, ref.seq)
                payload = self.open_record(rec) if rec else None
                if payload is None:
                    continue
            self._payload_store[key] = payload
            if note_id.startswith(META_PREFIX):
                if self._collections.get(ref.collection_id, (b"", ""))[1] == "team" \
                        and self.rosters.get(ref.collection_id) is not None:
                    payload = self._authorised_meta(note_id, ref, payload)
                    if payload is None:
                        continue
                ins = _inspection_from(payload, scopes)
                self.inspections[ins.inspection_id] = ins
                continue
            try:
                note = self.note_from(ref, payload, names)
            except (KeyError, TypeError, ValueError) as exc:
                self.damaged.append(Damage(ref.collection_id, ref.device_id, ref.seq,
                                           f"its payload is not a valid note ({exc})"))
                continue
            self._materialise(multi)  # a note among the placed ones: every note is made
            unnamed.append(note)
            self._place(note, ref, note_id, names, multi)
        if unnamed:
            self.set_first_authors(unnamed, cached.firsts, names)
        # every entry used, and as this version writes it: else the lock writes it again
        used = len(self._payload_store) + (len(self._unrowed) if self._unrowed else 0)
        self._cached_keys = cached.keys() if cached.current and len(cached) == used else set()
        for note_id in sorted(multi):
            self.merge_heads(note_id)
        # what the caches hold is what this connection has written so far: ``lock`` rewrites
        # them only when something was written since (a save, a pull, a merge above)
        self._written_at = self.db.conn.total_changes
        hlcs = [n.hlc for n in self._notes.values()]
        if self._placed is not None:
            hlcs.append(self._placed.latest() or "")
        latest = max(hlcs, default="")
        if latest:
            self.clock.observe(Hlc.parse(latest))

    def _materialise(self, multi: set[str] | None = None) -> None:
        """Make the notes the unlock placed from the cache (``_placed``), in one pass, and
        put them on show as an unlock always did: the newest of two heads of a note stays on
        show until they are merged (``multi`` collects such notes). What ``notes`` calls the
        first time it is read; the list reads the cache's columns without it."""
        with self._making:
            if self._placed is None:
                return
            # set before the placed notes are taken, cleared once they are all made: a reader
            # on another thread that finds no placed notes still sees them being made, and waits
            self._being_made = True
            placed, self._placed = self._placed, None
            try:
                self._make(placed, multi)
            finally:
                self._being_made = False

    def _make(self, placed: _listing.Placed, multi: set[str] | None) -> None:
        paused = gc.isenabled()
        gc.disable()  # tens of thousands of notes, none in a cycle: see ``_load``
        try:
            notes, unnamed = placed.notes(lambda c, d: self._name_of(c, d, placed.names))
            if multi is None and not self._notes:
                self._notes = dict(zip(placed.keys, notes, strict=True))
            else:
                shown = self._notes
                for note_id, note in zip(placed.keys, notes, strict=True):
                    if note_id in shown:
                        if multi is not None:
                            multi.add(note_id)
                        if note.hlc < shown[note_id].hlc:
                            continue
                    shown[note_id] = note
            if unnamed:
                self.set_first_authors(unnamed, placed.cached.firsts, placed.names)
        finally:
            if paused:
                gc.freeze()
                self._froze = True
                gc.enable()

    @property
    def notes(self) -> dict[str, Note]:
        """The notes on show by id (those the unlock placed from the cache are made the first
        time this is read)."""
        if self._placed is not None or self._being_made:
            self._materialise()  # waits for another thread making them
        return self._notes

    @property
    def _payloads(self) -> dict[str, dict[str, Any] | _headcache.Row]:
        # payloads of head records by record hash, as opened or sealed: the head cache's
        # source (a note's row, as the cache holds it, where it came from the cache). The
        # placed notes' rows join it the first time it is read (a rewrite of the cache, say):
        # at 50,000 notes making them was a third of making the notes, which the app waits for
        if self._placed is not None or self._being_made:
            self._materialise()
        if self._unrowed is not None:
            with self._making:  # cleared only once they are in: another thread waits
                if self._unrowed is not None:
                    self._payload_store.update(self._unrowed.payloads())
                    self._unrowed = None
        return self._payload_store

    def _payload(self, key: str) -> dict[str, Any] | _headcache.Row | None:
        """One head record's payload by its hash, as ``_payloads`` holds it, without making
        every placed note's row for it."""
        unrowed = self._unrowed
        if key not in self._payload_store and unrowed is not None and unrowed.whole():
            return unrowed.row(key)
        return self._payloads.get(key)

    def listing(self, inspection: Inspection | None = None, *, kind: str | None = None,
                include_deleted: bool = False) -> _listing.Listing:
        """``list_notes`` as columns (what ``fieldpad note list`` prints): straight from the
        list cache's columns when the notes have not been made (a cold command), else from
        the notes."""
        if self._placed is not None:
            return self._placed.listing(inspection.inspection_id if inspection else None, kind,
                                        include_deleted)
        return _listing.Listing.of(self.list_notes(inspection, kind=kind,
                                                   include_deleted=include_deleted))

    def _place(self, note: Note, rec: StoredRecord, note_id: str,
               authors: dict[tuple[bytes, bytes], str], multi: set[str]) -> None:
        """Put a head's note on show at unlock, named after its signer."""
        # the author is whoever signed the record (the header's device), never the payload's
        note.signer = rec.device_id
        note.author = self._name_of(rec.collection_id, rec.device_id, authors)
        if note_id in self.notes:
            multi.add(note_id)
            # keep the newest head on show until the heads are merged
            if note.hlc < self.notes[note_id].hlc:
                return
        self.notes[note_id] = note

    def _search_docs(self) -> Iterable[tuple[str, str, str, str]]:
        """What the search index holds: every note not deleted, oldest change first (the
        notes are read now; the documents are made as the index consumes them)."""
        notes = sorted((n for n in self.notes.values() if n.state != DELETED),
                       key=lambda n: n.hlc)

        def docs() -> Iterable[tuple[str, str, str, str]]:
            # in the build's thread: the head records are read in one query (not one per
            # note) and each body is decrypted as the index consumes it
            heads: dict[tuple[bytes, bytes, int], StoredRecord] = {}
            if any(not n.body_loaded for n in notes):
                heads = {(r.collection_id, r.device_id, r.seq): r
                         for r, _ in self.streams.head_records()}
            for note in notes:
                if not note.body_loaded:
                    device, seq = parse_rev(note.rev)
                    try:
                        self._load_body(note, heads.get((note.collection_id, device, seq)))
                    except StoreError:
                        pass  # indexed without its text; opening it names the damage
                yield _doc(note)

        return docs()

    def load_bodies(self, notes: Iterable[Note]) -> list[Note]:
        """``notes`` with their bodies: each one listed without it (from the list cache) is
        decrypted from its head record. What opening, searching and exporting call; the list
        and its counts never need a body. ``DamagedNote`` if a head no longer opens."""
        out = list(notes)
        for note in out:
            if not note.body_loaded:
                self._load_body(note)
        return out

    def _load_body(self, note: Note, rec: StoredRecord | None = None) -> None:
        device, seq = parse_rev(note.rev)  # a revision is named by the record carrying it
        if rec is None:
            rec = self.streams.get(note.collection_id, device, seq)
        payload = self.open_record(rec) if rec is not None else None
        if payload is None or str(payload.get("rev", "")) != note.rev:
            raise DamagedNote(f"note {note.note_id[:8]}: its latest record could not be "
                              "opened to read its text. Run `fieldpad doctor`")
        note.body = str(payload.get("body", ""))
        note.body_loaded = True

    def prepare_search(self) -> None:
        """Start building the search index in the background (the app does once the
        workspace is shown); the first search waits for it. Never needed: a search builds
        the index itself when nothing started it."""
        self.search_index.start()

    def _authorised_meta(self, note_id: str, ref: StoredRecord,
                         payload: dict[str, Any]) -> dict[str, Any] | None:
        """A team inspection's metadata head, re-checked at unlock: a head a member's device
        signed (stored before leads alone could change an inspection) gives way to the newest
        one a lead signed, and the heads table is mended."""
        from store.team import meta_refusal

        if meta_refusal(self, ref.collection_id, ref.device_id, payload) is None:
            return payload
        best: tuple[str, StoredRecord, dict[str, Any]] | None = None
        for rec in self.streams.for_note(note_id):
            p = self.open_record(rec)
            if p is not None and meta_refusal(self, rec.collection_id, rec.device_id, p) is None \
                    and (best is None or str(p.get("hlc", "")) > best[0]):
                best = (str(p.get("hlc", "")), rec, p)
        self.db.execute("DELETE FROM heads WHERE note_id = ?", [note_id])
        if best is None:
            return None
        _, rec, p = best
        self.db.execute("INSERT INTO heads VALUES (?, ?, ?, ?)",
                        [note_id, rec.collection_id, rec.device_id, rec.seq])
        self._payload_store[rec.hash.hex()] = p
        return p

    def open_record(self, rec: StoredRecord, *, verify: bool = False) -> dict[str, Any] | None:
        """Open a stored record; a damaged one is reported in ``damaged`` and skipped."""
        try:
            _, payload = open_envelope(
                rec.envelope,
                self.keyring.resolver(rec.collection_id),
                self.signer_for(rec.collection_id) if verify else None,
                Expect(rec.collection_id, rec.device_id, rec.seq),
            )
            return payload
        except EnvelopeError as exc:
            self.damaged.append(Damage(rec.collection_id, rec.device_id, rec.seq, str(exc)))
            return None

    def signer_for(self, collection_id: bytes):  # device id -> public key
        """Who may sign records of a collection: its verified roster when it has one."""
        return self.rosters.signer_for(collection_id, self.keyring.signer)

    def note_from(self, rec: StoredRecord, payload: dict[str, Any],
                  authors: dict[tuple[bytes, bytes], str] | None = None) -> Note:
        """The note a record's opened payload holds, in the inspection of its collection;
        ``authors`` remembers signers' names across many calls (an unlock)."""
        inspection_id = self._collections.get(rec.collection_id, (b"", ""))[0]
        note = Note.from_payload(payload, inspection_id, rec.collection_id, rec.pushed)
        # the author is whoever signed the record (the header's device), never the payload's
        note.signer = rec.device_id
        note.author = self._name_of(rec.collection_id, rec.device_id, authors)
        return note

    def _name_of(self, collection_id: bytes, device_id: bytes,
                 authors: dict[tuple[bytes, bytes], str] | None) -> str:
        if authors is None:
            return self.author_of(collection_id, device_id).name
        key = (collection_id, device_id)
        if key not in authors:
            authors[key] = self.author_of(collection_id, device_id).name
        return authors[key]

    def author_of(self, collection_id: bytes, device_id: bytes) -> Author:
        """The member whose device ``device_id`` signs records of ``collection_id``."""
        return author_of(self, collection_id, device_id)

    def set_first_authors(self, notes: Iterable[Note], known: dict[str, bytes] | None = None,
                          authors: dict[tuple[bytes, bytes], str] | None = None) -> None:
        """Name each note's first author: the signer of its first revision. ``known`` (from
        the head cache) spares the query over every record when it names them all."""
        notes = list(notes)
        firsts = known or {}
        if any(n.note_id not in firsts for n in notes):
            firsts = first_signers(self, notes[0].note_id if len(notes) == 1 else None)
        for note in notes:
            device = firsts.get(note.note_id)
            if device is not None:
                note.first_signer = device
                note.first_author = self._name_of(note.collection_id, device, authors)

    def require_unlocked(self) -> VaultKeys:
        if self.keys is None:
            raise LockedError("the vault is locked: unlock it first")
        return self.keys

    # -- inspections -------------------------------------------------------------------------
    def add_inspection(self, name: str, partnership: str = "", *, role: str = "notebook",
                       scope: str = "local") -> Inspection:
        name = name.strip()
        if not name or len(name) > 120 or "\n" in name:
            raise invalid("name", "give the inspection a name of 1-120 "
                                                    "characters on one line")
        if any(i.name.lower() == name.lower() for i in self.inspections.values()):
            raise invalid("name", f"an inspection called {name!r} exists")
        inspection_id = os.urandom(16)
        collection_id = os.urandom(16)
        with self.db.atomic():
            self.db.execute("INSERT INTO inspections (id, scope) VALUES (?, ?)",
                            [inspection_id, scope])
            self.db.execute("INSERT INTO collections (id, inspection_id, role) VALUES (?, ?, ?)",
                            [collection_id, inspection_id, role])
            self.keyring.add(collection_id, 1, SecretBytes.random(32))
            self._collections[collection_id] = (inspection_id, role)
            ins = Inspection(inspection_id, name, partnership, scope)
            self.publish_inspection(ins, collection_id)
        return ins

    def publish_inspection(self, ins: Inspection, collection_id: bytes) -> None:
        """Seal an inspection's name and details as a record of ``collection_id``. A team
        inspection's metadata is a lead's to change (``NotALead`` otherwise)."""
        from store.team import require_lead

        require_lead(self, ins, collection_id)
        note_id = META_PREFIX + ins.inspection_id.hex()
        ins.hlc = str(self.clock.now())
        with self.db.atomic():
            old = self.streams.heads(note_id)
            payloads: list[dict[str, Any]] = []

            def build(rev: str) -> dict[str, Any]:
                ins.rev = rev
                payloads.append(ins.to_payload())
                return payloads[-1]

            rec = self._append(collection_id, note_id, build, parents=(), draft=False)
            self.streams.set_heads(note_id, old, (rec.collection_id, rec.device_id, rec.seq))
        self._payload_store[rec.hash.hex()] = payloads[-1]
        self.inspections[ins.inspection_id] = ins

    def list_inspections(self) -> list[Inspection]:
        return sorted(self.inspections.values(), key=lambda i: i.name.lower())

    def find_inspection(self, name: str | None) -> Inspection:
        """By name (case-insensitive) or id prefix; ``None`` means the only one there is."""
        items = self.list_inspections()
        if name is None:
            if len(items) == 1:
                return items[0]
            raise Ambiguous("this profile has several inspections: name one with --inspection ("
                            + ", ".join(i.name for i in items) + ")")
        hits = [i for i in items if i.name.lower() == name.lower()] or [
            i for i in items if i.id_hex.startswith(name.lower())]
        if not hits:
            raise NotFound(f"no inspection called {name!r}; `fieldpad inspection list` shows them")
        if len(hits) > 1:
            raise Ambiguous(f"{name!r} matches several inspections; use more of its name or id")
        return hits[0]

    def remember_collection(self, collection_id: bytes, inspection_id: bytes,
                            role: str) -> None:
        """Know a collection in memory (its row is the caller's, in the same transaction)."""
        self._collections[collection_id] = (inspection_id, role)

    def forget_collection(self, collection_id: bytes) -> None:
        """Forget a collection in memory (after its rows were deleted), and its keys."""
        self._collections.pop(collection_id, None)
        self.keyring.forget(collection_id)

    def remember_payload(self, rec: StoredRecord, payload: dict[str, Any]) -> None:
        """Keep a head record's opened payload, for the sealed head cache of the next unlock."""
        self._payload_store[rec.hash.hex()] = payload

    def forget_payloads(self, hashes: Iterable[str]) -> None:
        """Drop opened payloads (by record hash, hex) that must not reach the head cache."""
        for h in hashes:
            self._payloads.pop(h, None)

    def collection_roles(self) -> dict[bytes, tuple[bytes, str]]:
        """Every collection this device knows: collection id -> (inspection id, role)."""
        return dict(self._collections)

    def collection_for(self, inspection: Inspection, kind: str) -> bytes:
        mine = {cid: role for cid, (iid, role) in self._collections.items()
                if iid == inspection.inspection_id}
        wanted = ("restricted", "team", "notebook") if kind == "concern" else ("team", "notebook")
        if kind == "record_review" and not self._leads(inspection):
            # a reading pair's reviews live in the pair's collection (DESIGN §6)
            pairs = [cid for cid, r in mine.items() if r.startswith("reading-")
                     and self.keyring.latest_epoch(cid) is not None]
            if len(pairs) == 1:
                return pairs[0]
        for role in wanted:
            for cid, r in mine.items():
                if r == role and self.keyring.latest_epoch(cid) is not None:
                    return cid
        raise NotFound(f"this device holds no key to write notes in {inspection.name!r} yet; "
                       "sync first")

    def write_epoch(self, collection_id: bytes) -> int | None:
        """The epoch new records use: the newest key held that the collection's signed roster
        has committed to (a key of a rotation still on its way is never used to write)."""
        roster = self.rosters.get(collection_id)
        epochs = [e for e in self.keyring.epochs(collection_id)
                  if roster is None or e <= roster.epoch]
        return max(epochs) if epochs else None

    def team_roster(self, inspection_id: bytes) -> Roster | None:
        """The verified roster of the inspection's team collection, or None (none yet)."""
        for cid, (iid, role) in self._collections.items():
            if iid == inspection_id and role == "team":
                return self.rosters.get(cid)
        return None

    def may_change(self, inspection: Inspection) -> bool:
        """Whether this device may change the inspection's metadata (close, reopen, purge,
        timeline): its own local inspection, or a team inspection it leads (or whose roster
        it has not verified yet: its teammates' devices check the change against theirs)."""
        roster = self.team_roster(inspection.inspection_id)
        return inspection.scope == "local" or roster is None or roster.is_lead(self.device_id)

    def _leads(self, inspection: Inspection) -> bool:
        """Whether this device is a lead on the inspection's signed team roster."""
        roster = self.team_roster(inspection.inspection_id)
        return roster is not None and roster.is_lead(self.device_id)

    # -- notes -------------------------------------------------------------------------------
    def list_notes(self, inspection: Inspection | None = None, *, kind: str | None = None,
                   include_deleted: bool = False) -> list[Note]:
        out = [n for n in self.notes.values()
               if (include_deleted or n.state != DELETED)
               and (inspection is None or n.inspection_id == inspection.inspection_id)
               and (kind is None or n.kind == kind)]
        out.sort(key=lambda n: n.hlc, reverse=True)
        return out

    def get(self, note_id: str) -> Note:
        self.require_unlocked()
        if note_id in self.notes:
            return self.load_bodies([self.notes[note_id]])[0]
        hits = [n for n in self.notes if n.startswith(note_id.lower())] if len(note_id) >= 4 else []
        if len(hits) == 1:
            return self.load_bodies([self.notes[hits[0]]])[0]
        if len(hits) > 1:
            raise Ambiguous(f"{note_id!r} matches {len(hits)} notes; give more of the id")
        _headcache.refuse_damaged(self.damaged_notes, note_id)  # DamagedNote if it is one
        raise NotFound(f"no note {note_id!r} in this profile; `fieldpad note list` shows them")

    def search(self, query: str, inspection: Inspection | None = None,
               limit: int = 200) -> list[Note]:
        hits = [self.notes[i] for i in self.search_index.search(query, limit * 2)
                if i in self.notes]
        # the index build decrypted every body it indexed: this only loads a stray one
        return self.load_bodies([n for n in hits if inspection is None
                                 or n.inspection_id == inspection.inspection_id][:limit])

    def create(self, inspection: Inspection, kind: str, title: str, body: str = "",
               fields: dict[str, Any] | None = None, tags: Iterable[str] = (),
               passages: Iterable[PassageTag] = (), *, autosave: bool = False) -> Note:
        """A new note. ``autosave=True`` stores an unvalidated draft (a form only begun: a
        record review without its pseudonym yet) so that nothing typed is lost."""
        fields = dict(fields or {})
        template = latest_version(kind)
        tags, passages = tuple(tags), tuple(passages)
        if not autosave:
            _validate(kind, template, title, body, fields, tags, passages)
            tags = tuple(parse_tags(tags))
        note = Note(note_id=os.urandom(16).hex(), inspection_id=inspection.inspection_id,
                    collection_id=self.collection_for(inspection, kind), rev="", parents=(),
                    hlc="", kind=kind, template=template, title=title, body=body, fields=fields,
                    tags=tags, passages=passages, author=self.author)
        return self._commit(note, parents=(), autosave=autosave)

    def save(self, note_id: str, *, autosave: bool = False, **changes: Any) -> Note:
        """Save changes (title, body, fields, tags, passages, kept, state).

        ``autosave=True`` never refuses (nothing typed is lost) and replaces this device's newest
        record in place while it is an unpushed draft of this note. ``autosave=False`` validates
        and seals a revision that stays in history.
        """
        cur = self.get(note_id)
        if cur.state == DELETED:
            raise NotFound(f"note {cur.note_id[:8]} is deleted; restore it from its history")
        note = _replace(cur, **changes)
        if not autosave:
            _validate(note.kind, note.template, note.title, note.body, note.fields, note.tags,
                      note.passages)
            note.tags = tuple(parse_tags(note.tags))
            if note.state == CONFLICTED and "kept" in changes and not note.kept:
                note.state = ACTIVE
        heads = self.streams.heads(cur.note_id)
        return self._commit(note, parents=tuple(make_rev(d, s) for _, d, s in heads),
                            autosave=autosave, heads=heads)

    def delete(self, note_id: str) -> Note:
        cur = self.get(note_id)
        note = _replace(cur, state=DELETED)
        heads = self.streams.heads(cur.note_id)
        return self._commit(note, parents=tuple(make_rev(d, s) for _, d, s in heads),
                            autosave=False, heads=heads)

    def history(self, note_id: str) -> list[Revision]:
        self.require_unlocked()
        records = self.streams.for_note(note_id)  # a full id, even of a note not yet shown
        if not records:
            records = self.streams.for_note(self.get(note_id).note_id)  # an id prefix
        out = []
        for rec in records:
            payload = self.open_record(rec)
            if payload is None:
                continue
            n = self.note_from(rec, payload)
            out.append(Revision(n.rev, n.parents, n.hlc, n.author, n.state, n.title, rec.pushed,
                                n))
        out.sort(key=lambda r: r.hlc)
        return out

    def restore(self, note_id: str, rev: str) -> Note:
        """Make an earlier revision the current one, as a new revision (history keeps all)."""
        cur = self.get(note_id)
        old = next((r.note for r in self.history(cur.note_id) if r.rev.startswith(rev)), None)
        if old is None:
            raise NotFound(f"note {cur.note_id[:8]} has no revision {rev!r}")
        restored = _replace(old, state=ACTIVE if old.state == DELETED else old.state)
        heads = self.streams.heads(cur.note_id)
        return self._commit(restored, parents=tuple(make_rev(d, s) for _, d, s in heads),
                            autosave=False, heads=heads)

    def minimisation_warnings(self, note: Note) -> list:
        # a sealed field is the one place an identifier belongs, and a blob is not text
        sealed = _sealed_names(note)
        return check_minimisation("\n".join([note.title, note.body, *(
            v for k, v in note.fields.items()
            if isinstance(v, str) and k not in sealed and not is_sealed(v))]))

    # -- sealed fields -----------------------------------------------------------------------
    def _own_device_only(self, inspection: Inspection | None) -> list[tuple[bytes, bytes]]:
        return [(self.device_id, self.require_unlocked().device.kx_pub)]

    def _lead_devices(self, inspection: Inspection | None) -> list[tuple[bytes, bytes]]:
        """The lead devices on the inspection's verified team roster (this device among them
        when it is a lead's); without a roster (a local notebook), this device."""
        roster = self.team_roster(inspection.inspection_id) if inspection else None
        if roster is not None:
            return [(d.device_id, d.kx_key) for d in roster.devices() if d.role == "lead"]
        return self._own_device_only(inspection)

    def open_sealed(self, note_id: str, field: str, blob: str) -> str | None:
        """A sealed blob of ``field`` in note ``note_id`` opened on this device, or None."""
        keys = self.require_unlocked()
        return open_value(blob, self.device_id, keys.device.exchange,
                          field_context(note_id, field))

    def unseal(self, note: Note | str, field: str) -> str | None:
        """The plaintext of a sealed field if this device may read it; ``None`` when the field
        is empty or this device is not a recipient. A value saved before sealing existed (still
        plaintext in the note) is returned as it is: it is sealed at the note's next save."""
        note = self.get(note) if isinstance(note, str) else note
        value = note.fields.get(field)
        if not isinstance(value, str) or not value.strip():
            return None
        if not is_sealed(value):
            return value
        return self.open_sealed(note.note_id, field, value)

    def _recipients_for(self, note: Note) -> list[tuple[bytes, bytes]]:
        ins = self.inspections.get(note.inspection_id)
        # never seal for nobody (no verified lead yet, say): that would lose the value
        return (self.seal_recipients(ins) if ins is not None else []) or \
            self._own_device_only(ins)

    # -- audit -------------------------------------------------------------------------------
    def record_audit(self, inspection: Inspection, action: str, **details: Any) -> None:
        """Seal an ``audit.<action>`` event (an export, say) into the inspection's collection:
        it syncs with the team like any record, and no note is made of it."""
        collection_id = self.collection_for(inspection, "note")
        payload = {"type": f"audit.{action}", "inspection_id": inspection.id_hex,
                   "by": self.author, "hlc": str(self.clock.now()), "details": details}
        with self.db.atomic():
            self._append(collection_id, None, lambda rev: {**payload, "rev": rev},
                         parents=(), draft=False)

    def append_record(self, collection_id: bytes, note_id: str | None,
                      build: Callable[[str], dict[str, Any]]) -> StoredRecord:
        """Seal a record that is no note revision (a device link, say) into this device's
        stream of ``collection_id``; ``build(rev)`` gives its payload."""
        with self.db.atomic():
            return self._append(collection_id, note_id, build, parents=(), draft=False)

    def audit_events(self, inspection: Inspection) -> list[dict[str, Any]]:
        """Every audit event of an inspection this device holds, oldest first."""
        out = []
        for cid, (iid, _role) in self._collections.items():
            if iid != inspection.inspection_id:
                continue
            for rec in self.streams._select("WHERE collection_id = ? AND note_id IS NULL", [cid]):
                payload = self.open_record(rec)
                if payload and str(payload.get("type", "")).startswith("audit."):
                    out.append(payload)
        return sorted(out, key=lambda p: str(p.get("hlc", "")))

    # -- settings ----------------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """Every setting with its value (defaults filled in)."""
        keys = self.require_unlocked()
        stored: dict[str, Any] = {}
        rows = list(self.db.query("SELECT nonce, sealed FROM secrets WHERE name = 'settings'"))
        if rows:
            stored = _settings.decode(keys.open("settings", rows[0]["nonce"], rows[0]["sealed"]))
        return {k: stored.get(k, s.default) for k, s in _settings.SETTINGS.items()}

    def set_setting(self, key: str, value: Any) -> None:
        keys = self.require_unlocked()
        _settings.check_setting(key, value)
        values = self.settings()
        values[key] = value
        nonce, sealed = keys.seal("settings", _settings.encode(values))
        self.db.execute("INSERT OR REPLACE INTO secrets (name, nonce, sealed) VALUES (?, ?, ?)",
                        ["settings", nonce, sealed])

    @property
    def author(self) -> str:
        rows = list(self.db.query("SELECT value FROM meta WHERE key = 'author'"))
        return rows[0]["value"] if rows else self.device_id.hex()[:4]

    # -- merge -------------------------------------------------------------------------------
    def merge_heads(self, note_id: str) -> Note | None:
        """Merge a note's concurrent heads against their common ancestor into one revision."""
        heads = self.streams.heads(note_id)
        if len(heads) < 2:
            return None
        revs = {r.rev: r.note for r in self.history(note_id)}
        head_notes = sorted((revs[make_rev(d, s)] for _, d, s in heads
                             if make_rev(d, s) in revs), key=lambda n: n.rev)
        if len(head_notes) < 2:
            return None
        merged = head_notes[0]
        for other in head_notes[1:]:
            merged = _merge_pair(merged, other, revs)
        same = next((n for n in head_notes if _same_content(n, merged)), None)
        if same is not None:
            # Nothing to combine (both devices merged the same heads alike, say): a new merge
            # revision would only make two devices trade merges forever. The heads stay until
            # the next edit names both as parents.
            self.notes[note_id] = same
            return None
        return self._commit(merged, parents=tuple(n.rev for n in head_notes), autosave=False,
                            heads=heads)

    # -- writing -----------------------------------------------------------------------------
    def _commit(self, note: Note, *, parents: tuple[str, ...], autosave: bool,
                heads: list[tuple[bytes, bytes, int]] | None = None) -> Note:
        self.require_unlocked()
        if not note.body_loaded:
            # a note from the list carries no body: sealing it would write an empty text over
            # the note's words (callers go through get(), which decrypts it)
            raise ValueError(f"note {note.note_id[:8]}: its body was not loaded before saving")
        with self.db.atomic():
            last = self.streams.head(note.collection_id, self.device_id)
            replace = (last is not None and last.draft and not last.pushed
                       and not last.in_flight
                       and last.note_id == note.note_id
                       and make_rev(self.device_id, last.seq) in parents and len(parents) == 1)
            if replace:
                # the draft is the only head: keep its rev and its own parents
                cached = self._payload(last.hash.hex())
                old = _headcache.payload_of(cached) if cached is not None else \
                    self.open_record(last)
                parents = tuple(old.get("parents", ())) if old else ()
            note.hlc = str(self.clock.now())
            note.parents = parents
            # this device signs the revision: it is its author, whatever the note said before
            note.signer = self.device_id
            note.author = self.author_of(note.collection_id, self.device_id).name
            if not parents:
                note.first_signer, note.first_author = note.signer, note.author
            # plaintext of a sealed field never reaches an envelope, the cache or the index
            seal_fields(note, self.notes.get(note.note_id), lambda: self._recipients_for(note),
                        self.open_sealed)

            sealed: list[dict[str, Any]] = []

            def build(rev: str) -> dict[str, Any]:
                note.rev = rev
                sealed.append(note.to_payload())
                return sealed[-1]

            rec = self._append(note.collection_id, note.note_id, build, parents=parents,
                               draft=autosave, replace=last if replace else None)
            self._payload_store[rec.hash.hex()] = sealed[-1]
            if not replace:
                self.streams.set_heads(note.note_id, heads or (),
                                       (rec.collection_id, rec.device_id, rec.seq))
        note.pushed = False
        self.notes[note.note_id] = note
        if note.state == DELETED:
            self.search_index.remove(note.note_id)
        else:
            self.search_index.put(*_doc(note))
        return note

    def _append(self, collection_id: bytes, note_id: str | None, build: Callable[[str], dict],
                *, parents: tuple[str, ...], draft: bool,
                replace: StoredRecord | None = None) -> StoredRecord:
        keys = self.require_unlocked()
        epoch = self.write_epoch(collection_id)
        ck = self.keyring.key(collection_id, epoch) if epoch else None
        if ck is None:
            raise NotFound("this device holds no key for that collection yet; sync first")
        if replace is not None:
            prev = self.streams.get(collection_id, self.device_id, replace.seq - 1)
            seq, prev_hash = replace.seq, (prev.hash if prev else bytes(32))
        else:
            seq, prev_hash = self.streams.next_seq(collection_id, self.device_id)
        header = Header(collection_id, self.device_id, seq, prev_hash, epoch)
        envelope = seal(header, build(make_rev(self.device_id, seq)), ck, keys.device.signing)
        self.streams.add_parents(note_id, make_rev(self.device_id, seq), parents)
        if replace is not None:
            return self.streams.replace_unpushed(envelope, draft=draft)
        return self.streams.append(envelope, note_id, draft=draft)

    # -- lock --------------------------------------------------------------------------------
    def save_head_cache(self, *, rewrite: bool = False) -> None:
        """Seal the current heads' payloads for a quick next unlock, only if they changed;
        ``rewrite`` writes it again whatever it held (none left: the cache is dropped), as a
        purge must, so the cache never carries a purged note to the next unlock."""
        keys = self.require_unlocked()
        if not rewrite and self._cached_keys and self.db.conn.total_changes == self._written_at:
            return  # nothing written since the cache was read or sealed: it is current
        heads = {ref.hash.hex() for ref, _ in self.streams.head_refs()}
        entries = {h: p for h, p in self._payloads.items() if h in heads}
        if rewrite or set(entries) != self._cached_keys:
            cached_ids = {p.get("note_id") if isinstance(p, dict) else p[0]
                          for p in entries.values()}
            firsts = {n.note_id: n.first_signer for n in self.notes.values()
                      if n.first_signer and n.note_id in cached_ids}
            if entries or not rewrite:
                _headcache.store(self.db, keys, entries, firsts)
            else:
                _headcache.drop(self.db)
            self._cached_keys = set(entries)
        self._written_at = self.db.conn.total_changes

    def lock(self, *, leave: list[object] | None = None) -> None:
        """Forget every plaintext and overwrite the key bytes this session holds.

        ``leave``: for a process that ends straight after (the ``fieldpad`` command): the
        notes are handed to it whole instead of freed one by one (at 50,000 notes a tenth of a
        second, for memory the process's end gives back at once); the session holds none of
        them after, as after any lock. The keys are wiped either way."""
        self.search_index.close()  # cancels a build under way before the keys go
        if self.keys is not None:
            try:
                self.save_head_cache()
            except Exception:  # noqa: BLE001 - a cache must never stop a lock
                pass
        if leave is not None:
            leave.append((self._notes, self._payload_store, self.inspections, self._placed,
                          self._unrowed))
            self._notes, self._payload_store, self.inspections = {}, {}, {}
        else:
            self._notes.clear()
            self._payload_store.clear()
            self.inspections.clear()
        self._placed = self._unrowed = None
        if self._froze:  # what unlock froze is the collector's again (a cycle among it too)
            self._froze = False
            gc.unfreeze()
        self.keyring.wipe()
        self.rosters.wipe()
        if self.keys is not None:
            self.keys.wipe()
        self.keys = None

    @property
    def locked(self) -> bool:
        return self.keys is None



def _validate(kind: str, template: int, title: str, body: str, fields: dict[str, Any],
              tags: tuple[str, ...], passages: tuple[PassageTag, ...] = ()) -> None:
    issues = validate_note(kind, template, title, body, fields, tags, passages)
    if issues:
        raise ValidationFailed(issues)


def _doc(note: Note) -> tuple[str, str, str, str]:
    # sealed fields are never indexed: not their blob, and not a plaintext saved before sealing
    sealed = _sealed_names(note)
    extra = " ".join([note.kind, *note.tags, *(
        ("" if k in sealed or is_sealed(v) else v) if isinstance(v, str) else
        " ".join(v) if isinstance(v, list) else ""
        for k, v in note.fields.items())])
    return note.note_id, note.title, note.body, extra


def _inspection_from(payload: dict[str, Any], scopes: dict[bytes, str]) -> Inspection:
    iid = bytes.fromhex(payload["inspection_id"])
    return Inspection(iid, str(payload.get("name", "")), str(payload.get("partnership", "")),
                      scopes.get(iid, "team"), str(payload.get("rev", "")),
                      str(payload.get("hlc", "")), dict(payload.get("extra") or {}))


__all__ = ["NOTE_DELETE", "INSPECTION_META", "Session"]
