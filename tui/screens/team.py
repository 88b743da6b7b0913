"""Team: the devices on an inspection's signed team roster, with fingerprints to compare in
person (DESIGN §6, issue 7), and a lead's invitations, removals and revocations.

The list is read from the verified roster this device keeps (``session.rosters``); marking a
device verified is local. Inviting, joining, removing and revoking need the server at once:
they go through the app's ``team_now`` seam (``tui/_sync_seam``) in a thread worker, and what
happened is said in words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Label, Static

from store import FieldpadError, Inspection
from store.team import MEMBER, Roster, TeamDevice, fingerprint_text, team_devices, team_roster

from .._printable import printable
from ..widgets.key_footer import KeyFooter
from ..widgets.title_bar import TitleBar
from ._base import BaseScreen
from .team_dialogs import (
    USER_NAME,
    InviteCodeModal,
    InviteModal,
    JoinModal,
    LinkCodeModal,
    PairModal,
    as_sentence,
    spaced_code,
)

if TYPE_CHECKING:
    from .._host import Host


def open_team(app: Host, start: str | None = None) -> None:
    """Open the team screen of the current inspection (from the palette); ``start``:
    ``"invite"`` or ``"join"`` opens that step at once."""
    if app.session is None:
        return
    screen = app.screen
    if isinstance(screen, TeamScreen):
        if start:
            getattr(screen, f"action_{start}")()
        return
    inspection = app.current_inspection(team_first=True)
    if inspection is None:
        app.notify("There is no inspection to show a team of.")
        return
    app.push_screen(TeamScreen(inspection, start=start))


class TeamScreen(BaseScreen):
    """The devices on the signed team roster of one inspection."""

    NAME = "Team"
    DEFAULT_CSS = """
    TeamScreen #team-table { height: auto; max-height: 70%; }
    TeamScreen #team-hint { width: 100%; padding: 1 1 0 1; color: $text-muted; }
    TeamScreen #team-status { width: 100%; padding: 0 1; }
    TeamScreen #team-status.error { color: $text-error; }
    TeamScreen #team-status.busy { color: $text-accent; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "verify", "Verify", id="team.verify"),
        Binding("i", "invite", "Invite", id="team.invite"),
        Binding("x", "remove", "Remove", id="team.remove"),
        Binding("p", "pair", "Pair reader", id="team.pair"),
        Binding("r", "revoke", "Revoke", id="team.revoke"),
        Binding("J", "join", "Join with a code", id="team.join"),
        Binding("l", "link", "Link my device", id="team.link"),
        Binding("escape", "back", "Back", id="team.back"),
        # j and k move, as in every list (joining is shift+j)
        Binding("j", "cursor_down", "Down", show=False, id="team.down"),
        Binding("k", "cursor_up", "Up", show=False, id="team.up"),
    ]

    def __init__(self, inspection: Inspection, *, start: str | None = None) -> None:
        super().__init__()
        self.inspection = inspection
        self.start = start
        self.roster: Roster | None = None
        self.devices: list[TeamDevice] = []
        self.busy = False

    def compose(self) -> ComposeResult:
        yield TitleBar(f"Team · {self.inspection.name}", "")
        yield DataTable(id="team-table", cursor_type="row", zebra_stripes=False)
        yield Static("", id="team-hint", markup=False)
        yield Label("", id="team-status", markup=False)
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (("User", "user"), ("Role", "role"), ("Device", "device"),
                           ("Fingerprint", "fingerprint"), ("Status", "status")):
            table.add_column(label, key=key)
        self.load()
        table.focus()
        if self.start:
            self.call_after_refresh(getattr(self, f"action_{self.start}"))

    def on_screen_resume(self) -> None:
        if self.fp.session is not None and self.is_mounted:
            self.load(keep=self._current_id())

    # -- data --------------------------------------------------------------------------------
    @property
    def is_lead(self) -> bool:
        return self.roster is not None and self.roster.is_lead(self.session.device_id)

    @property
    def on_roster(self) -> bool:
        return self.roster is not None and self.roster.is_active(self.session.device_id)

    def load(self, keep: bytes | None = None) -> None:
        """Re-read the roster and the verified marks; keep the cursor on ``keep``."""
        session = self.session
        self.roster = team_roster(session, self.inspection)
        self.devices = team_devices(session, self.roster)
        me = fingerprint_text(session.keys.device.sign_pub)
        left = f"Team · {self.inspection.name} · this device {me}"
        role = ""
        if self.on_roster:
            role = "you lead" if self.is_lead else "member"
        self.query_one(TitleBar).set(left=left, right=role)
        table = self.query_one(DataTable)
        table.clear()
        for d in self.devices:
            dim = "" if d.active else "dim"
            if not d.active:
                status = Text("removed", style="dim")
            elif d.this_device:
                status = Text("this device", style="italic")
            elif d.verified:
                status = Text("verified", style="bold")
            else:
                status = Text("not verified")
            table.add_row(Text(printable(d.user, one_line=True), style=dim),
                          Text(d.role, style=dim),
                          Text(d.short_id, style=dim), Text(d.fingerprint, style=dim),
                          status, key=d.device_id.hex())
        table.display = bool(self.devices)
        if keep is not None:
            for i, d in enumerate(self.devices):
                if d.device_id == keep:
                    table.move_cursor(row=i)
        self.query_one("#team-hint", Static).update(self._hint())
        self.refresh_bindings()

    def _hint(self) -> str:
        name = self.inspection.name
        if self.roster is None:
            if self.inspection.scope == "local":
                return (f"{name} is kept on this device only: it has no team. To join a team "
                        "inspection, ask your lead for a code, then press shift+j.")
            return (f"{name} has no signed team roster on this device yet. To join the team, "
                    "ask your lead for a code, then press shift+j. If you lead it, sync (s from "
                    "the list) to start the roster.")
        if not self.on_roster:
            return ("This device is not on the team roster (any more). To join again, ask your "
                    "lead for a new code, then press shift+j.")
        return ("Compare fingerprints in person, then press v. Read each fingerprint off the "
                "other person's own screen, never from a message: a match shows that the "
                "device on this list is the one in their hands.")

    def _current(self) -> TeamDevice | None:
        table = self.query_one(DataTable)
        if not self.devices or not table.display:
            return None
        row = table.cursor_row
        return self.devices[row] if 0 <= row < len(self.devices) else None

    def _current_id(self) -> bytes | None:
        dev = self._current() if self.is_mounted else None
        return dev.device_id if dev else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Lead actions show only on a lead's device; joining only on a device that is not
        on the roster; verify and revoke only when there are devices to act on."""
        if action not in ("invite", "remove", "pair", "join", "verify", "revoke", "link"):
            return True
        if self.fp.session is None or not self.is_mounted:
            return False
        if action in ("invite", "remove", "pair"):
            return self.is_lead
        if action == "join":
            return not self.on_roster
        if action == "link":  # a lead's device invites its own user instead (i)
            return self.on_roster and not self.is_lead
        return bool(self.devices)

    def _say(self, text: str, kind: str = "") -> None:
        status = self.query_one("#team-status", Label)
        status.update(text)
        status.set_class(kind == "error", "error")
        status.set_class(kind == "busy", "busy")

    # -- verify (local) ----------------------------------------------------------------------
    def action_verify(self) -> None:
        from .confirm import ConfirmModal

        dev = self._current()
        if dev is None:
            self.notify("There is no device here to verify yet.")
            return
        if dev.this_device:
            self.notify("This is the device you are using: read its fingerprint out so the other "
                        "person can check it on their screen.")
            return
        if dev.verified:
            self._mark(dev, False)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._mark(dev, True)

        self.app.push_screen(ConfirmModal(
            f"Mark {dev.user}'s device {dev.short_id} as verified?",
            f"Only if {dev.user}'s own screen shows the same fingerprint: {dev.fingerprint}",
            yes="Verified"), confirmed)

    def _mark(self, dev: TeamDevice, verified: bool) -> None:
        self.session.rosters.mark_verified(dev.device_id, verified)
        self.load(keep=dev.device_id)
        if verified:
            self.notify(f"Marked {dev.user}'s device {dev.fingerprint} as verified in person.")
        else:
            self.notify(f"Unmarked {dev.user}'s device {dev.short_id}: it shows as not verified.")

    # -- network actions ---------------------------------------------------------------------
    def _lead_only(self, what: str) -> bool:
        if self.is_lead:
            return True
        self.notify(f"Only a lead's device can {what} in {self.inspection.name}: ask your lead.",
                    severity="warning")
        return False

    def action_invite(self) -> None:
        if not self._lead_only("invite"):
            return

        def chosen(answer: tuple[str, str] | None) -> None:
            if answer:
                user, role = answer
                self._network("invite", f"Inviting {user}…", user=user, role=role)

        self.app.push_screen(InviteModal(self.inspection.name), chosen)

    def action_pair(self) -> None:
        if not self._lead_only("pair a records reader"):
            return

        def chosen(answer: tuple[str, str, str] | None) -> None:
            if answer:
                reader, inspector, until = answer
                self._network("pair", f"Pairing {reader} with {inspector}…", reader=reader,
                              inspector=inspector, until=until)

        self.app.push_screen(PairModal(self.inspection.name), chosen)

    def action_join(self) -> None:
        if self.on_roster:
            self.notify(f"This device is already on the team of {self.inspection.name}.")
            return

        def chosen(code: str | None) -> None:
            if code:
                self._network("join", "Answering the invitation…", code=code)

        self.app.push_screen(JoinModal(), chosen)

    def action_link(self) -> None:
        """A code for another device of this user's own (issue 11): typed there with j."""
        if not self.on_roster or self.is_lead:
            self.notify("Link a new device from a member's device that is on the team roster "
                        "(a lead invites their own user with i).", severity="warning")
            return
        self._network("link", "Making a code for your new device…")

    def action_remove(self) -> None:
        from .confirm import ConfirmModal

        if not self._lead_only("remove members"):
            return
        dev = self._current()
        if dev is None:
            return
        if dev.this_device or dev.user == self.session.rosters.user:
            self.notify("You cannot remove yourself: another lead can.", severity="warning")
            return
        active = [d for d in self.devices if d.user == dev.user and d.active]
        if not active:
            self.notify(f"{dev.user} has no device on the team any more.")
            return
        n = len(active)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._network("remove", f"Removing {dev.user}…", user=dev.user)

        self.app.push_screen(ConfirmModal(
            f"Remove {dev.user} from {self.inspection.name}?",
            f"The server refuses {dev.user}'s {n} device{'s' if n != 1 else ''} at once and "
            "every key of the inspection rotates: they keep what they already synced but "
            "read nothing new.", yes="Remove"), confirmed)

    def action_revoke(self) -> None:
        from .confirm import ConfirmModal

        dev = self._current()
        if dev is None:
            return
        if dev.this_device:
            self.notify("This is the device you are using: revoke it from another of your "
                        "devices, or ask your lead.", severity="warning")
            return
        if not dev.active:
            self.notify(f"{dev.user}'s device {dev.short_id} was already removed.")
            return
        if not self.is_lead and dev.user != self.session.rosters.user:
            self.notify(f"Only a lead, or another device of {dev.user}'s, can revoke this "
                        "device.", severity="warning")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._network("revoke", f"Revoking device {dev.short_id}…",
                              device=dev.device_id.hex())

        self.app.push_screen(ConfirmModal(
            f"Revoke {dev.user}'s device {dev.short_id}?",
            f"For a lost or stolen device ({dev.fingerprint}): the server refuses it from "
            "now on and the keys rotate, so it reads nothing new. Other devices keep working.",
            yes="Revoke"), confirmed)

    def _network(self, action: str, busy: str, **kw: str) -> None:
        app = self.fp
        if self.busy:
            self.notify("A team change is still running: wait for it to finish.")
            return
        if app.sync_running:
            self.notify("A sync is running: try again when it has finished.")
            return
        self.busy = True
        app.sync_running = True  # the session is in use: a lock meanwhile waits to wipe it
        self._say(busy, "busy")
        self._run(action, kw)

    @work(thread=True, group="team", name="team action")
    def _run(self, action: str, kw: dict[str, str]) -> None:
        app = self.fp  # held here: the screen may be gone (locked) before the action ends
        result, error = "", ""
        try:
            result = app.team_now(self.session, self.inspection, action, **kw)
        except FieldpadError as exc:
            error = as_sentence(str(exc))
        except Exception as exc:  # noqa: BLE001 - shown in words, never a traceback
            error = as_sentence(f"it stopped unexpectedly ({type(exc).__name__}); nothing "
                              "changed on this device that the server did not take")
        app.call_from_thread(self._done, action, kw, result, error)

    def _done(self, action: str, kw: dict[str, str], result: str, error: str) -> None:
        app = self.fp
        self.busy = False
        app.sync_finished()
        if not self.is_mounted or app.session is None:
            return  # locked meanwhile
        what = {"invite": f"invite {kw.get('user', '')}", "join": "join",
                "remove": f"remove {kw.get('user', '')}",
                "revoke": f"revoke device {kw.get('device', '')[:8]}",
                "pair": f"pair {kw.get('reader', '')}", "link": "make a link code"}[action]
        if error:
            self._say(f"Could not {what}: {error}", "error")
            self.notify(f"Could not {what}: {error}", severity="error", timeout=10)
            return
        self.load(keep=self._current_id())
        if action == "invite":
            self._say(f"Invited {kw['user']}: the code was shown once.")
            self.app.push_screen(InviteCodeModal(kw["user"], kw.get("role", MEMBER), result,
                                                 self.inspection.name))
            return
        if action == "link":
            self._say("The code for your new device was shown once.")
            self.app.push_screen(LinkCodeModal(result, self.inspection.name))
            return
        if action == "pair":
            self._say(f"Paired {kw['reader']} with {kw['inspector']} until {kw['until']}.")
            if result:  # the reader is not on the team: their code for the pair alone
                self.app.push_screen(InviteCodeModal(kw["reader"], "reader", result,
                                                     self.inspection.name))
            return
        self._say(result)
        self.notify(result, timeout=8)

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def action_back(self) -> None:
        if self.busy:
            self.notify("The team change is still running: wait for its answer.")
            return
        self.app.pop_screen()


__all__ = ["USER_NAME", "InviteCodeModal", "InviteModal", "JoinModal", "TeamScreen", "open_team",
           "spaced_code"]
