"""The note model: record kinds as versioned templates, field validation and coercion.

Each record kind of DESIGN §2 is a :class:`Template` (kind, version) made of :class:`FieldSpec`s.
A note keeps the template version it was made with, so a template is never changed in place:
a new version is added to ``TEMPLATES`` instead. Every note also has a ``title`` and a free-text
``body`` that are not template fields; :func:`validate_note` checks them too.

Stored field values: ``str`` (text, longtext, choice, grade, datetime, sealed), ``list[str]``
(multichoice, in the order of the field's choices), ``int``, ``bool``; ``None``, ``""`` or ``[]``
mean "not filled in".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any

from store.errors import ValidationIssue

from ._kinds import KIND_LABELS, KIND_SHORT_LABELS, KINDS
from ._tags import TAG_HELP, InvalidTag, PassageTag, describe_tag, parse_tags, validate_tag

__all__ = [
    "BODY_MAX_LENGTH", "EVALUATION_ITEMS", "FIELD_TYPES", "KINDS", "KIND_LABELS",
    "KIND_SHORT_LABELS", "SIX_POINT_SCALE", "TEMPLATES", "TITLE_MAX_LENGTH", "FieldSpec",
    "FieldValue", "Template", "UnknownTemplate", "ValidationIssue", "coerce_field",
    "format_field", "latest_version", "template_for", "validate_note",
    # evidence tags live in ._tags; re-exported here for convenience
    "TAG_HELP", "InvalidTag", "PassageTag", "describe_tag", "parse_tags", "validate_tag",
]

FieldValue = str | int | bool | list[str] | None

SIX_POINT_SCALE: tuple[str, ...] = (
    "excellent", "very good", "good", "adequate", "weak", "unsatisfactory"
)
FIELD_TYPES: tuple[str, ...] = (
    "text", "longtext", "choice", "multichoice", "grade", "int", "bool", "datetime", "sealed"
)
_DEFAULT_MAX_LENGTH = {"text": 200, "sealed": 200, "longtext": 100_000}
_STRING_TYPES = frozenset({"text", "longtext", "choice", "grade", "datetime", "sealed"})
_RESERVED_NAMES = frozenset({"title", "body", "tags", "kind", "template"})
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
_LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 200_000


def _choice_key(value: str) -> str:
    return " ".join(value.replace("–", "-").replace("—", "-").casefold().split())


class UnknownTemplate(ValueError):
    """Raised for a record kind or template version that does not exist."""


@dataclass(frozen=True)
class FieldSpec:
    """One field of a template. ``max_length`` defaults by type (text 200, longtext 100,000)."""

    name: str
    label: str
    type: str
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    help: str = ""
    min_value: int | None = None
    max_value: int | None = None
    pattern: str = ""
    pattern_message: str = ""

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name!r}: unknown type {self.type!r}")
        if not _FIELD_NAME.fullmatch(self.name) or self.name in _RESERVED_NAMES:
            raise ValueError(f"field name {self.name!r} is not allowed")
        choices = tuple(self.choices)
        if self.type == "grade":
            if choices not in ((), SIX_POINT_SCALE):
                raise ValueError(f"field {self.name!r}: a grade uses the six-point scale")
            choices = SIX_POINT_SCALE
        elif self.type in ("choice", "multichoice"):
            if not choices:
                raise ValueError(f"field {self.name!r}: a {self.type} field needs choices")
            if len({_choice_key(c) for c in choices}) != len(choices):
                raise ValueError(f"field {self.name!r}: choices must be distinct")
            if self.type == "multichoice" and any("," in c for c in choices):
                raise ValueError(f"field {self.name!r}: multichoice choices cannot hold commas")
        elif choices:
            raise ValueError(f"field {self.name!r}: only choice fields have choices")
        object.__setattr__(self, "choices", choices)
        if self.max_length is None and self.type in _DEFAULT_MAX_LENGTH:
            object.__setattr__(self, "max_length", _DEFAULT_MAX_LENGTH[self.type])
        if self.pattern:
            re.compile(self.pattern)


@dataclass(frozen=True)
class Template:
    """A versioned record kind: its fields, plus the label of the note's free-text body."""

    kind: str
    version: int
    label: str
    short_label: str
    fields: tuple[FieldSpec, ...]
    body_label: str = "Notes"

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(self.fields))
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"template {self.kind} v{self.version}: duplicate field names")

    @cached_property
    def _by_name(self) -> dict[str, FieldSpec]:
        return {f.name: f for f in self.fields}

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def sealed_fields(self) -> tuple[str, ...]:
        """Names of fields that must only be stored in the restricted collection."""
        return tuple(f.name for f in self.fields if f.type == "sealed")

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def get(self, name: str) -> FieldSpec | None:
        return self._by_name.get(name)

    def spec(self, name: str) -> FieldSpec:
        """The field called ``name``; ``KeyError`` with the known names if there is none."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(
                f"{self.label} (v{self.version}) has no field {name!r}; "
                f"its fields are: {', '.join(self.field_names) or 'none'}"
            ) from None


# --- the templates, version 1 -------------------------------------------------------------

AGENCIES: tuple[str, ...] = ("social work", "health", "education", "police", "SCRA")

#: The evaluation items of a record review: (item id, label). Each has ``<id>_grade`` and
#: ``<id>_rationale`` fields.
EVALUATION_ITEMS: tuple[tuple[str, str], ...] = (
    ("initial_response", "Initial response to risk"),
    ("chronology", "Chronology"),
    ("risk_assessment", "Risk assessment"),
    ("childs_plan", "Child's plan"),
    ("views_of_child", "Views of the child sought and recorded"),
    ("family_involvement", "Family involvement"),
    ("multi_agency", "Multi-agency working"),
    ("continuity", "Continuity of relationships"),
    ("legal_measures", "Legal measures"),
    ("outcomes", "Outcomes"),
)

_DESIGNATION_HELP = "by designation only (e.g. Social Worker, Health Visitor), never by name"


def _text(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "text", **kw)


def _long(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "longtext", **kw)


def _choice(name: str, label: str, choices: tuple[str, ...], **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "choice", choices=choices, **kw)


def _template(kind: str, fields: Iterable[FieldSpec], body_label: str = "Notes") -> Template:
    return Template(kind, 1, KIND_LABELS[kind], KIND_SHORT_LABELS[kind], tuple(fields), body_label)


def _evaluation_fields() -> list[FieldSpec]:
    fields: list[FieldSpec] = []
    for item, label in EVALUATION_ITEMS:
        fields.append(FieldSpec(f"{item}_grade", f"{label} grade", "grade"))
        fields.append(_long(f"{item}_rationale", f"{label} rationale"))
    return fields


_RECORD_REVIEW = _template(
    "record_review",
    [
        _text("pseudonym", "Sample pseudonym", required=True, max_length=32,
              pattern=r"[A-Z]{1,3}-?\d{1,4}", help="the sample's pseudonym, such as R-017",
              pattern_message="use a sample pseudonym such as R-017, never a name"),
        FieldSpec("agencies", "Agencies' records read", "multichoice", choices=AGENCIES),
        _choice("age_band", "Age band", ("under 1", "1–4", "5–10", "11–15", "16+")),
        _choice("category", "Category",
                ("child protection", "looked after", "child in need", "other")),
        _text("reader", "Records reader", help=_DESIGNATION_HELP),
        _text("paired_inspector", "Paired inspector", help=_DESIGNATION_HELP),
        *_evaluation_fields(),
        _choice("moderation", "Moderation", ("not yet moderated", "agreed", "amended")),
        _long("moderation_notes", "Moderation notes"),
        FieldSpec("concern_flag", "Concern flag", "bool"),
    ],
)

_INTERVIEW = _template(
    "interview",
    [
        _choice("participant_type", "Participant type",
                ("child", "young person", "parent or carer", "staff")),
        FieldSpec("agreement_obtained", "Agreement obtained", "bool", required=True),
        _text("attendees", "Attendees", help=_DESIGNATION_HELP),
        _text("setting", "Setting"),
        _long("views", "Views and experiences"),
        _long("key_quotes", "Key quotes"),
    ],
)

_FOCUS_GROUP = _template(
    "focus_group",
    [
        _text("staff_groups", "Staff groups", help="by agency and role"),
        FieldSpec("agencies", "Agencies", "multichoice", choices=AGENCIES),
        FieldSpec("number_attending", "Number attending", "int", min_value=1, max_value=200),
        _text("facilitators", "Facilitators", help=_DESIGNATION_HELP),
        _long("uncertainty_tested", "Areas of uncertainty tested"),
        _long("themes", "Themes"),
    ],
)

_OBSERVATION = _template(
    "observation",
    [
        _choice("process", "Process observed",
                ("initial referral discussion", "child protection planning meeting",
                 "core group", "looked after review", "other")),
        _text("attendees", "Attendees", help=_DESIGNATION_HELP),
        _long("observations", "Observations"),
    ],
)

_PARTNERSHIP_DISCUSSION = _template(
    "partnership_discussion",
    [
        FieldSpec("number", "Discussion number", "int", required=True, min_value=1, max_value=3),
        _text("attendees", "Attendees", help=_DESIGNATION_HELP),
        _long("areas_tested", "Areas tested"),
        _long("evidence_asked", "Evidence asked for"),
    ],
)

_CONCERN = _template(
    "concern",
    [
        _text("raised_by", "Raised by", help=_DESIGNATION_HELP),
        FieldSpec("raised_at", "Raised at", "datetime", required=True),
        _long("nature", "Nature of the concern", required=True),
        _choice("immediacy", "Immediacy", ("immediate", "within 24 hours", "routine"),
                required=True),
        _text("linked_note", "Linked note", help="the id of the note the concern arose from"),
        FieldSpec("child_identifier", "Child identifier (sealed)", "sealed",
                  help="the only identifying field; kept in the restricted collection, leads only"),
        _choice("decision", "Lead's decision",
                ("refer to partnership", "no further action", "seek more information")),
        _long("decision_rationale", "Decision rationale"),
        FieldSpec("decided_at", "Decided at", "datetime"),
        _text("partner_lead_contacted", "Partner lead contacted", help=_DESIGNATION_HELP),
        FieldSpec("referral_at", "Referral made at", "datetime"),
        _choice("referral_method", "Referral method", ("phone", "email", "in person")),
        _text("referral_reference", "Referral reference"),
        FieldSpec("closed", "Closed", "bool"),
    ],
)

_GOOD_PRACTICE = _template(
    "good_practice",
    [
        _long("description", "Description", required=True),
        FieldSpec("agencies", "Agencies", "multichoice", choices=AGENCIES),
        _choice("statement", "Inspection statement", ("1", "2", "3", "4")),
        _text("indicator", "Quality indicator", help="such as 2.1"),
        _long("sources", "Sources"),
        FieldSpec("verified", "Verified", "bool"),
    ],
)

_NOTE = _template("note", [], body_label="Text")

#: Every template, by (kind, version). Add a version rather than change one: notes keep theirs.
TEMPLATES: dict[tuple[str, int], Template] = {
    (t.kind, t.version): t
    for t in (_RECORD_REVIEW, _INTERVIEW, _FOCUS_GROUP, _OBSERVATION, _PARTNERSHIP_DISCUSSION,
              _CONCERN, _GOOD_PRACTICE, _NOTE)
}


#: The newest version of each kind, worked out once: template lookups run for every note
#: listed, and scanning every template each time added up at 50,000 notes.
LATEST: dict[str, int] = {}
for _kind, _version in TEMPLATES:
    LATEST[_kind] = max(_version, LATEST.get(_kind, 0))


def latest_version(kind: str) -> int:
    """The newest template version of ``kind``; :class:`UnknownTemplate` for an unknown kind."""
    try:
        return LATEST[kind]
    except (KeyError, TypeError):
        raise UnknownTemplate(
            f"Unknown record kind {kind!r}; the kinds are: {', '.join(KINDS)}") from None


def template_for(kind: str, version: int | None = None) -> Template:
    """The template of ``kind`` at ``version`` (the latest when ``None``)."""
    latest = latest_version(kind)
    if version is None:
        return TEMPLATES[(kind, latest)]
    try:
        return TEMPLATES[(kind, version)]
    except (KeyError, TypeError):
        known = ", ".join(str(v) for (k, v) in sorted(TEMPLATES) if k == kind)
        raise UnknownTemplate(
            f"{KIND_LABELS[kind]} has no template version {version!r}; known versions: {known}"
        ) from None


# --- validation -----------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, tuple)) and not value


def _type_name(value: object) -> str:
    return {bool: "yes/no", int: "a number", str: "text", list: "a list"}.get(
        type(value), type(value).__name__
    )


def _check_string(spec: FieldSpec, value: str) -> str | None:
    from store.crypto import is_sealed  # here: the record kinds load without cryptography

    if spec.type == "sealed" and is_sealed(value):
        # already sealed (at most SEALED_MAX_LENGTH characters, or it is not a blob): the
        # length limit applied to the plaintext before it was sealed
        return None
    if spec.type != "longtext" and _LINE_BREAK.search(value):
        return "must be a single line"
    if spec.max_length is not None and len(value) > spec.max_length:
        return f"is {len(value):,} characters long; the limit is {spec.max_length:,}"
    if spec.pattern and not _compiled(spec.pattern).fullmatch(value):
        return f"{value!r} — {spec.pattern_message or 'not in the expected form'}"
    return None


def _problem(spec: FieldSpec, value: object) -> str | None:
    """What is wrong with a non-empty ``value`` for ``spec`` (without the label), or None."""
    kind = spec.type
    if kind in _STRING_TYPES and not isinstance(value, str):
        return f"expected text, got {_type_name(value)}"
    if kind == "grade":
        if value not in SIX_POINT_SCALE:
            return f"{value!r} is not on the six-point scale ({', '.join(SIX_POINT_SCALE)})"
    elif kind == "choice":
        if value not in spec.choices:
            return f"{value!r} is not one of: {', '.join(spec.choices)}"
    elif kind == "multichoice":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            return f"expected a list of choices, got {_type_name(value)}"
        for item in value:
            if item not in spec.choices:
                return f"{item!r} is not one of: {', '.join(spec.choices)}"
        if len(set(value)) != len(value):
            return "lists the same choice more than once"
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected a whole number, got {_type_name(value)}"
        low, high = spec.min_value, spec.max_value
        if (low is not None and value < low) or (high is not None and value > high):
            lo = "" if low is None else str(low)
            hi = "" if high is None else str(high)
            return f"{value} is out of range ({lo}–{hi})"
    elif kind == "bool":
        if not isinstance(value, bool):
            return f"expected yes or no, got {_type_name(value)}"
    elif kind == "datetime":
        assert isinstance(value, str)
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return f"{value!r} is not an ISO 8601 date and time, such as 2026-03-14T09:30"
    else:
        assert isinstance(value, str)
        return _check_string(spec, value)
    return None


def _check_title(title: object) -> str | None:
    if title is None or (isinstance(title, str) and not title.strip()):
        return "Title is required"
    if not isinstance(title, str):
        return f"Title: expected text, got {_type_name(title)}"
    if _LINE_BREAK.search(title):
        return "Title must be a single line"
    if len(title) > TITLE_MAX_LENGTH:
        return f"Title is {len(title):,} characters long; the limit is {TITLE_MAX_LENGTH:,}"
    return None


def _as_passage(item: object) -> PassageTag:
    """A :class:`PassageTag` from one, from ``{"start", "end", "tag"}``, from ``[start, end,
    tag]`` or from any object with ``start``, ``end`` and ``tag`` attributes."""
    if isinstance(item, PassageTag):
        return item
    if isinstance(item, Mapping):
        return PassageTag.from_dict(item)
    if isinstance(item, (list, tuple)) and len(item) in (3, 4):
        return PassageTag(*item)
    try:
        return PassageTag(item.start, item.end, item.tag,  # type: ignore[attr-defined]
                          getattr(item, "field", "") or "")
    except AttributeError:
        raise InvalidTag(f"{item!r} is neither a tag nor a passage tag") from None


def _check_tags(tags: Iterable[object], body: str, template: Template | None,
                fields: Mapping[str, object]) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []
    for item in tags:
        try:
            if isinstance(item, str):
                validate_tag(item)
                continue
            passage = _as_passage(item)
            text = body
            if passage.field:
                spec = template.get(passage.field) if template is not None else None
                if spec is None or spec.type != "longtext":
                    raise InvalidTag(f"Passage tag {passage.tag}: {passage.field!r} is not a "
                                     "long text field of this form")
                value = fields.get(passage.field) if isinstance(fields, Mapping) else None
                text = value if isinstance(value, str) else ""
            passage.check_within(len(text))
        except InvalidTag as exc:
            issues.append(ValidationIssue("tags", str(exc)))
    return issues


def validate_note(
    kind: str,
    template_version: int | None,
    title: str | None,
    body: str | None,
    fields: Mapping[str, object],
    tags: Iterable[object] = (),
    passages: Iterable[object] = (),
) -> list[ValidationIssue]:
    """Every problem with a note; an empty list means it is valid.

    ``tags`` holds note tags (strings); passage tags may be given there too or in
    ``passages`` (a :class:`PassageTag`, any object with ``start``/``end``/``tag``, a dict or a
    ``[start, end, tag[, field]]`` list), and their offsets are checked against ``body`` or, for
    a passage of another field, against that long text field of the template. An unknown
    kind or version is reported as an issue on ``"kind"`` or ``"template"`` (fields are then
    not checked).
    """
    issues: list[ValidationIssue] = []
    if (problem := _check_title(title)) is not None:
        issues.append(ValidationIssue("title", problem))
    body_text = body if isinstance(body, str) else ""
    if body is not None and not isinstance(body, str):
        issues.append(ValidationIssue("body", f"Text: expected text, got {_type_name(body)}"))
    elif len(body_text) > BODY_MAX_LENGTH:
        too_long = f"Text is {len(body_text):,} characters long; the limit is {BODY_MAX_LENGTH:,}"
        issues.append(ValidationIssue("body", too_long))
    template: Template | None = None
    try:
        template = template_for(kind, template_version)
    except UnknownTemplate as exc:
        issues.append(ValidationIssue("template" if kind in KINDS else "kind", str(exc)))
    else:
        issues.extend(_check_fields(template, fields))
    issues.extend(_check_tags([*tags, *passages], body_text, template, fields))
    return issues


def _check_fields(template: Template, fields: Mapping[str, object]) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []
    if not isinstance(fields, Mapping):
        return [ValidationIssue("fields", f"Fields: expected a mapping, got {_type_name(fields)}")]
    for name in fields:
        if template.get(name) is None:
            known = ", ".join(template.field_names) or "none (only title and text)"
            issues.append(
                ValidationIssue(
                    name,
                    f"{name!r} is not a field of {template.label} (template "
                    f"v{template.version}); its fields are: {known}",
                )
            )
    for spec in template.fields:
        value = fields.get(spec.name)
        if _is_empty(value):
            if spec.required:
                issues.append(ValidationIssue(spec.name, f"{spec.label} is required"))
            continue
        if (problem := _problem(spec, value)) is not None:
            issues.append(ValidationIssue(spec.name, f"{spec.label}: {problem}"))
    return issues


# --- command-line values ----------------------------------------------------------------------

_TRUE = frozenset({"yes", "y", "true", "1", "on"})
_FALSE = frozenset({"no", "n", "false", "0", "off"})
_INT = re.compile(r"[+-]?[0-9]+")


def _match_choice(spec: FieldSpec, raw: str) -> str:
    key = _choice_key(raw)
    for choice in spec.choices:
        if _choice_key(choice) == key:
            return choice
    if spec.type == "grade":
        raise ValueError(f"{spec.label}: {_problem(spec, raw)}")
    raise ValueError(f"{spec.label}: {raw!r} is not one of: {', '.join(spec.choices)}")


def coerce_field(spec: FieldSpec, raw: str) -> FieldValue:
    """Turn the VALUE of a command-line ``NAME=VALUE`` into the stored value of ``spec``.

    Booleans take yes/no/true/false/1/0; a multichoice takes a comma-separated list; choices
    and grades match regardless of case (and ``-`` for ``–``). An empty value means "not filled
    in" (``None``). Raises ``ValueError`` with a message naming the field.
    """
    if not isinstance(raw, str):
        raise TypeError(f"{spec.label}: expected a string, got {type(raw).__name__}")
    text = raw if spec.type == "longtext" else raw.strip()
    if not text.strip():
        return None
    value: FieldValue
    if spec.type == "bool":
        lowered = text.lower()
        if lowered in _TRUE:
            value = True
        elif lowered in _FALSE:
            value = False
        else:
            raise ValueError(f"{spec.label}: {text!r} is not yes or no")
    elif spec.type == "int":
        if not _INT.fullmatch(text):
            raise ValueError(f"{spec.label}: {text!r} is not a whole number")
        value = int(text)
    elif spec.type in ("choice", "grade"):
        value = _match_choice(spec, text)
    elif spec.type == "multichoice":
        picked = {_match_choice(spec, part.strip()) for part in text.split(",") if part.strip()}
        value = [choice for choice in spec.choices if choice in picked]
    else:
        value = text
    if (problem := _problem(spec, value)) is not None:
        raise ValueError(f"{spec.label}: {problem}")
    return value


def format_field(spec: FieldSpec, value: FieldValue) -> str:
    """The command-line spelling of a stored value: the inverse of :func:`coerce_field`."""
    if _is_empty(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(value)
    return str(value)
