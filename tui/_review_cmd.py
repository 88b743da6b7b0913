"""``fieldpad review summary|moderate``: records reading from the command line."""

from __future__ import annotations

import argparse
import json

from store import Profile

# tui._commands is imported inside each command (it lists these in its handler table).

#: Narrow column headings for the six-point scale (the table fits 80 columns).
GRADE_SHORT = {"excellent": "exc.", "very good": "v.good", "good": "good",
               "adequate": "adeq.", "weak": "weak", "unsatisfactory": "unsat."}


def cmd_review_summary(profile: Profile, args: argparse.Namespace) -> int:
    """``fieldpad review summary [--inspection NAME] [--json]``."""
    from store.inspection import (
        ITEM_SHORT_LABELS,
        MODERATION_STATES,
        SIX_POINT_SCALE,
        review_summary,
    )

    from ._commands import _unlock, out

    session = _unlock(profile, args)
    ins = session.find_inspection(args.inspection)
    summary = review_summary(session.list_notes(ins, kind="record_review"))
    if args.json:
        out(json.dumps({"inspection": ins.name, **summary.as_dict()}, indent=2,
                       ensure_ascii=False))
        return 0
    n = summary.reviews
    out(f"Record reviews · {ins.name} · {n} review{'s' if n != 1 else ''} · "
        + ", ".join(f"{summary.moderation[s]} {s}" for s in MODERATION_STATES))
    heads = "".join(f"{GRADE_SHORT[g]:>7}" for g in SIX_POINT_SCALE)
    out(f"{'':<28}{heads}{'graded':>8}")
    for item in summary.items:
        counts = "".join(f"{item.counts[g]:>7}" for g in SIX_POINT_SCALE)
        out(f"{ITEM_SHORT_LABELS[item.item]:<28}{counts}{item.graded:>8}")
    return 0


def cmd_review_moderate(profile: Profile, args: argparse.Namespace) -> int:
    """``fieldpad review moderate NOTE_ID --agree|--amend [--notes TEXT] [--grade ITEM=GRADE]``."""
    from store.inspection import AGREED, AMENDED, moderate

    from ._commands import _unlock, _warn_minimisation, out
    from ._concern_cmd import pairs

    grades = pairs(args.grade)
    session = _unlock(profile, args)
    decision = AMENDED if args.amend else AGREED
    note = moderate(session, args.id, decision, args.notes, grades or None)
    _warn_minimisation(session, note)
    out(f"{note.note_id[:8]}: {decision}" + (f" ({len(grades)} grade"
                                             f"{'s' if len(grades) != 1 else ''} changed)"
                                             if grades else ""))
    return 0
