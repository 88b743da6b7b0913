"""The app a bare ``fieldpad`` opens, and how such a line is told from a command's.

A bare ``fieldpad`` (``--profile DIR`` and ``--no-mouse`` at most) is the full-screen app: the
package's ``main`` recognises it here without argparse, the command groups' shared code or the
parser (about 10 ms of the start to the unlock prompt: DESIGN §9, issue 16). Only the plainest
spellings are taken; anything else (an abbreviation, ``--``, an unlocking option, help, a value
that starts with ``-``) goes to the parser, which decides as it always did
(tests/tui/test_cli_parser.py checks that both read every line they take alike).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def bare_app(argv: Sequence[str]) -> tuple[str | None, bool] | None:
    """``(profile, no_mouse)`` as the parser would read ``argv``, if it asks for the app in a
    spelling this knows; None for everything else (the parser reads it)."""
    profile: str | None = None
    no_mouse = False
    words = iter(argv)
    for arg in words:
        if arg == "--no-mouse":
            no_mouse = True
        elif arg == "--profile":
            value = next(words, "")
            if not value or value.startswith("-"):  # missing, or an option: the parser's call
                return None
            profile = value  # given twice, the last one counts, as with argparse
        elif arg.startswith("--profile=") and len(arg) > len("--profile="):
            profile = arg[len("--profile="):]
        else:
            return None
    return profile, no_mouse


def run_app(profile: str | None, no_mouse: bool) -> int:
    """A bare ``fieldpad``: the full-screen app (it creates a vault on first run)."""
    from .. import app

    if profile:
        directory = Path(profile)
    else:
        from store import default_profile_dir  # the store's face: not needed with --profile

        directory = default_profile_dir()
    try:
        return app.run_app(directory, no_mouse=no_mouse, sync_now=_real("real_sync"),
                           enrol_now=_real("real_enrol"), team_now=_real("real_team"))
    except Exception as exc:  # noqa: BLE001 - words, never a traceback with plaintext in it
        from ._errors import report

        return report(exc)


def _real(name: str) -> Callable[..., Any]:
    """The real sync, enrol or team seam (``tui/_sync_adapter``), imported when first used: the
    adapter and the seam it builds on have no part in showing the unlock prompt (start-up time,
    DESIGN §9)."""

    def seam(*args: Any, **kwargs: Any) -> Any:
        from .. import _sync_adapter

        return getattr(_sync_adapter, name)(*args, **kwargs)

    seam.__name__ = name
    return seam
