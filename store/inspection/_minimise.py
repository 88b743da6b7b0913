"""Minimisation check: warn when free text looks like it holds a name, a date of birth or a CHI.

Children and families are never named in notes and staff are recorded by designation only
(DESIGN §2). :func:`check_minimisation` runs on every autosave, so it is a handful of
regular expressions (compiled once, on the first call) and set look-ups: well under 2 ms for
a 20 KB note. It warns; it never blocks a save, and it errs towards silence on ordinary text
(designations, agencies, meeting dates, places) rather than crying wolf.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ._names import AMBIGUOUS_FORENAMES, FORENAMES, SURNAMES

__all__ = ["MINIMISATION_KINDS", "MinimisationWarning", "check_minimisation", "chi_is_valid"]

MINIMISATION_KINDS: tuple[str, ...] = ("name", "date_of_birth", "chi")


@dataclass(frozen=True, slots=True)
class MinimisationWarning:
    """Something in ``text[start:end]`` (== ``excerpt``) that looks identifying.

    ``kind`` is ``"name"``, ``"date_of_birth"`` or ``"chi"``; ``message`` is for the author.
    """

    start: int
    end: int
    kind: str
    excerpt: str
    message: str


def check_minimisation(text: str) -> list[MinimisationWarning]:
    """Every passage of ``text`` that looks like a name, a date of birth or a CHI number."""
    if not isinstance(text, str):
        raise TypeError(f"check_minimisation needs text, not {type(text).__name__}")
    patterns = _patterns()  # compiled on first use: ~25 ms, kept off import
    found: list[tuple[int, int, str]] = []
    _find_chi(text, found)
    _find_dates_of_birth(text, found, patterns)
    _find_names(text, found, patterns)
    found.sort()
    return [
        MinimisationWarning(s, e, kind, text[s:e], _MESSAGES[kind].format(text[s:e]))
        for s, e, kind in found
    ]


_MESSAGES = {
    "name": '"{}" looks like a person\'s name: record people by designation only.',
    "date_of_birth": '"{}" looks like a date of birth: record an age band instead.',
    "chi": '"{}" looks like a CHI number: a child\'s identifier belongs only in the sealed '
    "child identifier of a concern form.",
}

# --- CHI numbers ----------------------------------------------------------------------------

# (a leading look-behind would make the scan several times slower: it is checked by hand)
_CHI = re.compile(
    r"\d\d(?:\d{8}|\d{4}[ -]\d{4}|\d[ -]\d{3}[ -]\d{4}|[ -]\d\d[ -]\d\d[ -]\d{4})(?!\d|[.,]\d)",
    re.ASCII,
)
_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_CHI_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def _valid_ddmmyy(day: int, month: int, yy: int) -> bool:
    if not 1 <= month <= 12 or day < 1 or day > _DAYS_IN_MONTH[month]:
        return False
    return not (month == 2 and day == 29 and yy % 4)  # 00 is a leap year (2000)


def chi_is_valid(digits: str) -> bool:
    """True if 10 digits are a DDMMYY date and carry a correct CHI modulus-11 check digit."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    if not _valid_ddmmyy(int(digits[0:2]), int(digits[2:4]), int(digits[4:6])):
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits, _CHI_WEIGHTS, strict=False)) % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _find_chi(text: str, found: list[tuple[int, int, str]]) -> None:
    for m in _CHI.finditer(text):
        start = m.start()
        if start and text[start - 1] in "0123456789.,":
            continue
        if chi_is_valid(m.group().replace(" ", "").replace("-", "")):
            found.append((m.start(), m.end(), "chi"))


# --- dates of birth ---------------------------------------------------------------------------

