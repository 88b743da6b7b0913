"""Export for report writing: Markdown, CSV, DOCX; the sealed identifier never leaves."""

from __future__ import annotations

import csv
import io
import os
import stat
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from store import Inspection, PassageTag, Session
from store.inspection import (
    EVALUATION_ITEMS,
    ExportError,
    export_inspection,
    grade_summary,
    safe_filename,
)

SEALED = "CHI-0101011234"


@pytest.fixture
def inspection(session: Session) -> Inspection:
    ins = session.add_inspection("Northshire 2026", "Northshire CPP")
    body = "Staff said referrals wait a week. Plans were clear and shared."
    session.create(ins, "note", "Walk round: duty team", body, tags=["S1"],
                   passages=[PassageTag(0, 33, "status:uncertainty"),
                             PassageTag(34, 62, "strength")])
    session.create(ins, "record_review", "Record review R-017", "Read on day 1.",
                   {"pseudonym": "R-017", "agencies": ["social work", "health"],
                    "chronology_grade": "weak", "risk_assessment_grade": "good",
                    "chronology_rationale": "not updated since March"},
                   tags=["S2", "status:concern"])
    session.create(ins, "record_review", "=cmd|' /C calc'!A0", "",
                   {"pseudonym": "R-018", "chronology_grade": "weak"})
    # the identifier is typed into the sealed field and, by mistake, into the text as well
    session.create(ins, "concern", "Concern from R-017", f"Child {SEALED} seen with bruising.",
                   {"raised_at": "2026-03-14T09:41", "nature": f"bruising ({SEALED})",
                    "immediacy": "immediate", "child_identifier": SEALED},
                   tags=["S1", "status:concern"])
    gone = session.create(ins, "note", "Deleted draft", "should not be exported", tags=["S4"])
    session.delete(gone.note_id)
    session.create(session.find_inspection("Notebook"), "note", "Elsewhere", "other inspection")
    return ins


def all_bytes(paths: list[Path]) -> bytes:
    """Every byte written, with DOCX parts unzipped so their XML text can be searched."""
    out = b""
    for p in paths:
        data = p.read_bytes()
        if p.suffix == ".docx":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                data = b"".join(z.read(name) for name in z.namelist())
        out += data
    return out


def test_markdown_one_file_per_note(session: Session, inspection: Inspection,
                                    tmp_path: Path) -> None:
    paths = export_inspection(session, inspection, "md", tmp_path / "md")
    assert sorted(p.name for p in paths) == sorted([
        "walk-round-duty-team.md", "record-review-r-017.md", "cmd-c-calc-a0.md",
        "concern-from-r-017.md"])
    text = (tmp_path / "md" / "record-review-r-017.md").read_text()
    front = text.split("---")[1]
    assert 'kind: "record_review"' in front and 'author: "AI"' in front
    assert 'tags: ["S2", "status:concern"]' in front and "date: " in front
    assert "# Record review R-017" in text and "Read on day 1." in text
    assert "**Chronology grade**: weak" in text and "not updated since March" in text
    assert text.index("Chronology grade") < text.index("Risk assessment grade")  # template order
    walk = (tmp_path / "md" / "walk-round-duty-team.md").read_text()
    assert "> Staff said referrals wait a week.\n> — Text; status:uncertainty" in walk
    concern = (tmp_path / "md" / "concern-from-r-017.md").read_text()
    assert "bruising" in concern and "Child [sealed] seen" in concern
    assert "Child identifier" not in concern
    for p in paths:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert b"Deleted draft" not in all_bytes(paths) and b"Elsewhere" not in all_bytes(paths)


def test_csv_grades_and_matrix_parse(session: Session, inspection: Inspection,
                                     tmp_path: Path) -> None:
    paths = export_inspection(session, inspection, "csv", tmp_path / "csv")
    assert [p.name for p in paths] == ["notes.csv", "tagged-passages.csv",
                                       "record-review-grades.csv", "grade-counts.csv",
                                       "evidence-matrix.csv"]
    paths = [paths[2], paths[4]]
    with paths[0].open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2
    by_pseudonym = {r["pseudonym"]: r for r in rows}
    r17 = by_pseudonym["R-017"]
    assert r17["Chronology"] == "weak" and r17["Risk assessment"] == "good"
    assert r17["Outcomes"] == "" and r17["agencies"] == "social work, health"
    assert all(label in r17 for _, label in EVALUATION_ITEMS)
    assert by_pseudonym["R-018"]["title"].startswith("'=")  # no formula for a spreadsheet
    with paths[1].open(encoding="utf-8-sig", newline="") as f:
        matrix = {r["row"]: r for r in csv.DictReader(f)}
    assert list(matrix) == ["S1", "S2", "S3", "S4", "QI2.1", "covid"]
    assert matrix["S1"]["uncertainty"] == "1" and matrix["S1"]["strength"] == "1"
    assert matrix["S1"]["concern"] == "1" and matrix["S2"]["concern"] == "1"
    assert matrix["S4"]["area for development"] == "0"  # the deleted note is not counted


