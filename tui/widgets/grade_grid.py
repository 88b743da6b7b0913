"""The evaluation items of a record review as one grid: a row per item, all on one screen.

Each row shows the item, its grade and the start of its rationale::

     Evaluation item             Grade           Rationale
     Initial response to risk    good            IRD held within 24 h; police and…
    ▶Chronology                  ·               ⏎ to write
     ...
     2 of 10 graded · good 1 · weak 1

The grid takes the focus as one widget and keeps a cursor row. A digit 1–6 grades the row
(excellent … unsatisfactory) and moves to the next; so does a grade's first letter (e, v, g,
a, w, u); delete clears. Enter opens the row's rationale in place, under the row; tab or escape
closes it again, back on the same row. Up from the first row and down from the last leave the
grid, as tab does. Other printable keys say what the keys are (they never vanish silently).

Each row is a :class:`GradeRow` with the id of its grade field (``f-<item>_grade``) and the
``value``/``choices`` of a choice field, and each rationale a :class:`LongText` with its own
field id, so the editor reads and writes them through the field registry like any field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Label, TextArea

from store import FieldSpec

from .fields import LongText
from .keys import say_not_here, unbound_printable

#: how grades are shown in the summary line
_SHORT = {"excellent": "exc.", "very good": "v.good", "good": "good", "adequate": "adeq.",
          "weak": "weak", "unsatisfactory": "unsat."}
_LABEL_WIDTH = 28
_GRADE_WIDTH = 16


@dataclass(frozen=True)
class GridItem:
    """One row: the item's label, its grade field's name and its rationale field's name."""

    label: str
    grade: str
    rationale: str


def group_grades(fields: Sequence[FieldSpec], short_labels: Mapping[str, str] | None = None
                 ) -> list[FieldSpec | tuple[GridItem, ...]]:
    """A template's fields in form order, with each run of two or more graded items (a
    ``<item>_grade`` grade followed by its ``<item>_rationale`` long text) made one grid.
    ``short_labels`` names items shortly (``{"views_of_child": "Views of the child"}``)."""
    out: list[FieldSpec | tuple[GridItem, ...]] = []
    run: list[GridItem] = []

    def end_run() -> None:
        if len(run) >= 2:
            out.append(tuple(run))
        else:
            out.extend(spec for item in run for spec in (by_name[item.grade],
                                                         by_name[item.rationale]))
        run.clear()

    by_name = {f.name: f for f in fields}
    i = 0
    while i < len(fields):
        spec = fields[i]
        nxt = fields[i + 1] if i + 1 < len(fields) else None
        item = spec.name.removesuffix("_grade")
        if (spec.type == "grade" and spec.name.endswith("_grade") and nxt is not None
                and nxt.type == "longtext" and nxt.name == f"{item}_rationale"):
            label = (short_labels or {}).get(item) or spec.label.removesuffix(" grade")
            run.append(GridItem(label, spec.name, nxt.name))
            i += 2
            continue
        end_run()
        out.append(spec)
        i += 1
    end_run()
    return out


class GradeRow(Widget):
    """One evaluation item: label, grade, the first line of the rationale."""

    DEFAULT_CSS = """
    GradeRow { height: 1; width: 1fr; }
    GradeRow.-empty > .grade-row--grade { color: $text-muted; }
    GradeRow.-cursor { text-style: reverse bold; }
    """

    value: reactive[str | None] = reactive(None, init=False)

    class Changed(Message):
        def __init__(self, row: GradeRow, value: str | None) -> None:
            super().__init__()
            self.row = row
            self.value = value

        @property
        def control(self) -> GradeRow:
            return self.row

    def __init__(self, label: str, choices: Sequence[str], *, id: str) -> None:
        super().__init__(id=id)
        self.label = label
        self.choices = tuple(choices)
        self.rationale = ""

    def validate_value(self, value: str | None) -> str | None:
        return value if value in self.choices else None

    def watch_value(self, value: str | None) -> None:
        self.post_message(self.Changed(self, value))

    def show_rationale(self, text: str) -> None:
        self.rationale = text
        self.refresh()

    def render(self) -> Text:
        first = " ".join(self.rationale.split())
        out = Text(no_wrap=True, overflow="ellipsis", end="")
        marker = "▶" if self.has_class("-cursor") else " "
        out.append(marker)
        label = self.label if len(self.label) < _LABEL_WIDTH else \
            self.label[:_LABEL_WIDTH - 2] + "…"
        out.append(f"{label:<{_LABEL_WIDTH}}")
        grade = self.value or "·"
        out.append(f"{grade:<{_GRADE_WIDTH}}", style="bold" if self.value else "dim")
        room = max(0, self.size.width - out.cell_len)
        if first:
            out.append(first if len(first) <= room else first[:max(0, room - 1)] + "…")
        else:
            out.append("⏎ to write"[:room], style="dim")
        return out


