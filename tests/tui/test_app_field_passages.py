"""Tagging a passage in any long text field of a form (issue 12): a quote in an interview's Key
quotes, a sentence of a record review's rationale. The tag names its field, is kept anchored to
its words as the text around it changes, and the passages line says where it is."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Label, TextArea
from textual.widgets.text_area import Selection

from store import PassageTag, Session
from tui.screens.editor import EditorScreen, TagModal
from tui.widgets.grade_grid import GradeGrid

from .conftest import make_app
from .test_app_editor import open_workspace

pytestmark = pytest.mark.anyio

QUOTE = "“I feel listened to now.”"


async def _open(pilot: Any, session: Session) -> EditorScreen:
    await open_workspace(pilot, session)
    await pilot.press("enter")  # the only note
    await pilot.pause()
    editor = pilot.app.screen
    assert isinstance(editor, EditorScreen)
    return editor


async def _tag_selection(pilot: Any, area: TextArea, start: int, end: int) -> None:
    """Select ``area.text[start:end]`` (one line) and tag it S1 with ctrl+t."""
    area.focus()
    await pilot.pause()
    area.selection = Selection((0, start), (0, end))
    await pilot.press("ctrl+t")
    await pilot.pause()
    assert isinstance(pilot.app.screen, TagModal), "ctrl+t did not offer the tags"
    await pilot.press("space", "ctrl+s")  # S1, the first choice
    await pilot.pause()
    assert isinstance(pilot.app.screen, EditorScreen)


async def test_tag_a_quote_in_key_quotes(fprofile: Any, fsession: Session) -> None:
    ins = fsession.find_inspection(None)
    quotes = f"Said: {QUOTE}"
    note = fsession.create(ins, "interview", "Young person", "Met at the unit.",
                           {"participant_type": "young person", "agreement_obtained": True,
                            "key_quotes": quotes})
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await _open(pilot, fsession)
        area = editor.query_one("#f-key_quotes", TextArea)
        start = len("Said: ")
        await _tag_selection(pilot, area, start, start + len(QUOTE))
        line = str(editor.query_one("#passages-line", Label).render())
        assert "S1" in line and "Key quotes" in line and "I feel" in line
        assert area.has_focus  # not sent to the notes

        # the text around the quote changes: the tag follows its words
        area.move_cursor((0, 0))
        await pilot.press(*"Then: ")
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = fsession.get(note.note_id)
        [tag] = saved.passages
        assert tag == PassageTag(start + 6, start + 6 + len(QUOTE), "S1", "key_quotes")
        assert saved.fields["key_quotes"][tag.start:tag.end] == QUOTE
        assert saved.body == "Met at the unit."


async def test_tag_a_sentence_of_a_rationale(fprofile: Any, fsession: Session) -> None:
    ins = fsession.find_inspection(None)
    rationale = "Late at first. Chronology kept up to date since March."
    sentence = "Chronology kept up to date since March."
    note = fsession.create(ins, "record_review", "R-017", "",
                           {"pseudonym": "R-017", "chronology_grade": "good",
                            "chronology_rationale": rationale})
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await _open(pilot, fsession)
        grid = editor.query_one(GradeGrid)
        area = editor.query_one("#f-chronology_rationale", TextArea)
        grid.focus_field(area)  # opens the rationale under its row
        await pilot.pause()
        start = rationale.index(sentence)
        await _tag_selection(pilot, area, start, len(rationale))
        assert "Chronology rationale" in str(editor.query_one("#passages-line",
                                                              Label).render())
        # an edit in another long field leaves the tag alone; one before it moves it
        area.focus()
        area.move_cursor((0, 0))
        await pilot.press(*"Was ")
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = fsession.get(note.note_id)
        assert saved.passages == (PassageTag(start + 4, len(rationale) + 4, "S1",
                                             "chronology_rationale"),)
        assert saved.fields["chronology_rationale"][start + 4:] == sentence


async def test_a_passage_whose_words_are_deleted_is_dropped_and_the_bodys_kept(
        fprofile: Any, fsession: Session) -> None:
    ins = fsession.find_inspection(None)
    note = fsession.create(ins, "interview", "Carer", "Met at home.",
                           {"participant_type": "parent or carer", "agreement_obtained": True,
                            "views": "Support came quickly."},
                           passages=[PassageTag(0, 7, "strength", "views"),
                                     PassageTag(0, 3, "S2")])
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await _open(pilot, fsession)
        area = editor.query_one("#f-views", TextArea)
        area.focus()
        area.selection = Selection((0, 0), (0, 7))
        await pilot.press("backspace")
        await pilot.pause()
        assert editor.passages == (PassageTag(0, 3, "S2"),)
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = fsession.get(note.note_id)
        assert saved.fields["views"] == " came quickly."
        assert saved.passages == (PassageTag(0, 3, "S2"),)
