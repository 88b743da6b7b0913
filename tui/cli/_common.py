"""What every command shares: exit codes, the global and unlocking options, output, unlocking,
and reading ``NAME=VALUE`` arguments.

Standard library only at import: the store is imported inside the helpers that need it, so
building the parser (``fieldpad --version``) stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._printable import printable
from . import _exits
from ._exits import (
    EXIT_DEVICE,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_USAGE,
)

if TYPE_CHECKING:
    from store import Note, Profile, Session


#: Every exit code and what it means: the one table that each command's --help lists from
#: (the codes it can return, see :func:`exit_codes`) and that the README's table repeats word
#: for word (tests/tui/test_cli_exit_codes.py compares them).
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "ok",
    EXIT_ERROR: "error: the message says what went wrong and what to do",
    EXIT_USAGE: "usage: a bad option, argument, field value or input file; nothing changed",
    EXIT_LOCKED: "locked: a wrong passphrase or recovery key, or none could be read",
    EXIT_NETWORK: "network: the server could not be reached (or its certificate is not "
                  "trusted)",
    EXIT_DEVICE: "the server or the team does not admit this device (yet): revoked, removed, "
                 "an enrolment code refused, or not admitted / still waiting for its keys; "
                 "the message says what to do or whose sync comes next",
    EXIT_INTERRUPTED: "interrupted (ctrl+c); nothing half-written was kept",
}
#: The commands that talk to the sync server (so may end with 4 or 5), as typed after
#: ``fieldpad``. ``team list`` and ``team verify`` read only the local roster.
SERVER_COMMANDS = frozenset({
    "enrol", "sync", "doctor", "inspection purge", "team invite", "team link", "team join",
    "team remove", "team revoke", "team pair",
})


def exit_codes(name: str, *, unlocks: bool) -> tuple[int, ...]:
    """The exit codes command ``name`` (``"team invite"``) can return: any command can fail,
    be misused or be interrupted; reading a passphrase can end locked; the server can be out
    of reach or refuse this device."""
    codes = {EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED}
    if unlocks:
        codes.add(EXIT_LOCKED)
    if name in SERVER_COMMANDS:
        codes |= {EXIT_NETWORK, EXIT_DEVICE}
    return tuple(sorted(codes))


def exit_codes_help(codes: tuple[int, ...]) -> str:
    """The ``exit codes:`` section of a help text, each meaning from :data:`EXIT_CODES`."""
    import textwrap

    lines = ["exit codes:"]
    for code in codes:
        lines += textwrap.wrap(EXIT_CODES[code], 78, initial_indent=f"  {code:<4}",
                               subsequent_indent="      ")
    return "\n".join(lines)


# -- options ----------------------------------------------------------------------------------
def add_global_options(parser: argparse.ArgumentParser, *, after: bool = False) -> None:
    """``--profile`` and ``--no-mouse``: on the top parser, and again (``after``) on every
    subcommand so they may follow it. There they default to SUPPRESS, so a value given before
    the subcommand is not overwritten by the subcommand's default."""
    keep = {"default": argparse.SUPPRESS} if after else {}
    parser.add_argument("--profile", metavar="DIR", **keep,
                        help="profile directory (default: $FIELDPAD_PROFILE or the data dir)")
    parser.add_argument("--no-mouse", action="store_true", **keep,
                        help="the app ignores the mouse (keyboard only)")


