"""The team screen's dialogs: inviting a member, the invitation code shown once, and
joining with a code (issue 7)."""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from store.team import LEAD, MEMBER

from ..widgets.tickbox import RadioMark
from ._base import BaseModal

#: A server user name, as ``sync.client._team.Team.invite`` and the roster accept it.
USER_NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")


def as_sentence(text: str) -> str:
    text = text.strip() or "it failed without saying why"
    text = text[:1].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


class InviteModal(BaseModal):
    """Who to invite, and as what; dismisses with (user, role) or None."""

    NAME = "Invite"
    DEFAULT_CSS = """
    InviteModal #invite-box { height: auto; }
    InviteModal #invite-role { width: 1fr; layout: horizontal; }
    InviteModal #invite-role RadioButton { width: auto; margin-right: 2; }
    InviteModal #invite-message { width: 100%; height: auto; display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="invite.cancel"),
    ]

    def __init__(self, inspection_name: str) -> None:
        super().__init__()
        self.inspection_name = inspection_name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog modal-box", id="invite-box"):
            yield Label(f"Invite a member to {self.inspection_name}", classes="dialog-title",
                        markup=False)
            with Horizontal(classes="form-row"):
                yield Label("User name", classes="form-label")
                yield Input(id="invite-user", placeholder="their server user name",
                            max_length=64, compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Role", classes="form-label")
                with RadioSet(id="invite-role", compact=True):
                    yield RadioMark("member", value=True, id="role-member", compact=True)
                    yield RadioMark("lead", id="role-lead", compact=True)
            yield Label("The server must know the user already. A lead can also invite and "
                        "remove members and decide concerns.", classes="hint")
            yield Label("", id="invite-message", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Invite", id="invite", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#invite-user", Input).focus()

    @property
    def role(self) -> str:
        return LEAD if self.query_one("#role-lead", RadioButton).value else MEMBER

    @on(Input.Submitted, "#invite-user")
    @on(Button.Pressed, "#invite")
    def _invite(self) -> None:
        user = self.query_one("#invite-user", Input).value.strip()
        if not USER_NAME.fullmatch(user):
            message = self.query_one("#invite-message", Label)
            message.update("A user name is 1–64 letters, digits or . _ @ - (as the server "
                           "knows it).")
            message.display = True
            self.query_one("#invite-user", Input).focus()
            return
        self.dismiss((user, self.role))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def spaced_code(code: str) -> str:
    """The code in two lines of four groups, letters spaced apart so that it reads clearly
    aloud and across a table (O and 0, I and 1 are never both in it)."""
    groups = [" ".join(g) for g in code.split("-")]
    half = (len(groups) + 1) // 2
    return "\n".join("   ".join(line) for line in (groups[:half], groups[half:]) if line)


class InviteCodeModal(BaseModal):
    """The one-time invitation code, shown once, large, to give in person."""

    NAME = "Invitation code"
    DEFAULT_CSS = """
    InviteCodeModal #code-box { height: auto; }
    InviteCodeModal #invite-code {
        width: 100%;
        height: auto;
        content-align: center middle;
        text-align: center;
        text-style: bold;
        color: $text-primary;
        background: $boost;
        border: round $primary;
        padding: 1 0;
        margin-bottom: 1;
    }
    InviteCodeModal #invite-code-how { width: 100%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Done", id="invite_code.close"),
    ]

    def __init__(self, user: str, role: str, code: str, inspection_name: str) -> None:
        super().__init__()
        self.user, self.role, self.code = user, role, code
        self.inspection_name = inspection_name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog modal-box", id="code-box"):
            yield Label(f"Invitation for {self.user} ({self.role}) · {self.inspection_name}",
                        classes="dialog-title", markup=False)
            yield Static(spaced_code(self.code), id="invite-code", markup=False)
            yield Label(f"Give it to {self.user} in person; it works once, for one device. "
                        "Never send it by email or chat.", id="invite-code-how", markup=False)
            yield Label(f"On {self.user}'s device: T in the workspace (the team screen), then j "
                        "and this code. Your next sync checks it and adds the device.",
                        classes="hint", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Done (enter)", id="done", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#done", Button).focus()

    @on(Button.Pressed, "#done")
    def action_close(self) -> None:
        self.dismiss(None)


