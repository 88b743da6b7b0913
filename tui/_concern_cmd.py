"""``fieldpad concern list|step`` and ``fieldpad note concern``: concerns from the command line,
and how ``note show`` presents sealed fields.

Every step a lead records is a revision signed by this device; ``concern list --json`` shows each
step's form time and who recorded it, from the note's history.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from store import Profile

if TYPE_CHECKING:
    from store import Note, Session

# tui._commands is imported inside each command (it lists these in its handler table).


def pairs(items: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` arguments as a dict of raw values (the store coerces them)."""
    from store import ValidationFailed
    from store.inspection import ValidationIssue

    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValidationFailed([ValidationIssue(item, "write fields as NAME=VALUE")])
        out[name.strip()] = value
    return out


def _devices(n: int) -> str:
    return f"{n} lead device" + ("" if n == 1 else "s")


def sealed_view(session: Session, note: Note, reveal: bool) -> dict[str, dict[str, Any]]:
    """Per filled sealed field: how many devices it is sealed for, whether this device can
    open it, and (only with ``reveal``) its value. Never the plaintext otherwise."""
    from store.crypto import is_sealed, sealed_recipients
    from store.inspection import sealed_names

    out: dict[str, dict[str, Any]] = {}
    for name in sealed_names(note):
        value = note.fields.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        if is_sealed(value):
            plain = session.unseal(note, name)
            view: dict[str, Any] = {"sealed": True, "recipients": len(sealed_recipients(value)),
                                    "readable": plain is not None}
        else:  # saved before sealing existed: sealed at the note's next save
            plain = value
            view = {"sealed": False, "recipients": 0, "readable": True}
        if reveal and plain is not None:
            view["value"] = plain
        out[name] = view
    return out


def sealed_line(name: str, view: dict[str, Any]) -> str:
    if not view["sealed"]:
        what = "not sealed yet (saved before sealing; sealed at its next save)"
    else:
        what = f"sealed for {_devices(view['recipients'])}"
    if "value" in view:
        return f"{name}: {view['value']}  ({what})"
    if view["readable"]:
        return f"{name}: {what}; this device can open it (--reveal shows it)"
    return f"{name}: {what}"


def public_dict(note: Note, sealed: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``note.as_dict()`` with no plaintext of a sealed field (a blob is ciphertext: kept)."""
    from store.crypto import is_sealed

    data = note.as_dict()
    data["fields"] = {k: v for k, v in data["fields"].items()
                      if k not in sealed or is_sealed(v)}
    data["kept"] = {k: v for k, v in data["kept"].items()
                    if k.removeprefix("fields.") not in sealed
                    or all(is_sealed(x) for x in (v if isinstance(v, list) else [v]))}
    data["sealed"] = sealed
    return data


def _step_dict(step: Any) -> dict[str, Any]:
    return {"step": step.step,
            "at": step.at.isoformat(timespec="minutes") if step.at else None,
            "recorded_at": (step.recorded_at.isoformat(timespec="seconds")
                            if step.recorded_at else None),
            "recorded_by": step.recorded_by,
            "device": step.recorded_device.hex(),
            "details": step.details}


def cmd_concern_list(profile: Profile, args: argparse.Namespace) -> int:
    """``fieldpad concern list [--inspection NAME] [--json]``: open concerns, oldest first."""
    from store.inspection import concern_steps, concerns_queue

    from ._commands import _unlock, out

    session = _unlock(profile, args)
    ins = session.find_inspection(args.inspection) if args.inspection else None
    queue = concerns_queue(session.list_notes(ins, kind="concern"))
    rows = []
    for q in queue:
        where = session.inspections.get(q.note.inspection_id)
        steps = concern_steps(q.note, session.history(q.note.note_id))
        rows.append({"id": q.note.note_id, "inspection": where.name if where else "",
                     "title": q.note.title, "raised_at": q.raised_at.isoformat(timespec="minutes"),
                     "raised_at_known": q.raised_at_known, "age": q.age_label,
                     "age_seconds": int(q.age.total_seconds()), "immediacy": q.immediacy,
                     "decision": q.decision, "referred": q.referred,
                     "steps": [_step_dict(s) for s in steps]})
    if args.json:
        out(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        out("No open concerns.")
    for r in rows:
        out(f"{r['id'][:8]}  {r['age'] + ' ago':>10}  {r['immediacy'] or '–':<15} "
            f"{r['decision'] or 'not yet decided':<22} {'referred' if r['referred'] else '':<8} "
            f"{r['title'][:40]}" + (f" · {r['inspection']}" if ins is None else ""))
    return 0


def cmd_concern_step(profile: Profile, args: argparse.Namespace) -> int:
    """``fieldpad concern step NOTE_ID decision|referral|closed --field NAME=VALUE ...``."""
    from store.inspection import concern_steps, record_step

    from ._commands import _unlock, _warn_minimisation, out

    values = pairs(args.field)
    session = _unlock(profile, args)
    note = record_step(session, args.id, args.step, values)
    _warn_minimisation(session, note)
    steps = {s.step: s for s in concern_steps(note, session.history(note.note_id))}
    done = steps.get(args.step)
    if done is not None:
        when = done.at.isoformat(timespec="minutes") if done.at else "?"
        out(f"{note.note_id[:8]}: {args.step} recorded at {when}, signed by {done.signed_by}"
            f" — {done.details}")
    else:  # closed=no: the concern is open again
        out(f"{note.note_id[:8]}: reopened")
    return 0


def cmd_note_concern(profile: Profile, args: argparse.Namespace) -> int:
    """``fieldpad note concern NOTE_ID --nature TEXT --immediacy X``: prints the concern's id."""
    from store.inspection import raise_concern

    from ._commands import _unlock, _warn_minimisation, out

    extra = pairs(args.field)
    session = _unlock(profile, args)
    note = raise_concern(session, args.id, args.nature, args.immediacy, title=args.title,
                         fields=extra)
    _warn_minimisation(session, note)
    out(note.note_id)
    return 0
