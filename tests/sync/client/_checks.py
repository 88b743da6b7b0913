"""Shared checks for the fault and malicious-server tests: what "converged, nothing lost, no
duplicates" means, checked against every device and the server."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from store import Replica, Session, verify_all
from sync.client import SyncClient, SyncReport

TEAM = "Northshire 2026"


def write_notes(session: Session, prefix: str, n: int, written: dict[str, str]) -> list:
    """``n`` team notes titled ``prefix i``, each recorded in ``written`` (title -> body)."""
    ins = session.find_inspection(TEAM)
    out = []
    for i in range(n):
        title, body = f"{prefix} {i}", f"{prefix} {i}: what was seen\n"
        out.append(session.create(ins, "note", title, body))
        written[title] = body
    return out


def team_notes(session: Session) -> list:
    """The notes of the team collection (not the lead's restricted one)."""
    ins = session.find_inspection(TEAM)
    team = session.collection_for(ins, "note")
    return [n for n in session.list_notes(include_deleted=True)
            if n.inspection_id == ins.inspection_id and n.collection_id == team]


def snapshot(session: Session) -> dict[str, tuple]:
    """Every note of the team inspection as a user sees it."""
    return {n.note_id: (n.title, n.body, n.state, tuple(n.tags), n.kind,
                        tuple(sorted((k, tuple(map(str, v))) for k, v in n.kept.items())))
            for n in session.load_bodies(team_notes(session))}


def settle(devices: Iterable, passes: int = 4) -> list[SyncReport]:
    """Plain, direct syncs in turn until a whole pass moves nothing; the last pass's reports."""
    devices = list(devices)
    reports: list[SyncReport] = []
    for _ in range(passes):
        reports = [d.sync() for d in devices]
        if all(r.up_records == 0 and r.down_records == 0 for r in reports):
            return reports
    return reports


def assert_converged(sessions: dict[str, Session], written: dict[str, str],
                     lines: dict[str, Iterable[str]] | None = None) -> None:
    """Every device holds the same notes; each title written appears exactly once with its body
    (``written``: title -> body; None for a note whose body is checked through ``lines``); every
    line typed into a note (``lines``: title -> lines) is in its body or a kept version; and
    every record verifies."""
    snaps = {name: snapshot(s) for name, s in sessions.items()}
    first_name, first = next(iter(snaps.items()))
    for name, snap in snaps.items():
        assert snap.keys() == first.keys(), (
            f"{name} and {first_name} hold different notes: "
            f"{sorted(set(snap) ^ set(first))[:5]}")
        diff = [k for k in snap if snap[k] != first[k]]
        assert not diff, f"{name} and {first_name} differ on {diff[:3]}: " \
                         f"{[(snap[k], first[k]) for k in diff[:1]]}"
    titles = Counter(t for t, *_ in first.values())
    dupes = {t: c for t, c in titles.items() if c > 1}
    assert not dupes, f"duplicated notes: {dupes}"
    missing = set(written) - set(titles)
    assert not missing, f"{len(missing)} notes written were lost, e.g. {sorted(missing)[:5]}"
    by_title = {t: (body, kept) for t, body, _state, _tags, _kind, kept in first.values()}
    for title, body in written.items():
        if body is not None:
            assert by_title[title][0] == body, f"the body of {title!r} changed"
    for title, typed in (lines or {}).items():
        body, kept = by_title[title]
        everything = body + "\n" + repr(kept)
        lost = [ln for ln in typed if ln not in everything]
        assert not lost, f"lines typed into {title!r} were lost: {lost}"
    for name, s in sessions.items():
        report = verify_all(s)
        assert report.ok, f"{name}: {[str(p) for p in report.problems[:3]]}"


def assert_server_agrees(client: SyncClient, collection_id: bytes,
                         sessions: dict[str, Session]) -> None:
    """The server's stream heads are every device's local stream heads, and no device holds a
    record of the collection it has not pushed."""
    server = client.status(collection_id)
    for name, s in sessions.items():
        local = Replica(s).stream_heads(collection_id)
        assert local == server, f"{name} holds streams {_short(local)}, server {_short(server)}"
        unpushed = [r.seq for r in s.streams.unpushed(s.device_id)
                    if r.collection_id == collection_id]
        assert not unpushed, f"{name} still has unpushed records {unpushed[:5]}"


def _short(heads: dict[bytes, int]) -> dict[str, int]:
    return {d.hex()[:8]: s for d, s in sorted(heads.items())}
