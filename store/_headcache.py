"""A sealed list cache of the note heads, so unlock with thousands of notes is quick.

Opening 10,000 envelopes one by one costs about a second; one sealed blob of the same payloads
opens in a fraction of that, its notes stored column by column (``COLUMNS``). It holds what
the list, the workspace and the counts show (titles, kinds, fields, tags, passages, dates) and
no note's body: the bodies are most of the bytes, and a body is decrypted from its envelope
when the note is opened, searched or exported (``Session.load_bodies``). The cache is keyed by
each head record's hash, so an entry is used only for exactly the envelope it was read from or
sealed as; anything else is opened from its envelope as usual. Unlock checks each stored head
envelope against its stored hash first (``Streams.head_rows_checked``, or the helper of
``_headcheck``): a head damaged on disk is never served from the cache; its note is named as
damaged instead (issue 11). The cache is sealed under the local data key like every other
local secret: it adds no plaintext to the disk, and a damaged or foreign cache is simply
ignored. Its rows are written newest change first, so that a cold list reads its columns in
order (``_listing``).
"""

from __future__ import annotations

import json
import marshal
import zlib
from dataclasses import dataclass, field
from itertools import compress, islice
from operator import gt
from typing import Any

import sqlite_utils

from store.inspection import PassageTag

from ._model import NOTE_DELETE, NOTE_REV, Damage, Note
from ._vault import VaultKeys
from .errors import DamagedNote, VaultError

NAME = "headcache"
#: 2: with each note's first signer; 3: without bodies; 4: the notes column by column; 5: the
#: first signers as a column too (``first``: an index into ``devices``, -1 for none); 6:
#: marshalled, not JSON, with equal values written once (``MARSHALLED``). Versions 4 and 5
#: are still read, and written again in this one at the next lock; a cache of any other
#: version is ignored (the heads are opened from their envelopes) and written again likewise.
VERSION = 6
READ = (4, 5, 6)
#: What a cache sealed as version 6 or later begins with: the rest is ``marshal``'s. Read only
#: once the seal has opened, that is from bytes this device's data key sealed (no one without
#: the key can make them); a cache marshal cannot read (another Python's) is ignored like any
#: other. At 50,000 notes it reads in a fifth of JSON's time, mostly because a value that
#: repeats (a kind, an author, a tag set, an empty form) is one object, written once.
MARSHALLED = b"\x00fieldpad-marshal\x00"
DAMAGED_HEAD = "its stored record is damaged on this device (it no longer matches its hash)"

#: What a note's entry holds, in this order: one JSON array per field rather than an object per
#: note. Half the bytes to inflate and parse (the key names were most of them), and a note is
#: made from its row without a lookup per field: 50,000 notes open in a third of the time.
COLUMNS: tuple[str, ...] = ("note_id", "rev", "parents", "hlc", "kind", "template", "title",
                             "fields", "tags", "passages", "state", "author", "kept")

#: A note's entry as the session keeps it: its values in ``COLUMNS`` order.
Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Cached:
    """A read cache: note rows column by column (``COLUMNS``) with their record hashes, other
    payloads (an inspection's metadata, say) by record hash, and each note's first signer."""

    payloads: dict[str, dict[str, Any]] = field(default_factory=dict)
    firsts: dict[str, bytes] = field(default_factory=dict)
    hashes: list[str] = field(default_factory=list)
    columns: list[list[Any]] = field(default_factory=lambda: [[] for _ in COLUMNS])
    #: the rows (by index) not as this version writes them: their notes are opened from
    #: their envelopes instead, and the cache is written again
    malformed: frozenset[int] = frozenset()
    #: as this version writes it: otherwise the next lock writes it again
    current: bool = True
    #: the rows are in order of their notes' last change, newest first, no two alike (as
    #: ``store`` writes them): the list's order
    newest_first: bool = False

    def __len__(self) -> int:
        return len(self.hashes) + len(self.payloads)

    def keys(self) -> set[str]:
        return set(self.hashes) | set(self.payloads)

    def index(self) -> dict[str, int]:
        """Each well-formed row's index by its record hash."""
        index = dict(zip(self.hashes, range(len(self.hashes)), strict=True))
        for i in self.malformed:
            index.pop(self.hashes[i], None)
        return index

    def rows(self) -> dict[str, Row]:
        """The well-formed rows by record hash."""
        index = self.index()
        rows = zip(*self.columns, strict=True)
        return {h: row for h, row in zip(self.hashes, rows, strict=True) if h in index}


