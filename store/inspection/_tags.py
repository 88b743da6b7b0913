"""Evidence tags: a small grammar of strings, validated and normalised.

A tag is one of:

- ``S1`` .. ``S4``                 inspection statement
- ``QI<n>.<m>`` (n, m in 1..9)     quality indicator of the framework, e.g. ``QI2.1``
- ``status:nsc`` / ``status:uncertainty`` / ``status:concern``   evidence status
- ``strength`` / ``afd``           strength, area for development
- ``covid``                        Covid-19 impact (``covid-19`` and ``covid19`` are accepted)
- ``#code``                        a free code: ASCII letters, digits, ``-``, ``_``; up to 32

Input is case-insensitive and may carry surrounding spaces (``" qi2.1 "``); the output of
:func:`validate_tag` is the one normalised spelling (``"QI2.1"``), and validating it again
returns it unchanged. Tags on a highlighted passage (of the body or of any long text field)
are :class:`PassageTag`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "BODY_FIELD",
    "FRAMEWORK_INDICATORS",
    "FREE_CODE_MAX_LENGTH",
    "STATEMENT_TAGS",
    "STATUS_TAGS",
    "TAG_HELP",
    "InvalidTag",
    "PassageTag",
    "describe_tag",
    "parse_tags",
    "follow_passages",
    "relocate_passages",
    "validate_tag",
]

STATEMENT_TAGS: tuple[str, ...] = ("S1", "S2", "S3", "S4")
STATUS_TAGS: tuple[str, ...] = ("status:nsc", "status:uncertainty", "status:concern")
FREE_CODE_MAX_LENGTH = 32

#: The quality indicators of the quality framework for children and young people in need of
#: care and protection, as tags with their words: what the tags dialog offers to pick. Any other
#: ``QI<n>.<m>`` is still a valid tag (typed as one); 10.1, capacity for improvement, is a
#: judgement across the indicators rather than evidence, and has no tag.
FRAMEWORK_INDICATORS: dict[str, str] = {
    "QI1.1": "Improvements in the safety, wellbeing and life chances of vulnerable children "
             "and young people",
    "QI2.1": "Impact on children and young people",
    "QI2.2": "Impact on families",
    "QI3.1": "Impact on staff",
    "QI4.1": "Impact on the community",
    "QI5.1": "Access to support",
    "QI5.2": "Assessing and responding to risk and need",
    "QI5.3": "Planning for children and young people",
    "QI5.4": "Involvement of children, young people and families",
    "QI6.1": "Policies, procedures and legislation",
    "QI6.2": "Planning and improving services",
    "QI6.3": "Participation of children, young people, families and other stakeholders",
    "QI6.4": "Performance management and quality assurance",
    "QI7.1": "Recruitment, deployment and joint working",
    "QI7.2": "Staff training, development and joint working",
    "QI8.1": "Management of resources",
    "QI8.2": "Commissioning arrangements",
    "QI9.1": "Vision, values and aims",
    "QI9.2": "Leadership of strategy and direction",
    "QI9.3": "Leadership of people",
    "QI9.4": "Leadership of improvement and change",
}

TAG_HELP = """\
Evidence tags (case does not matter):
  S1 S2 S3 S4                inspection statement 1-4
  QI2.1, QI9.4, ...          quality indicator of the framework (QI<n>.<m>)
  status:nsc                 evidence status: no significant concern
  status:uncertainty         evidence status: uncertainty
  status:concern             evidence status: concern
  strength  afd              strength / area for development
  covid                      Covid-19 impact
  #code                      a free code: letters, digits, - and _, up to 32 characters"""

_FLAGS = re.ASCII | re.IGNORECASE
_STATEMENT = re.compile(r"s([1-4])", _FLAGS)
_QI = re.compile(r"qi([1-9])\.([1-9])", _FLAGS)
_STATUS = re.compile(r"status:(nsc|uncertainty|concern)", _FLAGS)
_FREE_CODE = re.compile(rf"#([a-z0-9_-]{{1,{FREE_CODE_MAX_LENGTH}}})", _FLAGS)
_WORDS: dict[str, str] = {
    "strength": "strength",
    "afd": "afd",
    "covid": "covid",
    "covid-19": "covid",
    "covid19": "covid",
}
_STATUS_LABELS = {
    "nsc": "no significant concern",
    "uncertainty": "uncertainty",
    "concern": "concern",
}
_SPLIT = re.compile(r"[\s,;]+")


class InvalidTag(ValueError):
    """Raised when a string is not a tag of the grammar (see ``TAG_HELP``)."""


def validate_tag(tag: str) -> str:
    """Return the normalised spelling of ``tag``; raise :class:`InvalidTag` if it is not one."""
    if not isinstance(tag, str):
        raise InvalidTag(f"A tag must be text, not {type(tag).__name__}")
    text = tag.strip()
    if not text:
        raise InvalidTag("A tag cannot be empty")
    if m := _STATEMENT.fullmatch(text):
        return f"S{m.group(1)}"
    if m := _QI.fullmatch(text):
        return f"QI{m.group(1)}.{m.group(2)}"
    if m := _STATUS.fullmatch(text):
        return f"status:{m.group(1).lower()}"
    if (word := _WORDS.get(text.lower())) is not None:
        return word
    if m := _FREE_CODE.fullmatch(text):
        return f"#{m.group(1).lower()}"
    if text.startswith("#"):
        raise InvalidTag(
            f"Tag {text!r}: a free code is # followed by up to {FREE_CODE_MAX_LENGTH} "
            "letters, digits, - or _"
        )
    raise InvalidTag(
        f"Tag {text!r} is not a known tag: use S1-S4, QI<n>.<m> (such as QI2.1), "
        "status:nsc, status:uncertainty, status:concern, strength, afd, covid, or #code"
    )


