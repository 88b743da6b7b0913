"""Soft-wrapping one edited line again without wrapping all of it (for ``wrapped_area``).

Textual's ``WrappedDocument.wrap_range`` rewraps every document line an edit touches, from its
first character: a keystroke in a 20 KB paragraph (one document line) runs the greedy word
wrap, ``compute_wrap_offsets``, over all 20 KB. Greedy wrapping forgets everything at a break
that falls at the start of a chunk (a word and the spaces after it, ``\\S+\\s*``): the next row
begins with that chunk whatever came before. So after an edit of ``[start, old_end)`` into
``[start, new_end)``:

* the breaks up to an old break ``r`` at a chunk start, whose chunk ends before ``start``, are
  unchanged (they depend only on the text up to the end of that chunk);
* from ``r`` the wrap is computed afresh over a window of the new text, and as soon as the new
  wrap breaks at a chunk start ``p`` past the edit where the old wrap broke at ``p - delta``, the
  rest is the old breaks shifted by ``delta`` (the same text follows the same break).

Breaks computed over a window are trusted only before the window's last chunk (which may be
cut). Tabs make a character's width depend on its column in the whole line, so a line with a
tab is wrapped whole, as Textual does. ``tests/tui/test_wrapped_area.py`` checks the result
against ``compute_wrap_offsets`` over random edits.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from textual._wrap import compute_wrap_offsets

_SPACE = re.compile(r"\s")  # the same whitespace as the chunks of textual._wrap
_BOUNDARY = re.compile(r"\s\S")  # a space then a word: a chunk starts at the word
_LOOK_BACK = 4  # old breaks tried before the edit before starting from the line's start


def chunk_start(text: str, i: int) -> bool:
    """Whether a chunk of ``textual._wrap.chunks(text)`` other than the first starts at ``i``."""
    return 0 < i < len(text) and bool(_SPACE.match(text, i - 1)) and not _SPACE.match(text, i)


def _last_chunk_start(text: str, lo: int, hi: int) -> int:
    """The last chunk start in ``(lo, hi)``, or ``lo`` if there is none."""
    for i in range(hi - 1, lo, -1):
        if chunk_start(text, i):
            return i
    return lo


def rewrap_line(old_offsets: list[int], text: str, width: int, tab_size: int,
                start: int, old_end: int, new_end: int) -> list[int]:
    """``compute_wrap_offsets(text, width, tab_size)`` for ``text``, a line whose old version
    wrapped at ``old_offsets`` and had ``[start, old_end)`` replaced by ``text[start:new_end]``.
    """
    if not width:
        return []
    if "\t" in text or not 0 <= start <= min(old_end, new_end):
        return compute_wrap_offsets(text, width, tab_size)
    delta = new_end - old_end

    # where to start afresh: an old break at a chunk start whose chunk ends before the edit
    restart, keep = 0, 0
    last_before = bisect_left(old_offsets, start) - 1
    for j in range(last_before, max(last_before - _LOOK_BACK, -1), -1):
        r = old_offsets[j]
        if chunk_start(text, r) and _BOUNDARY.search(text, r, start) is not None:
            restart, keep = r, j + 1
            break
    head = old_offsets[:keep]

    size = max(new_end - restart, 0) + 2 * width + 2
    while True:
        end = min(len(text), restart + size)
        fresh = [restart + o for o in compute_wrap_offsets(text[restart:end], width, tab_size)]
        if end == len(text):  # the window runs to the end of the line: every break is final
            return head + fresh
        final_before = _last_chunk_start(text, restart, end)
        for n, p in enumerate(fresh):
            if p >= final_before:
                break
            if p > new_end and chunk_start(text, p):
                k = bisect_left(old_offsets, p - delta)
                if k < len(old_offsets) and old_offsets[k] == p - delta:
                    return head + fresh[:n + 1] + [o + delta for o in old_offsets[k + 1:]]
        size *= 2  # not joined up with the old wrap yet: a wider window
