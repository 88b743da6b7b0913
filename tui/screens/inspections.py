"""The inspections in this profile: notes, open concerns and unsynced records of each."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Label

from store import FieldpadError, Inspection, ValidationFailed, retention_state

from .._notes import phase_text, summarise
from .._printable import printable
from ..widgets.key_footer import KeyFooter
from ..widgets.title_bar import TitleBar
from ._base import BaseModal, BaseScreen
from ._status import sync_status


class InspectionsScreen(BaseScreen):
    #: False from mounting until the first resume (which Textual sends right after mounting)
    _resumed_once: bool = True
    #: the session and its connection's write count when the screen last read the notes
    _read_as: tuple[int, int] = (0, -1)
    NAME = "Inspections"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="inspections.open"),
        Binding("n", "new", "New inspection", id="inspections.new"),
        Binding("s", "app.sync", "Sync", id="inspections.sync"),
        Binding("c", "concerns", "Concerns", id="inspections.concerns"),
        # shown only when they apply to the highlighted inspection (check_action)
        Binding("x", "close_inspection", "Close…", id="inspections.close"),
        Binding("E", "export", "Export…", id="inspections.export"),
        Binding("w", "timeline", "Timeline…", id="inspections.timeline"),
        Binding("o", "reopen", "Reopen", id="inspections.reopen"),
        Binding("P", "purge", "Purge…", id="inspections.purge"),
        Binding("j", "cursor_down", "Down", show=False, id="inspections.down"),
        Binding("k", "cursor_up", "Up", show=False, id="inspections.up"),
    ]

    def compose(self) -> ComposeResult:
        yield TitleBar("fieldpad · Inspections", "")
        table: DataTable = DataTable(id="inspections", cursor_type="row", zebra_stripes=False)
        yield table
        yield Label("", id="concerns-line", markup=False)
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Inspection", key="name")
        table.add_column("Partnership", key="partnership")
        table.add_column("Phase / week", key="phase")
        table.add_column("Notes", key="notes")
        table.add_column("⚠", key="concerns")
        table.add_column("Unsynced", key="unsynced")
        self.refresh_rows()
        # Textual resumes a screen right after mounting it: the rows were just counted
        self._resumed_once = False
        table.focus()

    def _read_key(self) -> tuple[int, int]:
        """What the screen read from: the session, and how many rows its connection had
        written (every save, pull and merge writes some)."""
        session = self.fp.session
        return id(session), session.db.conn.total_changes if session is not None else -1

    def on_screen_resume(self) -> None:
        if not self._resumed_once:
            self._resumed_once = True
            if self._read_as == self._read_key():
                return  # shown for the first time: on_mount has just counted, nothing since
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
            kept = retention_state(ins, self.fp.now())
            # a closed inspection's phase is over: its purge date is what matters now
            where = kept.short_label if kept.closed else phase_text(ins, self.fp.now().date())
            local = ins.scope == "local"
            table.add_row(printable(ins.name, one_line=True),
                          printable(ins.partnership, one_line=True) or "–", where,
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
        self._read_as = self._read_key()

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

    def action_export(self) -> None:
        from .export import ExportModal

        ins = self.current()
        if ins is not None:
            self.app.push_screen(ExportModal(ins))

    def action_timeline(self) -> None:
        from .export import TimelineModal

        ins = self.current()
        if ins is None:
            return

        def saved(changed: Inspection | None) -> None:
            if changed is not None:
                self.refresh_rows(select=changed.inspection_id)
                self.notify(f"Timeline of {changed.name} saved: "
                            f"{phase_text(changed, self.fp.now().date())}.")

        self.app.push_screen(TimelineModal(ins), saved)

    def action_concerns(self) -> None:
        from .concerns import ConcernsScreen

        self.app.push_screen(ConcernsScreen())

    def action_new(self) -> None:
        def added(ins: Inspection | None) -> None:
            if ins is not None:
                self.refresh_rows(select=ins.inspection_id)

        self.app.push_screen(NewInspectionModal(), added)

    # -- retention: close, reopen, purge -----------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Close, Reopen and Purge show (and work) only for an inspection they apply to, so
        the footer offers the one that makes sense and a stray key does nothing."""
        if action not in ("close_inspection", "reopen", "purge", "timeline"):
            return True
        if self.fp.session is None or not self.is_mounted:
            return False
        ins = self.current()
        if ins is None or not self.fp.session.may_change(ins):
            return False  # a team inspection's life is its lead's to change
        if action == "timeline":
            return True
        state = retention_state(ins, self.fp.now())
        if action == "close_inspection":
            return not state.closed
        if action == "reopen":
            return state.closed
        return state.due

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.refresh_bindings()

    def action_close_inspection(self) -> None:
        from .retention import CloseInspectionModal

        ins = self.current()
        if ins is None:
            return

        def chosen(days: int | None) -> None:
            if days is None:
                return
            from store import close_inspection

            try:
                done = close_inspection(self.session, ins, days, now=self.fp.now())
            except FieldpadError as exc:
                self.notify(str(exc), severity="error")
                return
            self.refresh_rows(select=done.inspection_id)
            self.refresh_bindings()
            self.notify(f"Closed {done.name}: "
                        f"{retention_state(done, self.fp.now()).label.split(' · ')[-1]}.")

        from store.inspection import open_concern_lines

        concerns = open_concern_lines(self.session.list_notes(ins, kind="concern"),
                                      self.fp.now())
        self.app.push_screen(CloseInspectionModal(ins, concerns), chosen)

    def action_reopen(self) -> None:
        from store import reopen_inspection

        ins = self.current()
        if ins is None:
            return
        try:
            done = reopen_inspection(self.session, ins)
        except FieldpadError as exc:
            self.notify(str(exc), severity="error")
            return
        self.refresh_rows(select=done.inspection_id)
        self.refresh_bindings()
        self.notify(f"Reopened {done.name}: its notes are kept until it is closed again.")

    def action_purge(self) -> None:
        from store import require_due

        from .retention import PurgeInspectionModal

        ins = self.current()
        if ins is None:
            return
        try:
            require_due(ins, self.fp.now())
        except FieldpadError as exc:
            self.notify(str(exc), severity="warning")
            return
        if self.fp.sync_running:
            self.notify("A sync is running: purge when it has finished.", severity="warning")
            return
        notes = len(self.session.list_notes(ins, include_deleted=True))

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(lambda: self._ask_server(ins), thread=True, group="purge",
                                exclusive=True, name="purge")

        self.app.push_screen(PurgeInspectionModal(ins, notes), answered)

    def _ask_server(self, ins: Inspection) -> None:
        """In a thread: the server's purge (a network call, for a team inspection) first, so
        that a refusal leaves everything here as it was; then the local purge, on the UI
        thread, where the screens read the session."""
        import sync.client as sync_client

        session = self.fp.session
        if session is None:
            return
        try:
            sync_client.request_server_purge(session, ins)
        except Exception as exc:  # noqa: BLE001 - said in words; nothing was purged
            message = str(exc) if isinstance(exc, FieldpadError) else type(exc).__name__
            self.app.call_from_thread(self.notify, f"The server did not purge {ins.name}: "
                                      f"{message}. Nothing was purged.", severity="error")
            return
        self.app.call_from_thread(self._purge_here, ins)

    def _purge_here(self, ins: Inspection) -> None:
        from store import purge_inspection

        session = self.fp.session
        if session is None:  # locked meanwhile: the server's purged list finishes it at a sync
            return
        report = purge_inspection(session, ins.inspection_id,
                                  reason="purged by its owner after the retention period")
        self.refresh_rows()
        self.refresh_bindings()
        self.notify(f"Purged {report.name}: {report.notes} notes and {report.keys} keys "
                    "destroyed.")


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
