"""The full-screen app: ``FieldpadApp`` and ``run_app`` (what a bare ``fieldpad`` opens).

Start-up is kept light: the unlock prompt is on screen before ``store`` (sqlite-utils and the
crypto modules) is imported; the profile opens in a thread meanwhile. Every screen that shows
plaintext is imported only after unlocking.

Security rules this module enforces for every screen:

* Every way out saves what the editors hold first: quitting, locking, a suspend, and (in a real
  terminal) SIGHUP, SIGTERM and SIGTSTP (``tui/_ways_out.py``).
* Ctrl+L and the idle timer lock: pending autosaves are flushed, every screen is removed, the
  session wipes its keys and plaintext, and the unlock screen is the only one left.
* No screenshots (the action, the command and ``TEXTUAL_SCREENSHOT`` all refuse) and no copy of
  text to the system clipboard unless the settings allow it (copy and paste still work inside
  the app; the in-app clipboard is emptied on lock).
* The terminal and header title is always "fieldpad"; ``sub_title`` is only a screen's name.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.screen import Screen

from . import _ways_out
from ._keys import Everywhere
from ._size_notice import SizeNotice
from .screens.unlock import UnlockScreen

if TYPE_CHECKING:
    from textual.command import Provider

    from store import Inspection, KdfParams, Profile, Session, Upgrade

    from ._settings import Settings
    from ._sync_seam import EnrolNow, SyncNow, SyncResult, TeamNow
    from .screens.bookmark import Bookmark

#: How often the clock ticks (idle lock, autosave): cheap checks, a fifth of a second apart.
TICK_SECONDS = 0.2
#: The profile's database file (``store.DB_NAME``; tests/tui/test_app_start.py checks they
#: agree): whether it exists decides the first screen, and importing the store's face for the
#: name alone took ~2 ms of the start to the prompt (it is imported a moment later, in a thread)
DB_NAME = "fieldpad.db"


def _palette_commands() -> type[Provider]:
    """fieldpad's palette provider, imported when the palette first opens (not at start)."""
    from ._commands_palette import FieldpadCommands

    return FieldpadCommands


