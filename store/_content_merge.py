"""Three-way merge of two heads of a note against their common ancestor.

Pure functions, no I/O: stdlib plus ``merge3`` (Breezy's diff3) for line-based text merges.

* :func:`merge_text` merges one text. Changes that do not overlap are combined; where they
  overlap, both versions are kept one after the other between conflict markers::

      <<<<<<< this device
      ...ours...
      ======= other device
      ...theirs...
      >>>>>>> end of conflict

* :func:`merge_content` merges a whole note (:class:`NoteContent`) field by field.
* :func:`conflict_regions` / :func:`has_conflict_markers` find the marked regions again so the TUI
  can show both sides side by side.
* :func:`merge_order` says which of two revisions is passed as ``ours``, so that every device
  merging the same pair of heads produces byte-identical results.

Nothing anyone typed is dropped: a value that cannot be combined is either in the text between
markers or returned in :attr:`MergeResult.kept` for the caller to store.

Lines
-----
Texts are split on ``"\\n"`` only (a lone ``"\\r"``, form feed or U+2028 is an ordinary character).
A ``"\\r"`` before the ``"\\n"`` belongs to its line, so CRLF text round-trips exactly; a side that
converts line endings has changed every line (its edit conflicts with any other edit, nothing is
lost or duplicated). A missing newline at the end of a text is not a change of its last line: the
"ends without newline" property is merged separately, like a one-bit field.

Marker lines that are already in a text (say an unresolved conflict pasted into a note) stay as
they are. The markers a merge writes are made longer than any marker-like line in its inputs
(git's ``conflict-marker-size``), so :func:`conflict_regions` still finds exactly the new regions.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import merge3

#: Marker characters, git style; a marker line is at least :data:`MARKER_SIZE` of them.
START_MARKER = "<<<<<<<"
MID_MARKER = "======="
END_MARKER = ">>>>>>>"
MARKER_SIZE = 7
#: Label written after the end marker.
END_LABEL = "end of conflict"
#: Labels used when the caller passes none: (ours, theirs).
DEFAULT_LABELS: tuple[str, str] = ("this device", "other device")

#: A str field value is "long text" (merged line by line) when it has a newline or is this long.
LONG_TEXT_CHARS = 200

_MARKER_CHARS = {"<": "start", "=": "mid", ">": "end"}


class _Missing:
    """A field key absent from a version (distinct from a value of None)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


# -- results --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextMerge:
    """The outcome of :func:`merge_text`."""

    text: str
    conflicted: bool
    #: How many marked regions the merge wrote (0 when ``conflicted`` is false).
    conflicts: int


@dataclass(frozen=True, slots=True)
class ConflictRegion:
    """One marked region of a text, as found by :func:`conflict_regions`.

    Line numbers are 0-based indexes into ``text.split("\\n")``: ``start_line`` is the start
    marker, ``end_line`` is one past the end marker, so lines ``[start_line:end_line]`` are the
    whole region. ``ours`` and ``theirs`` are the exact text between the markers, each line with
    its line ending (``""`` when that side had no lines there).
    """

    start_line: int
    end_line: int
    ours: str
    theirs: str
    ours_label: str = ""
    theirs_label: str = ""


@dataclass(frozen=True)
class NoteContent:
    """The mergeable content of a note revision.

    ``fields`` values are str, int, bool, list[str] or None. ``tags`` is a set: stored sorted and
    unique whatever order it is given in.
    """

    title: str = ""
    body: str = ""
    fields: dict[str, object] = field(default_factory=dict)
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        fields = {k: list(v) if isinstance(v, tuple) else v for k, v in self.fields.items()}
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "tags", tuple(sorted(set(self.tags))))


@dataclass(frozen=True)
class MergeResult:
    """The outcome of :func:`merge_content`.

    ``conflicted_fields`` names what needs the user: ``"title"``, ``"body"`` and
    ``"fields.<key>"`` for a key of ``fields`` (``"tags"`` never conflicts: it is a set merge).
    ``kept`` holds the other side's value of every short field that could not be combined, under
    the same names (``"title"``, ``"fields.<key>"``); long texts need no entry there because both
    versions are in the text between markers. The caller must store ``kept``.
    """

    content: NoteContent
    conflicted: bool
    conflicted_fields: tuple[str, ...] = ()
    kept: dict[str, object] = field(default_factory=dict)


# -- text -----------------------------------------------------------------------------------------


