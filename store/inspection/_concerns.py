"""The concerns queue: open concern forms, oldest first, and the steps recorded on each.

Pure functions over notes of kind ``concern`` (DESIGN §2: raised by, time, nature and
immediacy, linked note, sealed child identifier, the lead's decision with rationale and time,
partner lead contacted, referral time, method and reference, closed). Nothing here reads the
sealed child identifier.

Times in the form are ISO 8601 strings; one without a UTC offset is read as local time, as the
editor writes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from store import DELETED, Note, Revision, parse_rev
from store.errors import invalid

from ._templates import coerce_field, template_for

if TYPE_CHECKING:
    from store import Inspection, Session

__all__ = [
    "CONCERN_KIND",
    "LEAD_FIELDS",
    "LEAD_STEPS",
    "STEPS",
    "STEP_FIELDS",
    "ConcernStep",
    "QueuedConcern",
    "concern_steps",
    "concerns_queue",
    "format_age",
    "as_seen",
    "leads_part",
    "may_decide",
    "open_concern_lines",
    "raise_concern",
    "raisers_view",
    "record_step",
]

CONCERN_KIND = "concern"
RAISED, DECISION, REFERRAL, CLOSED = "raised", "decision", "referral", "closed"
STEPS: tuple[str, ...] = (RAISED, DECISION, REFERRAL, CLOSED)
_REFERRAL_FIELDS = ("referral_at", "referral_method", "referral_reference",
                    "partner_lead_contacted")
#: The steps a lead records after a concern is raised, and the form fields each one sets.
LEAD_STEPS: tuple[str, ...] = (DECISION, REFERRAL, CLOSED)
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    DECISION: ("decision", "decision_rationale", "decided_at"),
    REFERRAL: ("partner_lead_contacted", "referral_at", "referral_method", "referral_reference"),
    CLOSED: ("closed",),
}
_STEP_REQUIRED: dict[str, tuple[str, ...]] = {
    DECISION: ("decision", "decision_rationale"),
    REFERRAL: ("partner_lead_contacted", "referral_method"),
    CLOSED: (),
}
_STEP_TIME = {DECISION: "decided_at", REFERRAL: "referral_at"}
#: The concern form's fields that are the lead's to fill (every field of a lead's step): the
#: form of a device that does not lead the inspection neither shows nor changes them.
LEAD_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(
    name for step in LEAD_STEPS for name in STEP_FIELDS[step]))


def may_decide(session: Session, inspection: Inspection | bytes) -> bool:
    """Whether this device records a lead's steps on the inspection's concerns, and so is shown
    the lead's part of a concern form: a local notebook's only device, or a lead of the team.

    ``inspection`` may be given by its id (a note whose inspection's details this device cannot
    read yet). The rule is the one for changing the inspection (``Session.may_change``): a team
    inspection whose roster this device has not verified yet has no other member to hide
    anything from. This is presentation, not protection: the fields are in the note every
    member can read (the child identifier is the one field sealed to the leads).
    """
    inspection_id = inspection if isinstance(inspection, bytes) else inspection.inspection_id
    roster = session.team_roster(inspection_id)  # a local notebook has none
    return roster is None or roster.is_lead(session.device_id)


def leads_part(session: Session, note: Note) -> frozenset[str]:
    """The fields of ``note`` this device is not shown: a concern's lead's part
    (``LEAD_FIELDS``) on a device that does not lead its inspection (:func:`may_decide`);
    nothing otherwise."""
    if note.kind != CONCERN_KIND or may_decide(session, note.inspection_id):
        return frozenset()
    return frozenset(LEAD_FIELDS)


def raisers_view(note: Note) -> Note:
    """A copy of the concern ``note`` as its raiser sees it: without the lead's fields, their
    values kept from a conflict, or passages tagged in them. The note itself is unchanged."""
    return replace(
        note, fields={k: v for k, v in note.fields.items() if k not in LEAD_FIELDS},
        kept={k: v for k, v in note.kept.items()
              if k.removeprefix("fields.") not in LEAD_FIELDS},
        passages=tuple(p for p in note.passages if getattr(p, "field", "") not in LEAD_FIELDS))


def as_seen(session: Session, note: Note) -> Note:
    """``note`` as this device shows it anywhere (queue, CLI, export): the raiser's view of a
    concern on a device that does not lead its inspection, else the note itself."""
    return raisers_view(note) if leads_part(session, note) else note


def _leads_of(session: Session, inspection_id: bytes) -> str:
    """Whom a member asks for a lead's step: the leads' names on the verified roster."""
    roster = session.team_roster(inspection_id)
    names = sorted({d.user for d in roster.devices() if roster.is_lead(d.device_id)}) \
        if roster else []
    return " or ".join(names) if names else "the inspection's lead"


_STEP_WORDS = {"decision": "a decision", "referral": "a referral",
               "closed": "the closing of a concern"}


def _require_decider(session: Session, note: Note, step: str) -> None:
    """Refuse, before anything is written, a lead's step from a device that does not lead the
    concern's inspection (the same rule as the form's: :func:`may_decide`)."""
    if may_decide(session, note.inspection_id):
        return
    from store.team import NotALead

    raise NotALead(f"only a lead of this inspection records {_STEP_WORDS.get(step, step)}; "
                   f"ask {_leads_of(session, note.inspection_id)}")


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
    #: False when the queue was read for a device that does not lead the concern's
    #: inspection: ``note`` is then the raiser's view, and nothing here is the lead's part
    for_lead: bool = True

    @property
    def age_label(self) -> str:
        return format_age(self.age)

    @property
    def status(self) -> str:
        """Where the concern stands, as this device may know it: "raised", "decided" or
        "referred" for a lead; "with the lead" for anyone else."""
        if not self.for_lead:
            return "with the lead"
        return "referred" if self.referred else "decided" if self.decided else RAISED


@dataclass(frozen=True, slots=True)
class ConcernStep:
    """One recorded step of a concern.

    ``at`` is the time written in the form for that step (``None`` when the form has none, as
    for closing). ``recorded_at`` and ``recorded_by`` say when, and by whom, the step first
    appeared in a saved revision; ``recorded_device`` is the device whose signature the
    envelope of that revision carries (the author's name is what that device wrote; the device
    is what was verified). They are known only when the note's history is given.
    """

    step: str
    at: datetime | None
    details: str
    recorded_at: datetime | None = None
    recorded_by: str = ""
    recorded_device: bytes = b""

    @property
    def signed_by(self) -> str:
        """"AI (device 1a2b3c4d)", or "" when the history was not given."""
        if not self.recorded_by and not self.recorded_device:
            return ""
        device = f" (device {self.recorded_device.hex()[:8]})" if self.recorded_device else ""
        return f"{self.recorded_by or '?'}{device}"


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


def concerns_queue(notes: Iterable[Note], now: datetime | None = None, *,
                   seen_by: Session | None = None) -> list[QueuedConcern]:
    """Open (not closed, not deleted) concern forms with their age, oldest first.

    ``seen_by``: the session of the device that shows the queue; a concern on an inspection
    it does not lead is then queued as its raiser sees it (:func:`as_seen`, ``for_lead``
    false)."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.astimezone()
    out = []
    for note in notes:
        if not _is_open(note):
            continue
        for_lead = seen_by is None or not leads_part(seen_by, note)
        if not for_lead:
            note = raisers_view(note)
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
            for_lead=for_lead,
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
                               rev.author if rev is not None else "",
                               _device_of(rev.rev) if rev is not None else b""))
    return out


