"""``note list`` prints, quickly, exactly what it printed before (issue 16): each JSON row as
``json.dumps`` writes it, dates as each note's own ``updated``, and every title escaped for
the terminal, whatever it holds. In process (``main``), so it runs with the fast tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store import Profile, Session
from tests.conftest import PASSPHRASE
from tui._printable import printable
from tui.cli import main

TITLES = [
    'Quotes " and \\ backslash',
    "Accents: é, ß, 東京, emoji 🙂",
    "Controls \x1b[2J and \x07 bell, DEL \x7f, C1 \x9b",
    "Bidi \u202e override \u2066 isolate, nbsp\u00a0here, tab\there",
]


@pytest.fixture
def listed(profile: Profile, session: Session, tmp_path: Path) -> tuple[Path, list]:
    ins = session.find_inspection(None)
    notes = [session.create(ins, "note", t, "body", tags=["S1", "#code"] if i % 2 else [])
             for i, t in enumerate(TITLES)]
    session.lock()
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    return secret, notes


def run_list(profile: Profile, secret: Path, capsys: pytest.CaptureFixture[str],
             *extra: str) -> str:
    capsys.readouterr()
    assert main(["--profile", str(profile.directory), "--passphrase-file", str(secret),
                 "note", "list", *extra]) == 0
    return capsys.readouterr().out


def test_json_rows_are_written_as_json_dumps_writes_them(
        profile: Profile, listed: tuple[Path, list], capsys: pytest.CaptureFixture[str]) -> None:
    secret, notes = listed
    text = run_list(profile, secret, capsys, "--json")
    rows = json.loads(text)
    assert sorted(r["title"] for r in rows) == sorted(TITLES)
    by_id = {n.note_id: n for n in notes}
    for r in rows:
        assert r["updated"] == by_id[r["id"]].updated.isoformat(timespec="seconds")
    # byte for byte the layout of one ``json.dumps`` per row, escaped for the terminal
    expected = "[\n" + ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in rows) + "\n]"
    assert text == printable(expected) + "\n"
    assert "\x1b" not in text and "\u202e" not in text and "\x9b" not in text


def test_table_rows_escape_titles(profile: Profile, listed: tuple[Path, list],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    secret, _ = listed
    text = run_list(profile, secret, capsys)
    assert len(text.splitlines()) == len(TITLES)
    for bad in ("\x1b", "\x07", "\x7f", "\x9b", "\u202e", "\u2066", "\t"):
        assert bad not in text
    assert "\\u001b" in text and "東京" in text


@pytest.mark.parametrize("one_line", [False, True])
def test_printable_passes_clean_text_and_escapes_the_rest_as_before(one_line: bool) -> None:
    from tui._printable import _MULTILINE, _ONE_LINE, _escape

    pattern = _ONE_LINE if one_line else _MULTILINE
    samples = ["plain", "line\nfeed\ttab", "crlf\r\n", *TITLES,
               *(f"a{chr(cp)}b" for cp in range(0x0, 0x3000))]
    for s in samples:
        assert printable(s, one_line=one_line) == pattern.sub(_escape, s), repr(s)


def test_rows_name_each_notes_own_inspection_tags_and_date(
        profile: Profile, session: Session, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    # the list escapes values that repeat (inspections, kinds, tag sets, seconds) once each:
    # every row must still carry its own note's
    first = session.find_inspection(None)
    other = session.add_inspection('Quoted "North" — 東')
    made = [session.create(ins, kind, f"t{i}", "", tags=tags)
            for i, (ins, kind, tags) in enumerate([
                (first, "note", ["S1"]), (other, "observation", ["S1", "#a-b"]),
                (other, "note", []), (first, "observation", ["S1", "#a-b"])])]
    session.lock()
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    rows = {r["id"]: r for r in json.loads(run_list(profile, secret, capsys, "--json"))}
    table = run_list(profile, secret, capsys).splitlines()
    names = {first.inspection_id: first.name, other.inspection_id: other.name}
    for note in made:
        r = rows[note.note_id]
        assert (r["inspection"], r["kind"], r["title"], r["tags"], r["rev"], r["updated"]) == (
            names[note.inspection_id], note.kind, note.title, list(note.tags), note.rev,
            note.updated.isoformat(timespec="seconds"))
        assert [line for line in table if line.startswith(note.note_id[:8])] == [
            f"{note.note_id[:8]}   {note.kind:<14} {note.title:<36} {r['author']:<6} "
            f"{r['updated'][:16]}"]


@pytest.mark.parametrize("title", [
    "plain ASCII", "DEL \x7f alone", "Accents é, 東京", "C1 \x9b alone", "bidi \u202e alone",
    'quote " and \\ backslash', "bell \x07 alone"])
def test_each_title_alone_takes_its_own_path_and_is_escaped(
        profile: Profile, session: Session, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], title: str) -> None:
    # the printability of the JSON text is decided without scanning it where that is sure
    # (ASCII text can hold only DEL after json's escapes): each kind of title on its own
    ins = session.find_inspection(None)
    session.create(ins, "note", title, "body")
    session.lock()
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    text = run_list(profile, secret, capsys, "--json")
    rows = json.loads(text)
    assert [r["title"] for r in rows] == [title]  # escaped as JSON escapes: read back whole
    expected = "[\n" + "  " + json.dumps(
        {**rows[0], "title": title}, ensure_ascii=False) + "\n]"
    assert text == printable(expected) + "\n"
    assert not any(c in text for c in "\x7f\x9b\u202e\x07\x1b")


def _updated_as_before(hlcs: list[str]) -> list[str]:
    from datetime import UTC, datetime

    return [datetime.fromtimestamp(int(h.partition("-")[0][:-3] or "0"), UTC)
            .isoformat(timespec="seconds") for h in hlcs]


WALLS = st.integers(0, 9_999_999_999_999)
HLCS = st.one_of(
    st.builds(lambda w, c: f"{w:013d}-{c:04d}-0a1b2c3d", WALLS, st.integers(0, 9999)),
    st.builds(lambda w: f"{w}-0000-x", st.integers(0, 99_999_999_999)),  # a shorter wall
    st.builds(lambda w: f"{w:013d}", WALLS),  # no counter at all
)


@given(st.lists(HLCS, max_size=20))
def test_updated_is_each_notes_own_second_whatever_its_hlc_looks_like(hlcs: list[str]) -> None:
    from tui.cli._note import _updated_texts

    assert _updated_texts(hlcs) == _updated_as_before(hlcs)
