"""Retention (issue #6 part 6): close an inspection, and purge it once its retention period ends.

Closing is a change to the inspection's sealed metadata (``Inspection.extra["closed_at"]`` and
``["retention_days"]``), published as a new meta revision, so the whole team sees the same
close state and purge date. A purge destroys the inspection on this device: its collection keys
and every record, head, cursor and quarantined envelope, in one SQLite transaction, then folds
the WAL into the main file so the deleted pages do not linger in ``-wal`` (``secure_delete`` is
on, so SQLite zeroes freed content in the main file). What survives is a short audit line in a
local purge log, sealed under the local data key like the settings.

The sync engine calls :func:`purge_inspection` for every inspection the server lists as purged;
that call is cheap and changes nothing for an inspection this device no longer holds, so it can
be repeated at every sync.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ._model import Inspection
from ._session import META_PREFIX, Session
from .errors import FieldpadError, NotFound, VaultError

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "MAX_RETENTION_DAYS",
    "PURGE_LOG",
    "PurgeLogEntry",
    "PurgeNotDue",
    "PurgeReport",
    "RetentionError",
    "RetentionState",
    "close_inspection",
    "purge_due",
    "purge_inspection",
    "purge_log",
    "purged_inspection_ids",
    "reopen_inspection",
    "require_due",
    "retention_state",
]

DEFAULT_RETENTION_DAYS = 90
MAX_RETENTION_DAYS = 3650
PURGE_LOG = "purge-log"  # the name of the sealed row in ``secrets`` (also its AAD)

OPEN, CLOSED, DUE = "open", "closed", "due"


class RetentionError(FieldpadError):
    """Closing, reopening or purging was refused; the message says why and what to do."""


class PurgeNotDue(RetentionError):
    """A purge asked for before the inspection's retention period has ended."""

    def __init__(self, inspection: Inspection, purge_after: datetime) -> None:
        self.purge_after = purge_after
        super().__init__(
            f"{inspection.name!r} is kept until its retention period ends: it can be purged "
            f"from {_when(purge_after)}")


@dataclass(frozen=True, slots=True)
class RetentionState:
    """Where an inspection stands: ``open``, ``closed`` (purge date ahead) or ``due``."""

    status: str
    closed_at: datetime | None = None
    retention_days: int | None = None
    closed_by: str = ""

    @property
    def purge_after(self) -> datetime | None:
        if self.closed_at is None or self.retention_days is None:
            return None
        return self.closed_at + timedelta(days=self.retention_days)

    @property
    def closed(self) -> bool:
        return self.status != OPEN

    @property
    def due(self) -> bool:
        return self.status == DUE

    @property
    def label(self) -> str:
        """As the screens show it: "open", "closed · purge after 2027-02-24", "purge due"."""
        if self.status == OPEN:
            return "open"
        if self.status == DUE:
            return "purge due"
        assert self.purge_after is not None
        return f"closed · purge after {self.purge_after.date().isoformat()}"

    @property
    def short_label(self) -> str:
        """For a table column at 80 columns: "purge after 2027-02-24" (a date means closed)."""
        return self.label.removeprefix("closed · ")


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """What one :func:`purge_inspection` call destroyed. ``purged`` is False when this device
    held nothing of the inspection (already purged, or never synced): nothing was logged."""

    inspection_id: bytes
    name: str
    purged: bool
    notes: int = 0
    records: int = 0
    collections: int = 0
    keys: int = 0
    checkpointed: bool = False
    notebook_recreated: bool = False


@dataclass(frozen=True, slots=True)
class PurgeLogEntry:
    """One line of the local purge log: it outlives the inspection it names."""

    inspection_id: str
    name: str
    scope: str
    at: str
    reason: str
    by: str
    notes: int
    records: int
    collections: int
    keys: int


# -- closing ---------------------------------------------------------------------------------
def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("give an aware datetime (UTC) for now")
    return now.astimezone(UTC)


