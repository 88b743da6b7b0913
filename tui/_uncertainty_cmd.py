"""``fieldpad uncertainty list|assign|resolve|reopen``: following up areas of uncertainty.

Each step is a synced, signed audit event (``store.inspection``); the list shows every
note tagged ``status:uncertainty`` under its statement, with who looks into it and, once
resolved, the notes whose evidence resolved it.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `fieldpad --version` builds the parser and must not load the store
    from store import Profile


def _session_and_inspection(profile: Profile, args: argparse.Namespace):  # noqa: ANN202
    from ._commands import _unlock

    session = _unlock(profile, args)
    return session, session.find_inspection(args.inspection)


def cmd_uncertainty_list(profile: Profile, args: argparse.Namespace) -> int:
    from store.inspection import ROW_SHORT_LABELS, area_rows

    from ._commands import out

    session, ins = _session_and_inspection(profile, args)
    rows = area_rows(session, ins)
    if args.json:
        out(json.dumps([{"row": r.row, "note_id": r.note_id, "title": r.title,
                         "state": r.follow_up.state, "assigned_to": r.follow_up.assigned_to,
                         "evidence": list(r.follow_up.evidence),
                         "comment": r.follow_up.comment, "by": r.follow_up.by}
                        for r in rows], indent=2, ensure_ascii=False))
        return 0
    out(f"Areas of uncertainty · {ins.name} · {len({r.note_id for r in rows})} notes")
    for r in rows:
        f = r.follow_up
        who = f" → {f.assigned_to}" if f.assigned_to else ""
        how = ""
        if f.evidence:
            titles = [session.notes[e].title if e in session.notes else e[:8]
                      for e in f.evidence]
            how = " · resolved by " + "; ".join(titles)
        label = ROW_SHORT_LABELS.get(r.row, "not linked")
        out(f"{r.note_id[:8]}  {label[:22]:<22} {r.title[:30]:<30} {f.state}{who}{how}")
    return 0


def cmd_uncertainty_assign(profile: Profile, args: argparse.Namespace) -> int:
    from store.inspection import assign

    from ._commands import out

    session, ins = _session_and_inspection(profile, args)
    f = assign(session, ins, args.id, args.assignee)
    out(f"{f.note_id[:8]}: assigned to {f.assigned_to}")
    return 0


def cmd_uncertainty_resolve(profile: Profile, args: argparse.Namespace) -> int:
    from store.inspection import resolve

    from ._commands import out

    session, ins = _session_and_inspection(profile, args)
    f = resolve(session, ins, args.id, args.evidence, args.comment)
    out(f"{f.note_id[:8]}: resolved by {', '.join(e[:8] for e in f.evidence)}")
    return 0


def cmd_uncertainty_reopen(profile: Profile, args: argparse.Namespace) -> int:
    from store.inspection import reopen

    from ._commands import out

    session, ins = _session_and_inspection(profile, args)
    f = reopen(session, ins, args.id)
    out(f"{f.note_id[:8]}: {f.state}")
    return 0


def add_parsers(sub: argparse._SubParsersAction, add_unlock_options) -> None:  # noqa: ANN001
    p = sub.add_parser("uncertainty", help="areas of uncertainty: list, assign, resolve")
    usub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    def q(name: str, help_: str) -> argparse.ArgumentParser:
        parser = usub.add_parser(name, help=help_)
        parser.add_argument("--inspection", metavar="NAME")
        add_unlock_options(parser)
        return parser

    q("list", "every note tagged status:uncertainty, per statement, with its follow-up") \
        .add_argument("--json", action="store_true")
    r = q("assign", "give an area of uncertainty to someone to look into")
    r.add_argument("id", metavar="NOTE_ID")
    r.add_argument("assignee", metavar="WHO")
    r = q("resolve", "mark it resolved by the evidence of other notes")
    r.add_argument("id", metavar="NOTE_ID")
    r.add_argument("--evidence", action="append", default=[], metavar="NOTE_ID", required=True,
                   help="a note whose evidence resolved it (repeat for several)")
    r.add_argument("--comment", default="", help="how it was resolved")
    r = q("reopen", "open it again")
    r.add_argument("id", metavar="NOTE_ID")


HANDLERS = {
    ("uncertainty", "list"): cmd_uncertainty_list,
    ("uncertainty", "assign"): cmd_uncertainty_assign,
    ("uncertainty", "resolve"): cmd_uncertainty_resolve,
    ("uncertainty", "reopen"): cmd_uncertainty_reopen,
}