def add_unlock_options(parser: argparse.ArgumentParser, *, after: bool = False) -> None:
    """``--passphrase-fd`` / ``--passphrase-file``, the same way as the global options."""
    keep = {"default": argparse.SUPPRESS} if after else {}
    g = parser.add_argument_group("unlocking without a prompt (for scripts and timers)")
    g.add_argument("--passphrase-fd", type=int, metavar="N", **keep,
                   help="read the passphrase from file descriptor N (first line)")
    g.add_argument("--passphrase-file", metavar="PATH", **keep,
                   help="read the passphrase from the first line of PATH")


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose epilog may be a function: called only when help is shown, so
    building the parser (for ``--version`` too) does not load what the help text lists.

    Its help ends with the exit codes it can return: a command's own (``exit_codes``, set by
    :func:`command`), else those of the commands below it (a group, or ``fieldpad`` itself)."""

    exit_codes: tuple[int, ...] = ()

    def format_help(self) -> str:
        if callable(self.epilog):
            self.epilog = self.epilog()
        text = super().format_help()
        codes = self.all_exit_codes()
        return f"{text.rstrip()}\n\n{exit_codes_help(codes)}\n" if codes else text

    def all_exit_codes(self) -> tuple[int, ...]:
        codes = set(self.exit_codes)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    if isinstance(sub, Parser):
                        codes.update(sub.all_exit_codes())
        return tuple(sorted(codes))


@dataclass(frozen=True)
class Parents:
    """Parent parsers every command group builds its subcommands from."""

    #: Every subcommand: the global options, accepted after it too.
    common: argparse.ArgumentParser
    #: Subcommands that unlock the vault: the global and the unlocking options.
    unlock: argparse.ArgumentParser

    @classmethod
    def make(cls) -> Parents:
        common = argparse.ArgumentParser(add_help=False)
        add_global_options(common, after=True)
        unlock = argparse.ArgumentParser(add_help=False, parents=[common])
        add_unlock_options(unlock, after=True)
        unlock.set_defaults(unlocks=True)  # its check of the heads may begin at once
        return cls(common, unlock)


def group(sub: argparse._SubParsersAction, name: str, help_: str,
          description: str | None = None) -> argparse._SubParsersAction:
    """A command group (``fieldpad note ...``) and the subparsers of its actions."""
    p = sub.add_parser(name, help=help_, description=description or help_[:1].upper() + help_[1:])
    return p.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)


def command(sub: argparse._SubParsersAction, name: str, help_: str, parent: argparse.ArgumentParser,
            func: Any, *, description: str | None = None,
            epilog: str | Callable[[], str] | None = None) -> argparse.ArgumentParser:
    """One subcommand with its one-line help, a description and its handler."""
    p = sub.add_parser(name, help=help_, parents=[parent],
                       description=description or help_[:1].upper() + help_[1:] + ".",
                       epilog=epilog,  # type: ignore[arg-type]  # Parser calls a function
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(func=func)
    if isinstance(p, Parser):  # the codes its --help lists, from the one table above
        unlocks = any("--passphrase-fd" in a.option_strings for a in parent._actions)
        p.exit_codes = exit_codes(p.prog.partition(" ")[2], unlocks=unlocks)
    return p


def add_json_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def add_inspection_option(p: argparse.ArgumentParser, default: str = "the only one") -> None:
    p.add_argument("--inspection", metavar="NAME",
                   help=f"the inspection's name or id prefix (default: {default})")


# -- output -----------------------------------------------------------------------------------
def out(text: str = "") -> None:
    print(printable(text))  # a title or name never reaches the terminal as escape codes


def warn(text: str) -> None:
    print(printable(text), file=sys.stderr)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# -- unlocking --------------------------------------------------------------------------------
#: Sessions this command unlocked; :func:`lock_all` seals the head cache and wipes their keys.
OPEN: list[Session] = []
#: Profiles this command opened; :func:`lock_all` closes them (checkpointing the log).
OPENED: list[Profile] = []


def profile_of(args: argparse.Namespace) -> Profile:
    from store import Profile, default_profile_dir

    profile = getattr(args, "profile", None)
    # a one-time storage upgrade of a large profile takes seconds: say why before it starts
    opened = Profile(Path(profile) if profile else default_profile_dir(),
                     on_upgrade=lambda upgrade: warn(upgrade.message()))
    OPENED.append(opened)
    return opened


def unlock(profile: Profile, args: argparse.Namespace) -> Session:
    from store import FieldpadError

    from ._passphrase import PassphraseSource

    if not profile.has_vault:
        raise FieldpadError(f"no vault in {profile.directory}: run `fieldpad init` first")
    session = profile.unlock(PassphraseSource(args).get())
    OPEN.append(session)
    for damage in session.damaged:
        warn(f"warning: {damage}. Run `fieldpad doctor`.")
    return session


def lock_all() -> None:
    """Lock every session the command unlocked, then close every profile it opened."""
    while OPEN:
        OPEN.pop().lock(leave=_exits.LEFT)
    from store import StoreError, cancel_early_checks

    cancel_early_checks()  # begun for an unlock that never came

    while OPENED:
        try:
            OPENED.pop().close()  # a no-op for one the command closed itself
        except StoreError:  # the checkpoint failed: the log stays and is read at the next open
            pass


# -- arguments that carry values --------------------------------------------------------------
def name_values(items: list[str], what: str = "fields") -> dict[str, str]:
    """``NAME=VALUE`` arguments as a dict of raw text (the one parser of them); a malformed
    one is a usage error that says how to write it."""
    from store import invalid

    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise invalid(item, f"write {what} as NAME=VALUE")
        values[name.strip()] = value
    return values


def note_fields(kind: str, items: list[str], base: dict[str, Any] | None = None,
                ) -> dict[str, Any]:
    """``--field NAME=VALUE`` for a note of ``kind``, coerced by its template; an empty value
    clears the field."""
    from store import invalid
    from store.inspection import coerce_field, template_for

    spec = {f.name: f for f in template_for(kind).fields}
    fields = dict(base or {})
    for name, value in name_values(items).items():
        if name not in spec:
            raise invalid(name, f"a {kind} has no such field; it has: " + ", ".join(spec))
        try:
            fields[name] = coerce_field(spec[name], value) if value != "" else None
        except ValueError as exc:
            raise invalid(name, str(exc)) from None
        if fields[name] is None:
            del fields[name]
    return fields


def fields_by_kind(kinds: tuple[str, ...] | None = None) -> str:
    """The ``--field`` names each kind has, for a subcommand's help."""
    import textwrap

    from store.inspection import KINDS, template_for

    lines = ["fields by kind (--field NAME=VALUE):"]
    for kind in kinds or KINDS:
        names = ", ".join(f.name for f in template_for(kind).fields) or "(none)"
        lines += textwrap.wrap(f"{kind}: {names}", 78, initial_indent="  ",
                               subsequent_indent="      ")
    return "\n".join(lines)


def tags(values: list[str]) -> tuple[str, ...]:
    from store import invalid
    from store.inspection import parse_tags

    try:
        return tuple(parse_tags(values))
    except ValueError as exc:
        raise invalid("tag", str(exc)) from None


def read_body(path: str | None) -> str | None:
    """A note's text from a file, or stdin for ``-`` (bounded, strict UTF-8: a bad file is a
    usage error, exit 2); None when no file was given."""
    from ._input_files import read_text

    return None if path is None else read_text(path)


def warn_minimisation(session: Session, note: Note) -> None:
    for w in session.minimisation_warnings(note):
        warn(f"warning: {w.message}")