def open_concern_lines(notes: Iterable[Note], now: datetime | None = None) -> list[str]:
    """Each open concern as a closing question names it: '"Concern from R-017" (raised 2 h
    ago, not yet decided)', oldest first."""
    out = []
    for q in concerns_queue(notes, now):
        state = f"decided: {q.decision}" if q.decided else "not yet decided"
        out.append(f"“{q.note.title or '(untitled)'}” (raised {q.age_label} ago, {state})")
    return out


def _device_of(rev: str) -> bytes:
    try:
        return parse_rev(rev)[0]
    except ValueError:
        return b""


def _stamp(now: datetime | None) -> str:
    """A form time for "now": local time with its UTC offset, to the minute."""
    return (now or datetime.now(UTC)).astimezone().isoformat(timespec="minutes")



def _typed(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Form values from a CLI or a dialog: text is coerced like ``--field NAME=VALUE``."""
    template = template_for(kind)
    out: dict[str, Any] = {}
    for name, value in values.items():
        spec = template.get(name)
        if spec is None:
            raise invalid(name, f"a concern form has no field {name!r}")
        if isinstance(value, str):
            try:
                value = coerce_field(spec, value)
            except ValueError as exc:
                raise invalid(name, str(exc)) from None
        out[name] = value
    return out


def record_step(session: Session, note_id: str, step: str, values: Mapping[str, Any], *,
                now: datetime | None = None) -> Note:
    """Record a lead's step on a concern (decision, referral or closed) as one revision.

    Only a device that leads the concern's inspection (:func:`may_decide`) records one;
    any other gets ``NotALead`` naming whom to ask, and nothing is written.

    ``values`` holds only that step's fields (``STEP_FIELDS``); a decision needs the decision
    and its rationale, a referral the partner lead contacted and the method; their time is
    "now" unless given. Closing needs a decision first. The revision is signed by this device,
    which is who :func:`concern_steps` says recorded the step.
    """
    note = session.get(note_id)
    if note.kind != CONCERN_KIND or note.state == DELETED:
        raise invalid("kind", f"note {note.note_id[:8]} is not an open concern form")
    if step not in LEAD_STEPS:
        raise invalid("step", f"the steps a lead records are: {', '.join(LEAD_STEPS)}")
    _require_decider(session, note, step)
    allowed = STEP_FIELDS[step]
    stray = [name for name in values if name not in allowed]
    if stray:
        raise invalid(stray[0], f"{stray[0]!r} is not part of the {step} step; its fields are: "
                              + ", ".join(allowed))
    typed = _typed(note.kind, values)
    fields = {**note.fields, **typed}
    for name in allowed:
        if fields.get(name) in (None, "", []):
            fields.pop(name, None)
    if step in _STEP_TIME and not typed.get(_STEP_TIME[step]):
        fields[_STEP_TIME[step]] = _stamp(now)
    if step == CLOSED:
        closing = typed.get("closed", True) is not False  # closed=no reopens it
        if closing and not _text(fields, "decision"):
            raise invalid("decision", "Record the lead's decision before closing the concern")
        fields["closed"] = closing
    missing = [name for name in _STEP_REQUIRED[step] if not _text(fields, name)]
    if missing:
        labels = [template_for(note.kind, note.template).spec(m).label for m in missing]
        raise invalid(missing[0], f"A {step} needs: " + ", ".join(labels).lower())
    return session.save(note.note_id, fields=fields)


def raise_concern(session: Session, note_id: str, nature: str, immediacy: str, *,
                  title: str | None = None, fields: Mapping[str, Any] | None = None,
                  now: datetime | None = None) -> Note:
    """A concern form raised from a note: linked to it, in its inspection, raised by this
    user now. ``fields`` may add others (the child identifier is sealed when saved)."""
    source = session.get(note_id)
    if source.kind == CONCERN_KIND:
        raise invalid("linked_note", f"note {source.note_id[:8]} is itself a concern form")
    inspection = session.inspections.get(source.inspection_id)
    if inspection is None:
        raise invalid("linked_note", f"note {source.note_id[:8]} has no inspection here")
    values = {"raised_by": session.author, "raised_at": _stamp(now), "nature": nature,
              "immediacy": immediacy, **dict(fields or {})}
    typed = {k: v for k, v in _typed(CONCERN_KIND, values).items() if v is not None}
    typed["linked_note"] = source.note_id
    heading = title or f"Concern from {source.title.strip() or source.note_id[:8]}"
    return session.create(inspection, CONCERN_KIND, heading[:200], "", typed)