def row_of(payload: dict[str, Any]) -> Row | None:
    """A note payload's row, its values as a note reads them; None for anything that is no
    valid note (kept as a payload: unlock names what is wrong with it, as before)."""
    if payload.get("type") not in (NOTE_REV, NOTE_DELETE):
        return None
    try:
        n = Note.from_payload(payload, b"", b"")
    except (KeyError, TypeError, ValueError):
        return None
    return (n.note_id, n.rev, list(n.parents), n.hlc, n.kind, n.template, n.title, n.fields,
            list(n.tags), [[p.start, p.end, p.tag, p.field] for p in n.passages], n.state,
            n.author, n.kept)


def note_of(row: Row, inspection_id: bytes, collection_id: bytes, pushed: bool) -> Note:
    """The note a row holds, without its body (``body_loaded`` false)."""
    (note_id, rev, parents, hlc, kind, template, title, fields, tags, passages, state, author,
     kept) = row
    return Note(note_id, inspection_id, collection_id, rev, tuple(parents), hlc, kind, template,
                title, "", dict(fields), tuple(tags), passages_of(passages), state, author,
                kept_of(kept), pushed, body_loaded=False)


def passages_of(passages: list[list[Any]]) -> tuple[PassageTag, ...]:
    """A row's passages as a note holds them."""
    return tuple(PassageTag(*p) for p in passages) if passages else ()


def kept_of(kept: Any) -> dict[str, list[Any]]:
    """A row's kept values as a note holds them."""
    return dict(kept) if kept else {}


def payload_of(entry: Row | dict[str, Any]) -> dict[str, Any]:
    """An entry as a payload (without a body): a row made back into one."""
    if isinstance(entry, dict):
        return entry
    note = note_of(entry, b"", b"", False)
    return {k: v for k, v in note.to_payload().items() if k != "body"}


def load(db: sqlite_utils.Database, keys: VaultKeys) -> dict[str, dict[str, Any]]:
    """The cached head payloads (without bodies) by record hash; empty when there is no
    usable cache."""
    cached = read(db, keys)
    return {**{h: payload_of(r) for h, r in cached.rows().items()}, **cached.payloads}


def read(db: sqlite_utils.Database, keys: VaultKeys) -> Cached:
    """What the cache holds; empty when there is no usable cache."""
    rows = db.execute("SELECT nonce, sealed FROM secrets WHERE name = ?", [NAME]).fetchall()
    if not rows:
        return Cached()
    try:
        raw = keys.open(NAME, rows[0][0], rows[0][1])
        if raw.startswith(MARSHALLED):
            data = marshal.loads(raw[len(MARSHALLED):])
        else:  # version 5 or before: JSON (an object: ``{``), or deflated before that
            data = json.loads(raw if raw[:1] == b"{" else zlib.decompress(raw))
        version = data.get("v")
        if version not in READ:
            return Cached()
        hashes, columns, others = data["hashes"], data["columns"], data["payloads"]
        if not (isinstance(hashes, list) and isinstance(others, dict)
                and isinstance(columns, list) and len(columns) == len(COLUMNS)
                and all(isinstance(c, list) and len(c) == len(hashes) for c in columns)):
            return Cached()
        if version == 4:
            firsts = {n: bytes.fromhex(d) for n, d in data["firsts"].items()}
        else:
            # a column of small indices: a dict of 50,000 note ids to hex parsed and each
            # made into bytes was 27 ms of a cold list; a handful of devices sign them all
            devices = [bytes.fromhex(d) for d in data["devices"]]
            firsts = {n: devices[i] for n, i in zip(columns[0], data["first"], strict=True)
                      if i >= 0}
        hlcs = columns[COLUMNS.index("hlc")]
        return Cached(others, firsts, hashes, columns, malformed(columns),
                      current=version == VERSION,
                      newest_first=all(map(gt, hlcs, islice(hlcs, 1, None))))
    except (VaultError, ValueError, TypeError, AttributeError, KeyError, IndexError,
            EOFError, zlib.error):
        return Cached()


#: The columns a note is made from with a call that fails on a value of another type (a
#: ``tuple``, a ``dict``, a ``PassageTag`` each), and that type as ``store`` writes it.
_BUILT = {"parents": list, "fields": dict, "tags": list, "passages": list, "kept": dict}


