"""Records reading: an inspection's record reviews with their moderation state, the summary of
grades per evaluation item across them, and the moderation dialog (agree, or amend with notes
and changed grades). Counting and saving are the store's (``store.inspection``), so the screen,
``fieldpad review`` and the CSV export agree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    DataTable,
    Label,
    RadioSet,
    TextArea,
)

from store import Inspection, Note, ValidationFailed
from store.inspection import (
    AGREED,
    AMENDED,
    EVALUATION_ITEMS,
    ITEM_SHORT_LABELS,
    MODERATION_STATES,
    SIX_POINT_SCALE,
    grade_of,
    moderate,
    moderation_of,
    review_summary,
)

from .._printable import printable
from ..widgets.choice import ChoiceField
from ..widgets.tickbox import RadioMark
from ..widgets.title_bar import TitleBar
from ._base import BaseModal
from ._table import TableScreen

#: Column headings for the six-point scale: the summary fits 80 columns.
GRADE_SHORT = {"excellent": "exc.", "very good": "v.good", "good": "good",
               "adequate": "adeq.", "weak": "weak", "unsatisfactory": "unsat."}
_ITEM_WIDTH = 28


class ReviewsScreen(TableScreen[Note]):
    """Record reviews (moderation state) above, the grade summary below."""

    NAME = "Record reviews"
    TABLE_ID = "reviews"
    COLUMNS = (("Pseudonym", "pseudonym", None), ("Title", "title", None), ("By", "by", None),
               ("Graded", "graded", None), ("Moderation", "moderation", None))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "moderate", "Moderate", id="reviews.moderate"),
        Binding("enter", "open", "Open", id="reviews.open"),
        Binding("escape", "back", "Back", id="reviews.back"),
    ]
    CSS = """
    ReviewsScreen #reviews { height: 1fr; min-height: 3; }
    ReviewsScreen #summary-caption { width: 100%; padding: 0 1; color: $text-muted;
                                     background: $panel; }
    ReviewsScreen #grade-summary { height: auto; max-height: 12; }
    """

    def __init__(self, inspection: Inspection) -> None:
        super().__init__()
        self.inspection = inspection

    @property
    def reviews(self) -> list[Note]:
        return self.rows

    def heading(self) -> str:
        return f"Record reviews · {self.inspection.name}"

    def compose_below(self) -> ComposeResult:
        yield Label("", id="summary-caption", markup=False)
        # no cell padding: the spaces are in the labels, so the summary fits 80 columns
        yield DataTable(id="grade-summary", cursor_type="row", cell_padding=0,
                        show_cursor=False)

    def on_mount(self) -> None:
        # before TableScreen's on_mount loads the rows (Textual runs the subclass's first)
        summary = self.query_one("#grade-summary", DataTable)
        summary.add_column(Text(" Evaluation item"), key="item", width=_ITEM_WIDTH)
        for grade in SIX_POINT_SCALE:
            summary.add_column(Text(f" {GRADE_SHORT[grade]:>6}", justify="right"), key=grade)
        summary.add_column(Text(" graded", justify="right"), key="graded")

    def fetch(self) -> list[Note]:
        notes = self.session.list_notes(self.inspection, kind="record_review")
        return sorted(notes, key=lambda n: (str(n.fields.get("pseudonym") or ""),
                                            n.title.lower(), n.note_id))

    def row_key(self, row: Note) -> str:
        return row.note_id

    def cells(self, row: Note) -> Sequence[object]:
        graded = sum(1 for item, _ in EVALUATION_ITEMS if grade_of(row.fields, item))
        state = moderation_of(row)
        title = printable(row.title, one_line=True)[:30] or "(untitled)"
        return (str(row.fields.get("pseudonym") or "–"), Text(title),
                row.author or "?", f"{graded}/{len(EVALUATION_ITEMS)}",
                Text(state, style="dim" if state == MODERATION_STATES[0] else ""))

    def loaded(self) -> None:
        self._summary()

    def _summary(self) -> None:
        summary = review_summary(self.reviews)
        table = self.query_one("#grade-summary", DataTable)
        table.clear()
        for item in summary.items:
            cells = [Text(f" {item.counts[g] or '·':>6}", style="bold" if item.counts[g]
                          else "dim", justify="right") for g in SIX_POINT_SCALE]
            table.add_row(Text(f" {ITEM_SHORT_LABELS[item.item]}"), *cells,
                          Text(f" {item.graded:>6}", justify="right"), key=item.item)
        m = summary.moderation
        n = summary.reviews
        self.query_one(TitleBar).set(right=f"{n} review{'s' if n != 1 else ''} · "
                                           f"{m[AGREED]} agreed · {m[AMENDED]} amended")
        self.query_one("#summary-caption", Label).update(
            f"Grades across {n} review{'s' if n != 1 else ''} · "
            f"{m[MODERATION_STATES[0]]} not yet moderated")

    def _current(self) -> Note | None:
        row = self.current()
        return self.session.notes.get(row.note_id) if row is not None else None

    def action_moderate(self) -> None:
        note = self._current()
        if note is None:
            self.notify("No record review to moderate yet.")
            return

        def done(result: Note | None) -> None:
            if result is not None:
                self.load(keep=result.note_id)
                self.notify(f"Moderated: {moderation_of(result)}.")

        self.app.push_screen(ModerateModal(note), done)

    @on(DataTable.RowSelected, "#reviews")
    def action_open(self) -> None:
        from .editor import EditorScreen

        note = self._current()
        if note is not None:
            self.app.push_screen(EditorScreen(self.inspection, note.kind, note.note_id))


class ModerateModal(BaseModal):
    """Agree with a review's grades, or amend them (notes required) — one revision."""

    NAME = "Moderate"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save moderation", priority=True, id="moderate.save"),
        Binding("escape", "cancel", "Cancel", id="moderate.cancel"),
    ]
    CSS = """
    ModerateModal #moderate-box { height: 90%; max-height: 32; }
    ModerateModal #moderate-decision { layout: horizontal; height: auto; width: 1fr;
                                       border: none; padding: 0; background: $boost; }
    ModerateModal #moderate-decision RadioButton { margin-right: 2; }
    ModerateModal #moderate-notes { height: 3; background: $boost; }
    ModerateModal #moderate-grades { height: 1fr; min-height: 2; scrollbar-size-vertical: 1; }
    ModerateModal .form-label { width: 29; }
    ModerateModal #moderate-message { display: none; }
    """

    def __init__(self, note: Note) -> None:
        super().__init__()
        self.note = note

    def compose(self) -> ComposeResult:
        note = self.note
        pseudonym = str(note.fields.get("pseudonym") or note.title or "review")
        with Vertical(classes="dialog modal-box", id="moderate-box"):
            yield Label(f"Moderate {pseudonym} · now {moderation_of(note)}",
                        classes="dialog-title", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Decision", classes="form-label")
                with RadioSet(id="moderate-decision", compact=True):
                    yield RadioMark("Agree", id="agree", value=True, compact=True)
                    yield RadioMark("Amend", id="amend", compact=True)
            yield Label("Notes (needed to amend: what changed and why)", classes="hint")
            yield TextArea(str(note.fields.get("moderation_notes") or ""), id="moderate-notes",
                           compact=True, tab_behavior="focus", soft_wrap=True,
                           highlight_cursor_line=False)
            yield Label("Grades (change them only to amend)", classes="hint")
            with VerticalScroll(id="moderate-grades", can_focus=False):
                for item, _ in EVALUATION_ITEMS:
                    with Horizontal(classes="form-row"):
                        yield Label(ITEM_SHORT_LABELS[item], classes="form-label", markup=False)
                        yield ChoiceField(SIX_POINT_SCALE, id=f"grade-{item}",
                                          label=ITEM_SHORT_LABELS[item], prompt="not graded",
                                          value=grade_of(note.fields, item) or None)
            yield Label("", id="moderate-message", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#moderate-decision", RadioSet).focus()

    def decision(self) -> str:
        pressed = self.query_one("#moderate-decision", RadioSet).pressed_button
        return AMENDED if pressed is not None and pressed.id == "amend" else AGREED

    def changed_grades(self) -> dict[str, str]:
        """Only the grades that differ from the review's: ``{item: grade or ""}``."""
        out = {}
        for item, _ in EVALUATION_ITEMS:
            value = self.query_one(f"#grade-{item}", ChoiceField).value or ""
            if value != grade_of(self.note.fields, item):
                out[item] = value
        return out

    def _say(self, text: str) -> None:
        label = self.query_one("#moderate-message", Label)
        label.update(text)
        label.display = bool(text)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        notes = self.query_one("#moderate-notes", TextArea).text
        try:
            note = moderate(self.session, self.note.note_id, self.decision(), notes,
                            self.changed_grades() or None)
        except ValidationFailed as exc:
            self._say("; ".join(i.message for i in exc.issues))
            return
        self.dismiss(note)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_radio_set_changed(self, event: Any) -> None:
        self._say("")
