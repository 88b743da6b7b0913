"""The ``fieldpad`` parser (issue 14): global options before or after the subcommand, a
description for every subcommand and help for every option, and ``serve`` without the server
extra saying what to install."""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.cli import EXIT_USAGE, build_parser

ROOT = Path(__file__).parents[2]


def _subcommands(parser: argparse.ArgumentParser, path: str = "fieldpad",
                 ) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{path} {name}", sub
                yield from _subcommands(sub, f"{path} {name}")


@pytest.mark.parametrize("argv", [
    ["--profile", "P", "--passphrase-file", "S", "note", "list"],
    ["note", "list", "--profile", "P", "--passphrase-file", "S"],
    ["--profile", "P", "note", "list", "--passphrase-file", "S"],
    ["--passphrase-file", "S", "note", "list", "--profile", "P"],
])
def test_global_options_go_before_or_after_the_subcommand(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert (args.profile, args.passphrase_file, args.passphrase_fd) == ("P", "S", None)
    assert (args.command, args.action) == ("note", "list")


def test_an_option_not_given_after_the_subcommand_keeps_its_default() -> None:
    args = build_parser().parse_args(["sync"])
    assert (args.profile, args.passphrase_file, args.no_mouse) == (None, None, False)
    assert build_parser().parse_args(["demo", "--no-mouse"]).no_mouse is True


def test_every_subcommand_has_a_description_and_every_option_help() -> None:
    undescribed, unhelped = [], []
    for path, sub in _subcommands(build_parser()):
        if path.endswith((" serve", " server")):
            continue  # the server's own parsers describe these
        if not sub.description:
            undescribed.append(path)
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
                continue
            if not action.help or action.help == argparse.SUPPRESS:
                unhelped.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    assert undescribed == [] and unhelped == []


def test_field_help_names_the_fields_of_each_kind() -> None:
    from store.inspection import KINDS, template_for

    note = next(s for p, s in _subcommands(build_parser()) if p == "fieldpad note add")
    text = note.format_help()
    for kind in KINDS:
        assert f"  {kind}: " in text
    assert "child_identifier" in text and template_for("concern").fields


def test_serve_without_the_server_extra_says_what_to_install(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from tui.cli import _server

    for name in [m for m in sys.modules if m == "sync.server" or m.startswith("sync.server.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "fastapi", None)  # what a base install lacks
    assert _server.run("serve", ["--port", "0"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "install fieldpad[server]" in err and "fastapi" in err


def test_note_fields_lists_a_kinds_fields_without_unlocking(tmp_path: Path) -> None:
    """Issue 15: `fieldpad note fields KIND` says what `--field NAME=VALUE` takes, as a table or
    JSON, without a profile or a passphrase; cut off by `head`, it stops quietly."""
    from store.inspection import template_for

    argv = [sys.executable, "-m", "tui", "--profile", str(tmp_path / "none")]
    r = subprocess.run([*argv, "note", "fields", "interview", "--json"], capture_output=True,
                       text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    fields = json.loads(r.stdout)
    assert [f["name"] for f in fields] == [f.name for f in template_for("interview").fields]
    assert next(f for f in fields if f["name"] == "participant_type")["choices"]
    r = subprocess.run(f"{shlex.join([*argv, 'note', 'fields', 'record_review'])} | head -1",
                       shell=True, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.stdout.startswith("pseudonym") and r.stderr == ""
    assert not (tmp_path / "none").exists()  # no profile was made


def test_the_command_table_names_what_each_group_adds() -> None:
    from tui.cli import _main
    from tui.cli._common import Parents, Parser

    for name, names in _main.GROUPS:
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers(dest="command", parser_class=Parser)
        _main.group(name).add_parsers(sub, Parents.make())
        added = tuple(sub.choices) + (("demo",) if name == "_vault" else ())
        assert added == names, name


@pytest.mark.parametrize("argv", [
    [], ["--no-mouse"], ["--profile", "note"], ["--profile", "P", "note", "list", "--json"],
    ["sync", "-v"], ["demo"], ["note", "add", "--title", "sync", "--kind", "interview"],
    ["--passphrase-file", "team", "doctor", "--full"], ["inspection", "list"],
    ["export", "--help-not"], ["nots"],
])
def test_a_parser_built_for_its_command_parses_as_the_full_one(argv: list[str]) -> None:
    def parse(parser: argparse.ArgumentParser) -> dict[str, object] | str:
        try:
            return vars(parser.parse_args(argv))
        except SystemExit as exc:
            return f"exit {exc.code}"

    assert parse(build_parser(argv)) == parse(build_parser())


def test_the_app_and_a_command_import_only_their_own_parsers() -> None:
    """Lazily built subcommand parsers (issue 16): a bare ``fieldpad`` (the app) imports no
    command group, ``fieldpad note list`` only the note group."""
    script = ("import sys; from tui.cli._main import build_parser; build_parser(sys.argv[1:])"
              ".parse_args(sys.argv[1:]); print(' '.join(sorted(m for m in sys.modules if "
              "m.startswith('tui.cli._') and m not in ('tui.cli._main', 'tui.cli._common', "
              "'tui.cli._exits', 'tui.cli._start', 'tui.cli._errors'))))")
    for argv, groups in (([], ""), (["--profile", "P", "note", "list"], "tui.cli._note")):
        done = subprocess.run([sys.executable, "-c", script, *argv], cwd=ROOT,
                              capture_output=True, text=True, check=True)
        assert done.stdout.split() == groups.split(), done.stdout


# -- a bare ``fieldpad``: the app, without the parser (tui/cli/_start.py) ---------------------
def _as_the_parser_reads(argv: list[str]) -> tuple[str | None, bool] | str:
    try:
        args = build_parser(argv).parse_args(argv)
    except SystemExit as exc:
        return f"exit {exc.code}"
    if args.command is not None:
        return f"command {args.command}"
    return args.profile, args.no_mouse


@pytest.mark.parametrize("argv", [
    [], ["--profile", "P"], ["--no-mouse"], ["--profile", "P", "--no-mouse"],
    ["--no-mouse", "--profile", "some dir"], ["--profile=P"], ["--profile=-P"],
    ["--profile", "P", "--profile", "Q"], ["--no-mouse", "--no-mouse"],
])
def test_the_app_is_opened_without_the_parser_as_the_parser_would(argv: list[str]) -> None:
    from tui.cli._start import bare_app

    assert bare_app(argv) == _as_the_parser_reads(argv)


@pytest.mark.parametrize("argv", [
    ["--profile"], ["--profile", "-P"], ["--profile", ""], ["--profile="], ["--prof", "P"],
    ["--no-m"], ["--", "--profile", "P"], ["-h"], ["--version"], ["--passphrase-fd", "3"],
    ["--passphrase-file", "F"], ["note", "list"], ["--profile", "P", "sync"], ["P"], ["-x"],
])
def test_every_other_line_is_left_to_the_parser(argv: list[str]) -> None:
    from tui.cli._start import bare_app

    assert bare_app(argv) is None


_WORDS = ["--profile", "--profile=P", "--profile=", "--no-mouse", "--prof", "P", "-P", "",
          "--", "-h", "note", "list", "sync", "--passphrase-fd", "3", "-5"]


def test_the_app_without_the_parser_never_reads_a_line_otherwise() -> None:
    """Any line of these words: taken without the parser only as the parser takes it."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from tui.cli._start import bare_app

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(_WORDS), max_size=5))
    def check(argv: list[str]) -> None:
        taken = bare_app(argv)
        if taken is not None:
            assert taken == _as_the_parser_reads(argv), argv

    check()


def test_a_bare_fieldpad_opens_the_app_without_the_parser(tmp_path: Path) -> None:
    """Through the entry point: the app gets the profile and the keyboard-only choice, and
    neither argparse nor the command groups' code were imported for it (start-up time)."""
    script = ("import json, os, sys, tui.app, tui.cli\n"
              "seen = {}\n"
              "def run_app(directory, **kw):\n"
              "    seen.update(directory=str(directory), no_mouse=kw['no_mouse'],\n"
              "                umask=os.umask(0o022))\n"
              "    return 7\n"
              "tui.app.run_app = run_app\n"
              "code = tui.cli.main(sys.argv[1:])\n"
              "print(json.dumps(dict(seen, code=code, modules=sorted(\n"
              "    m for m in sys.modules if m == 'argparse' or m.startswith('tui.cli.')))))\n")
    done = subprocess.run([sys.executable, "-c", script, "--no-mouse", "--profile",
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True, check=True)
    seen = json.loads(done.stdout)
    assert seen == {"directory": str(tmp_path), "no_mouse": True, "umask": 0o077, "code": 7,
                    "modules": ["tui.cli._exits", "tui.cli._start"]}
