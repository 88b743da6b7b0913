"""The concerns queue: open concern forms, oldest first, and the steps recorded on each.

Pure functions over notes of kind ``concern`` (DESIGN §2: raised by, time, nature and
immediacy, linked note, sealed child identifier, the lead's decision with rationale and time,
partner lead contacted, referral time, method and reference, closed). Nothing here reads the
sealed child identifier.

Times in the form are ISO 8601 strings; one without a UTC offset is read as local time, as the
editor writes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ._model import DELETED, Note, Revision

__all__ = [
    "CONCERN_KIND",
    "STEPS",
    "ConcernStep",
    "QueuedConcern",
    "concern_steps",
    "concerns_queue",
    "format_age",
]

CONCERN_KIND = "concern"
RAISED, DECISION, REFERRAL, CLOSED = "raised", "decision", "referral", "closed"
STEPS: tuple[str, ...] = (RAISED, DECISION, REFERRAL, CLOSED)
_REFERRAL_FIELDS = ("referral_at", "referral_method", "referral_reference",
                    "partner_lead_contacted")


@dataclass(frozen=True, slots=True)
class QueuedConcern:
    """An open concern in the queue.

    ``raised_at`` comes from the form; when the form has no valid time it is the note's last
    update and ``raised_at_known`` is false (the queue still shows it, never hides it).
    """

    note: Note
    raised_at: datetime
    raised_at_known: bool
    age: timedelta
    immediacy: str
    decided: bool
    decision: str
    referred: bool

    @property
    def age_label(self) -> str:
        return format_age(self.age)


@dataclass(frozen=True, slots=True)
class ConcernStep:
    """One recorded step of a concern.

    ``at`` is the time written in the form for that step (``None`` when the form has none, as
    for closing). ``recorded_at`` and ``recorded_by`` say when, and by whom, the step first
    appeared in a saved revision; they are known only when the note's history is given (each
    revision is signed by its author's device).
    """

    step: str
    at: datetime | None
    details: str
    recorded_at: datetime | None = None
    recorded_by: str = ""


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.astimezone() if parsed.tzinfo is None else parsed


def _text(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    return value.strip() if isinstance(value, str) else ""


def _is_open(note: Note) -> bool:
    return note.kind == CONCERN_KIND and note.state != DELETED and note.fields.get("closed") \
        is not True


def format_age(age: timedelta) -> str:
    """A short age for lists: ``"45 min"``, ``"2 h"``, ``"3 d"``."""
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def concerns_queue(notes: Iterable[Note], now: datetime | None = None) -> list[QueuedConcern]:
    """Open (not closed, not deleted) concern forms with their age, oldest first."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.astimezone()
    out = []
    for note in notes:
        if not _is_open(note):
            continue
        raised = _when(note.fields.get("raised_at"))
        known = raised is not None
        raised = raised or note.updated
        decision = _text(note.fields, "decision")
        out.append(QueuedConcern(
            note=note,
            raised_at=raised,
            raised_at_known=known,
            age=max(now - raised, timedelta(0)),
            immediacy=_text(note.fields, "immediacy"),
            decided=bool(decision),
            decision=decision,
            referred=any(_text(note.fields, f) for f in _REFERRAL_FIELDS),
        ))
    out.sort(key=lambda q: (q.raised_at, q.note.note_id))
    return out


def _present(fields: dict[str, Any]) -> dict[str, bool]:
    return {
        RAISED: True,
        DECISION: bool(_text(fields, "decision") or _text(fields, "decided_at")),
        REFERRAL: any(_text(fields, f) for f in _REFERRAL_FIELDS),
        CLOSED: fields.get("closed") is True,
    }


def _details(step: str, fields: dict[str, Any]) -> str:
    parts: list[str]
    if step == RAISED:
        parts = [f"raised by {_text(fields, 'raised_by')}" if _text(fields, "raised_by") else "",
                 _text(fields, "immediacy")]
    elif step == DECISION:
        rationale = _text(fields, "decision_rationale")
        parts = [_text(fields, "decision") or "decision not yet chosen",
                 f"rationale: {rationale}" if rationale else "no rationale recorded"]
    elif step == REFERRAL:
        contacted = _text(fields, "partner_lead_contacted")
        reference = _text(fields, "referral_reference")
        parts = [f"partner lead contacted: {contacted}" if contacted else "",
                 f"by {_text(fields, 'referral_method')}" if _text(fields, "referral_method")
                 else "", f"reference {reference}" if reference else ""]
    else:
        parts = ["closed"]
    return "; ".join(p for p in parts if p)


def concern_steps(note: Note, history: Sequence[Revision] | None = None) -> list[ConcernStep]:
    """Each recorded step of a concern (raised, decision, referral, closed), in that order.

    Give the note's history (``Session.history(note_id)``) to learn when each step was first
    saved and by whom; closing has no time field of its own, so its time comes from there.
    """
    if note.kind != CONCERN_KIND:
        raise ValueError(f"note {note.note_id[:8]} is a {note.kind}, not a concern form")
    fields = note.fields
    present = _present(fields)
    first: dict[str, Revision] = {}
    for rev in sorted(history or (), key=lambda r: r.hlc):
        if rev.state == DELETED:
            continue
        for step, there in _present(rev.note.fields).items():
            if there and step not in first:
                first[step] = rev
    times = {RAISED: "raised_at", DECISION: "decided_at", REFERRAL: "referral_at",
             CLOSED: "closed_at"}
    out = []
    for step in STEPS:
        if not present[step]:
            continue
        rev = first.get(step)
        recorded_at = rev.updated if rev is not None else None
        at = _when(fields.get(times[step]))
        if step == CLOSED and at is None:
            at = recorded_at
        out.append(ConcernStep(step, at, _details(step, fields), recorded_at,
                               rev.author if rev is not None else ""))
    return out