_SP = r"[^\S\r\n]+"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![a-z])"
)
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
_NUMERIC_DATE = r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d\d)"
_DATE = (
    rf"(?:{_YEAR}-[01]?\d-[0-3]?\d|{_NUMERIC_DATE}|{_DAY}(?:{_SP}of)?{_SP}{_MONTH},?{_SP}{_YEAR}"
    rf"|{_MONTH}{_SP}{_DAY},?{_SP}{_YEAR}|{_MONTH},?{_SP}{_YEAR})(?![\w/])"
)
# what may stand between "DOB"/"born" and the date: "DOB: ", "born on the ", "date of birth is "
_GAP = r"[^\S\r\n]*(?:[:=(,\-–—][^\S\r\n]*)?(?:(?:on|in|is|was|of|the)[^\S\r\n]+)*"
# triggers are found with bytes.find on an ASCII-lowered copy (one byte per character, so
# offsets agree with the text), then confirmed with this expression at that offset
_TRIGGER_WORDS = (b"d.o.b", b"dob", b"born", b"aged", b"birth")
_TRIGGER = re.compile(
    r"(?i:d\.o\.b\b\.?|dob\b|born\b|aged\b|birth[^\S\r\n]*date\b|birthday\b|birth\b)"
)
_DATE_OF = re.compile(r"(?i:date[^\S\r\n]+of[^\S\r\n]+)$")
_DIGIT = re.compile(r"\d")
_DATE_AFTER = rf"{_GAP}({_DATE})"
_DATE_OR_YEAR_AFTER = rf"{_GAP}({_DATE}|{_YEAR}(?![\w/]))"
_DATE_BEFORE = rf"(?<![\w/.-])({_DATE})[^\S\r\n]*(?:[,;:(\-–—][^\S\r\n]*)?$"
_NUMERIC = re.compile(_NUMERIC_DATE)
_ISO = re.compile(r"\d{4}-(\d{1,2})-(\d{1,2})")
_WINDOW = 48  # characters searched for a date before or after a trigger
_GAP_BEFORE_CHARS = frozenset(" \t\u00a0,;:(-–—")


def _plausible(date: str) -> bool:
    if m := _NUMERIC.fullmatch(date):
        a, b = int(m.group(1)), int(m.group(2))
        return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= b <= 31 and 1 <= a <= 12)
    if m := _ISO.fullmatch(date):
        return 1 <= int(m.group(1)) <= 12 and 1 <= int(m.group(2)) <= 31
    return True


def _triggers(text: str) -> list[tuple[int, int, bytes]]:
    """(start, end, word) of every "DOB", "d.o.b.", "date of birth", "born", "aged", ..."""
    lowered = text.encode("ascii", "replace").lower()
    hits: list[tuple[int, int, bytes]] = []
    for word in _TRIGGER_WORDS:
        pos = lowered.find(word)
        while pos >= 0:
            if not pos or not (text[pos - 1].isalnum() or text[pos - 1] in "_."):
                m = _TRIGGER.match(text, pos)
                if m is not None:
                    start = pos
                    if word == b"birth" and m.end() - pos == 5:  # bare "birth"
                        date_of = _DATE_OF.search(text, max(0, pos - 16), pos)
                        if date_of is None:
                            pos = lowered.find(word, pos + 1)
                            continue
                        start = date_of.start()
                    hits.append((start, m.end(), word))
            pos = lowered.find(word, pos + 1)
    return hits


def _find_dates_of_birth(
    text: str, found: list[tuple[int, int, str]], patterns: _Patterns
) -> None:
    seen: set[int] = set()
    for start, end, word in _triggers(text):
        after = None
        if word != b"aged" and _DIGIT.search(text, end, end + _WINDOW):  # "aged 8" is no date
            after_pattern = patterns.date_or_year_after if word == b"born" else patterns.date_after
            after = after_pattern.match(text, end)
        before = None
        i = start - 1
        while i >= 0 and text[i] in _GAP_BEFORE_CHARS:
            i -= 1
        if i >= 0 and text[i] in "0123456789":  # every date form ends in a digit
            before = patterns.date_before.search(text, max(0, start - _WINDOW), start)
        for m in (after, before):
            if m is not None and m.start(1) not in seen and _plausible(m.group(1)):
                seen.add(m.start(1))
                found.append((m.start(1), m.end(1), "date_of_birth"))


# --- names ------------------------------------------------------------------------------------

_FORENAMES = frozenset(FORENAMES)
_AMBIGUOUS = frozenset(AMBIGUOUS_FORENAMES)
_SURNAMES = frozenset(SURNAMES)
_TITLES = frozenset({"Mr", "Mrs", "Ms", "Miss", "Mx", "Dr"})

