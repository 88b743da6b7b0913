"""Stateful property test: any sequence of note operations, locks and unlocks leaves the store
exactly as a simple model says, with every stream contiguous and chained."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from store import DELETED, KdfParams, Profile, verify_all
from tests.conftest import PASSPHRASE

# many devices, many syncs against a real server, or many generated cases
pytestmark = pytest.mark.slow

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)
TITLE = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
                max_size=40).filter(lambda s: s.strip() != "")

# unlocking costs an Argon2id run, so keep the floor parameters and share them
_PARAMS = KdfParams.floor()


class StoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp())
        self.profile = Profile(self.dir)
        self.session, _ = self.profile.init(PASSPHRASE, _PARAMS, author="AI")
        self.ins = self.session.find_inspection(None)
        self.model: dict[str, tuple[str, str, str]] = {}  # id -> (title, body, state)
        self.revisions: dict[str, int] = {}

    def teardown(self) -> None:
        if not self.session.locked:
            self.session.lock()
        self.profile.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(title=TITLE, body=TEXT)
    def create(self, title: str, body: str) -> None:
        n = self.session.create(self.ins, "note", title, body)
        self.model[n.note_id] = (title, body, "active")
        self.revisions[n.note_id] = 1

    def _live(self) -> list[str]:
        # creation order, not id order: ids are random, so sorting them would make the same
        # drawn index pick another note when hypothesis replays an example (FlakyStrategy)
        return [i for i, v in self.model.items() if v[2] != DELETED]

    @precondition(lambda self: self._live())
    @rule(data=st.data(), body=TEXT, autosave=st.booleans())
    def edit(self, data: st.DataObject, body: str, autosave: bool) -> None:
        note_id = data.draw(st.sampled_from(self._live()))
        self.session.save(note_id, autosave=autosave, body=body)
        title, _, state = self.model[note_id]
        self.model[note_id] = (title, body, state)

    @precondition(lambda self: self._live())
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        note_id = data.draw(st.sampled_from(self._live()))
        self.session.delete(note_id)
        title, body, _ = self.model[note_id]
        self.model[note_id] = (title, body, DELETED)

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def restore_first(self, data: st.DataObject) -> None:
        note_id = data.draw(st.sampled_from(list(self.model)))
        first = self.session.history(note_id)[0].note
        self.session.restore(note_id, first.rev)
        self.model[note_id] = (first.title, first.body, "active")

    @rule()
    def relock(self) -> None:
        self.session.lock()
        self.session = self.profile.unlock(PASSPHRASE)
        self.ins = self.session.find_inspection(None)

    @rule(query=st.sampled_from(["a", "note", "x"]))
    def search_finds_only_live_matches(self, query: str) -> None:
        for n in self.session.search(query):
            assert self.model[n.note_id][2] != DELETED

    @invariant()
    def matches_model(self) -> None:
        got = {n.note_id: (n.title, n.body, n.state)  # bodies: decrypted on demand
               for n in self.session.load_bodies(self.session.list_notes(include_deleted=True))}
        assert got == self.model

    @invariant()
    def streams_are_sound(self) -> None:
        assert verify_all(self.session).ok


TestStore = StoreMachine.TestCase
TestStore.settings = settings(max_examples=15, stateful_step_count=15, deadline=None)
