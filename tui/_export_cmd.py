"""``fieldpad export`` and ``fieldpad evidence``: an inspection's evidence out of the store.

``export`` writes plaintext files, so it says so on stderr every time; the heavy export code
(and python-docx) is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from store import Profile

# tui._commands is imported inside each command, not here, so that it can list these commands
# in its handler table without a circular import.

PLAINTEXT_WARNING = (
    "warning: exported files are plaintext, outside fieldpad's encryption. Keep them only on "
    "encrypted media, share them only as your inspection's data handling allows, and delete "
    "them when the report no longer needs them."
)


def cmd_export(profile: Profile, args: argparse.Namespace) -> int:
    """``fieldpad export INSPECTION --format md|csv|docx --output DIR [--overwrite]``."""
    from store._export import export_inspection

    from ._commands import _unlock, out, warn

    session = _unlock(profile, args)
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
    warn(PLAINTEXT_WARNING)
    return 0


def cmd_evidence(profile: Profile, args: argparse.Namespace) -> int:
    """``fieldpad evidence INSPECTION [--json]``: the evidence matrix as a table."""
    from store._evidence import COLUMN_LABELS, ROW_SHORT_LABELS, evidence_matrix

    from ._commands import _unlock, out

    session = _unlock(profile, args)
    inspection = session.find_inspection(args.inspection)
    matrix = evidence_matrix(session.list_notes(inspection))
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
