"""The evidence matrix (statements and QI 2.1 against evidence status, strengths and areas for
development) and the concerns queue, both over the store's own rules (``store.inspection``:
evidence, concerns) so the screen, the CLI and the export count the same way."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Label, Static

from store import Inspection
from store.inspection import (
    COLUMN_LABELS,
    EVIDENCE_COLUMNS,
    EVIDENCE_ROWS,
    ROW_SHORT_LABELS,
    concern_steps,
    concerns_queue,
    evidence_matrix,
)

from .._printable import printable
from ..widgets.title_bar import TitleBar
from ._base import BaseScreen

SHORT_COLUMNS = {"status:nsc": "no sig. concern", "afd": "area dev."}


class MatrixScreen(BaseScreen):
    NAME = "Evidence matrix"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "show", "Show notes", id="matrix.show"),
        Binding("u", "uncertainty", "Areas of uncertainty", id="matrix.uncertainty"),
        Binding("h", "cursor_left", "Left", show=False, id="matrix.left"),
        Binding("l", "cursor_right", "Right", show=False, id="matrix.right"),
        Binding("j", "cursor_down", "Down", show=False, id="matrix.down"),
        Binding("k", "cursor_up", "Up", show=False, id="matrix.up"),
        Binding("escape", "back", "Back", id="matrix.back"),
    ]

    def __init__(self, inspection: Inspection) -> None:
        super().__init__()
        self.inspection = inspection
        self._resumed = False
        self.matrix = None

    def compose(self) -> ComposeResult:
        yield TitleBar(f"Evidence matrix · {self.inspection.name}", "")
        # no cell padding: the spaces are in the labels, so the matrix fits 80 columns
        yield DataTable(id="matrix", cursor_type="cell", zebra_stripes=True, cell_padding=0)
        yield Label("", classes="hint", id="matrix-hint", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for col in EVIDENCE_COLUMNS:
            label = SHORT_COLUMNS.get(col, COLUMN_LABELS[col])
            table.add_column(Text(f" {label}", justify="right"), key=col)
        self.load()
        table.focus()

    def on_screen_resume(self) -> None:
        # reload when coming back from the notes (they may have been re-tagged); not on the
        # first showing: a second fill before the first paint loses the row labels
        if self._resumed and self.fp.session is not None and self.is_mounted:
            self.load()
        self._resumed = True

    def _notes(self) -> list:
        return self.session.list_notes(self.inspection)

    def load(self) -> None:
        self.matrix = matrix = evidence_matrix(self._notes())
        table = self.query_one(DataTable)
        cursor = table.cursor_coordinate
        table.clear()
        for row in EVIDENCE_ROWS:
            cells = [Text(str(n or "·"), style="bold" if n else "dim", justify="right")
                     for col in EVIDENCE_COLUMNS for n in [matrix.count(row, col)]]
            table.add_row(*cells, key=row, label=Text(f"{ROW_SHORT_LABELS[row]} "))
        self.query_one(TitleBar).set(right=f"{matrix.total_notes} notes")
        table.cursor_coordinate = cursor
        self._hint()

    def _cell(self) -> tuple[str, str]:
        row, column = self.query_one(DataTable).cursor_coordinate
        return EVIDENCE_ROWS[row], EVIDENCE_COLUMNS[column]

    @on(DataTable.CellHighlighted)
    def _hint(self) -> None:
        if self.matrix is None:
            return
        row, col = self._cell()
        n = self.matrix.count(row, col)
        self.query_one("#matrix-hint", Label).update(
            f"{ROW_SHORT_LABELS[row]} × {COLUMN_LABELS[col]}: {n} note{'s' if n != 1 else ''}"
            " (tagged on the note or on a passage). Enter shows them.")

    @on(DataTable.CellSelected)
    def action_show(self) -> None:
        from .workspace import WorkspaceScreen

        if self.matrix is None:
            return
        row, col = self._cell()
        ids = self.matrix.note_ids[(row, col)]
        self.app.push_screen(WorkspaceScreen(
            self.inspection, note_ids=ids, caption=f"{row} × {COLUMN_LABELS[col]}"))

    def action_uncertainty(self) -> None:
        from .uncertainty import UncertaintyScreen

        self.app.push_screen(UncertaintyScreen(self.inspection))

    def action_cursor_left(self) -> None:
        self.query_one(DataTable).action_cursor_left()

    def action_cursor_right(self) -> None:
        self.query_one(DataTable).action_cursor_right()

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def action_back(self) -> None:
        self.app.pop_screen()


class ConcernsScreen(BaseScreen):
    """Open concern forms, oldest first: how long since raised, decided, referred; below, the
    highlighted concern's steps, each with its time and the device that signed it."""

    NAME = "Concerns"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="concerns.open"),
        Binding("d", "decision", "Decision", id="concerns.decision"),
        Binding("r", "referral", "Referral", id="concerns.referral"),
        Binding("x", "close", "Close", id="concerns.close"),
        Binding("j", "cursor_down", "Down", show=False, id="concerns.down"),
        Binding("k", "cursor_up", "Up", show=False, id="concerns.up"),
        Binding("escape", "back", "Back", id="concerns.back"),
    ]
    DEFAULT_CSS = """
    ConcernsScreen #concerns-table { height: 1fr; }
    ConcernsScreen #concern-steps { height: 5; width: 100%; padding: 0 1;
                                    border-top: hkey $border-blurred; background: $surface; }
    ConcernsScreen #concerns-hint { padding: 0 1; }
    """

    def __init__(self, inspection: Inspection | None = None) -> None:
        super().__init__()
        self.inspection = inspection
        self.queue: list = []

    def compose(self) -> ComposeResult:
        where = self.inspection.name if self.inspection else "all inspections"
        yield TitleBar(f"Concerns queue · {where}", "")
        yield DataTable(id="concerns-table", cursor_type="row")
        yield Static("", id="concern-steps", markup=False)
        yield Label("Oldest first. Closed concerns leave the queue; their history stays.",
                    classes="hint", id="concerns-hint")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (("Raised", "age"), ("Immediacy", "immediacy"), ("Decided", "dec"),
                           ("Referred", "ref"), ("Title", "title")):
            table.add_column(label, key=key)
        self.load()
        table.focus()

    def on_screen_resume(self) -> None:
        if self.fp.session is not None and self.is_mounted:
            self.load()  # back from a concern: it may have been decided or closed

    def load(self) -> None:
        notes = self.session.list_notes(self.inspection, kind="concern")
        self.queue = concerns_queue(notes, self.fp.now())
        table = self.query_one(DataTable)
        table.clear()
        for q in self.queue:
            ins = self.session.inspections.get(q.note.inspection_id)
            urgent = q.immediacy == "immediate" and not q.decided
            title = printable(q.note.title, one_line=True) or "(untitled)"
            if self.inspection is None and ins is not None:
                title += f" · {printable(ins.name, one_line=True)}"
            table.add_row(Text(f"{q.age_label} ago", style="bold" if urgent else ""),
                          Text(q.immediacy or "–", style="bold" if urgent else ""),
                          q.decision or "not yet", "yes" if q.referred else "no",
                          Text(title), key=q.note.note_id)
        n = len(self.queue)
        self.query_one(TitleBar).set(right=f"{n} open")
        if not n:
            self.query_one("#concerns-hint", Label).update("No open concerns.")
        self._show_steps()

    def _current(self):  # noqa: ANN202 - a store QueuedConcern
        row = self.query_one(DataTable).cursor_row
        return self.queue[row] if self.queue and 0 <= row < len(self.queue) else None

    @on(DataTable.RowHighlighted)
    def _show_steps(self) -> None:
        from .concern_step import step_line

        q = self._current()
        panel = self.query_one("#concern-steps", Static)
        if q is None:
            panel.update("")
            return
        steps = concern_steps(q.note, self.session.history(q.note.note_id))
        width = max(20, panel.size.width - 2 if panel.size.width else 76)
        tz = self.fp.now().tzinfo
        own = self.session.device_id
        panel.update(Text("\n").join(step_line(s, tz, width, own) for s in steps))

    def _step(self, step: str) -> None:
        from .concern_step import StepModal

        q = self._current()
        if q is None:
            return

        def done(note) -> None:  # noqa: ANN001 - a store Note or None
            if note is not None:
                self.load()
                self.notify(f"{step.capitalize()} recorded, signed by this device.")

        self.app.push_screen(StepModal(q.note, step), done)

    def action_decision(self) -> None:
        self._step("decision")

    def action_referral(self) -> None:
        self._step("referral")

    def action_close(self) -> None:
        from store import ValidationFailed
        from store.inspection import record_step

        from .confirm import ConfirmModal

        q = self._current()
        if q is None:
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                record_step(self.session, q.note.note_id, "closed", {}, now=self.fp.now())
            except ValidationFailed as exc:
                self.notify(exc.issues[0].message, severity="warning")
                return
            self.load()
            self.notify("Concern closed. It leaves the queue; its history stays.")

        self.app.push_screen(ConfirmModal(
            f"Close “{q.note.title[:50]}”?",
            "It leaves the queue. The closing is a revision signed by this device."),
            confirmed)

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        from .editor import EditorScreen

        table = self.query_one(DataTable)
        if not self.queue:
            return
        q = self.queue[table.cursor_row]
        ins = self.session.inspections.get(q.note.inspection_id)
        if ins is not None:
            self.app.push_screen(EditorScreen(ins, "concern", q.note.note_id))

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def action_back(self) -> None:
        self.app.pop_screen()
