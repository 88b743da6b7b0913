"""Small pure helpers the screens share: formatting, drafts, passages, conflicts, strength.

No Textual here, so these are cheap to test on their own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import compress, repeat
from operator import attrgetter, eq
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from store import Inspection, Note, PassageTag, Session


# -- time ------------------------------------------------------------------------------------
def when(dt: datetime, now: datetime) -> str:
    """A short, stable "updated" column: 09:40 today, Tue this week, 14 Mar this year."""
    local = dt.astimezone(now.tzinfo) if now.tzinfo else dt
    if local.date() == now.date():
        return local.strftime("%H:%M")
    days = (now.date() - local.date()).days
    if 0 < days < 7:
        return local.strftime("%a")
    if local.year == now.year:
        return f"{local.day} {local.strftime('%b')}"
    return local.strftime("%Y-%m")


def clock(now: datetime) -> str:
    return now.strftime("%H:%M")


# -- drafts ----------------------------------------------------------------------------------
def create_draft(session: Session, inspection: Inspection, kind: str, title: str,
                 body: str = "", fields: dict[str, Any] | None = None,
                 tags: Iterable[str] = (), passages: Iterable[PassageTag] = ()) -> Note:
    """A new note saved as an autosave draft, so nothing typed is lost before it validates
    (a record review needs its pseudonym before it can be saved as a revision)."""
    return session.create(inspection, kind, title, body, dict(fields or {}), tuple(tags),
                          tuple(passages), autosave=True)


# -- passages --------------------------------------------------------------------------------
def offset_of(text: str, row: int, column: int) -> int:
    """The ``str`` offset of a (row, column) location in ``text`` split on ``\\n``."""
    lines = text.split("\n")
    row = max(0, min(row, len(lines) - 1))
    return sum(len(line) + 1 for line in lines[:row]) + min(column, len(lines[row]))


def location_of(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    row = before.count("\n")
    return row, offset - (before.rfind("\n") + 1)


def passages_at(passages: Iterable[PassageTag], start: int, end: int) -> list[PassageTag]:
    """Passage tags on exactly [start, end), or (for an empty selection) around ``start``."""
    if start == end:
        return [p for p in passages if p.start <= start < p.end or p.start < start <= p.end]
    return [p for p in passages if (p.start, p.end) == (start, end)]


# -- conflicts -------------------------------------------------------------------------------
LEFT, RIGHT, BOTH, EDITED = "left", "right", "both", "edited"


@dataclass
class ConflictItem:
    """One thing to decide: a marked region of the text, or a short field kept from each side.

    ``key`` is ``"body"`` for a text region (``index`` says which) or the ``kept`` key
    (``"title"``, ``"fields.<name>"``).
    """

    key: str
    label: str
    left: Any
    right: Any
    index: int = 0
    left_label: str = ""
    right_label: str = ""
    choice: str | None = None
    edited: Any = None
    # which device signed each side ("device 1a2b3c4d"), shown under its pane
    left_device: str = ""
    right_device: str = ""

    @property
    def textual(self) -> bool:
        return isinstance(self.left, str) and isinstance(self.right, str)

    def value(self) -> Any:
        if self.choice == LEFT:
            return self.left
        if self.choice == RIGHT:
            return self.right
        if self.choice == BOTH:
            if self.key == "body":
                left = self.left if self.left.endswith("\n") or not self.left else self.left + "\n"
                return left + self.right
            return f"{self.left} / {self.right}"
        if self.choice == EDITED:
            return self.edited
        raise ValueError("not decided yet")


def conflict_items(note: Note, field_labels: dict[str, str],
                   sides: tuple[tuple[str, str], tuple[str, str]] | None = None,
                   mine_second: bool = False) -> list[ConflictItem]:
    """What to decide for a conflicted note. ``sides`` gives (label, device) of the two
    versions in merge order (who signed each, when, on which device: see
    ``store._provenance.conflict_sides``); with ``mine_second`` the user's own version is the
    second one and goes on the left."""
    from store import conflict_regions

    (ours_label, ours_dev), (theirs_label, theirs_dev) = sides or (
        ("one version", ""), ("other version", ""))

    def item(key: str, label: str, left: Any, right: Any, index: int) -> ConflictItem:
        return ConflictItem(key, label, left, right, index, ours_label, theirs_label,
                            left_device=ours_dev, right_device=theirs_dev)

    items = []
    for i, r in enumerate(conflict_regions(note.body)):
        items.append(item("body", f"Text, passage {i + 1}", r.ours, r.theirs, i))
    for key, values in sorted(note.kept.items()):
        values = values if isinstance(values, list) else [values]
        if key == "title":
            current, label = note.title, "Title"
        elif key.startswith("fields."):
            name = key[len("fields."):]
            current, label = note.fields.get(name), field_labels.get(name, name)
        else:
            current, label = getattr(note, key, None), key
        for j, value in enumerate(values):
            items.append(item(key, label, current, value, j))
    if mine_second:
        for it in items:
            it.left, it.right = it.right, it.left
            it.left_label, it.right_label = it.right_label, it.left_label
            it.left_device, it.right_device = it.right_device, it.left_device
    return items


def resolve_conflicts(note: Note, items: Sequence[ConflictItem]) -> dict[str, Any]:
    """The changes that apply every decision: a new body, title and fields, ``kept={}``, and
    the passage tags moved along with their words.

    Raises ``ValueError`` while any item is undecided: nothing is discarded before then.
    """
    from store import conflict_regions
    from store.inspection import follow_passages

    if any(i.choice is None for i in items):
        raise ValueError("some conflicts are not decided yet")
    changes: dict[str, Any] = {"kept": {}}
    regions = conflict_regions(note.body)
    if regions:
        body_items = {i.index: i for i in items if i.key == "body"}
        lines = note.body.split("\n")
        keep_ends = [line + "\n" for line in lines[:-1]] + [lines[-1]]
        out: list[str] = []
        pos = 0
        for n, region in enumerate(regions):
            out.extend(keep_ends[pos:region.start_line])
            out.append(body_items[n].value())
            pos = region.end_line
        out.extend(keep_ends[pos:])
        changes["body"] = "".join(out)
    fields = dict(note.fields)
    for item in items:
        if item.key == "title":
            changes["title"] = item.value()
        elif item.key.startswith("fields."):
            fields[item.key[len("fields."):]] = item.value()
    if fields != note.fields:
        changes["fields"] = fields
    kept, _lost = follow_passages(note.passages, note.body, note.fields,
                                  changes.get("body", note.body), fields)
    if tuple(kept) != tuple(note.passages):
        changes["passages"] = tuple(kept)
    return changes


# -- passphrases -----------------------------------------------------------------------------
MIN_PASSPHRASE = 10


def strength(passphrase: str) -> tuple[int, str]:
    """A rough 0-4 score and a word of advice. Length of several words beats symbols."""
    n = len(passphrase)
    if n == 0:
        return 0, "Use a few unrelated words: long is strong."
    if n < MIN_PASSPHRASE:
        return 0, f"Too short: at least {MIN_PASSPHRASE} characters."
    classes = sum(bool(re.search(p, passphrase)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"\W"))
    words = len([w for w in re.split(r"[\s\-_.,]+", passphrase) if len(w) >= 3])
    distinct = len(set(passphrase.lower()))
    score = 1
    if n >= 14 or (n >= 12 and classes >= 3):
        score = 2
    if (n >= 20 and words >= 3) or (n >= 16 and classes >= 3):
        score = 3
    if n >= 28 and words >= 4:
        score = 4
    if distinct < 6:
        score = min(score, 1)
    advice = {1: "Weak: add another word or two.", 2: "Fair: a longer phrase is better.",
              3: "Good.", 4: "Strong."}[score]
    return score, advice


# -- counts ----------------------------------------------------------------------------------
@dataclass
class InspectionSummary:
    notes: int = 0
    unsynced: int = 0
    open_concerns: int = 0
    conflicts: int = 0


def summarise(session: Session) -> dict[bytes, InspectionSummary]:
    """Each inspection's notes (active or conflicted), unsynced records, conflicts and open
    concerns. Counted by ``Counter`` over ``map`` (C loops), in two passes over the notes:
    with 50,000 notes each pass is ~10 ms (the notes lie all over memory), a Python loop
    over them was 0.2 s of the inspections screen's first paint, six passes ~50 ms."""
    from store import ACTIVE, CONFLICTED

    notes = list(session.notes.values())
    # few distinct (inspection, state, pushed) triples: one pass, then a walk over those
    triples = Counter(map(attrgetter("inspection_id", "state", "pushed"), notes))
    concerns = compress(notes, map(eq, map(attrgetter("kind"), notes), repeat("concern")))
    out: dict[bytes, InspectionSummary] = {i: InspectionSummary() for i in session.inspections}
    for (inspection_id, state, pushed), count in triples.items():
        s = out.setdefault(inspection_id, InspectionSummary())
        if not pushed:
            s.unsynced += count
        if state == ACTIVE or state == CONFLICTED:
            s.notes += count
        if state == CONFLICTED:
            s.conflicts += count
    for note in concerns:  # a few: each one's fields are looked at
        if note.state != "deleted" and not note.fields.get("closed"):
            out.setdefault(note.inspection_id, InspectionSummary()).open_concerns += 1
    return out


def phase_text(inspection: Any, today: Any) -> str:
    """Where an inspection stands ("phase two · week 14 of 22") from its sealed timeline."""
    data = inspection.extra.get("timeline")
    if not data:
        return "–"
    from store.inspection import Timeline, TimelineError, where_is

    try:
        return where_is(Timeline.from_dict(data), today).label
    except (TimelineError, KeyError, TypeError, ValueError):
        return "–"
