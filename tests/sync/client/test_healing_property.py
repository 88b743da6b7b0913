"""Stateful property test (issue 11): notes written and edited on two devices, synced in random
order through a real server whose database is, between syncs, restored from an older backup
(one stream's last records gone) or damaged (a byte flipped anywhere in a stored record, the
header included). After a few plain syncs every device holds the same notes, every line anyone
typed is there, nothing is left set aside, and the server holds every record as written."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from store import Replica, verify_all
from tests.sync.client._tamper import flip_byte, roll_back, server_head
from tests.sync.client.conftest import Server, make_team

pytestmark = pytest.mark.slow
_counter = itertools.count()


@pytest.fixture(scope="module")
def shared_server() -> Server:
    root = Path(tempfile.mkdtemp())
    s = Server(str(root / "server.db"))
    yield s
    s.close()
    shutil.rmtree(root, ignore_errors=True)


def test_streams_heal_under_rollbacks_and_damage(shared_server: Server) -> None:
    server = shared_server

    class HealMachine(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            self.root = Path(tempfile.mkdtemp())
            n = next(_counter)
            self.name = f"Healing {n}"
            self.team, self.devices = make_team(server, self.root, [f"m{n}"],
                                                lead_user=f"lead{n}", inspection=self.name)
            self.cid = self.devices[0].team(self.name)
            self.lines: dict[str, set[str]] = {}  # note id -> every line typed into it
            self.token = itertools.count()
            self.damaged = 0

        def teardown(self) -> None:
            if hasattr(self, "team"):
                self.team.close()
                shutil.rmtree(self.root, ignore_errors=True)

        def _line(self) -> str:
            return f"line-{next(self.token)}"

        @rule(i=st.integers(0, 1))
        def create(self, i: int) -> None:
            d = self.devices[i]
            line = self._line()
            note = d.session.create(d.session.find_inspection(self.name), "note",
                                    f"note {line}", line + "\n")
            self.lines[note.note_id] = {line}

        @precondition(lambda self: self.lines)
        @rule(i=st.integers(0, 1), data=st.data())
        def edit(self, i: int, data: st.DataObject) -> None:
            d = self.devices[i]
            known = sorted(k for k in self.lines if k in d.session.notes)
            if not known:
                return
            note_id = data.draw(st.sampled_from(known))
            line = self._line()
            d.session.save(note_id, body=d.session.get(note_id).body + line + "\n")
            self.lines[note_id].add(line)

        @rule(i=st.integers(0, 1))
        def sync(self, i: int) -> None:
            rep = self.devices[i].sync()
            # a restore or a damaged record is healed or set aside (a gap it leaves is a
            # problem until healed), never an ALERT
            assert not rep.alerts, rep.alerts

        @rule(i=st.integers(0, 1), n=st.integers(1, 3))
        def restore_older_backup(self, i: int, n: int) -> None:
            roll_back(server, self.cid, self.devices[i].session.device_id, n)

        @rule(i=st.integers(0, 1), data=st.data())
        def damage(self, i: int, data: st.DataObject) -> None:
            """Device i writes and syncs, then one of its records the other device has not
            pulled yet is damaged (damage to one it holds changes nothing it would notice)."""
            self.create(i)
            assert not self.devices[i].sync().alerts
            dev = self.devices[i].session.device_id
            head, _ = server_head(server, self.cid, dev)
            held = Replica(self.devices[1 - i].session).stream_heads(self.cid).get(dev, 0)
            if head > held:
                seq = data.draw(st.integers(held + 1, head), label="seq")
                at = data.draw(st.integers(0, 400), label="byte")
                flip_byte(server, self.cid, dev, seq, at=at)
                self.damaged += 1

        def check_healed(self) -> None:
            for _ in range(4):  # a reader reports, its author replaces, the reader fetches
                reports = [d.sync() for d in self.devices]
            for r in reports:
                assert r.ok and not r.alerts and not r.quarantined, (r.problems, r.alerts)
            sessions = [d.session for d in self.devices]
            snaps = [{n.note_id: (n.title, n.body) for n in
                      s.load_bodies(s.list_notes(s.find_inspection(self.name)))}
                     for s in sessions]
            assert snaps[0] == snaps[1]
            for s in sessions:
                assert verify_all(s).ok
                assert not Replica(s).quarantined()
            with self.devices[0].client() as c:
                server_heads = c.status(self.cid)
            for s in sessions:
                assert Replica(s).stream_heads(self.cid) == server_heads
            note_text = {k: v[1] for k, v in snaps[0].items()}
            for note_id, lines in self.lines.items():
                text = note_text[note_id] + repr(sessions[0].get(note_id).kept)
                lost = [x for x in lines if x not in text]
                assert not lost, f"{note_id[:8]} lost {lost}"

    class Checked(HealMachine):
        def teardown(self) -> None:
            try:
                if hasattr(self, "devices"):
                    self.check_healed()
            finally:
                super().teardown()

    Checked.TestCase.settings = settings(
        max_examples=8, stateful_step_count=20, deadline=None,
        suppress_health_check=list(HealthCheck))
    Checked.TestCase().runTest()
