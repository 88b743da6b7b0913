"""Following up areas of uncertainty (issue 6): a note tagged ``status:uncertainty`` is
assigned to someone to look into, and marked resolved with the notes whose evidence resolved
it (or reopened).

Each step is an ``audit.uncertainty`` event sealed into the inspection's team collection, so
it syncs with the team, is signed by the device that recorded it and carries its time; the
latest step per note (by its hybrid logical clock) is the state. No note is changed by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from store.errors import NotFound, invalid

from ._evidence import UNASSIGNED, UncertaintyArea, areas_of_uncertainty

if TYPE_CHECKING:
    from store import Inspection, Session

ACTION = "uncertainty"
OPEN, ASSIGNED, RESOLVED = "open", "assigned", "resolved"


@dataclass(frozen=True, slots=True)
class FollowUp:
    """Where the follow-up of one area of uncertainty stands."""

    note_id: str
    state: str = OPEN  # open | assigned | resolved
    assigned_to: str = ""
    evidence: tuple[str, ...] = ()  # note ids whose evidence resolved it
    comment: str = ""
    by: str = ""  # who recorded the latest step
    hlc: str = ""


@dataclass(frozen=True, slots=True)
class AreaRow:
    """One note of an area of uncertainty with its follow-up, for lists and exports."""

    row: str
    note_id: str
    title: str
    follow_up: FollowUp



def follow_ups(session: Session, inspection: Inspection) -> dict[str, FollowUp]:
    """The latest follow-up step of each note, by note id."""
    out: dict[str, FollowUp] = {}
    for event in session.audit_events(inspection):  # oldest first
        if event.get("type") != f"audit.{ACTION}":
            continue
        d = event.get("details") or {}
        note_id = str(d.get("note_id", ""))
        if not note_id:
            continue
        out[note_id] = FollowUp(
            note_id, str(d.get("state", OPEN)), str(d.get("assigned_to", "")),
            tuple(str(e) for e in d.get("evidence") or ()), str(d.get("comment", "")),
            str(event.get("by", "")), str(event.get("hlc", "")))
    return out


def area_rows(session: Session, inspection: Inspection,
              state: dict[str, FollowUp] | None = None) -> list[AreaRow]:
    """Every note of every area of uncertainty (matrix order, unassigned last) with its
    follow-up; a note in several rows is listed under each."""
    state = follow_ups(session, inspection) if state is None else state
    areas: list[UncertaintyArea] = areas_of_uncertainty(session.list_notes(inspection))
    return [AreaRow(a.row, e.note.note_id, e.note.title,
                    state.get(e.note.note_id, FollowUp(e.note.note_id)))
            for a in areas for e in a.evidence]


def _note_of_area(session: Session, inspection: Inspection, note_id: str,
                  state: dict[str, FollowUp]) -> str:
    note = session.get(note_id)  # accepts an id prefix; NotFound otherwise
    ids = {r.note_id for r in area_rows(session, inspection, state)}
    if note.note_id not in ids:
        raise invalid("note", f"{note.title!r} is not tagged as an area of uncertainty "
                               "(status:uncertainty), on the note or on a passage")
    return note.note_id


def _record(session: Session, inspection: Inspection, follow: dict[str, Any]) -> FollowUp:
    session.record_audit(inspection, ACTION, **follow)
    return follow_ups(session, inspection)[follow["note_id"]]


def assign(session: Session, inspection: Inspection, note_id: str, assignee: str) -> FollowUp:
    """Give an area of uncertainty to someone to look into."""
    note_id = _note_of_area(session, inspection, note_id, follow_ups(session, inspection))
    assignee = assignee.strip()
    if not assignee or len(assignee) > 64:
        raise invalid("assigned_to", "say who looks into it (a name or initials, up to 64 "
                                      "characters)")
    return _record(session, inspection, {"note_id": note_id, "state": ASSIGNED,
                                         "assigned_to": assignee})


def resolve(session: Session, inspection: Inspection, note_id: str,
            evidence: list[str], comment: str = "") -> FollowUp:
    """Mark an area of uncertainty resolved by the evidence of other notes."""
    state = follow_ups(session, inspection)  # opened once: each read decrypts every event
    note_id = _note_of_area(session, inspection, note_id, state)
    if not evidence:
        raise invalid("evidence", "name the note (or notes) whose evidence resolved it")
    ids = []
    for ref in evidence:
        try:
            found = session.get(ref)
        except NotFound:
            raise invalid("evidence", f"no note {ref!r} in this inspection") from None
        if found.inspection_id != inspection.inspection_id:
            raise invalid("evidence", f"{found.title!r} belongs to another inspection")
        ids.append(found.note_id)
    current = state.get(note_id, FollowUp(note_id))
    return _record(session, inspection, {
        "note_id": note_id, "state": RESOLVED, "assigned_to": current.assigned_to,
        "evidence": list(dict.fromkeys(ids)), "comment": comment.strip()[:2000]})


def reopen(session: Session, inspection: Inspection, note_id: str) -> FollowUp:
    state = follow_ups(session, inspection)
    note_id = _note_of_area(session, inspection, note_id, state)
    current = state.get(note_id, FollowUp(note_id))
    return _record(session, inspection, {
        "note_id": note_id, "state": ASSIGNED if current.assigned_to else OPEN,
        "assigned_to": current.assigned_to})


__all__ = ["ASSIGNED", "OPEN", "RESOLVED", "UNASSIGNED", "AreaRow", "FollowUp", "area_rows",
           "assign", "follow_ups", "reopen", "resolve"]