# Capitalised words that are never part of a person's name here: function words, designations,
# agencies, processes, days, months and places. A forename is still flagged on its own; these
# only stop a following word being read as its surname (and a title being read as a name).
_NOT_NAMES = frozenset(
    """
    A An The This That These Those It Its He She They We I You His Her Their Our My Your In On
    At For With From By To Of And But Or Nor If When Where While What Which Who Why How Not No
    Yes All Some Any Each Every Both Also Then There Here As After Before During Since Until
    Because Although However So Is Was Were Are Be Has Have Had Did Do Does Said Says Told Asked
    Reported Attended Noted Met Saw Agreed Felt Explained Described Spoke Has Per Via Re Cc
    Social Work Worker Workers Team Teams Manager Managers Leader Lead Leads Health Visitor
    Visitors Head Teacher Teachers Depute Deputy Principal Senior Practitioner Practitioners
    Nurse Nurses Midwife Doctor GP Police Officer Officers Constable Sergeant Inspector
    Inspectors Detective Reporter Children Children's Child Young People Person Panel Hearing
    Hearings Service Services Council Partnership Chief Director Coordinator Co-ordinator Support
    Family Families Assistant Pupil Guidance Nursery Education Psychologist Psychiatrist
    Consultant Paediatrician Named Key Advocate Advocacy Reviewing Independent Chair Care Foster
    Carer Carers Kinship Residential Administrator Clerk Sheriff Procurator Fiscal Protection
    Committee Public Mental Adult Adults Justice Criminal Housing Third Sector Voluntary Agency
    Agencies Board Specialist Liaison Duty Intake Early Years Youth Quality Assurance
    Improvement Strategic Operational Planning Meeting Review Conference Case Core Group Initial
    Referral Discussion Risk Assessment Plan Chronology Statement Indicator Evidence Record
    Records Reader Inspection Associate Assessor Volunteer Local Paired Parent Parents Mother
    Father Mum Dad Gran Grandmother Grandfather Sibling Siblings Brother Sister Baby Boy Girl
    Scottish Scotland SCRA NHS HIS HMICS Inspectorate Barnardo's Aberlour Quarriers Action Cares
    Women's Aid Crisis Includem CAMHS IRD CPO CSO Covid Christmas Easter Phase Week Day Note
    Notes Concern Concerns Good Strength Area Areas Development OK
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Tues Wed Thu Thur Thurs Fri
    Sat Sun January February March April May June July August September October November
    December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    Northshire Westshire England Wales Ireland Britain UK Glasgow Edinburgh Aberdeen Dundee
    Inverness Perth Stirling Hamilton Paisley Livingston Falkirk Kilmarnock Ayr Irvine Dumfries
    Fife Lothian Lanarkshire Ayrshire Highland Highlands Borders Moray Shetland Orkney North
    South East West Central
    """.split()
)
# a forename right before one of these is a place or an organisation ("Victoria Road")
_INSTITUTIONS = frozenset(
    """
    Primary High Academy School College University Hospital Infirmary Centre Center Nursery
    House Court Street Road Avenue Drive Lane Park Square Place Crescent Terrace Gardens Way
    Unit Ward Lodge Church Trust Foundation Project Clinic Practice Surgery Medical Bridge
    Station Library Institute Memorial Hospice Quay Wing
    """.split()
)

_WORD = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"


def _alternation(words: set[str]) -> str:
    """A regex alternation of ``words`` as a trie (``J(?:a(?:ne|ck)|...)``): sre tries branches
    in order, so a flat alternation of 500 words would be tried word by word at every capital."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def render(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + render(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return render(trie)




@dataclass(frozen=True, slots=True)
class _Patterns:
    candidate: re.Pattern[str]
    date_after: re.Pattern[str]
    date_or_year_after: re.Pattern[str]
    date_before: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    words = {*_FORENAMES, *_SURNAMES, *(s + "s" for s in _SURNAMES), *_TITLES}
    words |= {w.replace("'", "’") for w in words}
    # a listed word (optionally hyphenated on, optionally possessive) ending at a word boundary;
    # the look-behind is checked by hand, as a leading one would slow the scan several times over
    candidate = rf"(?:{_alternation(words)})(?:-[^\W\d_]+)*(?:['’][sS])?(?!\w)"
    return _Patterns(
        candidate=re.compile(candidate),
        date_after=re.compile(_DATE_AFTER, re.IGNORECASE),
        date_or_year_after=re.compile(_DATE_OR_YEAR_AFTER, re.IGNORECASE),
        date_before=re.compile(_DATE_BEFORE, re.IGNORECASE),
    )

_NEXT_WORD = re.compile(rf"[^\S\r\n]{{1,3}}({_WORD})")
_AFTER_TITLE = re.compile(rf"\.?[^\S\r\n]{{1,3}}({_WORD})")
_PLACE_BEFORE = re.compile(
    r"(?<!\w)(?:St|Saint|Queen|King|Prince|Princess|Fort|Port|Mount|Glen|Loch)\.?[^\S\r\n]{1,3}$"
)
_INITIAL_BEFORE = re.compile(r"(?<![\w.'’])(?:[A-Z]\.|[B-HJ-Z])[^\S\r\n]{1,2}$")
_THE_BEFORE = re.compile(r"(?<!\w)[Tt]he[^\S\r\n]{1,3}$")
_FAMILY_AFTER = re.compile(
    r"[^\S\r\n]{1,3}(?:family|families|household|children|siblings|twins|parents|brothers"
    r"|sisters|boys|girls|case)\b"
)
_OPENERS = frozenset(" \t\u00a0\"'“‘([{*_#>•·-–—")
_SENTENCE_END = frozenset(".!?…")


def _base(word: str) -> str:
    """The word without a possessive ending: ``Jane's`` → ``Jane``."""
    if len(word) > 2 and word[-1] in "sS" and word[-2] in "'’":
        return word[:-2]
    return word