def _when(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _check_days(retention_days: int) -> int:
    if isinstance(retention_days, bool) or not isinstance(retention_days, int) \
            or not 1 <= retention_days <= MAX_RETENTION_DAYS:
        raise RetentionError(f"the retention period is {retention_days!r} days: choose a whole "
                             f"number of days from 1 to {MAX_RETENTION_DAYS}")
    return retention_days


def retention_state(inspection: Inspection, now: datetime | None = None) -> RetentionState:
    """Read the close state from the sealed metadata. Anything malformed (an old or foreign
    device wrote it) reads as open: a bad value must never make notes purgeable."""
    extra = inspection.extra or {}
    raw_at, raw_days = extra.get("closed_at"), extra.get("retention_days")
    if not isinstance(raw_at, str) or not isinstance(raw_days, int) \
            or isinstance(raw_days, bool) or not 1 <= raw_days <= MAX_RETENTION_DAYS:
        return RetentionState(OPEN)
    try:
        closed_at = datetime.fromisoformat(raw_at)
    except ValueError:
        return RetentionState(OPEN)
    if closed_at.tzinfo is None:
        return RetentionState(OPEN)
    closed_at = closed_at.astimezone(UTC)
    by = str(extra.get("closed_by", ""))
    due = _now(now) >= closed_at + timedelta(days=raw_days)
    return RetentionState(DUE if due else CLOSED, closed_at, raw_days, by)


def close_inspection(session: Session, inspection: Inspection, retention_days: int,
                     now: datetime | None = None) -> Inspection:
    """Close an inspection: no purge before ``retention_days`` from now. Closing an already
    closed inspection keeps its original close time and changes only the period.

    Written as a new revision of the inspection's sealed metadata, so it syncs to the team."""
    days = _check_days(retention_days)
    ins = _current(session, inspection)
    state = retention_state(ins, now)
    closed_at = state.closed_at if state.closed_at is not None else _now(now)
    extra = {**ins.extra, "closed_at": closed_at.isoformat(timespec="seconds"),
             "retention_days": days, "closed_by": session.author}
    return _publish(session, ins, extra)


def reopen_inspection(session: Session, inspection: Inspection) -> Inspection:
    """Take an inspection back from closed to open (its notes are then kept indefinitely)."""
    ins = _current(session, inspection)
    if not retention_state(ins).closed:
        raise RetentionError(f"{ins.name!r} is not closed")
    extra = {k: v for k, v in ins.extra.items()
             if k not in ("closed_at", "retention_days", "closed_by")}
    return _publish(session, ins, extra)


def purge_due(session: Session, now: datetime | None = None) -> list[Inspection]:
    """Closed inspections whose retention period has ended, by name."""
    return [i for i in session.list_inspections() if retention_state(i, now).due]


def require_due(inspection: Inspection, now: datetime | None = None) -> RetentionState:
    """The check a person's purge goes through (CLI, TUI): closed, and the period over."""
    state = retention_state(inspection, now)
    if not state.closed:
        raise RetentionError(f"{inspection.name!r} is open: close it first (`fieldpad "
                             "inspection close`); it can be purged when its retention "
                             "period has ended")
    if not state.due:
        assert state.purge_after is not None
        raise PurgeNotDue(inspection, state.purge_after)
    return state


def _current(session: Session, inspection: Inspection) -> Inspection:
    ins = session.inspections.get(inspection.inspection_id)
    if ins is None:
        raise NotFound(f"no inspection {inspection.name!r} in this profile (purged?)")
    return ins


def _publish(session: Session, ins: Inspection, extra: dict[str, Any]) -> Inspection:
    collection_id = session.collection_for(ins, "note")
    updated = Inspection(ins.inspection_id, ins.name, ins.partnership, ins.scope, ins.rev,
                         ins.hlc, extra)
    session.publish_inspection(updated, collection_id)
    return updated


# -- purging ---------------------------------------------------------------------------------
def purge_inspection(session: Session, inspection_id: bytes | str, *,
                     reason: str) -> PurgeReport:
    """Destroy everything of one inspection on this device and log that it happened.

    Deletes, in one transaction: every record of the inspection's collections, their heads,
    revision parents, stream cursors, quarantined envelopes, sealed collection keys, rosters and
    pins (sealed rows named after the ids), the collections and the inspection; then drops the
    notes, keys and search entries from memory and rewrites the sealed head cache without them.
    Checks neither the close state nor the role: callers do (the CLI and TUI refuse before the
    retention period ends; the sync engine passes on the server's word).
    """
    keys = session.require_unlocked()
    iid = bytes.fromhex(inspection_id) if isinstance(inspection_id, str) else bytes(inspection_id)
    if len(iid) != 16:
        raise ValueError("an inspection id is 16 bytes")
    db = session.db
    known = session.inspections.get(iid)
    cids = [r[0] for r in db.execute("SELECT id FROM collections WHERE inspection_id = ?",
                                     [iid]).fetchall()]
    cids += [c for c, (i, _r) in session.collection_roles().items()
             if i == iid and c not in cids]
    in_db = db.execute("SELECT 1 FROM inspections WHERE id = ?", [iid]).fetchone() is not None
    if not cids and not in_db and known is None:
        return PurgeReport(iid, "", purged=False)

    name = known.name if known else f"Inspection {iid.hex()[:8]}"
    note_ids = {n.note_id for n in session.notes.values()
                if n.inspection_id == iid or n.collection_id in cids}
    marks = ",".join("?" * len(cids))
    with db.atomic():
        hashes: set[str] = set()
        n_records = n_keys = 0
        if cids:
            for (nid,) in db.execute(f"SELECT DISTINCT note_id FROM records WHERE note_id IS "
                                     f"NOT NULL AND collection_id IN ({marks})", cids):
                note_ids.add(nid)
            hashes = {h.hex() for (h,) in db.execute(
                f"SELECT hash FROM records WHERE collection_id IN ({marks})", cids)}
            n_records = len(hashes)
            n_keys = db.execute(f"SELECT count(*) FROM collection_keys WHERE collection_id IN "
                                f"({marks})", cids).fetchone()[0]
        note_ids.add(META_PREFIX + iid.hex())
        n_notes = sum(1 for i in note_ids if not i.startswith(META_PREFIX))
        db.conn.executemany("DELETE FROM revparents WHERE note_id = ?",
                            [(i,) for i in note_ids])
        _delete_everywhere(db, iid, cids)
        _log(session, keys, PurgeLogEntry(
            iid.hex(), name, known.scope if known else "team",
            datetime.now(UTC).isoformat(timespec="seconds"), reason.strip()[:200],
            session.author, n_notes, n_records, len(cids), n_keys))
        _forget_in_memory(session, iid, cids, note_ids, hashes)
        session.save_head_cache(rewrite=True)
    checkpointed = _checkpoint(session)
    recreated = False
    if not session.inspections:
        # Profile, the CLI and the TUI assume at least one inspection (a note without
        # --inspection goes to "the only one"): a fresh, empty Notebook keeps that true.
        from ._profile import NOTEBOOK

        session.add_inspection(NOTEBOOK, "(this device)")
        recreated = True
    return PurgeReport(iid, name, True, n_notes, n_records, len(cids), n_keys, checkpointed,
                       recreated)


def _delete_everywhere(db: Any, iid: bytes, cids: list[bytes]) -> None:
    """Every row that names one of the collections or the inspection, in every table: the
    schema is read rather than listed, so a table added later (rosters, say) is not missed.
    Children first, so the foreign keys hold at every step."""
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE '_sqlite_%'")]
    by_collection, by_inspection = [], []
    for t in tables:
        cols = {r[1] for r in db.execute(f'PRAGMA table_info("{t}")')}
        if "collection_id" in cols:
            by_collection.append(t)
        elif "inspection_id" in cols:
            by_inspection.append(t)
    marks = ",".join("?" * len(cids))
    # collection_keys references collections: delete it before the other collection tables
    by_collection.sort(key=lambda t: t != "collection_keys")
    if cids:
        for t in by_collection:
            db.execute(f'DELETE FROM "{t}" WHERE collection_id IN ({marks})', cids)
    for t in by_inspection:
        db.execute(f'DELETE FROM "{t}" WHERE inspection_id = ?', [iid])
    if cids:
        db.execute(f"DELETE FROM collections WHERE id IN ({marks})", cids)
    db.execute("DELETE FROM inspections WHERE id = ?", [iid])
    # sealed rows named after an id (roster:<cid>, pin:<iid>, ...) and any meta keyed so
    for hexid in [iid.hex(), *(c.hex() for c in cids)]:
        pattern = f"%{hexid}%"
        db.execute("DELETE FROM secrets WHERE name LIKE ?", [pattern])
        db.execute("DELETE FROM meta WHERE key LIKE ?", [pattern])


def _forget_in_memory(session: Session, iid: bytes, cids: list[bytes], note_ids: set[str],
                      hashes: set[str]) -> None:
    for nid in note_ids:
        session.notes.pop(nid, None)
    session.search_index.put_many([], [n for n in note_ids if not n.startswith(META_PREFIX)])
    session.inspections.pop(iid, None)
    session.forget_payloads(hashes)
    gone = set(cids)
    session.damaged[:] = [d for d in session.damaged if d.collection_id not in gone]
    rosters = getattr(session, "rosters", None)
    for cid in cids:
        session.forget_collection(cid)
        if rosters is not None and hasattr(rosters, "forget"):
            rosters.forget(cid)


def _checkpoint(session: Session) -> bool:
    """Fold the WAL into the main file and truncate it: page images written before the purge
    would otherwise stay readable in ``-wal`` until the next checkpoint. False when a reader
    held it open (the next close checkpoints again)."""
    row = session.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return bool(row) and row[0] == 0


# -- the purge log ---------------------------------------------------------------------------
def _read_log(session: Session, keys: Any) -> list[dict[str, Any]]:
    row = session.db.execute("SELECT nonce, sealed FROM secrets WHERE name = ?",
                             [PURGE_LOG]).fetchone()
    if row is None:
        return []
    data = json.loads(keys.open(PURGE_LOG, row[0], row[1]))
    return list(data.get("entries", [])) if isinstance(data, dict) else []


def _log(session: Session, keys: Any, entry: PurgeLogEntry) -> None:
    try:
        old = _read_log(session, keys)
    except (VaultError, ValueError):
        # A log that no longer opens (a damaged file) must not block a purge the server
        # ordered at every sync from now on: it starts again, and says so.
        old = [{**asdict(entry), "reason": "the earlier purge log could not be read and was "
                "replaced", "notes": 0, "records": 0, "collections": 0, "keys": 0}]
    entries = [*old, asdict(entry)]
    nonce, sealed = keys.seal(PURGE_LOG, json.dumps({"v": 1, "entries": entries},
                                                    sort_keys=True).encode())
    session.db.execute("INSERT OR REPLACE INTO secrets (name, nonce, sealed) VALUES (?, ?, ?)",
                       [PURGE_LOG, nonce, sealed])


def purged_inspection_ids(session: Session) -> set[bytes]:
    """Inspections this profile has purged: the sync engine should not adopt their
    collections again should a server still list them."""
    return {bytes.fromhex(e.inspection_id) for e in purge_log(session)}


def purge_log(session: Session) -> list[PurgeLogEntry]:
    """Every purge this profile has done, oldest first."""
    keys = session.require_unlocked()
    fields = set(PurgeLogEntry.__dataclass_fields__)
    out = []
    for e in _read_log(session, keys):
        if isinstance(e, dict) and fields <= set(e):
            out.append(PurgeLogEntry(**{k: e[k] for k in fields}))
    return out
