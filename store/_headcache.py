"""A sealed cache of the decrypted note heads, so unlock with thousands of notes is quick.

Opening 10,000 envelopes one by one costs about a second; one sealed blob of the same payloads
opens in a fraction of that. The cache is keyed by each head record's hash, so an entry is used
only for exactly the envelope it was read from or sealed as; anything else is opened from its
envelope as usual. It is sealed under the local data key like every other local secret: it adds
no plaintext to the disk, and a damaged or foreign cache is simply ignored.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import sqlite_utils

from ._vault import VaultKeys
from .errors import VaultError

NAME = "headcache"
VERSION = 1


def load(db: sqlite_utils.Database, keys: VaultKeys) -> dict[str, dict[str, Any]]:
    rows = db.execute("SELECT nonce, sealed FROM secrets WHERE name = ?", [NAME]).fetchall()
    if not rows:
        return {}
    try:
        data = json.loads(zlib.decompress(keys.open(NAME, rows[0][0], rows[0][1])))
        if data.get("v") != VERSION or not isinstance(data.get("heads"), dict):
            return {}
        return data["heads"]
    except (VaultError, ValueError, zlib.error):
        return {}


def store(db: sqlite_utils.Database, keys: VaultKeys, heads: dict[str, dict[str, Any]]) -> None:
    raw = zlib.compress(json.dumps({"v": VERSION, "heads": heads},
                                   separators=(",", ":")).encode(), 1)
    nonce, sealed = keys.seal(NAME, raw)
    db.execute("INSERT OR REPLACE INTO secrets (name, nonce, sealed) VALUES (?, ?, ?)",
               [NAME, nonce, sealed])


def drop(db: sqlite_utils.Database) -> None:
    db.execute("DELETE FROM secrets WHERE name = ?", [NAME])
