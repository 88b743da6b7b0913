"""``fieldpad export`` and ``fieldpad evidence``: an inspection's evidence out of the store.

``export`` writes plaintext files, so it says so on stderr every time; the heavy export code
(and python-docx) is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from ._common import Parents, add_json_option, command, out, unlock, warn

if TYPE_CHECKING:
    from store import Profile



def add_parsers(sub: argparse._SubParsersAction, parents: Parents) -> None:
    p = command(sub, "export", "export an inspection's evidence for report writing (plaintext "
                "files)", parents.unlock, cmd_export)
    p.add_argument("inspection", metavar="INSPECTION", help="the inspection's name or id prefix")
    p.add_argument("--format", required=True, choices=["md", "csv", "docx"],
                   help="md: a file per note; csv: every field of every note, tagged "
                        "passages, grades and the evidence matrix; docx: one evidence summary")
    p.add_argument("--output", required=True, metavar="DIR",
                   help="an empty folder to write into (created if missing)")
    p.add_argument("--overwrite", action="store_true",
                   help="write into a folder that is not empty, replacing files of the same "
                        "names")
    p.add_argument("--include-sealed", action="store_true",
                   help="also write sealed fields (a concern's child identifier): a lead's "
                        "device only")

    p = command(sub, "evidence", "the evidence matrix of an inspection", parents.unlock,
                cmd_evidence)
    p.add_argument("inspection", metavar="INSPECTION", help="the inspection's name or id prefix")
    add_json_option(p)


def cmd_export(profile: Profile, args: argparse.Namespace) -> int:
    """``fieldpad export INSPECTION --format md|csv|docx --output DIR [--overwrite]``."""
    from store.inspection import PLAINTEXT_WARNING, export_inspection


    session = unlock(profile, args)
    inspection = session.find_inspection(args.inspection)
    sealed = getattr(args, "include_sealed", False)
    paths = export_inspection(session, inspection, args.format, Path(args.output),
                              overwrite=args.overwrite, include_sealed=sealed)
    session.record_audit(inspection, "export", format=args.format, files=len(paths),
                         **({"sealed": True} if sealed else {}))
    for path in paths:
        out(str(path))
    warn(f"exported {len(paths)} file{'s' if len(paths) != 1 else ''} from {inspection.name} "
         f"to {args.output}")
    warn("warning: " + PLAINTEXT_WARNING)
    return 0


def cmd_evidence(profile: Profile, args: argparse.Namespace) -> int:
    """``fieldpad evidence INSPECTION [--json]``: the evidence matrix as a table."""
    from store.inspection import COLUMN_LABELS, ROW_SHORT_LABELS, as_seen, evidence_matrix


    session = unlock(profile, args)
    inspection = session.find_inspection(args.inspection)
    # bodies for the excerpts; a concern on an inspection this device does not lead counts by
    # its raiser's part
    notes = session.load_bodies(session.list_notes(inspection))
    matrix = evidence_matrix(as_seen(session, n) for n in notes)
    if args.json:
        data = {"inspection": inspection.name, **matrix.as_dict()}
        out(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    short = {"status:nsc": "no sig.", "status:uncertainty": "uncertain",
             "status:concern": "concern", "strength": "strength", "afd": "area dev"}
    counted = matrix.total_notes
    out(f"Evidence matrix · {inspection.name} · {counted} note{'s' if counted != 1 else ''}")
    out(f"{'':<24}" + "".join(f"{short[c]:>10}" for c in matrix.columns))
    for row in matrix.rows:
        out(f"{ROW_SHORT_LABELS[row]:<24}" + "".join(f"{n:>10}" for n in matrix.row_counts(row)))
    out("")
    out("columns: " + ", ".join(COLUMN_LABELS[c] for c in matrix.columns))
    return 0
