"""The scripted demo's headings (``make demo`` with its output piped): no escapes, and the
command quoted so that it pastes into a shell (issue 15 item 9)."""

from __future__ import annotations

import shlex

from tui.demo import INSPECTION, heading


def test_piped_headings_have_no_escapes_and_paste() -> None:
    argv = ["note", "list", "--inspection", INSPECTION]
    text = heading("Notes the team synced", argv, bold=False)
    assert "\x1b" not in text
    command = text.splitlines()[-1]
    assert command.startswith("$ fieldpad ")
    assert shlex.split(command[2:]) == ["fieldpad", *argv]


def test_a_terminal_gets_the_bold_title() -> None:
    assert "\x1b[1m── The evidence matrix\x1b[0m" in heading("The evidence matrix", [],
                                                          bold=True)
