"""The first run: create the vault, show the recovery key once, then (optionally) enrol with a
server; enrolling later comes here too.

Apart from the unlock prompt (``unlock.py``) so that a start with a vault, the usual one, does
not import them (start-up time, DESIGN §9). ``store`` is imported where it is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Grid, Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, LoadingIndicator

from .._notes import MIN_PASSPHRASE, strength
from ..widgets.key_footer import KeyFooter
from ..widgets.tickbox import TickBox
from ..widgets.title_bar import TitleBar
from ._base import BaseScreen

if TYPE_CHECKING:
    from store import Session


class CreateVaultScreen(BaseScreen):
    """First run: initials, a passphrase twice with strength feedback, then the vault."""

    NAME = "New vault"
    # CSS_PATH: screens.tcss (BaseScreen), loaded with it: app.tcss holds only the prompt
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "create", "Create vault", priority=True, id="first_run.create"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.busy = False

    def compose(self) -> ComposeResult:
        yield TitleBar("fieldpad · first run", "new vault")
        with Center(), Vertical(id="create-box", classes="dialog"):
            yield Label("Welcome to fieldpad. Your notes are encrypted with a passphrase only "
                        "you know: nobody can recover it for you.", classes="intro")
            with Horizontal(classes="form-row"):
                yield Label("Initials", classes="form-label")
                yield Input(id="author", placeholder="e.g. AI (shown as your notes' author)",
                            max_length=32, compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Passphrase", classes="form-label")
                yield Input(password=True, id="pass1", compact=True,
                            placeholder=f"at least {MIN_PASSPHRASE} characters; a few words")
            with Horizontal(classes="form-row"):
                yield Label("Again", classes="form-label")
                yield Input(password=True, id="pass2", placeholder="the same again",
                            compact=True)
            yield Label("", id="strength", markup=False)
            yield Label("", id="create-message", markup=False)
            yield LoadingIndicator(id="create-busy")
            with Horizontal(classes="buttons"):
                yield Button("Create vault", id="create", variant="primary", compact=True)
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#create-busy").display = False
        self.query_one("#author", Input).focus()
        self._update_strength("")

    @on(Input.Changed, "#pass1")
    def _pass_changed(self, event: Input.Changed) -> None:
        self._update_strength(event.value)

    def _update_strength(self, value: str) -> None:
        score, advice = strength(value)
        meter = "█" * score + "░" * (4 - score)
        label = self.query_one("#strength", Label)
        label.update(f"Strength  {meter}  {advice}")
        for n in range(5):
            label.set_class(n == score, f"strength-{n}")

    @on(Input.Submitted, "#author")
    def _next1(self) -> None:
        self.query_one("#pass1", Input).focus()

    @on(Input.Submitted, "#pass1")
    def _next2(self) -> None:
        self.query_one("#pass2", Input).focus()

    @on(Input.Submitted, "#pass2")
    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        if self.busy:
            return
        p1 = self.query_one("#pass1", Input)
        p2 = self.query_one("#pass2", Input)
        message = self.query_one("#create-message", Label)
        message.add_class("error")
        if len(p1.value) < MIN_PASSPHRASE:
            message.update(f"The passphrase needs at least {MIN_PASSPHRASE} characters.")
            p1.focus()
            return
        if len(set(p1.value)) < 5:
            message.update("The passphrase repeats too few characters.")
            p1.focus()
            return
        if p1.value != p2.value:
            message.update("The two passphrases differ. Type the same one twice.")
            p2.value = ""
            p2.focus()
            return
        author = self.query_one("#author", Input).value.strip() or None
        passphrase = p1.value
        p1.value = p2.value = ""
        self.busy = True
        for widget in self.query(Input):
            widget.disabled = True
        self.query_one("#create", Button).disabled = True
        self.query_one("#create-busy").display = True
        message.remove_class("error")
        message.update("Creating the vault…")
        self._create(passphrase, author)

    @work(thread=True, exclusive=True, group="unlock", name="create vault")
    def _create(self, passphrase: str, author: str | None) -> None:
        from store import FieldpadError, KdfParams

        profile = self.fp.get_profile()
        params = self.fp.kdf_params() if self.fp.kdf_params else KdfParams.new()
        try:
            session, words = profile.init(passphrase, params, author=author)
        except FieldpadError as exc:
            self.app.call_from_thread(self._failed, str(exc))
        else:
            self.app.call_from_thread(self._created, session, words)

    def _failed(self, message: str) -> None:
        self.busy = False
        for widget in self.query(Input):
            widget.disabled = False
        self.query_one("#create", Button).disabled = False
        self.query_one("#create-busy").display = False
        label = self.query_one("#create-message", Label)
        label.add_class("error")
        label.update(message[:1].upper() + message[1:])
        self.query_one("#pass1", Input).focus()

    def _created(self, session: Session, words: str) -> None:
        self.app.switch_screen(RecoveryKeyScreen(session, words))


class RecoveryKeyScreen(BaseScreen):
    """The recovery key, shown this once. Continue only after "I have written it down": space
    ticks it, enter continues once it is ticked and says that it must be otherwise."""

    NAME = "Recovery key"
    # CSS_PATH: screens.tcss (BaseScreen), loaded with it: app.tcss holds only the prompt
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "continue", "Continue", id="recovery.continue"),
        Binding("ctrl+l", "no_lock", show=False, priority=True, id="recovery.no_lock"),
    ]

    def __init__(self, session: Session, words: str) -> None:
        super().__init__()
        self._session = session
        self._words = words.split()

    def compose(self) -> ComposeResult:
        yield TitleBar("fieldpad · recovery key", "shown once")
        with Center(), Vertical(id="recovery-box", classes="dialog"):
            yield Label("Write these 24 words down on paper and keep them apart from this "
                        "laptop. They open the vault if the passphrase is forgotten. They are "
                        "shown only now.", classes="intro")
            with Grid(id="recovery-words"):
                for i, word in enumerate(self._words, 1):
                    yield Label(f"{i:>2}. {word}", classes="recovery-word", markup=False)
            yield TickBox("I have written it down", id="written")
            yield Label("Space ticks it; then enter continues.", id="written-hint",
                        classes="hint", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Continue", id="continue", variant="primary", disabled=True,
                             compact=True)
            yield Label("Later: enrol this device with a server (`fieldpad enrol URL CODE`) "
                        "to sync; until then fieldpad works offline.", classes="hint")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#written", Checkbox).focus()

    @on(Checkbox.Changed, "#written")
    def _written(self, event: Checkbox.Changed) -> None:
        self.query_one("#continue", Button).disabled = not event.value
        hint = self.query_one("#written-hint", Label)
        hint.remove_class("error")
        hint.update("Enter continues." if event.value else "Space ticks it; then enter "
                                                          "continues.")

    @on(Button.Pressed, "#continue")
    def action_continue(self) -> None:
        if self._session is None:
            return
        if not self.query_one("#written", Checkbox).value:
            hint = self.query_one("#written-hint", Label)
            hint.add_class("error")
            hint.update("Tick “I have written it down” first (space ticks it): the recovery "
                        "key is not shown again.")
            self.query_one("#written", Checkbox).focus()
            return
        session, self._session = self._session, None  # type: ignore[assignment]
        self._words = []
        for label in self.query(".recovery-word"):
            label.remove()
        if self.fp.enrol_now is not None:
            self.app.switch_screen(EnrolScreen(session))
        else:
            self.fp.unlocked(session)

    def action_no_lock(self) -> None:
        self.notify("Write the recovery key down first: it is not shown again.",
                    severity="warning")


class EnrolScreen(BaseScreen):
    """Enrol with a server (URL and one-time code): the first run's last step, where escape
    works offline, or later from the palette or the settings, where escape goes back."""

    NAME = "Enrol"
    # CSS_PATH: screens.tcss (BaseScreen), loaded with it: app.tcss holds only the prompt
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "offline", "Work offline", id="enrol.offline"),
    ]

    def __init__(self, session: Session, *, first_run: bool = True) -> None:
        super().__init__()
        self._session = session
        self.first_run = first_run

    def compose(self) -> ComposeResult:
        yield TitleBar("fieldpad · sync", "optional" if self.first_run else "enrol this device")
        with Center(), Vertical(id="enrol-box", classes="dialog"):
            yield Label("To share notes with your team, enrol this device with the team's "
                        "server. The one-time code comes from your lead or administrator.",
                        classes="intro")
            yield Input(placeholder="https://sync.example.org", id="enrol-url")
            yield Input(placeholder="one-time code", id="enrol-code")
            yield Label("", id="enrol-message")
            with Horizontal(classes="buttons"):
                yield Button("Enrol", id="enrol", variant="primary", compact=True)
                yield Button("Work offline" if self.first_run else "Cancel", id="offline",
                             compact=True)
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        url = self.query_one("#enrol-url", Input)
        settings = getattr(self.fp, "settings", None)
        if not self.first_run and settings is not None and settings.server:
            url.value = settings.server
            self.query_one("#enrol-code", Input).focus()
        else:
            url.focus()
        if self.fp.enrol_now is None:
            self._say("This copy of fieldpad has no server connection set up here: enrol with "
                      "`fieldpad enrol URL CODE` instead.", True)

    @on(Input.Submitted, "#enrol-url")
    def _next(self) -> None:
        self.query_one("#enrol-code", Input).focus()

    @on(Input.Submitted, "#enrol-code")
    @on(Button.Pressed, "#enrol")
    def _submit(self) -> None:
        url = self.query_one("#enrol-url", Input).value.strip()
        code = self.query_one("#enrol-code", Input).value.strip()
        if self.fp.enrol_now is None:
            return
        if not url or not code:
            self._say("Give both the server's address and the code"
                      + (", or work offline." if self.first_run else "."), True)
            return
        self._say("Enrolling…", False)
        self._enrol(url, code)

    @work(thread=True, exclusive=True, group="enrol", name="enrol")
    def _enrol(self, url: str, code: str) -> None:
        from store import FieldpadError

        try:
            line = self.fp.enrol_now(self._session, url, code)  # type: ignore[misc]
        except FieldpadError as exc:
            self.app.call_from_thread(self._say, str(exc)[:1].upper() + str(exc)[1:], True)
        else:
            self.app.call_from_thread(self._done, line)

    def _say(self, text: str, error: bool) -> None:
        label = self.query_one("#enrol-message", Label)
        label.set_class(error, "error")
        label.update(text)

    def _done(self, line: str) -> None:
        self.notify(line, timeout=15)
        self._leave()

    @on(Button.Pressed, "#offline")
    def action_offline(self) -> None:
        self._leave()

    def _leave(self) -> None:
        if self.first_run:
            self.fp.unlocked(self._session)
        else:
            self.app.pop_screen()