class _Matcher(difflib.SequenceMatcher[str]):
    """difflib's matcher without the "popular element" heuristic.

    With autojunk (difflib's default, and so merge3's) any line that makes up more than 1% of a
    text of 200+ lines, such as a blank line or a repeated heading, is left out when aligning, so
    long notes align badly and edits far apart conflict.
    """

    def __init__(
        self,
        isjunk: Callable[[str], bool] | None = None,
        a: Sequence[str] = "",
        b: Sequence[str] = "",
        autojunk: bool = False,
    ) -> None:
        super().__init__(isjunk, a, b, autojunk=False)


def _eol(*texts: str) -> str:
    """The line ending of the merge: CRLF if the texts use only CRLF, else LF."""
    crlf = lf = False
    for t in texts:
        n = t.count("\n")
        if n:
            if t.count("\r\n") == n:
                crlf = True
            else:
                lf = True
    return "\r\n" if crlf and not lf else "\n"


def _split(text: str, eol: str) -> tuple[list[str], bool]:
    """Lines, each ending in a newline, and whether the text lacked one at its end.

    A last line without a newline gets ``eol`` (every other line of every text ends in ``eol``
    when ``eol`` is CRLF, see :func:`_eol`), so the split can be undone exactly.
    """
    if not text:
        return [], False
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1] + eol)
        return lines, True
    return lines, False


def _merge_flag(base: bool, ours: bool, theirs: bool) -> bool:
    """Three-way merge of a bool: never conflicts (two different changes of a bit are equal)."""
    return theirs if ours == base else ours


def _marker_run(line: str) -> tuple[str, int, str] | None:
    """(kind, size, label) if ``line`` (without its ending) reads as a conflict marker."""
    if not line or line[0] not in _MARKER_CHARS:
        return None
    c = line[0]
    size = len(line) - len(line.lstrip(c))
    if size < MARKER_SIZE:
        return None
    rest = line[size:]
    if rest and rest[0] != " ":
        return None
    return _MARKER_CHARS[c], size, rest[1:]


def _strip_eol(line: str) -> str:
    if line.endswith("\n"):
        line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
    return line


def _marker_size(*line_lists: Sequence[str]) -> int:
    """Marker length longer than any marker-like line of the inputs (at least 7)."""
    size = MARKER_SIZE
    for lines in line_lists:
        for line in lines:
            if line and line[0] in _MARKER_CHARS:
                found = _marker_run(_strip_eol(line))
                if found is not None and found[1] >= size:
                    size = found[1] + 1
    return size


def _label(text: str) -> str:
    return " ".join(text.replace("\r", "\n").split("\n"))


def _marker(char: str, size: int, label: str, eol: str) -> str:
    label = _label(label)
    return char * size + (" " + label if label else "") + eol


def merge_text(
    base: str | None,
    ours: str,
    theirs: str,
    *,
    labels: tuple[str, str] = DEFAULT_LABELS,
) -> TextMerge:
    """Line-based three-way merge of ``ours`` and ``theirs`` against ``base``.

    Changes from both sides that do not overlap are combined; a change made identically on both
    sides is taken once. Where the sides changed overlapping lines (or inserted at the same
    place), the region is written with both versions, ours first::

        <<<<<<< {labels[0]}
        ...ours...
        ======= {labels[1]}
        ...theirs...
        >>>>>>> end of conflict

    Lines both sides agree on at the edges of such a region are written once, outside it. The
    markers may be longer than 7 characters when the inputs contain marker-like lines. A
    ``base`` of None (no common ancestor) merges against the empty text, so differing texts are
    kept whole. Deterministic; swapping ``ours`` and ``theirs`` gives the same lines, with the
    two sides of each region swapped.
    """
    base = base or ""
    eol = _eol(base, ours, theirs)
    base_lines, base_open = _split(base, eol)
    ours_lines, ours_open = _split(ours, eol)
    theirs_lines, theirs_open = _split(theirs, eol)

    m = merge3.Merge3(base_lines, ours_lines, theirs_lines, sequence_matcher=_Matcher)
    out: list[str] = []
    conflicts = 0
    size = 0
    for group in m.merge_groups():
        if group[0] != "conflict":
            out.extend(group[1])
            continue
        _, _, a, b = group
        if not size:
            size = _marker_size(base_lines, ours_lines, theirs_lines)
        # lines both sides agree on at the edges of the region are not part of the conflict
        lo = 0
        while lo < len(a) and lo < len(b) and a[lo] == b[lo]:
            lo += 1
        hi = 0
        while hi < len(a) - lo and hi < len(b) - lo and a[-1 - hi] == b[-1 - hi]:
            hi += 1
        out.extend(a[:lo])
        out.append(_marker("<", size, labels[0], eol))
        out.extend(a[lo : len(a) - hi])
        out.append(_marker("=", size, labels[1], eol))
        out.extend(b[lo : len(b) - hi])
        out.append(_marker(">", size, END_LABEL, eol))
        out.extend(a[len(a) - hi :])
        conflicts += 1

    text = "".join(out)
    if text and _merge_flag(base_open, ours_open, theirs_open):
        text = text[: -len(eol)]
    return TextMerge(text=text, conflicted=conflicts > 0, conflicts=conflicts)


