"""The note list as columns, and the notes an unlock placed from the list cache before they
are made into ``Note`` objects.

A cold ``fieldpad note list`` at 50,000 notes spent most of its time making 50,000 notes and
then reading the same few attributes back out of each. An unlock now places the cached heads
as column indices (``Placed``): which cache row each shown note is, and who signed its head
record. The list's columns come straight from the cache's columns (``Placed.listing``); the
notes are made only when something asks for them (``Session.notes``), in one pass. Both
read the same rows, so what is listed is what the notes would say (tested:
tests/store/test_listing.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import eq, ne, not_
from typing import Any, TypeVar

from ._headcache import COLUMNS, Cached, Row, kept_of, passages_of
from ._model import DELETED, Note

T = TypeVar("T")

_ID, _REV, _PARENTS, _HLC, _KIND, _TEMPLATE, _TITLE, _FIELDS, _TAGS, _PASSAGES, _STATE, \
    _AUTHOR, _KEPT = range(len(COLUMNS))  # the columns' indices


def pick(values: Sequence[T], at: Sequence[int]) -> list[T]:
    """``values`` at each index of ``at``, in that order (one C-level pass)."""
    return list(map(values.__getitem__, at))


@dataclass(slots=True)
class Listing:
    """The note list's columns, one value per listed note, newest change first: what
    ``fieldpad note list`` prints (and nothing it does not)."""

    note_id: list[str] = field(default_factory=list)
    inspection_id: list[bytes] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    state: list[str] = field(default_factory=list)
    author: list[str] = field(default_factory=list)
    hlc: list[str] = field(default_factory=list)
    tags: list[tuple[str, ...]] = field(default_factory=list)
    rev: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.note_id)

    @classmethod
    def of(cls, notes: Sequence[Note]) -> Listing:
        """The columns of ``notes``, in their order."""
        return cls([n.note_id for n in notes], [n.inspection_id for n in notes],
                   [n.kind for n in notes], [n.title for n in notes], [n.state for n in notes],
                   [n.author for n in notes], [n.hlc for n in notes], [n.tags for n in notes],
                   [n.rev for n in notes])


@dataclass(slots=True)
class Placed:
    """The heads an unlock placed from the list cache, not yet made into notes: for each shown
    note, in the order unlock placed it, its row in the cache (``at``), the note id its head
    is kept under, and its head record's collection, inspection, signer, signer's name and
    pushed state. Where a note has two heads, the session makes the notes at once (they are
    merged at unlock, which needs the notes themselves)."""

    cached: Cached
    at: list[int]
    keys: list[str]
    collections: list[bytes]
    inspections: list[bytes]
    signers: list[bytes]
    authors: list[str]
    pushed: list[bool]
    #: signers' names by (collection, device), as the unlock named them
    names: dict[tuple[bytes, bytes], str]
    #: each well-formed cache row by record hash (``Cached.index``)
    index: dict[str, int]
    #: the cache's notes already made, row by row, while unlock waited (``made_by_row``)
    made: list[Note] | None = None
    #: every row of the cache placed, once each (``whole``)
    _whole: bool = field(init=False)

    def __post_init__(self) -> None:
        # a row placed twice (one record the head of two notes: a damaged heads table) is
        # no whole placement, however the counts fall out
        self._whole = len(self.at) == len(self.cached.hashes) == len(set(self.at))

    def __len__(self) -> int:
        return len(self.at)

    def column(self, index: int) -> list[Any]:
        """One of the cache's columns (``COLUMNS``) for the placed notes, in their order."""
        return pick(self.cached.columns[index], self.at)

    def whole(self) -> bool:
        """Whether every row of the cache was placed, once: the usual case."""
        return self._whole

    def order(self) -> list[int]:
        """Where unlock placed each row of the cache (``whole`` only): ``at`` inverted."""
        order = [0] * len(self.at)
        for k, i in enumerate(self.at):
            order[i] = k
        return order

    def latest(self) -> str | None:
        """The newest change among the placed notes (their HLCs)."""
        hlcs = self.cached.columns[_HLC]
        if self.cached.newest_first:  # the cache's first row among them is the newest
            return hlcs[min(self.at)] if self.at else None
        return max(map(hlcs.__getitem__, self.at), default=None)

    def payloads(self) -> dict[str, Row]:
        """Each placed head's row as the session keeps it, by record hash."""
        columns, hashes = self.cached.columns, self.cached.hashes
        if self.whole():  # the cache's rows as they are
            return dict(zip(hashes, zip(*columns, strict=True), strict=True))
        rows = zip(*(pick(c, self.at) for c in columns), strict=True)
        return dict(zip(pick(hashes, self.at), rows, strict=True))

    def row(self, key: str) -> Row | None:
        """The row of the record hashed ``key`` (``whole`` only: every row was placed)."""
        i = self.index.get(key)
        return None if i is None else tuple(c[i] for c in self.cached.columns)

    def notes(self, name_of: Callable[[bytes, bytes], str]) -> tuple[list[Note], list[Note]]:
        """The placed notes, made in one pass (bodies not loaded), in placement order; and
        those among them whose first signer the cache does not name (for the session to
        look up). ``name_of`` names a signer of a collection. Made in the cache's order when
        every row was placed (its columns read in order, the head records' values put in
        that order: at 50,000 notes a third of the time of reading the columns in placement
        order), then put in placement order; where unlock made them already (``made``), only
        the head records' values are filled in."""
        whole = self.whole()
        if whole:
            order = self.order()
            columns = self.cached.columns

            def mine(values: list[T]) -> list[T]:
                return pick(values, order)
        else:
            columns = [self.column(i) for i in range(len(COLUMNS))]

            def mine(values: list[T]) -> list[T]:
                return values
        ids = columns[_ID]
        collections = mine(self.collections)
        firsts = list(map(self.cached.firsts.get, ids, repeat(b"")))  # b"": not named
        pairs = list(zip(collections, firsts, strict=True))
        first_names = {pair: name_of(*pair) if pair[1] else "" for pair in set(pairs)}
        first_authors = map(first_names.__getitem__, pairs)
        if whole and self.made is not None:
            notes = self.made
            for note, *values in zip(notes, mine(self.inspections), collections,
                                     mine(self.authors), mine(self.pushed), mine(self.signers),
                                     firsts, first_authors, strict=True):
                (note.inspection_id, note.collection_id, note.author, note.pushed, note.signer,
                 note.first_signer, note.first_author) = values
        else:
            notes = _made(columns, mine(self.inspections), collections, mine(self.authors),
                          mine(self.pushed), mine(self.signers), firsts, first_authors)
        unnamed = list(compress(notes, map(not_, firsts)))
        return (pick(notes, self.at) if whole else notes), unnamed

    def listing(self, inspection_id: bytes | None = None, kind: str | None = None,
                include_deleted: bool = False) -> Listing:
        """What ``Session.list_notes`` would list, as columns, without making the notes: the
        same filters, and the same order (newest change first; placement order among equal
        changes, as the stable sort of the notes in placement order gives)."""
        columns, at = self.cached.columns, self.at
        if self.cached.newest_first and self.whole():
            # every row of the cache placed once, and the cache written newest change first,
            # no two alike: the list is the cache's columns as they are (read in any other
            # order, picking 50,000 rows was most of the list's time)
            order = self.order()
            rows: Sequence[int] = range(len(at))
        else:
            if self.cached.newest_first:  # its order is the list's still
                order = sorted(range(len(at)), key=at.__getitem__)
            else:
                hlcs = pick(columns[_HLC], at)
                order = sorted(range(len(at)), key=hlcs.__getitem__, reverse=True)
            rows = pick(at, order)  # each listed note's row in the cache
        whole = isinstance(rows, range)
        shown: list[bool] | None = None

        def column(index: int) -> list[Any]:
            """The listed notes' values of one of the cache's columns."""
            if whole:
                values = columns[index]
                return list(values) if shown is None else list(compress(values, shown))
            return pick(columns[index], rows)

        states = column(_STATE)
        tests: list[list[bool]] = []
        if not include_deleted:
            tests.append(list(map(ne, states, repeat(DELETED))))
        if inspection_id is not None:
            tests.append(list(map(eq, pick(self.inspections, order), repeat(inspection_id))))
        if kind is not None:
            tests.append(list(map(eq, column(_KIND), repeat(kind))))
        if tests:
            shown = tests[0] if len(tests) == 1 else list(map(all, zip(*tests, strict=True)))
            order, states = list(compress(order, shown)), list(compress(states, shown))
            if not whole:
                rows = list(compress(rows, shown))
        return Listing(column(_ID), pick(self.inspections, order), column(_KIND),
                       column(_TITLE), states, pick(self.authors, order), column(_HLC),
                       list(map(tuple, column(_TAGS))), column(_REV))


def made_by_row(cached: Cached) -> list[Note]:
    """Every note of the cache, in its rows' order, made before its head record is known:
    no inspection, collection, signer or name yet (``Placed.notes`` fills them in)."""
    no = repeat(b"")
    return _made(cached.columns, no, no, cached.columns[_AUTHOR], repeat(False), no, no,
                 repeat(""))


def _made(columns: Sequence[list[Any]], inspections: Iterable[bytes],
          collections: Iterable[bytes], authors: Iterable[str], pushed: Iterable[bool],
          signers: Iterable[bytes], firsts: Iterable[bytes],
          first_authors: Iterable[str]) -> list[Note]:
    """The notes of the cache's ``columns``, bodies not loaded, with their head records'
    values: one ``map`` over them all, no Python step per note but each note's own."""
    (ids, revs, parents, hlcs, kinds, templates, titles, fields, tags, passages, states, _,
     kept) = columns
    return list(map(
        Note, ids, inspections, collections, revs, map(tuple, parents), hlcs, kinds, templates,
        titles, repeat(""), map(dict, fields), map(tuple, tags), map(passages_of, passages),
        states, authors, map(kept_of, kept), pushed, signers, firsts, first_authors,
        repeat(False)))
