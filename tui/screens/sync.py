"""Sync: runs the injected ``sync_now`` in a thread, shows its progress and what it did, and
lists the notes that need a person (conflicted), each opening the conflict screen."""

from __future__ import annotations

import time
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from store import CONFLICTED

from .._printable import printable
from .._sync_seam import SyncProgress, SyncResult
from ..widgets.key_footer import KeyFooter
from ..widgets.title_bar import TitleBar
from ._base import BaseScreen


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


class SyncScreen(BaseScreen):
    NAME = "Sync"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "resolve", "Resolve conflict", id="sync.resolve"),
        Binding("r", "retry", "Sync again", id="sync.retry"),
        Binding("j", "cursor_down", "Down", show=False, id="sync.down"),
        Binding("k", "cursor_up", "Up", show=False, id="sync.up"),
        Binding("escape", "back", "Back", id="sync.back"),
    ]

    def __init__(self, *, start: bool = True) -> None:
        super().__init__()
        self.start = start
        self.running = False
        self.result: SyncResult | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar("Sync", "")
        with VerticalScroll(id="sync-body"):
            yield Label("", id="sync-stage", markup=False)
            yield ProgressBar(id="sync-progress", show_eta=False)
            yield Static("", id="sync-result", markup=False)
            yield Label("", id="conflicts-title", markup=False)
            yield OptionList(id="conflicts", compact=True)
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self._list_conflicts()
        if self.start:
            self.action_retry()
        else:
            self._show_last()
        self.query_one("#conflicts", OptionList).focus()

    def on_screen_resume(self) -> None:
        if self.fp.session is not None and self.is_mounted:
            self._list_conflicts()

    def _show_last(self) -> None:
        bar = self.query_one(ProgressBar)
        bar.display = False
        if self.fp.last_sync is not None:
            self._show_result(self.fp.last_sync)
        else:
            self.query_one("#sync-stage", Label).update("Not synced since unlocking.")

    # -- running -----------------------------------------------------------------------------
    def action_retry(self) -> None:
        if self.running:
            return
        self.running = True
        self.fp.sync_running = True
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.query_one("#sync-stage", Label).update("Starting…")
        self.query_one("#sync-result", Static).update("")
        self._run()

    @work(thread=True, exclusive=True, group="sync", name="sync")
    def _run(self) -> None:
        app = self.fp  # held here: this screen may be gone (locked) before the sync ends
        session = self.session
        started = time.monotonic()

        def progress(p: SyncProgress) -> None:
            app.call_from_thread(self._progress, p)

        try:
            result = app.sync_now(session, progress)
        except Exception as exc:  # noqa: BLE001 - shown in words, never a traceback
            result = SyncResult(ok=False, errors=(
                f"The sync stopped: {exc or type(exc).__name__}. Nothing already saved was "
                "lost; try again when the connection is back.",))
        if not result.seconds:
            from dataclasses import replace

            result = replace(result, seconds=time.monotonic() - started)
        app.call_from_thread(self._done, result)

    def _progress(self, p: SyncProgress) -> None:
        if self.is_mounted:
            self.query_one("#sync-stage", Label).update(p.stage)
            self.query_one(ProgressBar).update(total=p.total, progress=p.done)

    def _done(self, result: SyncResult) -> None:
        app = self.fp
        self.running = False
        app.sync_finished()
        self.result = result
        app.last_sync = result
        if result.ok:
            app.last_sync_at = app.now()
        if not self.is_mounted or app.session is None:
            return  # locked meanwhile
        bar = self.query_one(ProgressBar)
        if result.ok:
            # a sync with nothing to do is finished too: a full bar, never "Done." beside 0 %
            moved = max(1, result.up + result.down)
            bar.update(total=moved, progress=moved)
        else:
            bar.display = False
        self._show_result(result)
        self._list_conflicts()

    def _show_result(self, result: SyncResult) -> None:
        self.query_one(TitleBar).set(
            left=f"Sync · {result.server}" if result.server else "Sync · no server")
        stage = self.query_one("#sync-stage", Label)
        if result.offline:
            stage.update("Working offline.")
        elif result.ok:
            stage.update("Done." if result.up or result.down
                         else "Done: already up to date, nothing to send or receive.")
        else:
            stage.update("The sync did not finish.")
        stage.set_class(not result.ok and not result.offline, "error")
        lines = []
        if not result.offline:
            lines.append(f"up {result.up} record{'s' if result.up != 1 else ''}"
                         f" ({_size(result.bytes_up)}) · down {result.down} record"
                         f"{'s' if result.down != 1 else ''} ({_size(result.bytes_down)})"
                         f" · {result.seconds:.1f} s")
        lines.extend(result.lines)
        if result.merged:
            lines.append(f"{result.merged} note{' was' if result.merged == 1 else 's were'} "
                         "edited on two devices and merged automatically.")
        lines.extend(result.errors)
        # names in these lines come from the server and teammates: never raw escape codes
        self.query_one("#sync-result", Static).update(printable("\n".join(lines)))

    def _list_conflicts(self) -> None:
        notes = [n for n in self.session.notes.values() if n.state == CONFLICTED]
        notes.sort(key=lambda n: n.title.lower())
        title = self.query_one("#conflicts-title", Label)
        options = self.query_one("#conflicts", OptionList)
        options.clear_options()
        if notes:
            title.update(f"{len(notes)} note{' needs' if len(notes) == 1 else 's need'} you "
                         "(both versions kept): enter to resolve")
            options.add_options(Option(f"≠ {n.title or '(untitled)'}", id=n.note_id)
                                for n in notes)
            options.highlighted = 0
        else:
            title.update("No conflicts to resolve.")
        options.display = bool(notes)
        self.refresh_bindings()  # "enter resolve" only while there is something to resolve

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "resolve":
            return self.is_mounted and self.query_one("#conflicts", OptionList).option_count > 0
        return True

    # -- actions -----------------------------------------------------------------------------
    @on(OptionList.OptionSelected, "#conflicts")
    def action_resolve(self) -> None:
        from .conflict import ConflictScreen

        options = self.query_one("#conflicts", OptionList)
        if options.highlighted is None or not options.option_count:
            return
        option = options.get_option_at_index(options.highlighted)
        if option.id:
            self.app.push_screen(ConflictScreen(option.id))

    def action_cursor_down(self) -> None:
        self.query_one("#conflicts", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#conflicts", OptionList).action_cursor_up()

    def action_back(self) -> None:
        if self.running:
            self.notify("The sync is still running: wait for it to finish.")
            return
        # screens of an inspection the sync purged show nothing that exists any more
        session = self.fp.session
        below = self.app.screen_stack[:-1]
        gone = 0
        for screen in reversed(below[1:]):
            ins = getattr(screen, "inspection", None)
            if session is None or ins is None or \
                    getattr(ins, "inspection_id", None) in session.inspections:
                break
            gone += 1
        for _ in range(1 + gone):
            self.app.pop_screen()
