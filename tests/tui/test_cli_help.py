"""What ``--help`` and the README say (issue 16's leftovers). Exit codes: every command lists
the codes it can return, all taken from the one table in ``tui.cli._common`` (``EXIT_CODES``),
and the README lists the same codes with the same meanings. Options: the README names each of
``fieldpad sync``'s."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.cli import build_parser

from .test_cli_parser import _subcommands

ROOT = Path(__file__).parents[2]


def _commands(parser: argparse.ArgumentParser,
              ) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every parser below ``parser`` that runs something (has a handler), with its path."""
    return ((path, sub) for path, sub in _subcommands(parser)
            if sub.get_default("func") is not None)


def _listed(help_text: str) -> dict[int, str]:
    """The ``exit codes:`` section of a help text as {code: meaning} (meanings unwrapped)."""
    head, sep, tail = help_text.partition("\nexit codes:\n")
    assert sep, "no 'exit codes:' section"
    listed: dict[int, str] = {}
    last = None
    for line in tail.splitlines():
        m = re.match(r"^  (\d+)\s+(.*)$", line)
        if m:
            last = int(m[1])
            listed[last] = m[2].strip()
        elif line.startswith("      ") and last is not None:
            listed[last] += " " + line.strip()
        else:
            break
    return listed


def _expected(path: str, parser: argparse.ArgumentParser) -> set[int]:
    """What each command can return, worked out here independently of the code under test:
    every command can fail (1), be misused (2) or be interrupted (130); one that reads a
    passphrase can end locked (3); one that talks to the sync server can find no network (4)
    or be refused as a device (5)."""
    codes = {0, 1, 2, 130}
    if any("--passphrase-fd" in a.option_strings for a in parser._actions):
        codes.add(3)
    talks = ("enrol", "sync", "doctor", "inspection purge", "team invite", "team link",
             "team join", "team remove", "team revoke", "team pair")
    if path.removeprefix("fieldpad ") in talks:
        codes |= {4, 5}
    return codes


def test_every_command_lists_the_exit_codes_it_can_return() -> None:
    from tui.cli._common import EXIT_CODES

    wrong = {}
    commands = list(_commands(build_parser()))
    assert len(commands) > 40
    for path, parser in commands:
        listed = _listed(parser.format_help())
        assert all(meaning == " ".join(EXIT_CODES[code].split())
                   for code, meaning in listed.items()), path
        if set(listed) != _expected(path, parser):
            wrong[path] = sorted(listed)
    assert wrong == {}


def test_sync_help_lists_the_passphrase_and_the_device_codes() -> None:
    """The case that was reported: `fieldpad sync --help` omitted 3 and 5."""
    sync = dict(_commands(build_parser()))["fieldpad sync"]
    assert set(_listed(sync.format_help())) == {0, 1, 2, 3, 4, 5, 130}


def test_the_top_help_lists_every_code_and_a_group_the_codes_of_its_commands() -> None:
    from tui.cli._common import EXIT_CODES

    parser = build_parser()
    assert set(_listed(parser.format_help())) == set(EXIT_CODES)
    note = next(a for a in parser._actions
                if isinstance(a, argparse._SubParsersAction)).choices["note"]
    assert set(_listed(note.format_help())) == {0, 1, 2, 3, 130}


@pytest.mark.parametrize("doc", ["README.md"])
def test_the_docs_list_the_same_exit_codes_as_the_table(doc: str) -> None:
    """The README's table of exit codes is the code's table: same codes, same meanings."""
    from tui.cli._common import EXIT_CODES

    text = (ROOT / doc).read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", text, re.M))
    assert {int(code): " ".join(meaning.split()) for code, meaning in rows.items()} == {
        code: " ".join(meaning.split()) for code, meaning in EXIT_CODES.items()}


def test_the_readme_names_every_option_of_sync() -> None:
    """`--quiet` was in no document: each of sync's own options is in the README's sync
    section, and its help says what it keeps (the summary and what needs attention)."""
    sync = dict(_commands(build_parser()))["fieldpad sync"]
    shared = {"-h", "--help", "--profile", "--no-mouse", "--passphrase-fd", "--passphrase-file"}
    own = [a.option_strings for a in sync._actions
           if a.option_strings and not shared.intersection(a.option_strings)]
    assert ["--quiet"] in own
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.partition("## Syncing with a team")[2].partition("\n## ")[0]
    assert [o for o in own if not any(f"fieldpad sync {x}" in section for x in o)] == []
    quiet = next(a for a in sync._actions if "--quiet" in a.option_strings)
    assert "summary" in (quiet.help or "")
