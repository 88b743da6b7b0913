"""Text from notes, names and the network shown safely on a terminal (issue 11, item 7).

A title, a field, a user or inspection name may hold control characters: typed, imported, or
written on purpose by another device. Printed raw, ``ESC [ 2 J`` clears the screen, an OSC
sequence retitles the window, a lone carriage return overwrites what came before, and bidi
overrides reorder what the reader sees. :func:`printable` shows every such character as a
``\\uXXXX`` escape instead: readable, unambiguous, and the very escape JSON uses, so text
that is already JSON stays valid JSON.
"""

from __future__ import annotations

import re

# C0 controls (tab and line feed are layout in multi-line text), DEL, C1 controls, a carriage
# return not ending a line, and the invisible bidi marks, embeddings, overrides and isolates
_CONTROLS = "\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_MULTILINE = re.compile(f"[{_CONTROLS}]|\r(?!\n)")
_ONE_LINE = re.compile(f"[{_CONTROLS}\t\n\r\u2028\u2029]")


def _escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` with control characters shown as ``\\uXXXX``. Multi-line text keeps its line
    feeds, tabs and CRLF endings; ``one_line`` escapes those too (a title in a list row)."""
    # most text has nothing to escape: ``isprintable`` is false for every character the
    # patterns match (controls, bidi marks, line and paragraph separators) and scans in C
    # many times faster than the pattern (a 50,000-note `note list --json`: 14 MB, 0.13 s)
    if (text if one_line else text.replace("\n", "").replace("\t", "")).isprintable():
        return text
    return (_ONE_LINE if one_line else _MULTILINE).sub(_escape, text)
