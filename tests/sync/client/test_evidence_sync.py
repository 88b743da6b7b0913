"""Issue 6 through a real server, on SQLite and PostgreSQL: the evidence matrix on the lead's
device counts the whole team's synced notes (checked against a plain recount of what each
device wrote), and the exports made from it open: the CSVs parse, the DOCX opens with
python-docx and holds every statement heading, and the export is an audit event."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import docx

from store.inspection import EVIDENCE_COLUMNS, EVIDENCE_ROWS, evidence_matrix, export_inspection
from tests.sync.client.conftest import make_team

NAME = "Northshire 2026"
KINDS = ("observation", "note", "note")


def test_matrix_counts_the_teams_notes_and_exports_open(server, tmp_path: Path) -> None:  # noqa: ANN001
    team, devices = make_team(server, tmp_path, ["alice", "bob"])
    rng = random.Random(6)
    written: list[frozenset[str]] = []
    try:
        for i in range(24):
            d = devices[i % 3]
            tags = sorted({rng.choice(EVIDENCE_ROWS)} | set(rng.sample(EVIDENCE_COLUMNS,
                                                                       rng.randint(0, 2))))
            d.session.create(d.session.find_inspection(NAME), KINDS[i % 3],
                             f"Evidence {i}", f"What was found, item {i}.", tags=tags)
            written.append(frozenset(tags))
        for d in devices + devices:
            assert d.sync().ok
        lead = devices[0]
        ins = lead.session.find_inspection(NAME)
        notes = lead.session.list_notes(ins)
        assert len([n for n in notes if n.title.startswith("Evidence ")]) == 24
        matrix = evidence_matrix(notes)
        for row in EVIDENCE_ROWS:
            for col in EVIDENCE_COLUMNS:
                want = sum(1 for tags in written if row in tags and col in tags)
                assert matrix.count(row, col) == want, (row, col)

        paths = export_inspection(lead.session, ins, "csv", tmp_path / "csv")
        lead.session.record_audit(ins, "export", format="csv", files=len(paths))
        matrix_csv = next(p for p in paths if p.name == "evidence-matrix.csv")
        with matrix_csv.open(encoding="utf-8-sig", newline="") as f:
            rows = {r["row"]: r for r in csv.DictReader(f)}
        assert list(rows) == list(EVIDENCE_ROWS)
        assert int(rows["S1"]["strength"]) == matrix.count("S1", "strength")

        [path] = export_inspection(lead.session, ins, "docx", tmp_path / "docx")
        doc = docx.Document(str(path))
        headings = [p.text.split(":")[0] for p in doc.paragraphs
                    if p.style.name == "Heading 2"][:6]
        assert headings == ["Statement 1", "Statement 2", "Statement 3", "Statement 4",
                            "Quality indicator 2.1", "Covid-19 impact"]
        assert len(export_inspection(lead.session, ins, "md", tmp_path / "md")) >= 24

        # the export is an audit event the team's devices receive
        assert lead.sync().ok and devices[1].sync().ok
        events = devices[1].session.audit_events(devices[1].session.find_inspection(NAME))
        assert [(e["type"], e["details"]["format"]) for e in events] == [("audit.export",
                                                                          "csv")]
    finally:
        team.close()