def _name_part(word: str) -> bool:
    """Could ``word`` be the next part of a name (a surname, a middle name)?"""
    if not word[0].isupper() or word in _NOT_NAMES or word in _INSTITUTIONS:
        return False
    if word in _FORENAMES or word in _SURNAMES:
        return True
    return len(word) > 1 and not word.isupper() and not word.lower().endswith("shire")


def _extend(text: str, end: int, limit: int = 2) -> int:
    """Extend a name ending at ``end`` over up to ``limit`` following name-like words."""
    for _ in range(limit):
        m = _NEXT_WORD.match(text, end)
        if m is None:
            break
        word = m.group(1)
        base = _base(word)
        if not _name_part(base):
            break
        end = m.start(1) + len(base)
        if base is not word:  # a possessive ends the name
            break
    return end


def _at_sentence_start(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0:
        ch = text[i]
        if ch == "\n" or ch == "\r":
            return True
        if ch not in _OPENERS:
            return ch in _SENTENCE_END
        i -= 1
    return True


def _follows_capitalised_word(text: str, pos: int) -> bool:
    """True in title-case runs ("What Will Change"), where capitals say nothing about names."""
    i = pos - 1
    while i >= 0 and text[i] in " \t\u00a0":
        i -= 1
    if i < 0 or not text[i].isalpha():
        return False
    while i > 0 and (text[i - 1].isalpha() or text[i - 1] in "'’-"):
        i -= 1
    return text[i].isupper()


def _forename_span(text: str, start: int, word: str, base: str) -> int | None:
    """End of the name starting with forename ``base`` at ``start``, or None if not a name."""
    if start and _PLACE_BEFORE.search(text, max(0, start - 12), start):
        return None  # St Mary's, Queen Margaret, Fort William
    end = start + len(base)
    nxt = _NEXT_WORD.match(text, end) if base is word else None
    if nxt is not None and _base(nxt.group(1)) in _INSTITUTIONS:
        return None  # Victoria Road, James Street
    extended = _extend(text, end) if base is word else end
    ambiguous = all(p in _AMBIGUOUS or p not in _FORENAMES for p in base.split("-"))
    if not ambiguous:
        return extended
    if not (_at_sentence_start(text, start) or _follows_capitalised_word(text, start)):
        return extended  # "spoke to Grace", "with Will Smith"
    # "Will they ...", "Grace Period", "What Will Change": a name only before a known surname
    if nxt is not None and extended > end and _base(nxt.group(1)) in _SURNAMES:
        return extended
    return None


def _surname_span(text: str, start: int, word: str, base: str) -> tuple[int, int] | None:
    """A surname seen without a forename: flagged after an initial or before "family"."""
    lo = max(0, start - 4)
    if base in _SURNAMES:
        end = start + len(base)
        if m := _INITIAL_BEFORE.search(text, lo, start):
            return m.start(), end
        if _FAMILY_AFTER.match(text, start + len(word)):
            return start, end
    elif base[-1] == "s" and base[:-1] in _SURNAMES and _THE_BEFORE.search(text, lo, start):
        return start, start + len(base)  # "the Smiths"
    return None


def _find_names(text: str, found: list[tuple[int, int, str]], patterns: _Patterns) -> None:
    consumed = 0
    for m in patterns.candidate.finditer(text):
        start = m.start()
        if start < consumed or (start and (text[start - 1].isalnum() or text[start - 1] in "_'’-")):
            continue
        word = m.group()
        base = _base(word)
        if base in _TITLES:
            after = _AFTER_TITLE.match(text, m.end())
            if after is None:
                continue
            following = after.group(1)
            name = _base(following)
            if not name[0].isupper() or (name in _NOT_NAMES and name not in _SURNAMES):
                continue
            end = after.start(1) + len(name)
            if name is following:
                end = _extend(text, end)
            found.append((start, end, "name"))
            consumed = end
            continue
        if base in _FORENAMES or ("-" in base and any(p in _FORENAMES for p in base.split("-"))):
            end_or_none = _forename_span(text, start, word, base)
            if end_or_none is not None:
                found.append((start, end_or_none, "name"))
                consumed = end_or_none
            continue
        span = _surname_span(text, start, word, base)
        if span is not None:
            found.append((span[0], span[1], "name"))
            consumed = span[1]