def parse_tags(tags: str | Iterable[str]) -> list[str]:
    """Validate many tags; return them normalised, without duplicates, in first-seen order.

    Each string is split on spaces, commas and semicolons, so ``"S1, qi2.1"`` and
    ``["S1", "qi2.1"]`` give the same. Every bad tag is reported in one :class:`InvalidTag`.
    """
    items: list[object] = []
    for entry in [tags] if isinstance(tags, str) else tags:
        items.extend(_SPLIT.split(entry.strip()) if isinstance(entry, str) else [entry])
    result: list[str] = []
    seen: set[str] = set()
    problems: list[str] = []
    for item in items:
        if item == "":
            continue
        try:
            tag = validate_tag(item)  # type: ignore[arg-type]
        except InvalidTag as exc:
            problems.append(str(exc))
            continue
        if tag not in seen:
            seen.add(tag)
            result.append(tag)
    if problems:
        raise InvalidTag("; ".join(problems))
    return result


def describe_tag(tag: str) -> str:
    """A human label for a tag: ``"Statement 1"``, ``"Quality indicator 2.1"``, ..."""
    norm = validate_tag(tag)
    if norm in STATEMENT_TAGS:
        return f"Statement {norm[1]}"
    if norm.startswith("QI"):
        return f"Quality indicator {norm[2:]}"
    if norm.startswith("status:"):
        return f"Evidence status: {_STATUS_LABELS[norm[7:]]}"
    if norm == "strength":
        return "Strength"
    if norm == "afd":
        return "Area for development"
    if norm == "covid":
        return "Covid-19 impact"
    return f"Code: {norm[1:]}"


#: The ``field`` of a passage in the note's own text (its body), the one field older versions
#: could tag; any other value names a long text field of the note's template.
BODY_FIELD = ""


@dataclass(frozen=True)
class PassageTag:
    """A tag on a highlighted passage of a note's text: ``text[start:end]``, where ``text`` is
    the note's body (``field`` empty, as every passage tag of older versions) or the long text
    field called ``field`` (key quotes, views, themes, a rationale...).

    Offsets count Python ``str`` characters (code points). ``tag`` is normalised on creation.
    """

    start: int
    end: int
    tag: str
    field: str = BODY_FIELD

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidTag(f"Passage tag {name} must be a whole number, got {value!r}")
        if self.start < 0:
            raise InvalidTag(f"Passage tag start {self.start} is before the start of the text")
        if self.end <= self.start:
            raise InvalidTag(
                f"Passage tag must end after it starts (start {self.start}, end {self.end})"
            )
        if not isinstance(self.field, str):
            raise InvalidTag(f"Passage tag field must be a field name, got {self.field!r}")
        if self.field == "body":  # the body's own name, as the editor and export call it
            object.__setattr__(self, "field", BODY_FIELD)
        object.__setattr__(self, "tag", validate_tag(self.tag))

    def check_within(self, body_length: int) -> None:
        """Raise :class:`InvalidTag` unless the passage lies within a text of that length."""
        if self.end > body_length:
            where = f" of {self.field}" if self.field else ""
            raise InvalidTag(
                f"Passage tag {self.tag} at {self.start}-{self.end} runs past the end of the "
                f"text{where} ({body_length} characters)"
            )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start": self.start, "end": self.end, "tag": self.tag}
        if self.field:
            out["field"] = self.field
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PassageTag:
        """Build from ``{"start", "end", "tag"[, "field"]}``; raise :class:`InvalidTag` if
        malformed."""
        try:
            return cls(data["start"], data["end"], data["tag"], data.get("field") or BODY_FIELD)
        except KeyError as exc:
            raise InvalidTag(f"Passage tag is missing {exc.args[0]!r}") from None


def relocate_passages(old: str, new: str, passages: Iterable[PassageTag]
                      ) -> tuple[list[PassageTag], list[PassageTag]]:
    """Move passage tags along when the text around them changes.

    ``old`` and ``new`` are one text (the body, or one long text field) before and after an
    edit or a merge, and ``passages`` the tags in that text. A passage whose own text is still
    there (nearest to where it was) moves with it, keeping its field; one whose text was edited
    away is returned in the second list, so the editor can say so.
    """
    kept: list[PassageTag] = []
    lost: list[PassageTag] = []
    for p in passages:
        piece = old[p.start:p.end]
        if p.end <= len(new) and new[p.start:p.end] == piece:
            kept.append(p)
            continue
        hits = [m.start() for m in re.finditer(re.escape(piece), new)] if piece else []
        if hits:
            start = min(hits, key=lambda h: abs(h - p.start))
            kept.append(replace(p, start=start, end=start + len(piece)))
        else:
            lost.append(p)
    return kept, lost


def follow_passages(passages: Iterable[PassageTag], old_body: str,
                    old_fields: Mapping[str, Any], new_body: str,
                    new_fields: Mapping[str, Any]) -> tuple[list[PassageTag], list[PassageTag]]:
    """:func:`relocate_passages` for a whole note: each passage tag moved to its words in the
    new text of its own field (the body, or a long text field). Returns (kept, lost)."""
    def text(field: str, body: str, fields: Mapping[str, Any]) -> str:
        value = fields.get(field) if field else body
        return value if isinstance(value, str) else ""

    kept: list[PassageTag] = []
    lost: list[PassageTag] = []
    tags = list(passages)
    for name in dict.fromkeys(p.field for p in tags):
        moved, gone = relocate_passages(text(name, old_body, old_fields),
                                        text(name, new_body, new_fields),
                                        [p for p in tags if p.field == name])
        kept.extend(moved)
        lost.extend(gone)
    return kept, lost
