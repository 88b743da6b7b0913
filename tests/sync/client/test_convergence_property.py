"""Stateful property test: notes created, edited on several devices while offline, deleted,
and synced in random order through a real server. At the end every device converges and every
line anyone typed is in the merged note (or in its history, if the note was deleted)."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from store import DELETED, verify_all
from tests.sync.client.conftest import Server, make_team

# many devices, many syncs against a real server, or many generated cases
pytestmark = pytest.mark.slow

_counter = itertools.count()


@pytest.fixture(scope="module")
def shared_server() -> Server:
    root = Path(tempfile.mkdtemp())
    s = Server(str(root / "server.db"))
    yield s
    s.close()
    shutil.rmtree(root, ignore_errors=True)


def test_sync_converges(shared_server: Server) -> None:
    class SyncMachine(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            self.root = Path(tempfile.mkdtemp())
            n = next(_counter)
            self.name = f"Inspection {n}"
            self.team, self.devices = make_team(shared_server, self.root, [f"b{n}", f"c{n}"],
                                                lead_user=f"lead{n}", inspection=self.name)
            self.tokens: dict[str, set[str]] = {}  # note id -> every line typed into it
            self.token = itertools.count()

        def teardown(self) -> None:
            if hasattr(self, "team"):
                self.team.close()
                shutil.rmtree(self.root, ignore_errors=True)

        def _ins(self, d):
            return d.session.find_inspection(self.name)

        def _line(self) -> str:
            return f"line-{next(self.token)}"

        @rule(i=st.integers(0, 2))
        def create(self, i: int) -> None:
            d = self.devices[i]
            line = self._line()
            n = d.session.create(self._ins(d), "note", f"note {line}", line + "\n")
            self.tokens[n.note_id] = {line}

        def _known(self, d) -> list[str]:
            return sorted(k for k in self.tokens if k in d.session.notes
                          and d.session.notes[k].state != DELETED)

        @precondition(lambda self: self.tokens)
        @rule(i=st.integers(0, 2), data=st.data(), autosave=st.booleans())
        def edit(self, i: int, data: st.DataObject, autosave: bool) -> None:
            d = self.devices[i]
            known = self._known(d)
            if not known:
                return
            note_id = data.draw(st.sampled_from(known))
            lines = d.session.get(note_id).body.splitlines(keepends=True)
            at = data.draw(st.integers(0, len(lines)))
            line = self._line()
            lines.insert(at, line + "\n")
            d.session.save(note_id, autosave=autosave, body="".join(lines))
            self.tokens[note_id].add(line)

        @precondition(lambda self: self.tokens)
        @rule(i=st.integers(0, 2), data=st.data())
        def delete(self, i: int, data: st.DataObject) -> None:
            d = self.devices[i]
            known = self._known(d)
            if known:
                d.session.delete(data.draw(st.sampled_from(known)))

        @rule(i=st.integers(0, 2))
        def sync(self, i: int) -> None:
            assert self.devices[i].sync().ok

        @invariant()
        def stores_sound(self) -> None:
            if hasattr(self, "devices"):
                for d in self.devices:
                    assert not d.session.damaged

        def check_converged(self) -> None:
            for _ in range(2):
                for d in self.devices:
                    assert d.sync().ok
            snaps = []
            for d in self.devices:
                snaps.append({n.note_id: (n.title, n.body, n.state)
                              for n in d.session.load_bodies(
                                  d.session.list_notes(self._ins(d), include_deleted=True))})
                assert verify_all(d.session).ok
            assert snaps[0] == snaps[1] == snaps[2]
            s = self.devices[0].session
            for note_id, lines in self.tokens.items():
                note = s.get(note_id)
                if note.state == DELETED:
                    text = "".join(r.note.body for r in s.history(note_id))
                else:
                    text = note.body + repr(note.kept)
                missing = [x for x in lines if x not in text]
                assert not missing, f"{note_id[:8]} lost {missing}"

    SyncMachine.TestCase.settings = settings(
        max_examples=6, stateful_step_count=25, deadline=None,
        suppress_health_check=list(HealthCheck))

    class Checked(SyncMachine):
        def teardown(self) -> None:
            try:
                if hasattr(self, "devices"):
                    self.check_converged()
            finally:
                super().teardown()

    Checked.TestCase.settings = SyncMachine.TestCase.settings
    Checked.TestCase().runTest()