def test_docx_holds_every_statement_heading(session: Session, inspection: Inspection,
                                            tmp_path: Path) -> None:
    import docx

    [path] = export_inspection(session, inspection, "docx", tmp_path / "docx")
    assert path.name == "evidence-summary.docx"
    doc = docx.Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert [h.split(":")[0] for h in headings][:6] == [
        "Statement 1", "Statement 2", "Statement 3", "Statement 4", "Quality indicator 2.1",
        "Covid-19 impact"]
    text = "\n".join(p.text for p in doc.paragraphs)
    s3 = text.index("Statement 3:")
    assert "No evidence tagged to this yet." in text[s3:text.index("Statement 4:")]
    s1 = text[text.index("Statement 1:"):text.index("Statement 2:")]
    assert "Walk round: duty team" in s1 and "Staff said referrals wait a week." in s1
    assert "evidence: uncertainty, strength" in s1 and "Concern from R-017" in s1
    assert "Record review R-017" in text[text.index("Statement 2:"):s3]
    assert doc.core_properties.author == ""
    assert len(doc.tables) == 2 and doc.tables[1].rows[1].cells[0].text == "1 Safer, risks early"


@pytest.mark.parametrize("fmt", ["md", "csv", "docx"])
def test_sealed_identifier_never_exported(session: Session, inspection: Inspection,
                                          tmp_path: Path, fmt: str) -> None:
    paths = export_inspection(session, inspection, fmt, tmp_path / fmt)
    assert paths
    data = all_bytes(paths)
    assert SEALED.encode() not in data and SEALED.lower().encode() not in data


def test_non_empty_folder_is_refused(session: Session, inspection: Inspection,
                                     tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(ExportError, match="not empty"):
        export_inspection(session, inspection, "csv", out)
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
    paths = export_inspection(session, inspection, "csv", out, overwrite=True)
    assert len(paths) == 5 and (out / "mine.txt").read_text() == "keep me"
    os.chmod(paths[0], 0o644)
    again = export_inspection(session, inspection, "csv", out, overwrite=True)
    assert again == paths and stat.S_IMODE(paths[0].stat().st_mode) == 0o600


def test_refuses_a_file_a_link_and_an_unknown_format(session: Session, inspection: Inspection,
                                                     tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(ExportError, match="not a folder"):
        export_inspection(session, inspection, "md", a_file)
    with pytest.raises(ExportError, match="unknown export format"):
        export_inspection(session, inspection, "pdf", tmp_path / "pdf")
    out = tmp_path / "linked"
    out.mkdir()
    target = tmp_path / "elsewhere.csv"
    target.write_text("outside")
    (out / "evidence-matrix.csv").symlink_to(target)
    with pytest.raises(ExportError, match="symbolic link"):
        export_inspection(session, inspection, "csv", out, overwrite=True)
    assert target.read_text() == "outside"


def test_safe_filenames_are_unique_and_portable() -> None:
    taken: set[str] = set()
    names = [safe_filename(t, taken) for t in
             ["Parent meeting", "parent  MEETING!", "../../etc/passwd", "", "Café: été",
              "CON", "x" * 200]]
    assert names[:6] == ["parent-meeting.md", "parent-meeting-2.md", "etc-passwd.md", "note.md",
                         "cafe-ete.md", "note-con.md"]
    assert len(names[6]) == 63 and len(set(n.casefold() for n in names)) == len(names)


def test_grade_summary(session: Session, inspection: Inspection) -> None:
    summary = grade_summary(session.list_notes(inspection))
    assert list(summary) == [item for item, _ in EVALUATION_ITEMS]
    assert summary["chronology"] == Counter({"weak": 2})
    assert summary["risk_assessment"] == Counter({"good": 1})
    assert summary["outcomes"] == Counter()


def test_failed_export_leaves_nothing_behind(session: Session, inspection: Inspection,
                                             tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import store.inspection._export_text as export

    def broken(*args: object) -> bytes:
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(export, "_matrix_rows", broken)
    out = tmp_path / "new" / "folder"
    with pytest.raises(RuntimeError, match="disk trouble"):
        export_inspection(session, inspection, "csv", out)
    assert not out.exists()  # the grades file written first was removed, and the new folder


def test_an_export_is_recorded_as_an_audit_event(session, tmp_path) -> None:  # noqa: ANN001
    from store.inspection import export_inspection

    ins = session.find_inspection(None)
    session.create(ins, "note", "Exported", "text", tags=["S1"])
    paths = export_inspection(session, ins, "md", tmp_path / "out")
    session.record_audit(ins, "export", format="md", files=len(paths))
    [event] = session.audit_events(ins)
    assert event["type"] == "audit.export" and event["details"] == {"format": "md", "files": 1}
    assert event["by"] == "AI" and not session.list_notes(ins)[0].title.startswith("audit")
    assert len(session.list_notes(ins)) == 1
