"""Records reading: the summary of grades across record reviews, and moderation.

Pure counting over notes of kind ``record_review`` (every evaluation item has a grade on the
six-point scale; the review has ``moderation`` and ``moderation_notes``), plus :func:`moderate`,
which saves one revision recording a moderation decision. The screen, the CLI and the CSV export
all count here, so they agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from store import DELETED, Note
from store.errors import ValidationFailed

from ._templates import (
    EVALUATION_ITEMS,
    SIX_POINT_SCALE,
    ValidationIssue,
    coerce_field,
    template_for,
)

if TYPE_CHECKING:
    from store import Session

__all__ = [
    "AGREED",
    "AMENDED",
    "ITEM_LABELS",
    "ITEM_SHORT_LABELS",
    "MODERATION_STATES",
    "NOT_MODERATED",
    "REVIEW_KIND",
    "ItemSummary",
    "ReviewSummary",
    "grade_of",
    "grade_summary",
    "moderate",
    "moderation_of",
    "review_summary",
]

REVIEW_KIND = "record_review"
NOT_MODERATED, AGREED, AMENDED = "not yet moderated", "agreed", "amended"
MODERATION_STATES: tuple[str, ...] = (NOT_MODERATED, AGREED, AMENDED)
ITEM_LABELS: dict[str, str] = dict(EVALUATION_ITEMS)
#: Labels that fit a narrow table column (28 characters at most).
ITEM_SHORT_LABELS: dict[str, str] = {**ITEM_LABELS, "views_of_child": "Views of the child"}


def grade_of(fields: Mapping[str, Any], item: str) -> str:
    """The grade of an evaluation item, or ``""`` when it is not graded (or not a grade)."""
    value = fields.get(f"{item}_grade")
    return value if value in SIX_POINT_SCALE else ""


def moderation_of(note: Note) -> str:
    """A review's moderation state; anything unset or unknown is "not yet moderated"."""
    value = note.fields.get("moderation")
    return value if value in MODERATION_STATES else NOT_MODERATED


def _reviews(notes: Iterable[Note]) -> list[Note]:
    return [n for n in notes if n.kind == REVIEW_KIND and n.state != DELETED]


def grade_summary(notes: Iterable[Note]) -> dict[str, Counter[str]]:
    """Grades per evaluation item across every live record review: ``{item id: Counter}``.

    Every item of ``EVALUATION_ITEMS`` is present, in that order; items not graded yet are
    left out of the counts.
    """
    summary: dict[str, Counter[str]] = {item: Counter() for item, _ in EVALUATION_ITEMS}
    for note in _reviews(notes):
        for item, _ in EVALUATION_ITEMS:
            grade = grade_of(note.fields, item)
            if grade:
                summary[item][grade] += 1
    return summary


@dataclass(frozen=True, slots=True)
class ItemSummary:
    """One evaluation item across the reviews.

    ``counts`` has every grade of the scale, in scale order; ``moderation`` counts the
    moderation state of the reviews that graded this item.
    """

    item: str
    label: str
    counts: dict[str, int]
    graded: int
    moderation: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "label": self.label, "counts": dict(self.counts),
                "graded": self.graded, "moderation": dict(self.moderation)}


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    """Every evaluation item (in ``EVALUATION_ITEMS`` order) and the reviews' moderation."""

    reviews: int
    items: tuple[ItemSummary, ...]
    moderation: dict[str, int]

    def item(self, item: str) -> ItemSummary:
        return next(i for i in self.items if i.item == item)

    def as_dict(self) -> dict[str, Any]:
        return {"reviews": self.reviews, "moderation": dict(self.moderation),
                "items": [i.as_dict() for i in self.items]}


def review_summary(notes: Iterable[Note]) -> ReviewSummary:
    """Counts per grade, number graded and moderation per evaluation item, over live reviews."""
    reviews = _reviews(notes)
    grades = grade_summary(reviews)
    states = {n.note_id: moderation_of(n) for n in reviews}
    items = []
    for item, label in EVALUATION_ITEMS:
        moderation = dict.fromkeys(MODERATION_STATES, 0)
        for n in reviews:
            if grade_of(n.fields, item):
                moderation[states[n.note_id]] += 1
        counts = {g: grades[item][g] for g in SIX_POINT_SCALE}
        items.append(ItemSummary(item, label, counts, sum(counts.values()), moderation))
    overall = dict.fromkeys(MODERATION_STATES, 0)
    for state in states.values():
        overall[state] += 1
    return ReviewSummary(len(reviews), tuple(items), overall)


def _item_id(name: str) -> str:
    """``chronology`` or ``chronology_grade`` to the item id; ValidationFailed if unknown."""
    item = name.strip().removesuffix("_grade")
    if item not in ITEM_LABELS:
        raise ValidationFailed([ValidationIssue(
            "grades", f"{name!r} is not an evaluation item; the items are: "
                      + ", ".join(ITEM_LABELS))])
    return item


def moderate(session: Session, note_id: str, decision: str, notes: str = "",
             grades: Mapping[str, str] | None = None) -> Note:
    """Record a moderation decision on a record review as one revision.

    ``decision`` is "agreed" or "amended". Amending needs ``notes`` saying why, and may change
    grades (``{item id or <item>_grade: grade}``); agreeing changes no grade. Notes given replace
    the review's moderation notes (the earlier ones stay in its history); none keeps them.
    """
    note = session.get(note_id)
    if note.kind != REVIEW_KIND:
        raise ValidationFailed([ValidationIssue(
            "kind", f"note {note.note_id[:8]} is a {note.kind}, not a record review")])
    if decision not in (AGREED, AMENDED):
        raise ValidationFailed([ValidationIssue(
            "moderation", f"a moderation decision is {AGREED!r} or {AMENDED!r}, "
                          f"not {decision!r}")])
    notes = (notes or "").strip()
    grades = dict(grades or {})
    if decision == AMENDED and not notes:
        raise ValidationFailed([ValidationIssue(
            "moderation_notes", "Amending a review needs moderation notes: say what was "
                                "changed and why")])
    if decision == AGREED and grades:
        raise ValidationFailed([ValidationIssue(
            "grades", "Agreeing changes no grades: amend the review to change them")])
    template = template_for(note.kind, note.template)
    fields = dict(note.fields)
    for name, raw in grades.items():
        spec = template.spec(f"{_item_id(name)}_grade")
        try:
            value = coerce_field(spec, raw)
        except ValueError as exc:
            raise ValidationFailed([ValidationIssue(spec.name, str(exc))]) from None
        if value is None:
            fields.pop(spec.name, None)  # amended to "not graded"
        else:
            fields[spec.name] = value
    fields["moderation"] = decision
    if notes:
        fields["moderation_notes"] = notes
    return session.save(note.note_id, fields=fields)
