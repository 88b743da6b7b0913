"""The note model: templates for every record kind, validation, CLI coercion, evidence tags."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.inspection import (
    EVALUATION_ITEMS,
    KIND_LABELS,
    KIND_SHORT_LABELS,
    KINDS,
    SIX_POINT_SCALE,
    STATEMENT_TAGS,
    STATUS_TAGS,
    TAG_HELP,
    TEMPLATES,
    FieldSpec,
    InvalidTag,
    PassageTag,
    Template,
    UnknownTemplate,
    ValidationIssue,
    coerce_field,
    describe_tag,
    format_field,
    latest_version,
    parse_tags,
    template_for,
    validate_note,
    validate_tag,
)

ITEMS = (
    "initial_response", "chronology", "risk_assessment", "childs_plan", "views_of_child",
    "family_involvement", "multi_agency", "continuity", "legal_measures", "outcomes",
)

EXPECTED_FIELDS: dict[str, tuple[str, ...]] = {
    "record_review": (
        "pseudonym", "agencies", "age_band", "category", "reader", "paired_inspector",
        *(f"{item}_{part}" for item in ITEMS for part in ("grade", "rationale")),
        "moderation", "moderation_notes", "concern_flag",
    ),
    "interview": (
        "participant_type", "agreement_obtained", "attendees", "setting", "views", "key_quotes",
    ),
    "focus_group": (
        "staff_groups", "agencies", "number_attending", "facilitators", "uncertainty_tested",
        "themes",
    ),
    "observation": ("process", "attendees", "observations"),
    "partnership_discussion": ("number", "attendees", "areas_tested", "evidence_asked"),
    "concern": (
        "raised_by", "raised_at", "nature", "immediacy", "linked_note", "child_identifier",
        "decision", "decision_rationale", "decided_at", "partner_lead_contacted", "referral_at",
        "referral_method", "referral_reference", "closed",
    ),
    "good_practice": ("description", "agencies", "statement", "indicator", "sources", "verified"),
    "note": (),
}

EXPECTED_REQUIRED: dict[str, tuple[str, ...]] = {
    "record_review": ("pseudonym",),
    "interview": ("agreement_obtained",),
    "focus_group": (),
    "observation": (),
    "partnership_discussion": ("number",),
    "concern": ("raised_at", "nature", "immediacy"),
    "good_practice": ("description",),
    "note": (),
}

# the smallest valid field set of each kind
MINIMAL: dict[str, dict[str, Any]] = {
    "record_review": {"pseudonym": "R-017"},
    "interview": {"agreement_obtained": False},
    "focus_group": {},
    "observation": {},
    "partnership_discussion": {"number": 2},
    "concern": {"raised_at": "2026-03-14T09:30", "nature": "Disclosure", "immediacy": "immediate"},
    "good_practice": {"description": "Joint chronology in use across agencies"},
    "note": {},
}


def issues_for(kind: str, fields: dict[str, Any], **kw: Any) -> list[ValidationIssue]:
    args: dict[str, Any] = {"title": "A title", "body": "Some text", "tags": ()}
    args.update(kw)
    return validate_note(kind, 1, args["title"], args["body"], fields, args["tags"])


def only_issue(issues: list[ValidationIssue], field: str) -> str:
    assert [i.field for i in issues] == [field], issues
    return issues[0].message


# --- kinds and templates ------------------------------------------------------------------------


def test_kinds_are_the_eight_of_the_design_in_order() -> None:
    assert KINDS == (
        "record_review", "interview", "focus_group", "observation", "partnership_discussion",
        "concern", "good_practice", "note",
    )
    assert KIND_LABELS["interview"] == "Interview / meeting"
    assert KIND_LABELS["concern"] == "Concern form"
    assert KIND_LABELS["note"] == "General note"
    assert [KIND_SHORT_LABELS[k] for k in KINDS] == [
        "review", "interview", "focus", "obs.", "pd", "concern", "good", "note",
    ]
    assert all(len(s) <= 9 for s in KIND_SHORT_LABELS.values())


def test_six_point_scale() -> None:
    assert SIX_POINT_SCALE == (
        "excellent", "very good", "good", "adequate", "weak", "unsatisfactory",
    )


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_has_a_version_1_template_with_its_fields(kind: str) -> None:
    template = template_for(kind)
    assert TEMPLATES[(kind, 1)] is template
    assert (template.kind, template.version) == (kind, 1)
    assert template.label == KIND_LABELS[kind]
    assert template.short_label == KIND_SHORT_LABELS[kind]
    assert template.field_names == EXPECTED_FIELDS[kind]
    assert template.required_fields == EXPECTED_REQUIRED[kind]
    assert template.body_label
    assert "title" not in template.field_names and "body" not in template.field_names


@pytest.mark.parametrize("kind", KINDS)
def test_minimal_note_of_each_kind_is_valid(kind: str) -> None:
    assert issues_for(kind, MINIMAL[kind]) == []


def test_record_review_has_a_grade_and_rationale_per_evaluation_item() -> None:
    template = template_for("record_review")
    assert tuple(item for item, _ in EVALUATION_ITEMS) == ITEMS
    for item, label in EVALUATION_ITEMS:
        grade = template.spec(f"{item}_grade")
        assert grade.type == "grade" and grade.choices == SIX_POINT_SCALE
        assert not grade.required
        assert grade.label == f"{label} grade"
        assert template.spec(f"{item}_rationale").type == "longtext"
    assert template.spec("agencies").choices == (
        "social work", "health", "education", "police", "SCRA",
    )
    assert template.spec("age_band").choices == ("under 1", "1–4", "5–10", "11–15", "16+")
    assert template.spec("moderation").choices == ("not yet moderated", "agreed", "amended")
    assert template.spec("concern_flag").type == "bool"


def test_only_the_concern_form_has_a_sealed_field() -> None:
    assert template_for("concern").sealed_fields == ("child_identifier",)
    assert template_for("concern").spec("child_identifier").type == "sealed"
    for kind in KINDS:
        if kind != "concern":
            assert template_for(kind).sealed_fields == ()


def test_field_types_of_other_kinds() -> None:
    assert template_for("interview").spec("agreement_obtained").type == "bool"
    focus = template_for("focus_group").spec("number_attending")
    assert (focus.type, focus.min_value, focus.max_value) == ("int", 1, 200)
    number = template_for("partnership_discussion").spec("number")
    assert (number.type, number.min_value, number.max_value) == ("int", 1, 3)
    assert template_for("concern").spec("raised_at").type == "datetime"
    assert template_for("concern").spec("immediacy").choices == (
        "immediate", "within 24 hours", "routine",
    )
    assert template_for("concern").spec("referral_method").choices == (
        "phone", "email", "in person",
    )
    assert template_for("good_practice").spec("statement").choices == ("1", "2", "3", "4")
    assert "child protection planning meeting" in template_for("observation").spec(
        "process"
    ).choices


def test_template_lookup_errors_name_what_exists() -> None:
    assert latest_version("concern") == 1
    assert template_for("concern", None) is template_for("concern", 1)
    with pytest.raises(UnknownTemplate, match="record_review, interview") as info:
        template_for("case_file")
    assert isinstance(info.value, ValueError)
    with pytest.raises(UnknownTemplate, match="known versions: 1"):
        template_for("concern", 7)
    with pytest.raises(UnknownTemplate):
        latest_version("case_file")
    with pytest.raises(KeyError, match="pseudonym"):
        template_for("record_review").spec("name")
    assert template_for("record_review").get("name") is None


def test_latest_version_is_the_newest_template_of_each_kind() -> None:
    kinds = {k for k, _ in TEMPLATES}
    for kind in kinds:
        assert latest_version(kind) == max(v for k, v in TEMPLATES if k == kind)
        assert template_for(kind) is TEMPLATES[(kind, latest_version(kind))]
    with pytest.raises(UnknownTemplate, match="the kinds are"):
        latest_version(["not", "a", "kind"])  # type: ignore[arg-type]


def test_field_spec_defaults_and_checks() -> None:
    assert FieldSpec("a", "A", "text").max_length == 200
    assert FieldSpec("a", "A", "sealed").max_length == 200
    assert FieldSpec("a", "A", "longtext").max_length == 100_000
    assert FieldSpec("a", "A", "text", max_length=32).max_length == 32
    assert FieldSpec("g", "G", "grade").choices == SIX_POINT_SCALE
    with pytest.raises(ValueError, match="unknown type"):
        FieldSpec("a", "A", "colour")
    with pytest.raises(ValueError, match="needs choices"):
        FieldSpec("a", "A", "choice")
    with pytest.raises(ValueError, match="commas"):
        FieldSpec("a", "A", "multichoice", choices=("a, b", "c"))
    with pytest.raises(ValueError, match="not allowed"):
        FieldSpec("title", "Title", "text")
    with pytest.raises(ValueError, match="duplicate"):
        Template("x", 1, "X", "x", (FieldSpec("a", "A", "text"), FieldSpec("a", "B", "bool")))


# --- validation -------------------------------------------------------------------------------


def test_bad_grade_message_lists_the_scale() -> None:
    fields = {**MINIMAL["record_review"], "chronology_grade": "meh"}
    assert only_issue(issues_for("record_review", fields), "chronology_grade") == (
        "Chronology grade: 'meh' is not on the six-point scale "
        "(excellent, very good, good, adequate, weak, unsatisfactory)"
    )


def test_every_grade_on_the_scale_is_accepted_and_grades_are_optional() -> None:
    for grade in SIX_POINT_SCALE:
        fields = {**MINIMAL["record_review"], "outcomes_grade": grade}
        assert issues_for("record_review", fields) == []
    assert issues_for("record_review", {**MINIMAL["record_review"], "outcomes_grade": None}) == []
    assert issues_for("record_review", {**MINIMAL["record_review"], "outcomes_grade": ""}) == []


@pytest.mark.parametrize("pseudonym", ["R-017", "R017", "AB-1", "XYZ-9999"])
def test_pseudonyms_in_the_sample_form_are_accepted(pseudonym: str) -> None:
    assert issues_for("record_review", {"pseudonym": pseudonym}) == []


@pytest.mark.parametrize("name", ["Jane Smith", "jane", "Kyle", "R-01234", "r-017", "R 017"])
def test_a_pseudonym_that_is_not_a_sample_code_is_refused(name: str) -> None:
    message = only_issue(issues_for("record_review", {"pseudonym": name}), "pseudonym")
    assert message.startswith("Sample pseudonym: ")
    assert "use a sample pseudonym such as R-017, never a name" in message


def test_missing_required_fields_are_each_named() -> None:
    issues = issues_for("concern", {})
    assert [i.field for i in issues] == ["raised_at", "nature", "immediacy"]
    assert issues[0].message == "Raised at is required"
    # whitespace is not an answer; False is
    assert only_issue(issues_for("concern", {**MINIMAL["concern"], "nature": "  "}), "nature")
    assert issues_for("interview", {"agreement_obtained": False}) == []
    assert only_issue(issues_for("interview", {}), "agreement_obtained")


def test_unknown_field_is_named_with_the_known_ones() -> None:
    message = only_issue(issues_for("observation", {"colour": "red"}), "colour")
    assert "'colour' is not a field of Observation" in message
    assert "process, attendees, observations" in message
    assert only_issue(issues_for("note", {"x": 1}), "x")


def test_length_limits_and_single_line_text() -> None:
    long_line = "x" * 201
    assert "limit is 200" in only_issue(issues_for("interview", {
        **MINIMAL["interview"], "setting": long_line}), "setting")
    assert "single line" in only_issue(issues_for("interview", {
        **MINIMAL["interview"], "setting": "school\noffice"}), "setting")
    ok = {**MINIMAL["interview"], "views": "line one\nline two", "setting": "x" * 200}
    assert issues_for("interview", ok) == []
    too_long = {**MINIMAL["interview"], "views": "y" * 100_001}
    assert "limit is 100,000" in only_issue(issues_for("interview", too_long), "views")


def test_sealed_field_is_validated_like_text() -> None:
    fields = {**MINIMAL["concern"], "child_identifier": "0102031231"}
    assert issues_for("concern", fields) == []
    fields["child_identifier"] = "a\nb"
    assert "single line" in only_issue(issues_for("concern", fields), "child_identifier")
    fields["child_identifier"] = 42
    assert "expected text" in only_issue(issues_for("concern", fields), "child_identifier")


def test_bad_choices() -> None:
    message = only_issue(issues_for("concern", {**MINIMAL["concern"], "immediacy": "soon"}),
                         "immediacy")
    assert message == "Immediacy: 'soon' is not one of: immediate, within 24 hours, routine"
    bad_multi = {"agencies": ["health", "fire service"]}
    assert "'fire service' is not one of" in only_issue(issues_for("focus_group", bad_multi),
                                                        "agencies")
    twice = {"agencies": ["health", "health"]}
    assert "more than once" in only_issue(issues_for("focus_group", twice), "agencies")
    not_a_list = {"agencies": "health"}
    assert "list" in only_issue(issues_for("focus_group", not_a_list), "agencies")
    assert issues_for("focus_group", {"agencies": ["social work", "SCRA"]}) == []


def test_ints_out_of_range_or_of_the_wrong_type() -> None:
    assert only_issue(issues_for("focus_group", {"number_attending": 0}), "number_attending") == (
        "Number attending: 0 is out of range (1–200)"
    )
    assert "out of range" in only_issue(issues_for("partnership_discussion", {"number": 4}),
                                        "number")
    assert "whole number" in only_issue(issues_for("partnership_discussion", {"number": "2"}),
                                        "number")
    assert "whole number" in only_issue(issues_for("partnership_discussion", {"number": True}),
                                        "number")
    assert issues_for("focus_group", {"number_attending": 200}) == []


def test_bools_must_be_bools() -> None:
    assert "yes or no" in only_issue(issues_for("good_practice", {
        **MINIMAL["good_practice"], "verified": "yes"}), "verified")
    assert "yes or no" in only_issue(issues_for("good_practice", {
        **MINIMAL["good_practice"], "verified": 1}), "verified")


@pytest.mark.parametrize("value", ["2026-03-14T09:30", "2026-03-14 09:30:00", "2026-03-14",
                                   "2026-03-14T09:30:00+00:00", "2026-03-14T09:30Z"])
def test_iso_datetimes_are_accepted(value: str) -> None:
    assert issues_for("concern", {**MINIMAL["concern"], "decided_at": value}) == []


@pytest.mark.parametrize("value", ["yesterday", "14/03/2026", "2026-13-01", "09:30"])
def test_bad_datetimes_are_refused(value: str) -> None:
    message = only_issue(issues_for("concern", {**MINIMAL["concern"], "decided_at": value}),
                         "decided_at")
    assert message.startswith("Decided at: ") and "ISO 8601" in message


def test_title_and_body() -> None:
    assert only_issue(issues_for("note", {}, title=""), "title") == "Title is required"
    assert only_issue(issues_for("note", {}, title=None), "title") == "Title is required"
    assert "single line" in only_issue(issues_for("note", {}, title="a\nb"), "title")
    assert "limit is 200" in only_issue(issues_for("note", {}, title="t" * 201), "title")
    assert issues_for("note", {}, title="t" * 200, body="") == []
    assert issues_for("note", {}, body=None) == []
    assert "limit is 200,000" in only_issue(issues_for("note", {}, body="b" * 200_001), "body")
    assert issues_for("note", {}, body="b" * 200_000) == []


def test_bad_tags_and_passages() -> None:
    message = only_issue(issues_for("note", {}, tags=["S1", "S9"]), "tags")
    assert "'S9' is not a known tag" in message
    body = "Staff described long waits."
    good = [PassageTag(0, 5, "S1"), {"start": 6, "end": len(body), "tag": "afd"}, [0, 1, "s2"]]
    assert issues_for("note", {}, body=body, tags=["qi2.1", *good]) == []
    past_end = issues_for("note", {}, body=body, tags=[PassageTag(0, len(body) + 1, "S1")])
    assert "runs past the end" in only_issue(past_end, "tags")
    assert only_issue(issues_for("note", {}, tags=[{"start": 3, "end": 1, "tag": "S1"}]), "tags")
    assert only_issue(issues_for("note", {}, tags=[{"start": 0, "tag": "S1"}]), "tags")


def test_passages_argument_takes_any_start_end_tag_object() -> None:
    class Passage:
        def __init__(self, start: int, end: int, tag: str) -> None:
            self.start, self.end, self.tag = start, end, tag

    body = "0123456789"
    assert validate_note("note", 1, "t", body, {}, ["S1"], [Passage(0, 10, "S1")]) == []
    issues = validate_note("note", 1, "t", body, {}, [], [Passage(0, 11, "S1")])
    assert only_issue(issues, "tags")


def test_unknown_kind_or_version_is_an_issue_not_an_exception() -> None:
    assert only_issue(validate_note("case_file", 1, "t", "", {}, ()), "kind")
    assert "no template version 9" in only_issue(
        validate_note("concern", 9, "t", "", {}, ()), "template")


def test_every_problem_is_reported_at_once() -> None:
    fields = {
        "pseudonym": "Jane", "chronology_grade": "meh", "age_band": "teen", "colour": "red",
        "concern_flag": "no", "agencies": ["fire"],
    }
    issues = validate_note("record_review", 1, "", "", fields, ["nope"])
    assert sorted(i.field for i in issues) == sorted([
        "title", "colour", "pseudonym", "chronology_grade", "age_band", "concern_flag",
        "agencies", "tags",
    ])
    assert all(i.message for i in issues)


# --- coerce_field ---------------------------------------------------------------------------


def spec(kind: str, name: str) -> FieldSpec:
    return template_for(kind).spec(name)


@pytest.mark.parametrize(("raw", "value"), [
    ("yes", True), ("Yes", True), ("true", True), ("1", True), (" no ", False), ("false", False),
    ("0", False), ("NO", False),
])
def test_coerce_bool(raw: str, value: bool) -> None:
    assert coerce_field(spec("interview", "agreement_obtained"), raw) is value


def test_coerce_values_of_each_type() -> None:
    assert coerce_field(spec("focus_group", "number_attending"), " 12 ") == 12
    assert coerce_field(spec("focus_group", "agencies"), "SCRA, health,social work") == [
        "social work", "health", "SCRA",
    ]
    assert coerce_field(spec("record_review", "age_band"), "1-4") == "1–4"
    assert coerce_field(spec("record_review", "chronology_grade"), "Very  Good") == "very good"
    assert coerce_field(spec("concern", "immediacy"), "Within 24 Hours") == "within 24 hours"
    assert coerce_field(spec("concern", "raised_at"), "2026-03-14T09:30") == "2026-03-14T09:30"
    assert coerce_field(spec("interview", "setting"), "  school office ") == "school office"
    assert coerce_field(spec("interview", "views"), "a\nb\n") == "a\nb\n"
    assert coerce_field(spec("interview", "setting"), "   ") is None
    assert coerce_field(spec("focus_group", "number_attending"), "") is None


@pytest.mark.parametrize(("kind", "name", "raw", "fragment"), [
    ("interview", "agreement_obtained", "maybe", "Agreement obtained: 'maybe' is not yes or no"),
    ("focus_group", "number_attending", "twelve", "Number attending: 'twelve' is not a whole"),
    ("focus_group", "number_attending", "1_000", "is not a whole number"),
    ("focus_group", "number_attending", "201", "Number attending: 201 is out of range (1–200)"),
    ("record_review", "chronology_grade", "meh", "Chronology grade: 'meh' is not on the six"),
    ("concern", "immediacy", "soon", "Immediacy: 'soon' is not one of: immediate"),
    ("focus_group", "agencies", "health, fire", "Agencies: 'fire' is not one of"),
    ("concern", "raised_at", "tomorrow", "Raised at: 'tomorrow' is not an ISO 8601"),
    ("record_review", "pseudonym", "Jane", "never a name"),
    ("interview", "setting", "x" * 201, "limit is 200"),
])
def test_coerce_errors_name_the_field(kind: str, name: str, raw: str, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        coerce_field(spec(kind, name), raw)
    assert fragment in str(info.value)


def _value_strategy(field: FieldSpec) -> st.SearchStrategy[Any]:
    line = st.text(
        st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40
    ).map(str.strip).filter(bool)
    if field.type in ("choice", "grade"):
        return st.sampled_from(field.choices)
    if field.type == "multichoice":
        return st.sets(st.sampled_from(field.choices), min_size=1).map(
            lambda picked: [c for c in field.choices if c in picked])
    if field.type == "int":
        return st.integers(field.min_value or -1000, field.max_value or 1000)
    if field.type == "bool":
        return st.booleans()
    if field.type == "datetime":
        return st.datetimes().map(lambda d: d.isoformat(timespec="minutes"))
    if field.type == "longtext":
        return st.text(min_size=1, max_size=80).filter(lambda s: s.strip() != "")
    if field.pattern:
        return st.from_regex(r"\A[A-Z]{1,3}-?[0-9]{1,4}\Z")
    return line


ALL_SPECS = [f for t in TEMPLATES.values() for f in t.fields]


@given(st.data())
def test_coerce_field_round_trips_format_field(data: st.DataObject) -> None:
    field = data.draw(st.sampled_from(ALL_SPECS))
    value = data.draw(_value_strategy(field))
    assert coerce_field(field, format_field(field, value)) == value


def test_format_field_spellings() -> None:
    assert format_field(spec("interview", "agreement_obtained"), True) == "yes"
    assert format_field(spec("interview", "agreement_obtained"), False) == "no"
    assert format_field(spec("focus_group", "agencies"), ["health", "SCRA"]) == "health, SCRA"
    assert format_field(spec("focus_group", "number_attending"), 7) == "7"
    assert format_field(spec("focus_group", "number_attending"), None) == ""


# --- tags -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "tag"), [
    ("s1", "S1"), ("S4", "S4"), (" s2 ", "S2"), ("qi2.1", "QI2.1"), ("QI9.9", "QI9.9"),
    ("Qi1.1", "QI1.1"), ("status:NSC", "status:nsc"), ("Status:Uncertainty", "status:uncertainty"),
    ("status:concern", "status:concern"), ("Strength", "strength"), ("AFD", "afd"),
    ("covid", "covid"), ("Covid-19", "covid"), ("#Transitions", "#transitions"),
    ("#early_help-2", "#early_help-2"), ("#" + "a" * 32, "#" + "a" * 32),
])
def test_tags_are_normalised(raw: str, tag: str) -> None:
    assert validate_tag(raw) == tag


@pytest.mark.parametrize("raw", [
    "", "  ", "S0", "S5", "S12", "QI0.1", "QI2.0", "QI10.1", "QI2", "QI2.1.1", "status:fine",
    "status", "#", "#two words", "#" + "a" * 33, "#ümlaut", "weakness", "qi 2.1",
])
def test_bad_tags_are_refused(raw: str) -> None:
    with pytest.raises(InvalidTag) as info:
        validate_tag(raw)
    assert isinstance(info.value, ValueError)
    assert str(info.value)


def test_describe_tag() -> None:
    assert describe_tag("s1") == "Statement 1"
    assert describe_tag("QI2.1") == "Quality indicator 2.1"
    assert describe_tag("status:nsc") == "Evidence status: no significant concern"
    assert describe_tag("status:uncertainty") == "Evidence status: uncertainty"
    assert describe_tag("status:concern") == "Evidence status: concern"
    assert describe_tag("strength") == "Strength"
    assert describe_tag("afd") == "Area for development"
    assert describe_tag("covid") == "Covid-19 impact"
    assert describe_tag("#transitions") == "Code: transitions"
    for tag in (*STATEMENT_TAGS, *STATUS_TAGS):
        assert describe_tag(tag)
    assert "status:uncertainty" in TAG_HELP and "QI2.1" in TAG_HELP


def test_parse_tags_splits_normalises_dedupes_and_reports_every_bad_tag() -> None:
    assert parse_tags("S1, qi2.1 s1;#Code") == ["S1", "QI2.1", "#code"]
    assert parse_tags(["S1,S2", "s2", "afd"]) == ["S1", "S2", "afd"]
    assert parse_tags([]) == []
    with pytest.raises(InvalidTag) as info:
        parse_tags(["S1", "S7", "status:maybe"])
    assert "'S7'" in str(info.value) and "'status:maybe'" in str(info.value)


TAG_PIECES = st.one_of(
    st.sampled_from(["s", "S", "qi", "QI", "Qi", "status:", "STATUS:", "#", "strength", "afd",
                     "covid", "covid-19", ".", "-", "_", " ", "nsc", "uncertainty", "concern"]),
    st.text("0123456789", min_size=1, max_size=2),
    st.text("abcxyzABCXYZ_-", min_size=1, max_size=5),
)
TAG_LIKE = st.one_of(st.lists(TAG_PIECES, min_size=1, max_size=4).map("".join), st.text())


@given(TAG_LIKE)
def test_validate_tag_is_idempotent_on_its_output(raw: str) -> None:
    try:
        tag = validate_tag(raw)
    except InvalidTag:
        return
    assert validate_tag(tag) == tag
    assert tag == tag.strip() and describe_tag(tag)


def test_passage_tag() -> None:
    passage = PassageTag(3, 9, "qi2.1")
    assert passage.tag == "QI2.1"
    passage.check_within(9)
    with pytest.raises(InvalidTag, match="past the end"):
        passage.check_within(8)
    assert PassageTag.from_dict(passage.to_dict()) == passage
    for start, end in ((5, 5), (5, 4), (-1, 3)):
        with pytest.raises(InvalidTag):
            PassageTag(start, end, "S1")
    with pytest.raises(InvalidTag):
        PassageTag(0, True, "S1")  # type: ignore[arg-type]
    with pytest.raises(InvalidTag):
        PassageTag(0, 3, "S9")
