"""The evidence matrix (statements and QI 2.1 against evidence status, strengths and areas for
development), over the store's own rules (``store.inspection``: evidence) so the screen, the
CLI and the export count the same way. The concerns queue is in ``concerns.py``."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Label

from store import Inspection
from store.inspection import (
    COLUMN_LABELS,
    EVIDENCE_COLUMNS,
    EVIDENCE_ROWS,
    ROW_SHORT_LABELS,
    evidence_matrix,
)

from ..widgets.key_footer import KeyFooter
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
        yield KeyFooter(compact=True)

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
        from store.inspection import as_seen

        # excerpts quote passages of the text: the bodies are decrypted for them; a concern on an
        # inspection this device does not lead counts by its raiser's part
        notes = self.session.load_bodies(self.session.list_notes(self.inspection))
        return [as_seen(self.session, n) for n in notes]

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
        """The notes behind the cell, in a workspace of their own; the app opens it (the
        matrix is opened from the workspace and does not import it back)."""
        if self.matrix is None:
            return
        row, col = self._cell()
        ids = self.matrix.note_ids[(row, col)]
        self.fp.show_notes(self.inspection, ids, f"{row} × {COLUMN_LABELS[col]}")

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
