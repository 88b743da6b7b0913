"""Unlocking: the passphrase prompt, or the recovery key in its place.

Imported before unlocking, so it imports only what the prompt shows (start-up time, DESIGN
§9): ``store`` and the busy indicator come when the prompt is submitted; the first run's
screens are in ``first_run.py`` (still importable from here). Key stretching (Argon2id, about
a second) runs in a thread worker; the screen says it is busy.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Input, Label

from ._base import BaseScreen

#: the width of a form's labels (``.form-label`` in tui/app.tcss)
_LABEL_WIDTH = 23


class _TitleLine(Widget):
    """The title bar's look (``TitleBar``: "fieldpad" on the left, the state on the right) in
    one widget rather than three: every widget the prompt mounts costs start-up time."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"unlock--muted"}

    def __init__(self, left: str, right: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.left, self.right = left, right

    def render(self) -> Content:
        gap = max(1, self.size.width - len(self.left) - len(self.right) - 2)
        return Content.assemble(" ", (self.left, "bold"), " " * gap,
                                (self.right, self.get_visual_style("unlock--muted")), " ")


class _Heading(Widget):
    """The box's first three lines in one widget rather than two (every widget the prompt
    mounts costs start-up time): the app's name, centred in bold, a blank line, then the
    profile's row ("Profile" as a muted form label, then the name). Where the box is too
    narrow for the name, it wraps as a label would (``_name_lines``)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"unlock--app-name", "unlock--muted"}
    NAME = "fieldpad · field notes"

    def __init__(self, profile: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.profile = profile

    def _name_lines(self, width: int) -> list[Content]:
        return Content(self.NAME).wrap(max(1, width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._name_lines(width)) + 2

    def render(self) -> Content:
        width = self.size.width
        style = self.get_visual_style("unlock--app-name")
        # centred as a block (a wrapped name's lines start in one column), the padding styled
        # too: as ``content-align: center`` places a label's lines
        names = self._name_lines(width)
        left = " " * max(0, (width - max(line.cell_length for line in names)) // 2)
        lines = [Content.assemble(left, line, " " * max(0, width - len(left) - line.cell_length))
                 .stylize(style) for line in names]
        profile = Content.assemble(("Profile".ljust(_LABEL_WIDTH),
                                    self.get_visual_style("unlock--muted")), self.profile)
        return Content("\n").join([*lines, Content(""), profile])


class _KeyLine(Widget):
    """The compact footer's look and keys (``KeyFooter``: the screen's keys, the palette on
    the right) in one widget rather than one per key (start-up time). The prompt's keys all fit
    on one line, so it needs no ``more`` key. Unlike the footer's keys they are not clickable:
    every one of them is a key press away."""

    def on_mount(self) -> None:
        # the keys shown change with the focus (the input's enter hides the screen's) and the
        # user's keymap: redrawn whenever the screen's bindings change, as the footer is
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.refresh())

    def render(self) -> Content:
        screen, app = self.screen, self.app
        seen: set[str] = set()
        keys: list[Content] = []
        palette: Content | None = None
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            is_palette = binding.key == app.COMMAND_PALETTE_BINDING
            if not (binding.show or is_palette) or binding.action in seen:
                continue
            seen.add(binding.action)
            key = Content.assemble((app.get_key_display(binding),
                                    "bold $footer-key-foreground"), " ",
                                   (binding.description, "$footer-description-foreground"))
            if is_palette:
                palette = key if app.ENABLE_COMMAND_PALETTE else None
            else:
                keys.append(key.stylize("dim") if not enabled else key)
        line = Content(" ").join(keys)
        if palette is not None:
            gap = max(1, self.size.width - line.cell_length - palette.cell_length - 2)
            line = Content.assemble(line, " " * gap, ("▏", "$foreground 20%"), palette, " ")
        return line


class UnlockScreen(BaseScreen):
    """The passphrase prompt. Ctrl+R switches to the 24-word recovery key."""

    NAME = "Unlock"
    CSS_PATH = None  # tui/app.tcss styles it: see BaseScreen
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "unlock", "Unlock", show=True, id="unlock.unlock"),
        Binding("ctrl+r", "toggle_recovery", "Use recovery key", priority=True,
                id="unlock.recovery"),
    ]

    def __init__(self, reason: str = "") -> None:
        super().__init__()
        self.reason = reason
        self.recovery = False
        self.busy = False

    def compose(self) -> ComposeResult:
        # few widgets, one line each where they can be (start-up time, DESIGN §9): the screen
        # centres the box (no Center), the name and the profile's row are one widget
        yield _TitleLine("fieldpad", "locked", id="unlock-title")
        with Vertical(id="unlock-box", classes="dialog"):
            yield _Heading(self._profile_label(), id="unlock-heading")
            # marked as the focused row from the start (the input takes the focus on mount),
            # rather than restyled a moment later (start-up time)
            with Horizontal(classes="form-row -focus-row"):
                yield Label("Passphrase", classes="form-label", id="secret-label")
                yield Input(password=True, id="secret", placeholder="your passphrase", compact=True)
            yield Label(self.reason, id="unlock-message", markup=False)
            yield Label("Unlocking takes about a second: the key is stretched on purpose.",
                        id="unlock-hint", classes="hint")
        yield _KeyLine(id="unlock-keys")

    def _profile_label(self) -> str:
        name = self.fp.profile_dir.name
        return name if len(name) <= 40 else "…" + name[-39:]

    def on_mount(self) -> None:
        self.query_one("#secret", Input).focus()
        if self.fp.unlock_attempts:
            self._show_attempts()

    def _show_attempts(self) -> None:
        n = self.fp.unlock_attempts
        what = "recovery key" if self.recovery else "passphrase"
        self._message(f"Wrong {what}. {n} attempt{'s' if n != 1 else ''} so far. "
                      "Nothing was changed.", error=True)

    def _message(self, text: str, *, error: bool = False) -> None:
        label = self.query_one("#unlock-message", Label)
        label.update(text)
        label.set_class(error, "error")

    def action_toggle_recovery(self) -> None:
        if self.busy:
            return
        self.recovery = not self.recovery
        secret = self.query_one("#secret", Input)
        secret.value = ""
        secret.password = not self.recovery
        secret.placeholder = "the 24 words, separated by spaces" if self.recovery \
            else "your passphrase"
        self.query_one("#secret-label", Label).update(
            "Recovery key" if self.recovery else "Passphrase")
        self._message("Type the 24-word recovery key you wrote down when the vault was made."
                      if self.recovery else "")
        self.query_one("#unlock-hint", Label).update(
            "ctrl+r: back to the passphrase" if self.recovery
            else "Unlocking takes about a second: the key is stretched on purpose.")
        secret.focus()

    @on(Input.Submitted, "#secret")
    def action_unlock(self) -> None:
        if self.busy:
            return
        secret = self.query_one("#secret", Input)
        if not secret.value:
            self._message("Type your passphrase first." if not self.recovery
                          else "Type the recovery key first.", error=True)
            return
        self.busy = True
        value, secret.value = secret.value, ""
        secret.disabled = True
        self._show_busy(True)
        self._message("Unlocking…")
        self._unlock(value, self.recovery)

    @work(thread=True, exclusive=True, group="unlock", name="unlock")
    def _unlock(self, secret: str, recovery: bool) -> None:
        from store import FieldpadError, WrongPassphrase, collector_paused

        # the cyclic collector stays off until the app has frozen the session's notes
        # (``FieldpadApp.unlocked``, which returns before ``call_from_thread`` does): the
        # store loads them with it off, so they are all young, and the first collections
        # after it were back on walked them all (0.3-0.6 s at 50,000 notes, issue 16)
        try:
            with collector_paused():
                profile = self.fp.get_profile()
                try:
                    session = profile.unlock_recovery(secret) if recovery \
                        else profile.unlock(secret)
                except WrongPassphrase:
                    self.app.call_from_thread(self._failed, None)
                except (FieldpadError, ValueError) as exc:
                    self.app.call_from_thread(self._failed, str(exc))
                else:
                    self.app.call_from_thread(self.fp.unlocked, session, recovery=recovery)
        finally:
            del secret

    def _failed(self, message: str | None) -> None:
        self.busy = False
        secret = self.query_one("#secret", Input)
        secret.disabled = False
        secret.focus()
        self._show_busy(False)
        if message is None:
            self.fp.unlock_attempts += 1
            self._show_attempts()
        else:
            self._message(message[:1].upper() + message[1:], error=True)

    def _show_busy(self, shown: bool) -> None:
        """Show or hide the busy indicator, mounted above the hint the first time it is
        needed: a prompt that is never submitted has no use for it (start-up time)."""
        found = self.query("#unlock-busy")
        if found:
            found.first().display = shown
        elif shown:
            from textual.widgets import LoadingIndicator

            self.query_one("#unlock-box").mount(LoadingIndicator(id="unlock-busy"),
                                                 before="#unlock-hint")


_FIRST_RUN = ("CreateVaultScreen", "RecoveryKeyScreen", "EnrolScreen")


def __getattr__(name: str) -> type[BaseScreen]:
    """The first run's screens, which lived here, from ``first_run`` (imported when asked)."""
    if name in _FIRST_RUN:
        from . import first_run

        screen: type[BaseScreen] = getattr(first_run, name)
        return screen
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