def conflict_regions(text: str) -> list[ConflictRegion]:
    """The conflict regions of ``text``, in order.

    A region is a start marker, a middle marker and an end marker of the same length (7 or more
    of ``<``, ``=``, ``>``, then nothing or a space and a label), each on a line of its own.
    Longer markers are matched first and shorter marker-like lines inside a region are text of
    that region; unbalanced marker-like lines are ordinary text.
    """
    if START_MARKER not in text:
        return []
    lines = text.split("\n")
    kept_ends = [line + "\n" for line in lines[:-1]] + [lines[-1]]
    markers: dict[int, list[tuple[int, str, str]]] = {}
    for i, line in enumerate(lines):
        found = _marker_run(line[:-1] if line.endswith("\r") else line)
        if found is not None:
            kind, size, label = found
            markers.setdefault(size, []).append((i, kind, label))

    claimed: list[tuple[int, int]] = []  # [start, end) of regions found so far
    found_regions: list[ConflictRegion] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in claimed)

    for size in sorted(markers, reverse=True):
        seq = [m for m in markers[size] if free(m[0], m[0] + 1)]
        j = 0
        while j + 2 < len(seq):
            (s, sk, sl), (mid, mk, ml), (e, ek, _) = seq[j : j + 3]
            if (sk, mk, ek) == ("start", "mid", "end") and free(s, e + 1):
                claimed.append((s, e + 1))
                found_regions.append(
                    ConflictRegion(
                        start_line=s,
                        end_line=e + 1,
                        ours="".join(kept_ends[s + 1 : mid]),
                        theirs="".join(kept_ends[mid + 1 : e]),
                        ours_label=sl,
                        theirs_label=ml,
                    )
                )
                j += 3
            else:
                j += 1
    return sorted(found_regions, key=lambda r: r.start_line)


def has_conflict_markers(text: str) -> bool:
    """Whether ``text`` has at least one complete conflict region (see :func:`conflict_regions`)."""
    return bool(conflict_regions(text))


# -- note content ---------------------------------------------------------------------------------


def merge_order(rev_a: str, rev_b: str) -> tuple[str, str]:
    """The two revision ids in merge order: ``(ours, theirs)``.

    Callers merging two heads must pass the revision listed first here as ``ours`` to
    :func:`merge_content` / :func:`merge_text`, and labels that name the revisions (their
    authors, say) rather than "this device": then every device merging the same pair of heads
    writes byte-identical results. The order is plain string order (the same as the order of
    the ids' UTF-8 bytes), lowest first.
    """
    return (rev_a, rev_b) if rev_a <= rev_b else (rev_b, rev_a)


def _same(x: object, y: object) -> bool:
    """Equality that tells True from 1 and a list from a tuple of the same items."""
    if type(x) is not type(y):
        return False
    if isinstance(x, list):
        assert isinstance(y, list)
        return len(x) == len(y) and all(_same(a, b) for a, b in zip(x, y, strict=True))
    return x == y


def _is_str_list(x: object) -> bool:
    return isinstance(x, list) and all(isinstance(e, str) for e in x)


def _is_long(x: object) -> bool:
    return isinstance(x, str) and ("\n" in x or len(x) > LONG_TEXT_CHARS)


def merge_set(base: Iterable[str], ours: Iterable[str], theirs: Iterable[str]) -> list[str]:
    """Three-way merge of sets given as sequences (tags, multiple choices).

    An item added on either side is in; an item of ``base`` removed on either side is out.
    Order: ours's order; an item only theirs has goes after the item before it in theirs (or
    before the item after it), else at the end. Duplicates are dropped.
    """
    base_set, ours_l, theirs_l = set(base), list(dict.fromkeys(ours)), list(dict.fromkeys(theirs))
    ours_set, theirs_set = set(ours_l), set(theirs_l)
    keep = (ours_set & theirs_set) | (ours_set - base_set) | (theirs_set - base_set)
    result = [x for x in ours_l if x in keep]
    placed = set(result)
    at: int | None = None  # insertion point: just after the last item of theirs already placed
    pending: list[str] = []  # items of theirs not yet placed, waiting for an anchor
    for x in theirs_l:
        if x not in keep:
            continue
        if x in placed:
            at = result.index(x)
            result[at:at] = pending
            at += len(pending) + 1
            pending = []
        elif at is None:
            pending.append(x)
        else:
            result.insert(at, x)
            at += 1
    result.extend(pending)
    return result