class FieldpadApp(SizeNotice, App[int]):
    """fieldpad's terminal app. Everything the tests vary is a keyword argument.

    ``profile_dir`` or ``profile``: the profile to open. ``sync_now``: the sync seam (see
    ``tui/_sync_seam``); defaults to working offline. ``team_now``: the team seam (invite,
    join, remove, revoke); defaults to saying no server is configured. ``kdf_params``: a
    factory for the KDF parameters of a new vault (tests use the floor). ``now``: the wall
    clock for what the screens show (an aware datetime); ``now_ms``: the store's clock for
    new revisions.
    ``idle_lock_seconds``: overrides the idle-lock setting; ``monotonic``: the clock that idle
    lock and autosave are measured with (tests move it by hand, then call :meth:`tick`).
    ``autosave_delay``: seconds of quiet before the editor autosaves. ``cursor_blink``: False
    for steady cursors (snapshots). ``no_mouse``: recorded for ``run_app``, which starts the
    driver without mouse reporting.
    """

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "fieldpad"
    ALLOW_SELECT = False  # no selecting screen text to copy it out
    ENABLE_COMMAND_PALETTE = True
    # no system commands (no screenshot command); a factory, so the provider loads on first use
    COMMANDS: ClassVar[set] = {_palette_commands}

    BINDINGS: ClassVar[list[BindingType]] = Everywhere.BINDINGS

    def __init__(self, profile_dir: Path | str | None = None, *, profile: Profile | None = None,
                 sync_now: SyncNow | None = None,
                 enrol_now: EnrolNow | None = None,
                 team_now: TeamNow | None = None,
                 kdf_params: Callable[[], KdfParams] | None = None,
                 now: Callable[[], datetime] | None = None,
                 now_ms: Callable[[], int] | None = None,
                 idle_lock_seconds: float | None = None,
                 autosave_delay: float = 1.0,
                 monotonic: Callable[[], float] = time.monotonic,
                 cursor_blink: bool = True,
                 no_mouse: bool = False) -> None:
        super().__init__()
        if profile is not None:
            profile_dir = profile.directory
        if profile_dir is None:
            raise TypeError("FieldpadApp needs profile_dir or profile")
        self.profile_dir = Path(profile_dir)
        self._profile: Profile | None = profile
        self._profile_lock = threading.Lock()
        #: the one-time storage upgrade running as the profile opens, if one is (a notice says so)
        self.upgrading: Upgrade | None = None
        if sync_now is None or team_now is None:  # the CLI passes both: not imported at start
            from ._sync_seam import no_team_server, offline

            sync_now, team_now = sync_now or offline, team_now or no_team_server
        self.sync_now: SyncNow = sync_now
        self.enrol_now = enrol_now  # None: first run offers no enrolment step
        self.team_now: TeamNow = team_now
        self.kdf_params = kdf_params
        self._now = now
        self._now_ms = now_ms
        self._idle_override = idle_lock_seconds
        self.autosave_delay = autosave_delay
        self.cursor_blink = cursor_blink
        self.no_mouse = no_mouse
        self.session: Session | None = None
        self.settings: Settings | None = None
        self.last_sync: SyncResult | None = None
        self.last_sync_at: datetime | None = None
        self.sync_running = False
        self._lock_after_sync: Session | None = None
        #: the clock seam (a callable giving seconds); see ``monotonic``
        self.clock = monotonic
        self._last_activity = monotonic()
        self.unlock_attempts = 0
        self._started = False
        #: where the user was when the app locked (ids only), to go back there on unlocking
        self._bookmarks: list[Bookmark] = []
        #: the user's keys in force (the usable entries of the ``keymap`` setting)
        self.keymap: dict[str, str] = {}
        self._keymap_setting: dict[str, str] = {}

    # -- profile and clock -------------------------------------------------------------------
    def now(self) -> datetime:
        return self._now() if self._now else datetime.now().astimezone()

    def monotonic(self) -> float:
        """Seconds on the app's clock (the ``monotonic`` seam): idle lock and autosave."""
        return self.clock()

    def tick(self) -> None:
        """What the clock's timer runs a few times a second: the idle lock, then every screen's
        ``clock_tick`` (the editors' autosave). Tests that move the clock call it directly."""
        self._check_idle()
        self.check_size()
        for screen in list(self.screen_stack):
            clock_tick = getattr(screen, "clock_tick", None)
            if clock_tick is not None and screen.is_mounted:
                clock_tick()

    def get_profile(self) -> Profile:
        """The profile, opened on first use (in a thread: importing ``store`` takes a while).
        An older profile's one-time storage upgrade runs here, said in a notice (``upgrading``
        meanwhile) while the prompt waits for it."""
        with self._profile_lock:
            if self._profile is None:
                from store import Profile

                self._profile = Profile(self.profile_dir, now_ms=self._now_ms,
                                        on_upgrade=lambda u: self._from_any_thread(
                                            self._upgrade_started, u))
                if self.upgrading is not None:
                    self._from_any_thread(self._upgrade_done)
            return self._profile

    def _from_any_thread(self, callback: Callable[..., Any], *args: Any) -> None:
        # from the opening thread this waits for the app's loop, so the loop must never wait
        # for _profile_lock while a thread opens the profile: only workers open it
        try:
            self.call_from_thread(callback, *args)
        except RuntimeError:  # already on the app's own thread
            callback(*args)

    def _upgrade_started(self, upgrade: Upgrade) -> None:
        self.upgrading = upgrade
        self.notify(upgrade.message(), title="One moment",
                    timeout=max(10.0, 2 * upgrade.seconds))

    def _upgrade_done(self) -> None:
        self.upgrading = None
        self.notify("This profile's storage is upgraded.", timeout=4)

    @property
    def profile(self) -> Profile:
        return self.get_profile()

    def _profile_opened(self) -> None:
        if not self.profile.has_vault and isinstance(self.screen, UnlockScreen):
            from .screens.first_run import CreateVaultScreen

            self.switch_screen(CreateVaultScreen())
        self._load_screens_css()

    def _load_screens_css(self) -> None:
        """Parse the other screens' styles (``SCREENS_CSS``) now that the prompt is up, so that
        the first screen after unlocking does not wait for them. Textual would load them with
        that screen (each lists them in ``CSS_PATH``), but re-parsing every source; this parses
        only the new file (the others are cached). Nothing shown is restyled: the prompt is
        styled by ``app.tcss`` alone, and the first run's screens list ``screens.tcss``
        themselves (tests/tui/test_app_start.py checks both)."""
        from .screens import SCREENS_CSS

        if self.stylesheet.has_source(str(SCREENS_CSS), ""):
            return
        self.stylesheet.read(SCREENS_CSS)
        self.stylesheet.parse()

    # -- start -------------------------------------------------------------------------------
    def _first_run(self) -> bool:
        """No vault yet: the first run's screens come instead of the unlock prompt."""
        if self._profile is not None:
            return not self._profile.has_vault
        return not (self.profile_dir / DB_NAME).exists()

    def get_default_screen(self) -> Screen:
        """The unlock prompt is the first screen, rather than pushed over a blank one (one
        screen less to set up, style and paint before it shows: start-up time, DESIGN §9). The
        first run starts on the blank screen, its own screens pushed over it in ``on_mount``."""
        screen: Screen = Screen(id="_default") if self._first_run() else UnlockScreen()
        # Textual gives a pushed or switched screen a result callback, but not its default
        # screen; ``switch_screen`` pops one from the screen it replaces (the prompt, when the
        # profile turns out to have no vault; the bottom screen, on lock), so it needs one too.
        # Private API (Textual 8): tests/tui/test_app_start.py and test_app_lock.py switch away
        # from the bottom screen and would fail if it changed.
        screen._push_result_callback(screen, None)
        return screen

    def on_mount(self) -> None:
        self.title = "fieldpad"
        if not isinstance(self.screen, UnlockScreen):  # the first run (get_default_screen)
            from .screens.first_run import CreateVaultScreen

            self.push_screen(CreateVaultScreen())
        # open the profile (importing the store takes a while) once the prompt is painted, so
        # that the thread does not compete with the first paint for the interpreter
        self.call_after_refresh(lambda: self.set_timer(0.05, lambda: self.run_worker(
            self._open_profile, thread=True, group="profile", name="open profile")))
        self.set_interval(TICK_SECONDS, self.tick, name="clock")
        _ways_out.install(self, self.flush_editors)
        self._started = True
        self.call_after_refresh(self.check_size)

    def _open_profile(self) -> None:
        self.get_profile()
        self.call_from_thread(self._profile_opened)

    def unlocked(self, session: Session, *, recovery: bool = False) -> None:
        """Called by the unlock and first-run screens with a fresh session."""
        from ._settings import Settings, load_settings
        from .screens.inspections import InspectionsScreen

        # the session's tens of thousands of notes live until the lock and form no cycles:
        # out of the cyclic collector's way, else each full collection walks them all (one
        # took ~0.5 s while the lists were painted, at 50,000 notes); `lock` puts them back
        gc.freeze()
        self.session = session
        self.unlock_attempts = 0
        self._last_activity = self.monotonic()
        try:
            self.settings = load_settings(session)
        except Exception as exc:  # noqa: BLE001 - unreadable settings: the defaults, said so
            self.settings = Settings()
            self.notify(f"The settings could not be read ({type(exc).__name__}); using the "
                        "defaults.", severity="warning")
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.apply_keymap(self.settings.keymap)
        self._drop_size_notice()  # it may have come up while the key was being stretched
        self.switch_screen(InspectionsScreen())
        self._return_to(session)
        self.call_after_refresh(self.check_size)  # the notice, if it was up before, again
        if session.damaged:
            self.notify(f"{len(session.damaged)} record(s) could not be opened and were skipped; "
                        "run `fieldpad doctor`.", severity="warning", timeout=10)
        if recovery:
            self.notify("Unlocked with the recovery key. Set a new passphrase with "
                        "`fieldpad passwd --recovery`.", severity="warning", timeout=15)

    # -- back where the user was, after unlocking --------------------------------------------------
    def _where_we_are(self) -> list[Bookmark]:
        """The screens above the inspections, as bookmarks (ids only: see ``screens.bookmark``).
        The inspections are the bottom screen, or above the first run's blank one."""
        from .screens.inspections import InspectionsScreen

        stack = self.screen_stack
        base = next((i for i, s in enumerate(stack) if isinstance(s, InspectionsScreen)), None)
        if base is None:
            return []
        marks = []
        for screen in stack[base + 1:]:
            bookmark = getattr(screen, "bookmark", None)
            mark = bookmark() if callable(bookmark) else None
            if mark is not None:
                marks.append(mark)
        return marks

    def _return_to(self, session: Session) -> None:
        from .screens.bookmark import put_back

        marks, self._bookmarks = self._bookmarks, []
        for mark in marks:
            try:
                screen = mark.reopen(session)
            except Exception as exc:  # noqa: BLE001 - gone meanwhile: stay where we are
                self.log.warning(f"not reopened: {type(exc).__name__}")
                continue
            if screen is not None:
                self.push_screen(screen)
                self.call_after_refresh(put_back, screen, mark)

    # -- lock --------------------------------------------------------------------------------
    def action_lock(self) -> None:
        if self.session is not None:
            self.run_worker(self.lock(), group="lock", exclusive=True, name="lock")

    async def lock(self, reason: str = "") -> None:
        """Flush autosaves, remove every plaintext screen, wipe the session, ask to unlock."""
        session = self.session
        if session is None:
            return
        self.flush_editors()
        self._bookmarks = self._where_we_are()
        self.session = None
        with self.batch_update():
            while len(self.screen_stack) > 1:
                await self.pop_screen()
            # the prompt takes the bottom screen's place, as it was the first screen at start
            await self.switch_screen(UnlockScreen(reason))
        self.call_after_refresh(self.check_size)
        self._clipboard = ""
        if self.sync_running:
            self._lock_after_sync = session  # the sync thread is using it: wipe when it ends
        else:
            session.lock()
        gc.unfreeze()  # what unlocking froze is the collector's again, the wiped session too

    async def action_quit(self) -> None:
        """Quit, saving what the editors hold first (autosave would, a second later)."""
        self.flush_editors()
        await super().action_quit()

    def flush_editors(self) -> None:
        if self.session is None:
            return
        for screen in reversed(self.screen_stack):
            flush = getattr(screen, "flush_autosave", None)
            if flush is not None:
                try:
                    flush()
                except Exception as exc:  # noqa: BLE001 - never stop a lock or a quit
                    self.log.error(f"flush failed: {type(exc).__name__}")

    def sync_finished(self) -> None:
        self.sync_running = False
        if self._lock_after_sync is not None:
            self._lock_after_sync.lock()
            self._lock_after_sync = None

    # -- idle lock ---------------------------------------------------------------------------
    @property
    def idle_lock_seconds(self) -> float:
        if self._idle_override is not None:
            return self._idle_override
        minutes = self.settings.idle_lock_minutes if self.settings else 10
        return minutes * 60.0

    def _check_idle(self) -> None:
        if self.session is None:
            return
        if self.monotonic() - self._last_activity >= self.idle_lock_seconds:
            self.run_worker(self.lock("Locked after a while without use."), group="lock",
                            exclusive=True, name="idle lock")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown,
                              events.MouseScrollUp)):
            self._last_activity = self.monotonic()
        await super().on_event(event)

    # -- no screenshots, no clipboard export ----------------------------------------------------
    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.notify("Screenshots are turned off in fieldpad: they would put note text on disk.",
                    severity="warning")

    def deliver_screenshot(self, *args: Any, **kwargs: Any) -> str | None:  # type: ignore[override]
        self.action_screenshot()
        return None

    def save_screenshot(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        raise RuntimeError("screenshots are turned off in fieldpad")

    def copy_to_clipboard(self, text: str) -> None:
        """Copy inside the app; the system clipboard only if the settings allow it."""
        self._clipboard = text
        if self.settings is not None and self.settings.allow_clipboard:
            super().copy_to_clipboard(text)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title not in ("Screenshot", "Theme"):
                yield command

    # -- screens every screen can open -------------------------------------------------------
    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_settings(self) -> None:
        from .screens.settings import SettingsScreen

        if self.session is not None and not isinstance(self.screen, SettingsScreen):
            self.push_screen(SettingsScreen())

    def apply_settings(self, settings: Settings) -> None:
        """Store the settings (sealed in the profile) and apply them; ``ValidationFailed``
        from the store when one is refused (nothing is applied then)."""
        from ._settings import save_settings

        assert self.session is not None
        save_settings(self.session, settings, self.settings)
        self.settings = settings
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        self.apply_keymap(settings.keymap)

    # -- keys of the user's own --------------------------------------------------------------
    def apply_keymap(self, keymap: dict[str, str]) -> None:
        """Apply the usable entries of the ``keymap`` setting and say, once per keymap, what
        was left out or loses its key (``tui/_keymap.py``). Without a keymap nothing is
        checked and no screen is imported."""
        if keymap == self._keymap_setting:
            return
        self._keymap_setting = dict(keymap)
        usable: dict[str, str] = {}
        if keymap:
            from ._keymap import check_keymap

            check = check_keymap(keymap)
            usable = check.usable
            if check.notice():
                self.notify(check.notice(), severity="warning", timeout=15)
        self.keymap = usable
        self.set_keymap(usable)

    def action_sync(self) -> None:
        from .screens.sync import SyncScreen

        if self.session is None or isinstance(self.screen, SyncScreen):
            return
        self.flush_editors()
        self.push_screen(SyncScreen(start=True))


    def action_enrol(self) -> None:
        """Enrol this device with a server, any time after the first run."""
        from .screens.first_run import EnrolScreen

        if self.session is not None and not isinstance(self.screen, EnrolScreen):
            self.push_screen(EnrolScreen(self.session, first_run=False))

    def action_conflicts(self) -> None:
        from .screens.sync import SyncScreen

        if self.session is not None and not isinstance(self.screen, SyncScreen):
            self.push_screen(SyncScreen(start=False))

    def action_concerns_queue(self) -> None:
        from .screens.concerns import ConcernsScreen

        if self.session is not None and not isinstance(self.screen, ConcernsScreen):
            self.push_screen(ConcernsScreen())

    def action_inspections(self) -> None:
        from .screens.inspections import InspectionsScreen

        if self.session is None:
            return
        self.flush_editors()
        while len(self.screen_stack) > 1 and not isinstance(self.screen, InspectionsScreen):
            self.pop_screen()

    def current_inspection(self, *, team_first: bool = False) -> Inspection | None:
        """The inspection the user is in (any screen above that has one), the highlighted one
        on the inspections list, else the first. ``team_first`` (the team's commands): with
        nothing highlighted, the first team inspection rather than the first of all."""
        from .screens.inspections import InspectionsScreen

        if self.session is None:
            return None
        for screen in reversed(self.screen_stack):
            inspection = getattr(screen, "inspection", None)
            if inspection is not None:
                return inspection
            if isinstance(screen, InspectionsScreen):
                highlighted = screen.current()
                if highlighted is not None or not team_first:
                    return highlighted
                break
        items = self.session.list_inspections()
        if team_first:
            items = [i for i in items if i.scope == "team"] or items
        return items[0] if items else None

    def new_note(self, kind: str, fields: dict | None = None) -> None:
        """Open an editor for a new note of ``kind`` in the inspection the user is in."""
        from .screens.editor import EditorScreen

        inspection = self.current_inspection()
        if inspection is not None:
            self.push_screen(EditorScreen(inspection, kind, initial_fields=fields))


    def show_notes(self, inspection: Inspection, note_ids: Iterable[str], caption: str) -> None:
        """A workspace of just these notes (the evidence matrix's drill-down)."""
        from .screens.workspace import WorkspaceScreen

        self.push_screen(WorkspaceScreen(inspection, note_ids=note_ids, caption=caption))


def run_app(profile_dir: Path, *, no_mouse: bool = False, sync_now: SyncNow | None = None,
            enrol_now: EnrolNow | None = None, team_now: TeamNow | None = None) -> int:
    """Run the app on ``profile_dir`` until the user quits; the exit code for the CLI."""
    app = FieldpadApp(profile_dir, no_mouse=no_mouse, sync_now=sync_now, enrol_now=enrol_now,
                      team_now=team_now)
    result = app.run(mouse=not no_mouse)
    if app.session is not None:
        app.session.lock()
    if app._profile is not None:
        try:
            app._profile.close()
        except Exception:  # noqa: BLE001 - closing is best effort at exit
            pass
    return result if isinstance(result, int) else (app.return_code or 0)


def main(argv: list[str] | None = None) -> int:
    """``python -m tui.app [--no-mouse] [PROFILE_DIR]``: the app without the CLI around it."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tui.app")
    parser.add_argument("profile", nargs="?", help="profile directory (default: the usual)")
    parser.add_argument("--no-mouse", action="store_true", help="keyboard only")
    args = parser.parse_args(argv)
    if args.profile:
        directory = Path(args.profile)
    else:
        from store import default_profile_dir

        directory = default_profile_dir()
    return run_app(directory, no_mouse=args.no_mouse)


if __name__ == "__main__":  # pragma: no cover - exercised by the tmux test
    raise SystemExit(main())
