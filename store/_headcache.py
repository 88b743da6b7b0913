"""A sealed list cache of the note heads, so unlock with thousands of notes is quick.

Opening 10,000 envelopes one by one costs about a second; one sealed blob of the same payloads
opens in a fraction of that. It holds what the list, the workspace and the counts show (titles,
kinds, fields, tags, passages, dates) and no note's body: the bodies are most of the bytes, and
a body is decrypted from its envelope when the note is opened, searched or exported
(``Session.load_bodies``). The cache is keyed by each head record's hash, so an entry is used
only for exactly the envelope it was read from or sealed as; anything else is opened from its
envelope as usual. Unlock checks each stored head envelope against its stored hash first
(``Streams.head_refs_checked``): a head damaged on disk is never served from the cache; its
note is named as damaged instead (issue 11). The cache is sealed under the local data key
like every other local secret: it adds no plaintext to the disk, and a damaged or foreign
cache is simply ignored.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import sqlite_utils

from ._model import Damage
from ._vault import VaultKeys
from .errors import DamagedNote, VaultError

NAME = "headcache"
VERSION = 3  # 2: with each note's first signer; 3: without bodies
DAMAGED_HEAD = "its stored record is damaged on this device (it no longer matches its hash)"


def load(db: sqlite_utils.Database, keys: VaultKeys) -> dict[str, dict[str, Any]]:
    """The cached head payloads by record hash; empty when there is no usable cache."""
    return read(db, keys)[0]


def read(db: sqlite_utils.Database,
         keys: VaultKeys) -> tuple[dict[str, dict[str, Any]], dict[str, bytes]]:
    """(head payloads by record hash, first signer by note id); empty when there is no
    usable cache."""
    rows = db.execute("SELECT nonce, sealed FROM secrets WHERE name = ?", [NAME]).fetchall()
    if not rows:
        return {}, {}
    try:
        data = json.loads(zlib.decompress(keys.open(NAME, rows[0][0], rows[0][1])))
        if data.get("v") != VERSION or not isinstance(data.get("heads"), dict) \
                or not isinstance(data.get("firsts"), dict):
            return {}, {}
        return data["heads"], {n: bytes.fromhex(d) for n, d in data["firsts"].items()}
    except (VaultError, ValueError, TypeError, AttributeError, zlib.error):
        return {}, {}


def store(db: sqlite_utils.Database, keys: VaultKeys, heads: dict[str, dict[str, Any]],
          firsts: dict[str, bytes] | None = None) -> None:
    first_hex = {n: d.hex() for n, d in (firsts or {}).items()}
    listed = {h: {k: v for k, v in p.items() if k != "body"} for h, p in heads.items()}
    raw = zlib.compress(json.dumps({"v": VERSION, "heads": listed, "firsts": first_hex},
                                   separators=(",", ":")).encode(), 1)
    nonce, sealed = keys.seal(NAME, raw)
    db.execute("INSERT OR REPLACE INTO secrets (name, nonce, sealed) VALUES (?, ?, ?)",
               [NAME, nonce, sealed])


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
