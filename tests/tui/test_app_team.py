"""The team screen (issue 7): devices with fingerprints to compare in person, marking a device
verified, and a lead's invite / remove / revoke and a member's join through the ``team_now``
seam (faked here; one test runs the real seam against a server process on loopback).

The rosters are real signed rosters built with the store's own API, no server: this device's
keys and every other device's keys are fixed, so fingerprints and ids on screen (and in the
snapshots) are the same on every run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from textual.widgets import DataTable, Input, Label

from store import FieldpadError, Inspection, KdfParams, Profile, Session
from store.team import ADD, LEAD, MEMBER, REMOVE, Roster, format_code, parse_code
from tui._commands_palette import commands_for
from tui.screens.confirm import ConfirmModal
from tui.screens.inspections import InspectionsScreen
from tui.screens.team import (
    InviteCodeModal,
    InviteModal,
    JoinModal,
    TeamScreen,
    fingerprint_text,
    open_team,
    spaced_code,
)
from tui.screens.workspace import WorkspaceScreen

from .conftest import PASSPHRASE, STORE_MS, make_app, unlock

pytestmark = pytest.mark.anyio

AT = "2026-03-14T09:00:00+00:00"
INSPECTION = "Northshire 2026"
ME = bytes.fromhex("7f3a" + "00" * 14)
CODE = format_code(bytes(range(16)), bytes(range(8)))


def _sign(n: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([n]) * 32)


def _pub(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


def _kx(n: int) -> bytes:
    return X25519PrivateKey.from_private_bytes(bytes([n]) * 32).public_key().public_bytes_raw()


def _did(n: int) -> bytes:
    return bytes([n]) * 16


#: (user, role, device id, signing key number) of the other devices on the roster
KIM_1, KIM_2, LR2, BO = _did(0x51), _did(0x52), _did(0x63), _did(0x24)
OTHERS = [("kim", MEMBER, KIM_1, 3), ("kim", MEMBER, KIM_2, 4), ("lr2", MEMBER, LR2, 5),
          ("bo", LEAD, BO, 6)]
LEAD_DEVICE = _did(0x99)


def fixed_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Profile, Session]:
    """A profile whose device id and signing key are always the same (floor KDF)."""
    profile = Profile(tmp_path / "profile", now_ms=lambda: STORE_MS)
    session, _ = profile.init(PASSPHRASE, KdfParams.floor(), author="AI", device_id=ME,
                              signing_key=_sign(1).private_bytes_raw())
    assert session.device_id == ME
    return profile, session


def add_team(session: Session, *, lead: bool = True) -> Inspection:
    """A team inspection with a signed, verified team roster on this device.

    ``lead``: this device started the roster (user "ai", lead) and added kim's two devices,
    lr2's (removed later: lost) and bo's (a second lead). Otherwise another device (bo's) is
    the lead and this device is a member."""
    ins = session.add_inspection(INSPECTION, "Northshire CPP", role="team", scope="team")
    cid = next(c for c, (iid, kind) in session.collection_roles().items()
               if iid == ins.inspection_id and kind == "team")
    ck = session.keyring.key(cid, 1)
    assert ck is not None
    me = session.keys.device
    if lead:
        signer, by = me.signing, ME
        roster, _ = Roster.create(cid, ME, "ai", signer, me.kx_pub, ck, at=AT)
        for user, role, did, n in OTHERS:
            roster, _ = roster.sign_next(signer, ADD, by, at=AT, device_id=did, user=user,
                                         role=role, sign_key=_pub(_sign(n)), kx_key=_kx(n))
        roster, _ = roster.sign_next(signer, REMOVE, by, at=AT, device_id=LR2, reason="lost")
    else:
        signer, by = _sign(9), LEAD_DEVICE
        roster, _ = Roster.create(cid, by, "bo", signer, _kx(9), ck, at=AT)
        roster, _ = roster.sign_next(signer, ADD, by, at=AT, device_id=ME, user="ai",
                                     role=MEMBER, sign_key=me.sign_pub, kx_key=me.kx_pub)
        roster, _ = roster.sign_next(signer, ADD, by, at=AT, device_id=KIM_1, user="kim",
                                     role=MEMBER, sign_key=_pub(_sign(3)), kx_key=_kx(3))
    anchor = roster.genesis_sign_key
    session.rosters.pin(ins.inspection_id, anchor)
    session.rosters.save(roster, anchor)
    session.rosters.set_user("ai")
    return ins


class FakeTeam:
    """The ``team_now`` seam: records each call; returns the code or a sentence, or fails."""

    def __init__(self, fail: str | None = None) -> None:
        self.calls: list[tuple[str, str, dict[str, str]]] = []
        self.fail = fail

    def __call__(self, session: Session, inspection: Inspection, action: str,
                 **kw: str) -> str:
        self.calls.append((inspection.name, action, kw))
        if self.fail:
            raise FieldpadError(self.fail)
        if action in ("invite", "pair"):
            return CODE
        return f"The server took it: {action}."


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Profile, Session,
                                                                             Inspection]]:
    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session)
    yield profile, session, ins
    if not session.locked:
        session.lock()
    profile.close()


async def _open(pilot: Any, session: Session, ins: Inspection) -> TeamScreen:
    await unlock(pilot, session)
    pilot.app.push_screen(WorkspaceScreen(ins))
    await pilot.pause()
    await pilot.press("T")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TeamScreen)
    return screen


def _rows(screen: TeamScreen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def _to_row(pilot: Any, screen: TeamScreen, device_id: bytes) -> None:
    table = screen.query_one(DataTable)
    index = next(i for i, d in enumerate(screen.devices) if d.device_id == device_id)
    table.move_cursor(row=index)
    await pilot.pause()


def _text(widget: Any) -> str:
    return str(widget.render())


async def _settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


# -- the list ---------------------------------------------------------------------------------
def test_fingerprints_are_the_sync_clients() -> None:
    from sync.client import fingerprint

    for n in (1, 3, 200):
        assert fingerprint_text(_pub(_sign(n))) == fingerprint(_pub(_sign(n)))


def test_the_list_is_the_sync_clients_team_view(team) -> None:
    from sync.client import team_view
    from tui.screens.team import team_devices, team_roster

    _, session, ins = team
    session.rosters.mark_verified(KIM_1)
    ours = team_devices(session, team_roster(session, ins))
    assert [vars(d) for d in ours] == [vars(d) for d in team_view(session, ins)]


async def test_team_screen_lists_devices_with_fingerprints(team) -> None:
    profile, session, ins = team
    app = make_app(profile, team_now=FakeTeam())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, session, ins)
        title = _text(screen.query_one("#title-left"))
        mine = fingerprint_text(session.keys.device.sign_pub)
        assert title == f"Team · {INSPECTION} · this device {mine}"
        assert _text(screen.query_one("#title-right")) == "you lead"
        rows = _rows(screen)
        assert rows == [
            ["ai", "lead", ME.hex()[:8], mine, "this device"],
            ["bo", "lead", BO.hex()[:8], fingerprint_text(_pub(_sign(6))), "not verified"],
            ["kim", "member", KIM_1.hex()[:8], fingerprint_text(_pub(_sign(3))),
             "not verified"],
            ["kim", "member", KIM_2.hex()[:8], fingerprint_text(_pub(_sign(4))),
             "not verified"],
            ["lr2", "member", LR2.hex()[:8], fingerprint_text(_pub(_sign(5))), "removed"],
        ]
        assert "Compare fingerprints in person, then press v" in _text(
            screen.query_one("#team-hint"))
        shown = {b.binding.action for b in app.active_bindings.values() if b.enabled}
        assert {"verify", "invite", "remove", "revoke"} <= shown
        assert "join" not in shown  # this device is on the roster already
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WorkspaceScreen)


async def test_without_a_roster_it_says_how_to_join(fprofile, fsession) -> None:
    fake = FakeTeam()
    app = make_app(fprofile, team_now=fake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, fsession, fsession.find_inspection("Notebook"))
        assert not screen.query_one(DataTable).display
        hint = _text(screen.query_one("#team-hint"))
        assert "ask your lead for a code, then press shift+j" in hint
        shown = {b.binding.action for b in app.active_bindings.values() if b.enabled}
        assert "join" in shown and not {"invite", "remove", "verify"} & shown
        await pilot.press("v")  # nothing to verify: nothing happens
        await pilot.press("j")  # j moves down, as in every list: no dialog
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("J")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, JoinModal)
        modal.query_one("#join-code", Input).value = CODE[:-1] + ("0" if CODE[-1] != "0"
                                                                  else "1")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal  # a typo is caught before anything is sent
        assert "mistyped" in _text(modal.query_one("#join-message"))
        modal.query_one("#join-code", Input).value = CODE.lower()
        await pilot.press("enter")
        await _settle(pilot)
        assert app.screen is screen
        assert fake.calls == [("Notebook", "join", {"code": CODE.lower()})]
        assert _text(screen.query_one("#team-status")) == "The server took it: join."


# -- verify (local) ---------------------------------------------------------------------------
@pytest.mark.slow
async def test_v_marks_verified_and_it_survives_a_lock(team) -> None:
    profile, session, ins = team
    fake = FakeTeam()
    app = make_app(profile, team_now=fake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, session, ins)
        await _to_row(pilot, screen, KIM_1)
        await pilot.press("v")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmModal)
        assert fingerprint_text(_pub(_sign(3))) in confirm.detail
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is screen
        assert _rows(screen)[2][-1] == "verified"
        assert screen.query_one(DataTable).cursor_row == 2  # the cursor stays on kim's device
        assert KIM_1 in session.rosters.verified()

        await pilot.press("ctrl+l")
        await _settle(pilot)
        assert session.locked
        again = profile.unlock(PASSPHRASE)
        screen = await _open(pilot, again, again.find_inspection(INSPECTION))
        assert _rows(screen)[2][-1] == "verified"
        assert _rows(screen)[3][-1] == "not verified"
        await _to_row(pilot, screen, KIM_1)
        await pilot.press("v")  # unmarking needs no confirmation
        await pilot.pause()
        assert app.screen is screen
        assert _rows(screen)[2][-1] == "not verified"
        assert KIM_1 not in again.rosters.verified()
        await _to_row(pilot, screen, ME)
        await pilot.press("v")  # this device: nothing to mark
        await pilot.pause()
        assert app.screen is screen and ME not in again.rosters.verified()
        again.lock()
    assert fake.calls == []  # verifying is local


# -- lead actions through the seam ------------------------------------------------------------
@pytest.mark.slow
async def test_invite_shows_the_code_once(team) -> None:
    profile, session, ins = team
    fake = FakeTeam()
    app = make_app(profile, team_now=fake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, session, ins)
        await pilot.press("i")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, InviteModal)
        await pilot.press(*"sam lr3", "enter")
        await pilot.pause()
        assert app.screen is modal and "1–64 letters" in _text(
            modal.query_one("#invite-message"))
        modal.query_one("#invite-user", Input).value = ""
        await pilot.press(*"sam.lr3", "tab", "right", "enter", "shift+tab", "enter")
        await _settle(pilot)
        assert fake.calls == [(INSPECTION, "invite", {"user": "sam.lr3", "role": "lead"})]
        code = app.screen
        assert isinstance(code, InviteCodeModal)
        assert _text(code.query_one("#invite-code")) == spaced_code(CODE)
        said = " ".join(_text(w) for w in code.query(Label))
        assert "in person; it works once" in said
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert "Invited sam.lr3" in _text(screen.query_one("#team-status"))


@pytest.mark.slow
async def test_pair_a_reader_shows_their_code(team) -> None:
    from tui.screens.team_dialogs import PairModal

    profile, session, ins = team
    fake = FakeTeam()
    app = make_app(profile, team_now=fake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, session, ins)
        await pilot.press("p")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, PairModal)
        await pilot.press(*"reader1", "tab", *"kim", "tab", *"2020-01-01", "enter")
        await pilot.pause()
        assert app.screen is modal and "already over" in _text(modal.query_one("#pair-message"))
        modal.query_one("#pair-until", Input).value = ""
        await pilot.press(*"2099-03-05", "enter")
        await _settle(pilot)
        assert fake.calls == [(INSPECTION, "pair", {"reader": "reader1", "inspector": "kim",
                                                    "until": "2099-03-05"})]
        code = app.screen
        assert isinstance(code, InviteCodeModal)
        assert _text(code.query_one("#invite-code")) == spaced_code(CODE)
        await pilot.press("enter")
        await pilot.pause()
        assert "Paired reader1 with kim" in _text(screen.query_one("#team-status"))


@pytest.mark.slow
async def test_remove_names_the_user_and_the_key_rotation(team) -> None:
    profile, session, ins = team
    fake = FakeTeam()
    app = make_app(profile, team_now=fake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, session, ins)
        await _to_row(pilot, screen, ME)
        await pilot.press("x")  # not yourself
        await pilot.pause()
        assert app.screen is screen
        await _to_row(pilot, screen, KIM_2)
        await pilot.press("x")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmModal)
        assert "Remove kim from Northshire 2026?" == confirm.question
        assert "kim's 2 devices" in confirm.detail and "key" in confirm.detail
        assert "rotates" in confirm.detail
        await pilot.press("n")
        await pilot.pause()
        assert fake.calls == []
        await pilot.press("x", "y")
        await _settle(pilot)
        assert fake.calls == [(INSPECTION, "remove", {"user": "kim"})]
        assert _text(screen.query_one("#team-status")) == "The server took it: remove."


@pytest.mark.slow
async def test_revoke_a_lost_device(team) -> None:
    profile, session, ins = team
    fake = FakeTeam()
    app = make_app(profile, team_now=fake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, session, ins)
        await _to_row(pilot, screen, LR2)
        await pilot.press("r")  # already removed
        await pilot.pause()
        assert app.screen is screen
        await _to_row(pilot, screen, KIM_1)
        await pilot.press("r")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmModal)
        assert "lost or stolen" in confirm.detail
        await pilot.press("y")
        await _settle(pilot)
        assert fake.calls == [(INSPECTION, "revoke", {"device": KIM_1.hex()})]


@pytest.mark.slow
async def test_a_refusal_is_said_in_words(team) -> None:
    profile, session, ins = team
    fake = FakeTeam(fail="the server refused (403 not_a_lead): only a lead may do this")
    app = make_app(profile, team_now=fake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, session, ins)
        await _to_row(pilot, screen, KIM_1)
        await pilot.press("x", "y")
        await _settle(pilot)
        status = screen.query_one("#team-status", Label)
        assert _text(status) == ("Could not remove kim: The server refused (403 not_a_lead): "
                                 "only a lead may do this.")
        assert status.has_class("error")
        assert not app.sync_running and not screen.busy
        assert _rows(screen)[2][-1] == "not verified"  # nothing changed


async def test_a_lock_during_a_team_change_waits_for_it(team) -> None:
    """The action runs in a thread; the screen stays live, and a lock meanwhile removes the
    screen at once but wipes the session only when the thread is done with it."""
    from tui.screens.unlock import UnlockScreen

    profile, session, ins = team
    halfway, carry_on = threading.Event(), threading.Event()
    seen: list[bool] = []

    def slow(session: Session, inspection: Inspection, action: str, **kw: str) -> str:
        halfway.set()
        assert carry_on.wait(10)
        seen.append(session.locked)
        return "Removed."

    app = make_app(profile, team_now=slow)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, session, ins)
        await _to_row(pilot, screen, KIM_1)
        await pilot.press("x", "y")
        assert halfway.wait(10)
        await pilot.pause()
        status = screen.query_one("#team-status", Label)
        assert _text(status) == "Removing kim…" and status.has_class("busy")
        await pilot.press("escape")  # not while it runs
        await pilot.press("r", "y")  # nor a second change
        await pilot.pause()
        assert app.screen is screen and screen.busy
        await pilot.press("ctrl+l")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        assert not session.locked  # the thread still uses it
        carry_on.set()
        await _settle(pilot)
        assert seen == [False] and session.locked and not app.sync_running


@pytest.mark.slow
async def test_without_a_server_the_default_seam_says_so(team) -> None:
    profile, session, ins = team
    app = make_app(profile)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, session, ins)
        await pilot.press("i", *"sam", "enter")
        await _settle(pilot)
        assert app.screen is screen
        assert "No server is configured" in _text(screen.query_one("#team-status"))


async def test_a_member_does_not_get_lead_actions(tmp_path, monkeypatch) -> None:
    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=False)
    fake = FakeTeam()
    app = make_app(profile, team_now=fake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, session, ins)
        assert _text(screen.query_one("#title-right")) == "member"
        shown = {b.binding.action for b in app.active_bindings.values() if b.enabled}
        assert {"verify", "revoke"} <= shown and not {"invite", "remove", "join"} & shown
        await pilot.press("i", "x")
        await pilot.pause()
        assert app.screen is screen
        open_team(app, "invite")  # the palette's way in: a clear message
        await pilot.pause()
        assert app.screen is screen
        assert any("Only a lead's device can invite" in str(n.message)
                   for n in app._notifications)
        await _to_row(pilot, screen, KIM_1)
        await pilot.press("r")  # someone else's device: only a lead or kim may
        await pilot.pause()
        assert app.screen is screen
        assert fake.calls == []
    session.lock()
    profile.close()


# -- ways in ----------------------------------------------------------------------------------
async def test_the_palette_opens_the_team_screen(team) -> None:
    profile, session, ins = team
    fake = FakeTeam()
    app = make_app(profile, team_now=fake)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, session)
        assert isinstance(app.screen, InspectionsScreen)
        names = {name: call for name, call, _ in commands_for(app, app.screen)}
        assert {"Team: Devices and fingerprints", "Team: Invite a member…",
                "Team: Join with a code…"} <= set(names)
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(ins.id_hex))
        await pilot.pause()
        assert app.screen.current() == ins
        names["Team: Invite a member…"]()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, InviteModal)
        assert isinstance(app.screen_stack[-2], TeamScreen)
        assert app.screen_stack[-2].inspection.inspection_id == ins.inspection_id
        await pilot.press("escape")
        await pilot.pause()
        on_team = {name for name, _, _ in commands_for(app, app.screen)}
        assert {"Team: Mark verified", "Team: Remove a member…",
                "Team: Revoke a device…"} <= on_team


def test_help_lists_the_team_keys() -> None:
    from tui.screens.help import binding_groups

    groups = dict(binding_groups())
    assert {b.id for b in groups["Team"]} >= {"team.verify", "team.invite", "team.remove",
                                              "team.revoke", "team.join", "team.back"}
    assert "workspace.team" in {b.id for b in groups["Workspace"]}


def test_the_code_reads_in_two_lines() -> None:
    lines = spaced_code(CODE).splitlines()
    assert len(lines) == 2 and all(len(line) <= 50 for line in lines)
    assert parse_code("".join(lines).replace(" ", "")) == parse_code(CODE)


# -- snapshots (80×24) --------------------------------------------------------------------------
def _snap(snap_compare: Any, app: Any, run_before: Any) -> None:
    async def settled(pilot: Any) -> None:
        await run_before(pilot)
        await pilot.app.workers.wait_for_complete()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.4)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=settled)


@pytest.mark.slow
def test_snapshot_team_screen(snap_compare, team) -> None:
    """A lead's team screen: this device, a verified device, one removed."""
    profile, session, ins = team
    session.rosters.mark_verified(BO)

    async def run_before(pilot: Any) -> None:
        screen = await _open(pilot, session, ins)
        await _to_row(pilot, screen, KIM_1)

    _snap(snap_compare, make_app(profile, team_now=FakeTeam()), run_before)


@pytest.mark.slow
def test_snapshot_invite_code(snap_compare, team) -> None:
    """The one-time invitation code, large, to give in person."""
    profile, session, ins = team

    async def run_before(pilot: Any) -> None:
        await _open(pilot, session, ins)
        await pilot.press("i", *"sam.lr3", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(pilot.app.screen, InviteCodeModal)

    _snap(snap_compare, make_app(profile, team_now=FakeTeam()), run_before)


# -- the real seam ------------------------------------------------------------------------------
@pytest.mark.slow
def test_real_team_against_a_server(tmp_path: Path) -> None:
    """``real_team`` over the sync client and a server process: invite, join, remove, revoke,
    and a refusal in words."""
    from tests.sync.client.conftest import Server, make_team
    from tui._sync_adapter import real_team

    server = Server(str(tmp_path / "server.db"))
    crew = None
    try:
        crew, (lead, bob) = make_team(server, tmp_path, ["bob"])
        ins = lead.session.find_inspection(INSPECTION)
        # a member's code for a device of their own: the server takes it (issue 11)
        parse_code(real_team(bob.session, bob.session.find_inspection(INSPECTION), "link"))
        server.user("carol")
        code = real_team(lead.session, ins, "invite", user="carol", role="member")
        parse_code(code)
        carol = crew.device("carol-laptop", "carol")
        said = real_team(carol.session, carol.session.find_inspection("Notebook"), "join",
                         code=code)
        assert said.startswith(f"Answered the invitation to {INSPECTION}.")
        assert lead.sync().ok  # checks carol's proof and adds her device
        assert carol.sync().ok
        theirs = carol.session.find_inspection(INSPECTION)
        with pytest.raises(FieldpadError, match="only a lead's device"):
            real_team(carol.session, theirs, "invite", user="dan", role="member")
        said = real_team(lead.session, ins, "remove", user="bob")
        assert said.startswith(f"Removed bob (1 device) from {INSPECTION}")
        said = real_team(lead.session, ins, "revoke", device=carol.session.device_id.hex())
        assert said.startswith("Revoked carol's device") and "keys were rotated" in said
        with pytest.raises(FieldpadError, match="the server refused"):
            real_team(lead.session, ins, "invite", user="nobody", role="member")
    finally:
        if crew is not None:
            crew.close()
        server.close()


def test_real_team_without_a_server(fsession: Session) -> None:
    from tui._sync_adapter import real_team

    with pytest.raises(FieldpadError, match="No server is configured"):
        real_team(fsession, fsession.find_inspection("Notebook"), "join", code=CODE)


async def test_a_member_links_another_device_of_their_own(tmp_path, monkeypatch) -> None:
    """Issue 11, item 6: l on a member's team screen shows a one-time code for their new
    device (through the team seam); a lead's device does not get the key (it invites)."""
    from tui.screens.team_dialogs import LinkCodeModal

    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=False)

    class Linking(FakeTeam):
        def __call__(self, session: Session, inspection: Inspection, action: str,
                     **kw: str) -> str:
            super().__call__(session, inspection, action, **kw)
            return CODE

    fake = Linking()
    app = make_app(profile, team_now=fake)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, session, ins)
        shown = {b.binding.action for b in app.active_bindings.values() if b.enabled}
        assert "link" in shown
        await pilot.press("l")
        await _settle(pilot)
        assert isinstance(app.screen, LinkCodeModal)
        assert fake.calls == [(INSPECTION, "link", {})]
        assert spaced_code(CODE).splitlines()[0] in _text(app.screen.query_one("#invite-code"))
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert "shown once" in _text(screen.query_one("#team-status"))
    session.lock()
    profile.close()


async def test_a_lead_gets_no_link_key(team) -> None:
    profile, session, ins = team
    app = make_app(profile, team_now=FakeTeam())
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, session, ins)
        shown = {b.binding.action for b in app.active_bindings.values() if b.enabled}
        assert "link" not in shown and "invite" in shown
