"""The inspections in this profile: notes, open concerns and unsynced records of each."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Footer, Input, Label

from store import Inspection, ValidationFailed

from .._notes import clock, phase_text, summarise
from ..widgets.title_bar import TitleBar
from ._base import BaseModal, BaseScreen


def sync_status(app) -> str:  # noqa: ANN001 - FieldpadApp
    """"synced 17:42 · 3 unsynced": records of team inspections not yet sent. Local
    inspections (the Notebook) never leave this device, so they do not count."""
    session = app.session
    team = {i for i, ins in session.inspections.items() if ins.scope != "local"}
    if not team:
        return "local notes only"
    total = sum(1 for n in session.notes.values() if not n.pushed and n.inspection_id in team)
    when = f"synced {clock(app.last_sync_at)}" if app.last_sync_at else "not synced yet"
    return f"{when} · {total} unsynced"


class InspectionsScreen(BaseScreen):
    NAME = "Inspections"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="inspections.open"),
        Binding("n", "new", "New inspection", id="inspections.new"),
        Binding("s", "app.sync", "Sync", id="inspections.sync"),
        Binding("c", "concerns", "Concerns", id="inspections.concerns"),
        Binding("j", "cursor_down", "Down", show=False, id="inspections.down"),
        Binding("k", "cursor_up", "Up", show=False, id="inspections.up"),
    ]

    def compose(self) -> ComposeResult:
        yield TitleBar("fieldpad · Inspections", "")
        table: DataTable = DataTable(id="inspections", cursor_type="row", zebra_stripes=False)
        yield table
        yield Label("", id="concerns-line", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Inspection", key="name")
        table.add_column("Partnership", key="partnership")
        table.add_column("Phase / week", key="phase")
        table.add_column("Notes", key="notes")
        table.add_column("⚠", key="concerns")
        table.add_column("Unsynced", key="unsynced")
        self.refresh_rows()
        table.focus()

    def on_screen_resume(self) -> None:
        if self.fp.session is not None and self.is_mounted:
            self.refresh_rows()

    def refresh_rows(self, select: bytes | None = None) -> None:
        table = self.query_one(DataTable)
        current = select
        if current is None and table.row_count:
            try:
                current = bytes.fromhex(str(table.coordinate_to_cell_key(
                    table.cursor_coordinate).row_key.value))
            except Exception:  # noqa: BLE001 - no row under the cursor
                current = None
        table.clear()
        sums = summarise(self.session)
        open_concerns: list[str] = []
        for ins in self.session.list_inspections():
            s = sums.get(ins.inspection_id)
            where = phase_text(ins, self.fp.now().date())
            local = ins.scope == "local"
            table.add_row(ins.name, ins.partnership or "–", where,
                          str(s.notes if s else 0),
                          str(s.open_concerns if s else 0) if not local or (s and
                                                                             s.open_concerns)
                          else "–",
                          str(s.unsynced if s else 0) if not local else "–",
                          key=ins.id_hex)
            if s and s.open_concerns:
                open_concerns.append(f"{s.open_concerns} open concern"
                                     f"{'s' if s.open_concerns != 1 else ''} in {ins.name}")
        line = self.query_one("#concerns-line", Label)
        line.update("⚠ " + "; ".join(open_concerns) + ", not yet closed" if open_concerns else "")
        line.display = bool(open_concerns)
        if current is not None:
            try:
                table.move_cursor(row=table.get_row_index(current.hex()))
            except Exception:  # noqa: BLE001 - the row went away
                pass
        self.query_one(TitleBar).set(right=sync_status(self.fp))

    def current(self) -> Inspection | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.session.inspections.get(bytes.fromhex(str(key)))

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        from .workspace import WorkspaceScreen

        ins = self.current()
        if ins is not None:
            self.app.push_screen(WorkspaceScreen(ins))

    def action_concerns(self) -> None:
        from .matrix import ConcernsScreen

        self.app.push_screen(ConcernsScreen())

    def action_new(self) -> None:
        def added(ins: Inspection | None) -> None:
            if ins is not None:
                self.refresh_rows(select=ins.inspection_id)

        self.app.push_screen(NewInspectionModal(), added)


class NewInspectionModal(BaseModal):
    NAME = "New inspection"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="new_inspection.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog modal-box"):
            yield Label("New inspection", classes="dialog-title")
            with Horizontal(classes="form-row"):
                yield Label("Name", classes="form-label")
                yield Input(id="ins-name", placeholder="e.g. Northshire 2026", max_length=120)
            with Horizontal(classes="form-row"):
                yield Label("Partnership", classes="form-label")
                yield Input(id="ins-partnership", placeholder="e.g. Northshire CPP")
            yield Label("", id="ins-message", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Add", id="add", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    @on(Input.Submitted, "#ins-name")
    def _next(self) -> None:
        self.query_one("#ins-partnership", Input).focus()

    @on(Input.Submitted, "#ins-partnership")
    @on(Button.Pressed, "#add")
    def _add(self) -> None:
        name = self.query_one("#ins-name", Input).value
        partnership = self.query_one("#ins-partnership", Input).value.strip()
        try:
            ins = self.session.add_inspection(name, partnership)
        except ValidationFailed as exc:
            self.query_one("#ins-message", Label).update(
                "; ".join(i.message for i in exc.issues))
            self.query_one("#ins-name", Input).focus()
            return
        self.dismiss(ins)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
