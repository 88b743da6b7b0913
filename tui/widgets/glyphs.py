"""The marks the forms draw: ticked and unticked boxes, the chosen one of a few choices.

Boxes are ☑/☐ and choices ●/○, which differ in shape, not only in colour, so they read with
NO_COLOR and on a monochrome terminal. Where those glyphs may not draw (the Linux console, or
``FIELDPAD_ASCII=1`` for a terminal font without them) the marks are ``[x]``/``[ ]`` and
``(*)``/``( )``.
"""

from __future__ import annotations

import os


def ascii_only() -> bool:
    """True when the forms should draw their marks in ASCII."""
    return bool(os.environ.get("FIELDPAD_ASCII")) or os.environ.get("TERM") == "linux"


def box(ticked: bool) -> str:
    if ascii_only():
        return "[x]" if ticked else "[ ]"
    return "☑" if ticked else "☐"


def radio(chosen: bool) -> str:
    if ascii_only():
        return "(*)" if chosen else "( )"
    return "●" if chosen else "○"