class RationaleText(LongText):
    """A row's rationale, opened in place; tab, shift+tab or escape close it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,tab,shift+tab", "close", "Back to the grades", id="rationale.close"),
    ]

    def on_key(self, event: events.Key) -> None:
        """Closed as the key arrives (not by the binding, which runs later): a grade typed
        right after tab goes to the grid, not into this text."""
        grid = self.parent
        if not isinstance(grid, GradeGrid):
            return
        if not self.has_class("-open"):
            # closed a moment ago, the focus not back on the grid yet: the grid's key
            event.stop()
            event.prevent_default()
            grid.take_key(event)
        elif event.key in ("escape", "tab", "shift+tab"):
            event.stop()
            event.prevent_default()
            self.action_close()

    def action_close(self) -> None:
        grid = self.parent
        if isinstance(grid, GradeGrid):
            grid.close_rationale()


class GradeGrid(Vertical, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "grade(1)", "Grade", key_display="1–6", id="grid.grade"),
        *(Binding(str(n), f"grade({n})", f"Grade {n}", show=False, id=f"grid.grade{n}")
          for n in range(2, 7)),
        Binding("enter", "rationale", "Rationale", id="grid.rationale"),
        Binding("delete,backspace", "clear", "Clear grade", show=False, id="grid.clear"),
        Binding("down,j", "move(1)", "Down", show=False, id="grid.down"),
        Binding("up,k", "move(-1)", "Up", show=False, id="grid.up"),
        Binding("home", "first", "First item", show=False, id="grid.first"),
        Binding("end", "last", "Last item", show=False, id="grid.last"),
    ]
    DEFAULT_CSS = """
    GradeGrid { height: auto; width: 100%; }
    GradeGrid > .grid-heading { width: 100%; color: $text-muted; text-style: bold; }
    GradeGrid > .grid-summary { width: 100%; color: $text-muted; }
    GradeGrid > RationaleText { display: none; height: 4; margin-left: 2; }
    GradeGrid > RationaleText.-open { display: block; }
    """

    cursor: reactive[int] = reactive(0, init=False)

    def __init__(self, items: Sequence[GridItem], choices: Sequence[str], *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.items = tuple(items)
        self.choices = tuple(choices)

    def compose(self) -> ComposeResult:
        heading = Text(" " + f"{'Evaluation item':<{_LABEL_WIDTH}}" + f"{'Grade':<{_GRADE_WIDTH}}"
                       + "Rationale")
        yield Label(heading, classes="grid-heading")
        for item in self.items:
            yield GradeRow(item.label, self.choices, id=f"f-{item.grade}")
            yield RationaleText(id=f"f-{item.rationale}", classes="longtext")
        yield Label("", classes="grid-summary", markup=False)

    def on_mount(self) -> None:
        self._mark()
        self._summary()

    # -- rows ------------------------------------------------------------------------------------
    def rows(self) -> list[GradeRow]:
        return list(self.query(GradeRow))

    def rationale(self, index: int) -> RationaleText:
        return self.query_one(f"#f-{self.items[index].rationale}", RationaleText)

    def _mark(self) -> None:
        """The cursor row in reverse video while the grid has the focus (a class, not
        ``:focus`` in the stylesheet: Textual does not restyle children on their parent's
        focus)."""
        for i, row in enumerate(self.rows()):
            row.set_class(i == self.cursor and self.is_focused, "-cursor")
            row.refresh()

    def watch_cursor(self) -> None:
        self._mark()
        self.rows()[self.cursor].scroll_visible(animate=False)

    def on_focus(self) -> None:
        self._mark()

    def on_blur(self) -> None:
        self._mark()

    def _summary(self) -> None:
        grades = [row.value for row in self.rows() if row.value]
        counts = [f"{_SHORT.get(g, g)} {grades.count(g)}" for g in self.choices if g in grades]
        text = f"{len(grades)} of {len(self.items)} graded" + (
            " · " + " · ".join(counts) if counts else "")
        self.query_one(".grid-summary", Label).update(" " + text)

    @on(GradeRow.Changed)
    def _grade_changed(self) -> None:
        self._summary()

    @on(TextArea.Changed)
    def _rationale_changed(self, event: TextArea.Changed) -> None:
        for i, item in enumerate(self.items):
            if event.text_area.id == f"f-{item.rationale}":
                self.rows()[i].show_rationale(event.text_area.text)

    @property
    def is_focused(self) -> bool:
        """The screen's focus is on the grid (whether or not the terminal window has it)."""
        return self.is_mounted and self.screen.focused is self

    def focus_row(self, index: int) -> None:
        self.cursor = max(0, min(index, len(self.items) - 1))
        self.focus()

    def focus_field(self, widget: Widget) -> None:
        """Show ``widget`` (a row, or a rationale, which opens) with the focus."""
        for i, item in enumerate(self.items):
            if widget.id == f"f-{item.grade}":
                self.focus_row(i)
            elif widget.id == f"f-{item.rationale}":
                self.cursor = i
                self.action_rationale()

    # -- keys ------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The grid's keys are the grid's only: in an open rationale, enter and digits are
        text, and the footer does not offer them."""
        return self.is_focused

    def action_grade(self, n: int) -> None:
        self.rows()[self.cursor].value = self.choices[n - 1]
        self.action_move(1)

    def action_clear(self) -> None:
        self.rows()[self.cursor].value = None

    def action_move(self, delta: int) -> None:
        target = self.cursor + delta
        if target < 0:
            self.screen.focus_previous()
        elif target >= len(self.items):
            self.screen.focus_next()
        else:
            self.cursor = target

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.items) - 1

    def action_rationale(self) -> None:
        area = self.rationale(self.cursor)
        area.add_class("-open")
        area.move_cursor(area.document.end)
        area.focus()

    def close_rationale(self) -> None:
        for i in range(len(self.items)):
            area = self.rationale(i)
            if area.has_class("-open"):
                area.remove_class("-open")
                self.cursor = i
        # at once, not on the next turn as focus() would: a grade typed right after tab
        # belongs to the grid, not to the text being closed
        self.screen.set_focus(self)

    def _opening(self) -> RationaleText | None:
        """A rationale opened by enter that the focus has not reached yet."""
        return next((a for a in self.query(RationaleText) if a.has_class("-open")), None)

    def on_key(self, event: events.Key) -> None:
        """Every key of the grid is handled here, as it arrives, not by its bindings (which
        list them): Textual runs a binding only once the key has come back up to the app,
        after the keys typed behind it have reached the grid, so enter then a quick word
        would grade rows before the rationale opened."""
        if self.focused_here() is self:
            self.take_key(event)

    def take_key(self, event: events.Key) -> None:
        """A key for the grid (from itself, or from a rationale that has just closed)."""
        char = event.character or ""
        opening = self._opening()
        if opening is not None and event.is_printable and char:
            # typed (or pasted) right after enter, before the focus moved: the text's, in order
            event.stop()
            opening.insert(char)
            return
        action = self._action_for(event.key, char)
        if action is not None:
            event.stop()
            action()
            return
        if unbound_printable(self, event) or char.isdigit():
            event.stop()
            say_not_here(self, f"In the grades: 1–{len(self.choices)} or a grade's first "
                               "letter grades the row; enter writes its rationale.")

    def _action_for(self, key: str, char: str) -> Callable[[], None] | None:
        if char.isdigit() and 1 <= int(char) <= len(self.choices):
            return partial(self.action_grade, int(char))
        initials = {c[:1].casefold(): i for i, c in enumerate(self.choices)}
        if char.isalpha() and len(initials) == len(self.choices) and \
                char.casefold() in initials:
            return partial(self.action_grade, initials[char.casefold()] + 1)
        return {
            "enter": self.action_rationale, "delete": self.action_clear,
            "backspace": self.action_clear, "down": partial(self.action_move, 1),
            "j": partial(self.action_move, 1), "up": partial(self.action_move, -1),
            "k": partial(self.action_move, -1), "home": self.action_first,
            "end": self.action_last, "tab": self.screen.focus_next,
            "shift+tab": self.screen.focus_previous,
        }.get(key)

    def focused_here(self) -> Widget | None:
        return self.screen.focused
