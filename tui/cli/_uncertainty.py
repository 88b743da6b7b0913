"""``fieldpad uncertainty list|assign|resolve|reopen``: following up areas of uncertainty.

Each step is a synced, signed audit event (``store.inspection``); the list shows every
note tagged ``status:uncertainty`` under its statement, with who looks into it and, once
resolved, the notes whose evidence resolved it.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from ._common import Parents, add_inspection_option, add_json_option, command, group, out, unlock

if TYPE_CHECKING:  # `fieldpad --version` builds the parser and must not load the store
    from store import Profile


def add_parsers(sub: argparse._SubParsersAction, parents: Parents) -> None:
    actions = group(sub, "uncertainty", "areas of uncertainty: list, assign, resolve")

    def action(name: str, help_: str, func) -> argparse.ArgumentParser:  # noqa: ANN001
        p = command(actions, name, help_, parents.unlock, func)
        add_inspection_option(p)
        return p

    add_json_option(action("list", "every note tagged status:uncertainty, per statement, "
                           "with its follow-up", cmd_uncertainty_list))
    p = action("assign", "give an area of uncertainty to someone to look into",
               cmd_uncertainty_assign)
    p.add_argument("id", metavar="NOTE_ID", help="the note's id or a unique prefix")
    p.add_argument("assignee", metavar="WHO", help="who looks into it (a name or initials)")
    p = action("resolve", "mark it resolved by the evidence of other notes",
               cmd_uncertainty_resolve)
    p.add_argument("id", metavar="NOTE_ID", help="the note's id or a unique prefix")
    p.add_argument("--evidence", action="append", default=[], metavar="NOTE_ID", required=True,
                   help="a note whose evidence resolved it (repeat for several)")
    p.add_argument("--comment", default="", help="how it was resolved")
    p = action("reopen", "open it again", cmd_uncertainty_reopen)
    p.add_argument("id", metavar="NOTE_ID", help="the note's id or a unique prefix")


def _session_and_inspection(profile: Profile, args: argparse.Namespace):  # noqa: ANN202
    session = unlock(profile, args)
    return session, session.find_inspection(args.inspection)


def cmd_uncertainty_list(profile: Profile, args: argparse.Namespace) -> int:
    from store.inspection import ROW_SHORT_LABELS, area_rows


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


    session, ins = _session_and_inspection(profile, args)
    f = assign(session, ins, args.id, args.assignee)
    out(f"{f.note_id[:8]}: assigned to {f.assigned_to}")
    return 0


def cmd_uncertainty_resolve(profile: Profile, args: argparse.Namespace) -> int:
    from store.inspection import resolve


    session, ins = _session_and_inspection(profile, args)
    f = resolve(session, ins, args.id, args.evidence, args.comment)
    out(f"{f.note_id[:8]}: resolved by {', '.join(e[:8] for e in f.evidence)}")
    return 0


def cmd_uncertainty_reopen(profile: Profile, args: argparse.Namespace) -> int:
    from store.inspection import reopen


    session, ins = _session_and_inspection(profile, args)
    f = reopen(session, ins, args.id)
    out(f"{f.note_id[:8]}: {f.state}")
    return 0
