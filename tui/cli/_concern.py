"""``fieldpad concern list|step``: the concerns queue and the lead's steps on a concern.

Every step a lead records is a revision signed by this device; ``concern list --json`` shows
each step's form time and who recorded it, from the note's history. On a device that does not
lead a concern's inspection the list shows only the raiser's part (its status is "with the
lead"), and ``concern step`` is refused (exit 1, nothing changed): the store checks the role.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from ._common import (
    Parents,
    add_inspection_option,
    add_json_option,
    command,
    group,
    name_values,
    out,
    unlock,
    warn_minimisation,
)

if TYPE_CHECKING:
    from store import Profile


def add_parsers(sub: argparse._SubParsersAction, parents: Parents) -> None:
    actions = group(sub, "concern", "the concerns queue and the lead's steps")
    p = command(actions, "list", "open concerns with their age, oldest first", parents.unlock,
                cmd_concern_list)
    add_inspection_option(p, "every inspection")
    add_json_option(p)
    p = command(actions, "step", "record a decision, a referral or the closing of a concern",
                parents.unlock, cmd_concern_step)
    p.add_argument("id", metavar="NOTE_ID", help="the concern form's id or a unique prefix")
    p.add_argument("step", choices=["decision", "referral", "closed"], help="which step")
    p.add_argument("--field", action="append", default=[], metavar="NAME=VALUE",
                   help="decision: decision, decision_rationale, decided_at; referral: "
                        "partner_lead_contacted, referral_method, referral_reference, "
                        "referral_at (times default to now)")


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

    session = unlock(profile, args)
    ins = session.find_inspection(args.inspection) if args.inspection else None
    # a concern on an inspection this device does not lead is listed as its raiser sees it
    queue = concerns_queue(session.list_notes(ins, kind="concern"), seen_by=session)
    rows = []
    for q in queue:
        where = session.inspections.get(q.note.inspection_id)
        steps = concern_steps(q.note, session.history(q.note.note_id))
        row = {"id": q.note.note_id, "inspection": where.name if where else "",
               "title": q.note.title, "raised_at": q.raised_at.isoformat(timespec="minutes"),
               "raised_at_known": q.raised_at_known, "age": q.age_label,
               "age_seconds": int(q.age.total_seconds()), "immediacy": q.immediacy,
               "status": q.status}
        if q.for_lead:
            row |= {"decision": q.decision, "referred": q.referred}
        rows.append(row | {"steps": [_step_dict(s) for s in steps]})
    if args.json:
        out(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        out("No open concerns.")
    for r in rows:
        state = (f"{r['decision'] or 'not yet decided':<22} "
                 f"{'referred' if r['referred'] else '':<8}") if "decision" in r \
            else f"{r['status']:<31}"
        out(f"{r['id'][:8]}  {r['age'] + ' ago':>10}  {r['immediacy'] or '–':<15} {state} "
            f"{r['title'][:40]}" + (f" · {r['inspection']}" if ins is None else ""))
    return 0


def cmd_concern_step(profile: Profile, args: argparse.Namespace) -> int:
    """``fieldpad concern step NOTE_ID decision|referral|closed --field NAME=VALUE ...``."""
    from store.inspection import concern_steps, record_step

    values = name_values(args.field)
    session = unlock(profile, args)
    note = record_step(session, args.id, args.step, values)
    warn_minimisation(session, note)
    steps = {s.step: s for s in concern_steps(note, session.history(note.note_id))}
    done = steps.get(args.step)
    if done is not None:
        when = done.at.isoformat(timespec="minutes") if done.at else "?"
        out(f"{note.note_id[:8]}: {args.step} recorded at {when}, signed by {done.signed_by}"
            f" — {done.details}")
    else:  # closed=no: the concern is open again
        out(f"{note.note_id[:8]}: reopened")
    return 0
