"""Fast structured forms (issue 13): the record review's grade grid, compact choices and boxes,
and keys that never vanish silently on a widget that takes no text."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from store import Profile, Session
from store.inspection import EVALUATION_ITEMS, SIX_POINT_SCALE
from tui.screens.editor import EditorScreen
from tui.widgets.checklist import ChecklistField
from tui.widgets.choice import ChoiceField, ChoicePicker
from tui.widgets.grade_grid import GradeGrid, RationaleText
from tui.widgets.tickbox import TickBox

from .conftest import make_app, unlock

pytestmark = pytest.mark.anyio


class Keys:
    """Presses keys through the pilot, counting every key that is not part of typed text."""

    def __init__(self, pilot: Any) -> None:
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        for key in keys:
            await self.pilot.press(key)

    async def type(self, text: str) -> None:
        """Text typed into the focused field: not counted."""
        await self.pilot.press(*text)


async def open_editor(pilot: Any, session: Session, kind: str,
                      note_id: str | None = None) -> EditorScreen:
    await unlock(pilot, session)
    ins = session.find_inspection(None)
    pilot.app.push_screen(EditorScreen(ins, kind, note_id))
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, EditorScreen)
    return screen


async def test_digit_grading_fills_a_full_record_review_in_30_keys(
        fprofile: Profile, fsession: Session) -> None:
    """Every field of a record review an inspector fills while reading, all ten items graded
    and two rationales written, in at most 30 keystrokes besides the text itself."""
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot, fsession, "record_review")
        keys = Keys(pilot)
        await keys.type("R-017 review")                    # title (focused on opening)
        await keys.press("tab")
        await keys.type("R-017")                           # pseudonym
        await keys.press("tab", "1", "2", "5")             # agencies: social work, health, SCRA
        await keys.press("tab", "3")                       # age band 5–10, and on
        await keys.press("1")                              # category: child protection, and on
        await keys.type("Social Worker")                   # records reader
        await keys.press("tab")
        await keys.type("Inspector")                       # paired inspector
        await keys.press("tab")                            # into the grid
        assert isinstance(app.focused, GradeGrid)
        await keys.press("enter")                          # the first item's rationale
        assert isinstance(app.focused, RationaleText)
        await keys.type("IRD held within 24 h")
        await keys.press("tab", "3")                       # back to the row; good, and down
        await keys.press("enter")
        await keys.type("No chronology since March")
        await keys.press("tab", "5")                       # weak
        await keys.press(*"12346543")                      # the other eight items
        assert not isinstance(app.focused, GradeGrid)      # past the last item: out of the grid
        await keys.press("ctrl+s")
        await pilot.pause()
        assert keys.count <= 30, keys.count
        note = fsession.get(editor.note_id)
        assert note.state == "active" and note.title == "R-017 review"
        fields = note.fields
        assert fields["pseudonym"] == "R-017"
        assert fields["agencies"] == ["social work", "health", "SCRA"]
        assert (fields["age_band"], fields["category"]) == ("5–10", "child protection")
        assert (fields["reader"], fields["paired_inspector"]) == ("Social Worker", "Inspector")
        grades = [fields[f"{item}_grade"] for item, _ in EVALUATION_ITEMS]
        assert grades == [SIX_POINT_SCALE[int(d) - 1] for d in "3512346543"]
        assert fields["initial_response_rationale"] == "IRD held within 24 h"
        assert fields["chronology_rationale"] == "No chronology since March"
        summary = str(editor.query_one(".grid-summary").render())
        assert "10 of 10 graded" in summary and "good 3 · adeq. 2 · weak 2" in summary


async def test_grid_letters_clear_and_the_summary(fprofile: Profile, fsession: Session) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot, fsession, "record_review")
        grid = editor.query_one(GradeGrid)
        grid.focus_row(0)
        await pilot.press("e", "v", "u")  # excellent, very good, unsatisfactory
        rows = grid.rows()
        assert [r.value for r in rows[:3]] == ["excellent", "very good", "unsatisfactory"]
        assert grid.cursor == 3
        await pilot.press("up", "delete")
        assert rows[2].value is None
        assert "2 of 10 graded · exc. 1 · v.good 1" in str(
            grid.query_one(".grid-summary").render())
        await pilot.press("up", "up", "up")  # up from the first item leaves the grid
        assert app.focused is editor.query_one("#f-paired_inspector", Input)


async def test_grid_rationale_opens_in_place_and_escape_returns(
        fprofile: Profile, fsession: Session) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot, fsession, "record_review")
        grid = editor.query_one(GradeGrid)
        grid.focus_row(4)
        await pilot.press("enter")
        area = app.focused
        assert isinstance(area, RationaleText) and area.id == "f-views_of_child_rationale"
        assert area.display and area.region.y > grid.rows()[4].region.y  # under its row
        await pilot.press(*"Asked twice", "escape")
        assert app.focused is grid and grid.cursor == 4
        assert not area.display  # closed; the row shows its start
        assert "Asked twice" in str(grid.rows()[4].render())
        assert isinstance(app.screen, EditorScreen)  # escape closed the text, not the editor


async def test_choices_take_digits_and_letters(fprofile: Profile, fsession: Session) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot, fsession, "interview")
        kind = editor.query_one("#f-participant_type", ChoiceField)
        kind.focus()
        await pilot.press("p")  # parent or carer: a letter picks and stays
        assert kind.value == "parent or carer" and app.focused is kind
        assert "● parent or carer" in str(kind.render())  # all choices on the line
        await pilot.press("2")  # a digit picks and moves on
        assert kind.value == "young person"
        assert app.focused is editor.query_one("#f-agreement_obtained", TickBox)
        kind.focus()
        await pilot.press("enter")  # the list, numbered
        assert isinstance(app.screen, ChoicePicker)
        await pilot.press("4")
        assert kind.value == "staff" and app.screen is editor


async def test_checklist_digits_and_cursor(fprofile: Profile, fsession: Session) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot, fsession, "focus_group")
        agencies = editor.query_one("#f-agencies", ChecklistField)
        agencies.focus()
        await pilot.press("4", "2", "4")
        assert agencies.value == ["health"]
        await pilot.press("left", "space")  # the cursor was on police: education
        assert agencies.value == ["health", "education"]
        await pilot.press("s", "space")  # s: the next choice starting with s, SCRA
        assert agencies.value == ["health", "education", "SCRA"]
        assert "☑ health" in str(agencies.render()) and "☐ police" in str(agencies.render())


async def test_a_stray_key_on_a_box_is_said_not_swallowed(fprofile: Profile,
                                                          fsession: Session) -> None:
    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot, fsession, "interview")
        box = editor.query_one("#f-agreement_obtained", TickBox)
        box.focus()
        await pilot.pause()
        # the focus is seen from across the room: the box's row is marked (its label reversed)
        assert box.parent.has_class("-focus-row")
        assert not editor.query_one("#row-title").has_class("-focus-row")
        await pilot.press("x")
        assert box.value is False  # nothing ticked by a letter
        notes = [n.message for n in app._notifications]
        assert any("space ticks it" in m and "text field" in m for m in notes), notes
        await pilot.press("space")
        assert box.value is True
        assert "☑" in str(box.render())
        await pilot.press("enter")  # enter on a box: the next field
        assert app.focused is editor.query_one("#f-attendees", Input)


async def test_first_run_enter_continues_once_ticked(tmp_path: Any) -> None:
    """On "I have written it down": enter says it must be ticked; space ticks; enter goes on."""
    from tui.screens.inspections import InspectionsScreen
    from tui.screens.unlock import RecoveryKeyScreen

    app = make_app(Profile(tmp_path / "new"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.query_one("#pass1", Input).value = "a long enough passphrase"
        app.screen.query_one("#pass2", Input).value = "a long enough passphrase"
        app.screen.query_one("#pass2", Input).focus()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecoveryKeyScreen)
        assert app.focused is screen.query_one("#written", TickBox)
        await pilot.press("enter")
        assert isinstance(app.screen, RecoveryKeyScreen)
        hint = str(screen.query_one("#written-hint").render())
        assert "first (space ticks it)" in hint and "not shown again" in hint
        assert screen.query_one("#written", TickBox).value is False  # enter did not tick it
        await pilot.press("space", "enter")
        await pilot.pause()
        assert isinstance(app.screen, InspectionsScreen)


async def test_text_typed_right_after_enter_goes_to_the_rationale(
        fprofile: Profile, fsession: Session) -> None:
    """Fast typing (or a paste) reaches the grid before the focus moves to the rationale it
    opened: the keys are the rationale's text, in order, not grades."""
    from textual import events

    app = make_app(fprofile)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot, fsession, "record_review")
        grid = editor.query_one(GradeGrid)
        grid.focus_row(0)
        await pilot.pause()
        # enter and three letters in the app's queue at once, as a terminal delivers them: the
        # letters are read before the focus, which enter moves on the next turn, has moved
        app.post_message(events.Key("enter", "\r"))
        for char in "wav":
            app.post_message(events.Key(char, char))
        await pilot.pause()
        await pilot.pause()
        area = grid.rationale(0)
        assert area.text == "wav" and grid.rows()[0].value is None
        app.post_message(events.Key("tab", None))  # closed at once: the 3 grades the row
        app.post_message(events.Key("3", "3"))
        await pilot.pause()
        await pilot.pause()
        assert grid.rows()[0].value == "good" and area.text == "wav"