def malformed(columns: list[list[Any]]) -> frozenset[int]:
    """The rows a note cannot be made from: not as this version writes them. The notes are
    made from the columns later, in one go (and the list read straight from them), so such a
    row must be known now: its note is opened from its envelope instead. Each column is
    checked in one C-level pass, and only a column that fails is searched for the rows."""
    bad: set[int] = set()
    for name, want in _BUILT.items():
        values = columns[COLUMNS.index(name)]
        if set(map(type, values)) - {want}:
            bad.update(i for i, v in enumerate(values) if type(v) is not want)
    passages = columns[COLUMNS.index("passages")]
    for i in compress(range(len(passages)), passages):  # the few notes with tagged passages
        if type(passages[i]) is list and not all(type(p) is list and len(p) == 4
                                                 for p in passages[i]):
            bad.add(i)
    return frozenset(bad)


def store(db: sqlite_utils.Database, keys: VaultKeys,
          heads: dict[str, Row | dict[str, Any]], firsts: dict[str, bytes] | None = None) -> None:
    """Seal ``heads`` (rows, or payloads: a note's made into its row, any body left out) and
    the first signer of each note they hold (``firsts``, by note id)."""
    firsts = firsts or {}
    hashes: list[str] = []
    rows: list[Row] = []
    others: dict[str, dict[str, Any]] = {}
    for h, entry in heads.items():
        row = row_of(entry) if isinstance(entry, dict) else entry
        if row is not None:
            hashes.append(h)
            rows.append(row)
        elif isinstance(entry, dict):
            others[h] = {k: v for k, v in entry.items() if k != "body"}
    # newest change first: the order the list shows them in (``Cached.newest_first``)
    newest = sorted(range(len(rows)), key=lambda i: rows[i][3], reverse=True)
    hashes, rows = [hashes[i] for i in newest], [rows[i] for i in newest]
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in COLUMNS]
    devices: dict[bytes, int] = {}
    first = [devices.setdefault(firsts[n], len(devices)) if n in firsts else -1
             for n in columns[0]]
    # not deflated: at 50,000 notes inflating was a tenth of a cold `note list` (and deflating
    # most of a lock's rewrite), for 13 MB of disk beside a 100 MB profile
    raw = MARSHALLED + marshal.dumps({
        "v": VERSION, "hashes": hashes, "columns": list(map(_shared, COLUMNS, columns)),
        "payloads": others, "devices": [d.hex() for d in devices], "first": first})
    nonce, sealed = keys.seal(NAME, raw)
    db.execute("INSERT OR REPLACE INTO secrets (name, nonce, sealed) VALUES (?, ?, ?)",
               [NAME, nonce, sealed])


def _shared(name: str, values: list[Any]) -> list[Any]:
    """A column with its equal values made one object, so that marshal writes each once (a
    reference after) and reads it back once: the kinds, states, authors and tag sets a few
    values each, and the empty forms, passages and kept values of most notes. Nothing
    changes a row in place (a note is made from copies), so sharing them is safe."""
    if name in ("note_id", "rev", "hlc", "title"):  # one of a kind per note
        return values
    seen: dict[Any, Any] = {}
    try:
        if name in ("parents", "tags"):  # lists of text
            return [seen.setdefault(tuple(v), v) for v in values]
        if name in ("fields", "passages", "kept"):  # only the empty ones repeat
            return [v or seen.setdefault(type(v), v) for v in values]
        return [seen.setdefault(v, v) for v in values]
    except TypeError:  # a value that is no key (a note's odd payload): written as it is
        return values


def drop(db: sqlite_utils.Database) -> None:
    db.execute("DELETE FROM secrets WHERE name = ?", [NAME])


def refuse_damaged(damaged_notes: dict[str, Damage], note_id: str) -> None:
    """Raise ``DamagedNote`` when ``note_id`` (or an id prefix of 4+ characters) names a note
    whose head record is damaged; words only, never its content."""
    prefix = note_id.lower()
    hits = [n for n in damaged_notes if n == prefix or (len(prefix) >= 4 and n.startswith(prefix))]
    if len(hits) == 1:
        damage = damaged_notes[hits[0]]
        raise DamagedNote(f"note {hits[0][:8]}: its latest record failed verification "
                          f"({damage}); it is not shown. Run `fieldpad doctor --repair` to "
                          "set it aside and fetch a good copy from the server")
