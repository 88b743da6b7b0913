"""``fieldpad review summary|moderate``: records reading from the command line."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from ._common import (
    Parents,
    add_inspection_option,
    add_json_option,
    command,
    group,
    name_values,
    out,
    plural,
    unlock,
    warn_minimisation,
)

if TYPE_CHECKING:
    from store import Profile

#: Narrow column headings for the six-point scale (the table fits 80 columns).
GRADE_SHORT = {"excellent": "exc.", "very good": "v.good", "good": "good",
               "adequate": "adeq.", "weak": "weak", "unsatisfactory": "unsat."}


def add_parsers(sub: argparse._SubParsersAction, parents: Parents) -> None:
    actions = group(sub, "review", "records reading: the summary of grades, moderation")
    p = command(actions, "summary", "grades per evaluation item across the record reviews",
                parents.unlock, cmd_review_summary)
    add_inspection_option(p)
    add_json_option(p)
    p = command(actions, "moderate", "record a moderation decision on a record review",
                parents.unlock, cmd_review_moderate)
    p.add_argument("id", metavar="NOTE_ID", help="the record review's id or a unique prefix")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--agree", action="store_true", help="the grades stand as recorded")
    how.add_argument("--amend", action="store_true",
                     help="grades changed in moderation (needs --notes)")
    p.add_argument("--notes", default="", help="moderation notes: what was changed and why")
    p.add_argument("--grade", action="append", default=[], metavar="ITEM=GRADE",
                   help="with --amend: a changed grade, e.g. chronology=adequate")


def cmd_review_summary(profile: Profile, args: argparse.Namespace) -> int:
    """``fieldpad review summary [--inspection NAME] [--json]``."""
    from store.inspection import (
        ITEM_SHORT_LABELS,
        MODERATION_STATES,
        SIX_POINT_SCALE,
        review_summary,
    )

    session = unlock(profile, args)
    ins = session.find_inspection(args.inspection)
    summary = review_summary(session.list_notes(ins, kind="record_review"))
    if args.json:
        out(json.dumps({"inspection": ins.name, **summary.as_dict()}, indent=2,
                       ensure_ascii=False))
        return 0
    out(f"Record reviews · {ins.name} · {plural(summary.reviews, 'review')} · "
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

    grades = name_values(args.grade, "grades")
    session = unlock(profile, args)
    decision = AMENDED if args.amend else AGREED
    note = moderate(session, args.id, decision, args.notes, grades or None)
    warn_minimisation(session, note)
    out(f"{note.note_id[:8]}: {decision}"
        + (f" ({plural(len(grades), 'grade')} changed)" if grades else ""))
    return 0