class JoinModal(BaseModal):
    """The code a lead gave in person; dismisses with it (checked for typos) or None."""

    NAME = "Join"
    DEFAULT_CSS = """
    JoinModal #join-box { height: auto; }
    JoinModal #join-message { width: 100%; height: auto; display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="join.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog modal-box", id="join-box"):
            yield Label("Join a team with a code", classes="dialog-title")
            with Horizontal(classes="form-row"):
                yield Label("Code", classes="form-label")
                yield Input(id="join-code", placeholder="XXXXX-XXXXX-… from your lead",
                            max_length=80, compact=True)
            yield Label("Your lead gives you the code in person. This device sends its public "
                        "keys with proof of the code; the lead's next sync adds it.",
                        classes="hint")
            yield Label("", id="join-message", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Join", id="join", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#join-code", Input).focus()

    @on(Input.Submitted, "#join-code")
    @on(Button.Pressed, "#join")
    def _join(self) -> None:
        from store.team import BadInviteCode, parse_code

        code = self.query_one("#join-code", Input).value.strip()
        try:
            parse_code(code)
        except BadInviteCode as exc:
            message = self.query_one("#join-message", Label)
            message.update(as_sentence(str(exc)))
            message.display = True
            self.query_one("#join-code", Input).focus()
            return
        self.dismiss(code)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PairModal(BaseModal):
    """A records reading pair: reader, inspector and the last reading day; dismisses with
    (reader, inspector, until) or None."""

    NAME = "Pair a records reader"
    DEFAULT_CSS = """
    PairModal #pair-box { height: auto; }
    PairModal #pair-message { width: 100%; height: auto; display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="pair.cancel"),
    ]

    def __init__(self, inspection_name: str) -> None:
        super().__init__()
        self.inspection_name = inspection_name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog modal-box", id="pair-box"):
            yield Label(f"Pair a records reader · {self.inspection_name}",
                        classes="dialog-title", markup=False)
            for field, label, hint in (
                    ("reader", "Reader", "the local records reader's user name"),
                    ("inspector", "Inspector", "the inspector they work with"),
                    ("until", "Last day", "YYYY-MM-DD: access ends after it")):
                with Horizontal(classes="form-row"):
                    yield Label(label, classes="form-label")
                    yield Input(id=f"pair-{field}", placeholder=hint, max_length=64,
                                compact=True)
            yield Label("Their record reviews are read by the pair and the leads only. A reader "
                        "not on the team gets a code for the pair alone.", classes="hint")
            yield Label("", id="pair-message", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Pair", id="pair", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#pair-reader", Input).focus()

    def _problem(self, reader: str, inspector: str, until: str) -> str:
        if not USER_NAME.fullmatch(reader) or not USER_NAME.fullmatch(inspector):
            return "User names are 1–64 letters, digits or . _ @ - (as the server knows them)."
        try:
            day = date.fromisoformat(until)
        except ValueError:
            return "Give the last reading day as YYYY-MM-DD."
        if day < date.today():
            return "The last reading day is already over."
        return ""

    @on(Input.Submitted, "#pair-until")
    @on(Button.Pressed, "#pair")
    def _pair(self) -> None:
        values = [self.query_one(f"#pair-{f}", Input).value.strip()
                  for f in ("reader", "inspector", "until")]
        problem = self._problem(*values)
        if problem:
            message = self.query_one("#pair-message", Label)
            message.update(problem)
            message.display = True
            return
        self.dismiss(tuple(values))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class LinkCodeModal(InviteCodeModal):
    """The one-time code for another device of one's own, shown once (issue 11)."""

    NAME = "Link code"

    def __init__(self, code: str, inspection_name: str) -> None:
        super().__init__("", "", code, inspection_name)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog modal-box", id="code-box"):
            yield Label(f"Link your new device · {self.inspection_name}",
                        classes="dialog-title", markup=False)
            yield Static(spaced_code(self.code), id="invite-code", markup=False)
            yield Label("Type it on your new device yourself: T in its workspace, then j and "
                        "this code (or `fieldpad team join CODE`). It works once.",
                        id="invite-code-how", markup=False)
            yield Label("Then sync this device: it checks the new one and vouches for it. A "
                        "lead's device adds it at its next sync; your lead does nothing.",
                        classes="hint", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Done (enter)", id="done", variant="primary", compact=True)
