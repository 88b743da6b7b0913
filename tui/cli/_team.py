"""``fieldpad team list|invite|join|remove|revoke|verify|pair``: a team's devices and keys.

Lead actions need the server at once (exit 4 without it) and change nothing locally unless the
server took them. The invitation code is the last line ``team invite`` prints, so a script can
take it with ``tail -n1``; it is meant to be read out or shown in person, never emailed.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from ._common import Parents, add_json_option, command, group, out, unlock, warn

if TYPE_CHECKING:  # `fieldpad --version` builds the parser and must not load the store
    from store import Profile


def add_parsers(sub: argparse._SubParsersAction, parents: Parents) -> None:
    actions = group(sub, "team", "a team's devices, invitations and removals")

    def action(name: str, help_: str, func) -> argparse.ArgumentParser:  # noqa: ANN001
        p = command(actions, name, help_, parents.unlock, func)
        p.add_argument("--inspection", metavar="NAME",
                       help="the inspection (default: the only team inspection)")
        return p

    add_json_option(action("list", "the devices on the signed team roster, with fingerprints",
                           cmd_team_list))
    p = action("invite", "lead: invite USER's device; prints a one-time code (last line)",
               cmd_team_invite)
    p.add_argument("user", metavar="USER", help="the user name the server knows them by")
    p.add_argument("--lead", action="store_true", help="invite as a lead")
    action("link", "add another device of your own: prints a one-time code (last line) to "
           "type on it", cmd_team_link)
    p = action("join", "answer an invitation (or your own link code) with its code",
               cmd_team_join)
    p.add_argument("code", metavar="CODE",
                   help="the code, as the lead read it out or your other device showed it")
    p = action("remove", "lead: remove USER from the inspection and rotate the keys",
               cmd_team_remove)
    p.add_argument("user", metavar="USER", help="the user to remove (every device of theirs)")
    p = action("revoke", "revoke a device (lost or stolen) by its id or fingerprint prefix",
               cmd_team_revoke)
    p.add_argument("device", metavar="DEVICE", help="a device id or fingerprint prefix")
    p = action("verify", "mark a device verified after comparing fingerprints in person",
               cmd_team_verify)
    p.add_argument("device", metavar="DEVICE", help="a device id or fingerprint prefix")
    p.add_argument("--undo", action="store_true", help="unmark it")
    p = action("pair", "lead: pair a local records reader with an inspector until a date",
               cmd_team_pair)
    p.add_argument("reader", metavar="READER", help="the records reader's user name")
    p.add_argument("inspector", metavar="INSPECTOR", help="the inspector's user name")
    p.add_argument("--until", required=True, metavar="YYYY-MM-DD",
                   help="the last records reading day: the reader's access ends after it")


def _inspection(session, name: str | None):  # noqa: ANN001, ANN202 - Session -> Inspection
    """The named inspection, or else the profile's only team inspection."""
    if name:
        return session.find_inspection(name)
    teams = [i for i in session.list_inspections() if i.scope == "team"]
    return teams[0] if len(teams) == 1 else session.find_inspection(None)


def _team(profile: Profile, args: argparse.Namespace):  # noqa: ANN202 - (session, Team, client)
    from sync.client import Team, client_for


    session = unlock(profile, args)
    inspection = _inspection(session, getattr(args, "inspection", None))
    client = client_for(session)
    return session, Team(session, client, inspection), client


def cmd_team_list(profile: Profile, args: argparse.Namespace) -> int:
    from sync.client import fingerprint, team_view


    session = unlock(profile, args)
    inspection = _inspection(session, args.inspection)
    devices = team_view(session, inspection)
    if args.json:
        out(json.dumps([{"user": d.user, "role": d.role, "device_id": d.device_id.hex(),
                         "fingerprint": d.fingerprint, "active": d.active,
                         "verified": d.verified, "this_device": d.this_device}
                        for d in devices], indent=2))
        return 0
    if not devices:
        out(f"{inspection.name}: no signed team roster on this device yet (run `fieldpad sync`;"
            " a member joins with the lead's invitation code: `fieldpad team join CODE`).")
        return 0
    out(f"Team · {inspection.name} · this device {fingerprint(session.keys.device.sign_pub)}")
    for d in devices:
        mark = "verified" if d.verified else ("this device" if d.this_device else "not verified")
        state = "" if d.active else "  (removed)"
        out(f"{d.device_id.hex()[:8]}  {d.user:<16} {d.role:<6} {d.fingerprint}  {mark}{state}")
    return 0


def cmd_team_invite(profile: Profile, args: argparse.Namespace) -> int:

    _, team, client = _team(profile, args)
    with client:
        code = team.invite(args.user, "lead" if args.lead else "member")
    warn(f"Give this code to {args.user} in person; it works once, for one device. Their "
         "device joins with `fieldpad team join CODE`; your next sync checks it and adds it.")
    out(code)
    return 0


def cmd_team_link(profile: Profile, args: argparse.Namespace) -> int:
    _, team, client = _team(profile, args)
    with client:
        code = team.link()
    warn("Type this code on your new device: `fieldpad team join CODE` (it works once, for "
         "one device). Then sync this device: it checks the new one and vouches for it; a "
         "lead's device adds it at its next sync, with nothing for the lead to do.")
    out(code)
    return 0


def cmd_team_join(profile: Profile, args: argparse.Namespace) -> int:
    from sync.client import client_for, join


    session = unlock(profile, args)
    with client_for(session) as client:
        name = join(session, client, args.code, args.inspection)
    out(f"Answered the code for {name}. The device that showed it checks this answer at its "
        "next sync; your next `fieldpad sync` after that says what is left (or finishes).")
    return 0


def cmd_team_remove(profile: Profile, args: argparse.Namespace) -> int:

    _, team, client = _team(profile, args)
    with client:
        n = team.remove(args.user)
    out(f"Removed {args.user} ({n} device{'s' if n != 1 else ''}) from {team.inspection.name}: "
        "the server refuses them now and the keys were rotated, so they read nothing new.")
    return 0


def cmd_team_revoke(profile: Profile, args: argparse.Namespace) -> int:

    _, team, client = _team(profile, args)
    with client:
        dev = team.revoke(args.device)
    out(f"Revoked device {dev.device_id.hex()[:8]} of {dev.user} ({dev.fingerprint}): the "
        "server refuses it from now on; the keys rotate at the lead's next sync.")
    return 0


def cmd_team_verify(profile: Profile, args: argparse.Namespace) -> int:
    from sync.client import find_device


    session = unlock(profile, args)
    dev = find_device(session, _inspection(session, args.inspection), args.device)
    session.rosters.mark_verified(dev.device_id, not args.undo)
    out(f"{'Unmarked' if args.undo else 'Marked'} {dev.user}'s device {dev.fingerprint} as "
        "verified in person.")
    return 0


def cmd_team_pair(profile: Profile, args: argparse.Namespace) -> int:

    _, team, client = _team(profile, args)
    with client:
        code = team.pair(args.reader, args.inspector, args.until)
    out(f"Paired {args.reader} with {args.inspector} until {args.until}: their record reviews "
        "are readable by the pair and the leads only.")
    if code:
        warn(f"Give this code to {args.reader} in person; it admits one device to the pair's "
             "collection only: `fieldpad team join CODE`.")
        out(code)
    return 0
