"""``fieldpad note diff ID [REV] [REV]``: what changed between two revisions of a note, field
by field and word by word (``[-deleted-]{+inserted+}``, as ``git diff --word-diff``)."""

from __future__ import annotations

import argparse
import json

from store import Profile

# tui._commands is imported inside the command, not here (it lists this one in its table)


def cmd_note_diff(profile: Profile, args: argparse.Namespace) -> int:
    from store._diff import diff_revisions

    from ._commands import _unlock, out

    session = _unlock(profile, args)
    old, new, changes = diff_revisions(session, args.id, args.old, args.new)
    history = [r.rev for r in session.history(old.note.note_id)]
    who = {r.rev: session.author_of(r.note.collection_id, r.signer).name for r in (old, new)}
    if args.json:
        out(json.dumps({"old": {"rev": old.rev, "author": who[old.rev]},
                        "new": {"rev": new.rev, "author": who[new.rev]},
                        "changes": [c.as_dict() for c in changes]}, indent=2,
                       ensure_ascii=False))
        return 0
    for label, r in (("old", old), ("new", new)):
        out(f"{label}: revision {history.index(r.rev) + 1} · {who[r.rev]} · "
            f"{r.updated.isoformat(timespec='seconds')} · {r.rev}")
    if not changes:
        out("no changes")
    for c in changes:
        out(f"\n## {c.label}")
        out(c.as_text())
    return 0


HANDLERS = {("note", "diff"): cmd_note_diff}
