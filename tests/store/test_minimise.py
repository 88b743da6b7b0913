"""Minimisation check: names, dates of birth and CHI numbers in free text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.inspection import (
    AMBIGUOUS_FORENAMES,
    FORENAMES,
    MINIMISATION_KINDS,
    SURNAMES,
    MinimisationWarning,
    check_minimisation,
    chi_is_valid,
)


def excerpts(text: str, kind: str | None = None) -> list[str]:
    return [w.excerpt for w in check_minimisation(text) if kind in (None, w.kind)]


def chi_with_check_digit(first9: str) -> str | None:
    """Reference CHI check digit, written out independently of the code under test."""
    total = sum(int(d) * w for d, w in zip(first9, [10, 9, 8, 7, 6, 5, 4, 3, 2], strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return None if check == 10 else first9 + str(check)


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Spoke with Jane about her week.", ["Jane"]),
    ("Jane said she felt safe at school.", ["Jane"]),
    ("The plan was shared with Liam Jackson and his mum.", ["Liam Jackson"]),
    ("Present: Mr Smith, Mrs Jane Brown and Dr. Patel.", ["Mr Smith", "Mrs Jane Brown",
                                                          "Dr. Patel"]),
    ("Ms Nowak agreed to the plan.", ["Ms Nowak"]),
    ("Jane's mum attended the meeting.", ["Jane"]),
    ("Anne-Marie was not at home.", ["Anne-Marie"]),
    ("The Campbell family moved in June.", ["Campbell"]),
    ("We read the file on the Smiths again.", ["Smiths"]),
    ("The letter was signed J. Smith.", ["J. Smith"]),
    ("Attendees: Grace, Social Worker; Tom, Team Manager.", ["Grace", "Tom"]),
    ("Will Smith was not present.", ["Will Smith"]),
    ("The child told us that Grace was kind.", ["Grace"]),
    ("Olivia\nwas seen at home.", ["Olivia"]),
])
def test_names_are_found(text: str, expected: list[str]) -> None:
    assert excerpts(text, "name") == expected


def test_name_warning_shape_and_message() -> None:
    text = "Spoke with Jane about her week."
    [warning] = check_minimisation(text)
    assert warning == MinimisationWarning(
        11, 15, "name", "Jane",
        '"Jane" looks like a person\'s name: record people by designation only.',
    )


@pytest.mark.parametrize("text", [
    "The Social Worker and the Team Manager met the Health Visitor.",
    "The Head Teacher, the Depute Head Teacher and the Family Support Worker attended.",
    "The Named Person at Northshire Primary School raised it with Police Scotland and SCRA.",
    "A Senior Practitioner from the Children's Reporter and a Detective Constable took part.",
    "On Monday in May the Child Protection Committee met in Westshire.",
    "We met on Tuesday 4 March; the next meeting is in April.",
    "St Mary's Primary, Victoria Road and Queen Margaret Hospital were visited.",
    "The young person moved to Fort William last year.",
    "Will they attend the core group? Grace Period rules do not apply here.",
    "## What Will Change",
    "Mark the date in the diary. Hope was expressed that things would improve.",
    "The reviewing officer checked the Care Inspectorate guidance.",
    "Records reader LR2 and inspector AI read sample R-017.",
])
def test_designations_agencies_days_places_and_ordinary_words_are_not_flagged(text: str) -> None:
    assert check_minimisation(text) == []


def test_word_lists_are_consistent() -> None:
    assert len(FORENAMES) >= 250 and len(SURNAMES) >= 100
    assert len(set(FORENAMES)) == len(FORENAMES)
    assert set(AMBIGUOUS_FORENAMES) <= set(FORENAMES)
    months_days = {"January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December", "Monday", "Tuesday",
                   "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
    assert not months_days & set(FORENAMES)


# --- dates of birth ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Child DOB: 12/03/2015, lives with mum.", ["12/03/2015"]),
    ("d.o.b. 1.2.15 per the referral", ["1.2.15"]),
    ("D.O.B 2015-03-12", ["2015-03-12"]),
    ("Date of birth is 14 February 2014.", ["14 February 2014"]),
    ("She was born on the 3rd of March 2015.", ["3rd of March 2015"]),
    ("born in March 2015 in Northshire", ["March 2015"]),
    ("Sibling born in 2016.", ["2016"]),
    ("born March 3, 2015", ["March 3, 2015"]),
    ("12/03/2015 (DOB) recorded on the chronology.", ["12/03/2015"]),
    ("The child, 03/04/2017, aged 8, was seen at home.", ["03/04/2017"]),
    ("birthday: 3 Mar 2016", ["3 Mar 2016"]),
])
def test_dates_of_birth_are_found(text: str, expected: list[str]) -> None:
    assert excerpts(text, "date_of_birth") == expected
    [warning] = [w for w in check_minimisation(text) if w.kind == "date_of_birth"]
    assert warning.message == (
        f'"{expected[0]}" looks like a date of birth: record an age band instead.'
    )


@pytest.mark.parametrize("text", [
    "The IRD was held on 12/03/2024 and the CPPM on 26 March 2024.",
    "Meeting 14/02/2024 with the Team Manager; review due 2024-05-01.",
    "A boy aged 9 described being scared at home.",
    "She was born in Glasgow and moved here as a baby.",
    "DOB recorded on file but not checked.",
    "The date of birth was missing from the health record.",
    "Newborn baby; plan agreed 12/03/2024.",
])
def test_meeting_dates_and_bare_triggers_are_not_flagged(text: str) -> None:
    assert excerpts(text, "date_of_birth") == []


# --- CHI numbers ------------------------------------------------------------------------------


def test_reference_chi_examples() -> None:
    # 0102031231: 0*10+1*9+0*8+2*7+0*6+3*5+1*4+2*3+3*2 = 54; 54 mod 11 = 10; 11-10 = 1
    assert chi_with_check_digit("010203123") == "0102031231"
    assert chi_is_valid("0102031231")
    assert not chi_is_valid("0102031232")
    assert chi_with_check_digit("290200123") == "2902001231"
    assert chi_is_valid("2902001231")  # 29 February 2000
    assert not chi_is_valid("0000000000")  # no such date


@pytest.mark.parametrize("chi", ["0102031231", "010203 1231", "010 203 1231", "01 02 03 1231",
                                 "010203-1231"])
def test_valid_chi_numbers_are_found_in_any_spacing(chi: str) -> None:
    text = f"Child's CHI is {chi}, per the health record."
    [warning] = check_minimisation(text)
    assert (warning.kind, warning.excerpt) == ("chi", chi)
    assert "CHI number" in warning.message


@pytest.mark.parametrize("text", [
    "CHI 0102031232 (wrong check digit)",
    "CHI 3202031234 (day 32)",
    "CHI 0113031234 (month 13)",
    "Call 0141 234 5678 or 07700 900123.",
    "Reference 10102031231 is eleven digits.",
    "Total 1.0102031231 is a decimal.",
])
def test_invalid_or_non_chi_numbers_are_not_flagged(text: str) -> None:
    assert excerpts(text, "chi") == []


@given(st.dates(), st.integers(0, 999))
def test_chi_detection_agrees_with_the_reference_check_digit(day, serial: int) -> None:  # noqa: ANN001
    first9 = day.strftime("%d%m%y") + f"{serial:03d}"
    good = chi_with_check_digit(first9)
    if good is None:
        for digit in "0123456789":
            assert excerpts(f"CHI {first9}{digit} noted", "chi") == []
        return
    assert excerpts(f"CHI {good} noted", "chi") == [good]
    wrong = first9 + str((int(good[-1]) + 1) % 10)
    assert excerpts(f"CHI {wrong} noted", "chi") == []


# --- whole notes ------------------------------------------------------------------------------


FILLER = (
    "The Social Worker described the initial referral discussion held on 14/02/2024 with "
    "Police Scotland and the Health Visitor. Staff told us that the Child Protection Planning "
    "Meeting was well attended. The Team Manager said chronologies were not always updated; "
    "the Named Person in Northshire Primary School raised this in March. A boy aged 9 said he "
    "trusted his Key Worker. On Monday the Depute Head Teacher met the Reporter (SCRA).\n"
)


def test_a_20_kb_note_is_checked_correctly() -> None:
    planted = [
        ("Spoke with Jane about it. ", "name", "Jane"),
        ("DOB: 12/03/2015. ", "date_of_birth", "12/03/2015"),
        ("CHI 0102031231 was on the form. ", "chi", "0102031231"),
        ("Mrs Campbell phoned. ", "name", "Mrs Campbell"),
    ]
    parts: list[str] = []
    expected: list[tuple[int, str, str]] = []
    size = 0
    for i in range(48):
        parts.append(FILLER)
        size += len(FILLER)
        if i % 12 == 5:
            snippet, kind, excerpt = planted[i // 12]
            expected.append((size + snippet.index(excerpt), kind, excerpt))
            parts.append(snippet)
            size += len(snippet)
    text = "".join(parts)
    assert len(text) >= 20_000
    got = [(w.start, w.kind, w.excerpt) for w in check_minimisation(text)]
    assert got == expected


def test_non_text_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        check_minimisation(None)  # type: ignore[arg-type]


WORDS = st.sampled_from([
    "Jane", "Smith", "Mr", "Mrs", "Dr.", "Will", "Grace", "the", "family", "Smiths", "DOB",
    "d.o.b.", "born", "aged", "date of birth", "12/03/2015", "3rd of March 2015", "2015",
    "0102031231", "010203 1231", "J.", "St", "Road", "Social Worker", "Anne-Marie", "Jane's",
    "’s", "'", "-", ".", ",", ":", "\n", " ", "(", "#", "İ", "ß", "\u2028", "0", "1",
])
TEXTS = st.one_of(
    st.text(),
    st.lists(WORDS, max_size=30).map(" ".join),
    st.lists(st.one_of(WORDS, st.text(max_size=3)), max_size=30).map("".join),
)


@given(TEXTS)
def test_never_raises_and_every_excerpt_is_its_slice(text: str) -> None:
    warnings = check_minimisation(text)
    assert warnings == sorted(warnings, key=lambda w: (w.start, w.end))
    for w in warnings:
        assert 0 <= w.start < w.end <= len(text)
        assert text[w.start:w.end] == w.excerpt
        assert w.kind in MINIMISATION_KINDS
        assert w.excerpt in w.message
