"""The record kinds of DESIGN §2 and every name they go by: the one kind table.

Standard library only: the CLI builds its ``--kind`` choices from it at start-up and the app
labels its lists and commands from it, before the store's crypto loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class KindNames:
    """One record kind: its identifier and how it is named where it appears."""

    kind: str
    #: Heading of its form and of exports ("Record review").
    label: str
    #: A narrow list column ("review"): a whole word or one ending in "." (never a word cut
    #: short, as "observ" read), at most 9 cells.
    short: str
    #: The app's sidebar, for a group of them ("Reviews").
    plural: str
    #: In a sentence or a command: "Note: New record review".
    noun: str


KIND_TABLE: tuple[KindNames, ...] = (
    KindNames("record_review", "Record review", "review", "Reviews", "record review"),
    KindNames("interview", "Interview / meeting", "interview", "Interviews", "interview"),
    KindNames("focus_group", "Focus group", "focus", "Focus groups", "focus group"),
    KindNames("observation", "Observation", "obs.", "Observations", "observation"),
    KindNames("partnership_discussion", "Partnership discussion", "pd", "Partnership",
              "partnership discussion"),
    KindNames("concern", "Concern form", "concern", "Concerns", "concern form"),
    KindNames("good_practice", "Good practice", "good", "Good pract.", "good practice example"),
    KindNames("note", "General note", "note", "Notes", "general note"),
)
KINDS: tuple[str, ...] = tuple(k.kind for k in KIND_TABLE)
KIND_LABELS: Mapping[str, str] = MappingProxyType({k.kind: k.label for k in KIND_TABLE})
KIND_SHORT_LABELS: Mapping[str, str] = MappingProxyType({k.kind: k.short for k in KIND_TABLE})
KIND_PLURALS: Mapping[str, str] = MappingProxyType({k.kind: k.plural for k in KIND_TABLE})
KIND_NOUNS: Mapping[str, str] = MappingProxyType({k.kind: k.noun for k in KIND_TABLE})