class _Merger:
    """Merges values one by one, collecting conflicted names and kept values."""

    def __init__(self, labels: tuple[str, str]) -> None:
        self.labels = labels
        self.conflicted: list[str] = []
        self.kept: dict[str, object] = {}

    def value(
        self, name: str, base: object, ours: object, theirs: object, *, text: str = "long"
    ) -> object:
        """Merge one value (``_MISSING`` for an absent key).

        ``text``: "always" merges any two strs as text, "long" only long ones, "never" none.
        """
        if _same(ours, theirs):
            return ours
        if _same(ours, base):
            return theirs
        if _same(theirs, base):
            return ours
        # both sides changed it, differently
        if ours is _MISSING:
            return theirs  # deleted on one side, changed on the other: keep what was typed
        if theirs is _MISSING:
            return ours
        if (
            isinstance(ours, list)
            and isinstance(theirs, list)
            and _is_str_list(ours)
            and _is_str_list(theirs)
            and (base is _MISSING or base is None or _is_str_list(base))
        ):
            return merge_set(base if isinstance(base, list) else (), ours, theirs)
        if (
            isinstance(ours, str)
            and isinstance(theirs, str)
            and text != "never"
            and (text == "always" or _is_long(ours) or _is_long(theirs) or _is_long(base))
        ):
            merged = merge_text(
                base if isinstance(base, str) else "", ours, theirs, labels=self.labels
            )
            if merged.conflicted:
                self.conflicted.append(name)
            return merged.text
        self.conflicted.append(name)
        self.kept[name] = theirs
        return ours


def merge_content(
    base: NoteContent | None,
    ours: NoteContent,
    theirs: NoteContent,
    *,
    labels: tuple[str, str] = DEFAULT_LABELS,
) -> MergeResult:
    """Merge two versions of a note against their common ancestor, field by field.

    * Changed on one side only, or identically on both: that version.
    * ``body`` and long str values of ``fields`` (a newline, or more than 200 characters)
      changed on both sides: :func:`merge_text`; overlapping edits are marked in the text and
      the field is conflicted.
    * ``tags`` and list values of ``fields``: three-way set merge (:func:`merge_set`).
    * ``title`` and other values changed on both sides: ours is the value, the field is
      conflicted and theirs goes into :attr:`MergeResult.kept`.
    * A key of ``fields`` deleted on one side: deleted if the other side left it unchanged,
      otherwise the other side's value stays.

    ``base`` None (no common ancestor) merges against an empty note, so both sides' texts are
    kept. Pass the revisions in :func:`merge_order` for results that do not depend on which
    device merges.
    """
    base = base if base is not None else NoteContent()
    m = _Merger(labels)
    title = m.value("title", base.title, ours.title, theirs.title, text="never")
    body = m.value("body", base.body, ours.body, theirs.body, text="always")
    fields: dict[str, object] = {}
    for key in dict.fromkeys([*ours.fields, *theirs.fields]):
        value = m.value(
            f"fields.{key}",
            base.fields.get(key, _MISSING),
            ours.fields.get(key, _MISSING),
            theirs.fields.get(key, _MISSING),
        )
        if value is not _MISSING:
            fields[key] = value
    tags = merge_set(base.tags, ours.tags, theirs.tags)
    assert isinstance(title, str) and isinstance(body, str)
    return MergeResult(
        content=NoteContent(title=title, body=body, fields=fields, tags=tuple(tags)),
        conflicted=bool(m.conflicted),
        conflicted_fields=tuple(m.conflicted),
        kept=m.kept,
    )


__all__ = [
    "DEFAULT_LABELS",
    "END_LABEL",
    "END_MARKER",
    "LONG_TEXT_CHARS",
    "MARKER_SIZE",
    "MID_MARKER",
    "START_MARKER",
    "ConflictRegion",
    "MergeResult",
    "NoteContent",
    "TextMerge",
    "conflict_regions",
    "has_conflict_markers",
    "merge_content",
    "merge_order",
    "merge_set",
    "merge_text",
]
