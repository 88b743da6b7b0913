"""Enrolment whose answer is lost on the way completes on the client's own retry (issue 11,
item 8): a real server process on both backends, behind the fault proxy."""

from __future__ import annotations

from pathlib import Path

import httpx

from store import KdfParams, Profile
from sync.client import RetryPolicy, SyncClient, sync
from tests.conftest import PASSPHRASE
from tests.sync.client._proxy import FaultyProxy, address


class FirstAnswerLost(FaultyProxy):
    """The first connection reaches the server and loses its answer; the rest pass."""

    def _draw(self) -> str:
        return "lost_answer" if not self.counts else "pass"


def test_enrolment_whose_answer_is_lost_completes_on_retry(server, tmp_path: Path) -> None:  # noqa: ANN001
    server.user("alice")
    code = server.invite("alice")
    profile = Profile(tmp_path / "alice")
    session, _ = profile.init(PASSPHRASE, KdfParams.floor(), author="ALI")
    keys = session.keys.device
    slept: list[float] = []
    with FirstAnswerLost(lambda: address(server.url), seed=1) as proxy:
        one_shot = httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))
        with SyncClient(proxy.url, session.device_id, None, transport=one_shot,
                        retry=RetryPolicy(attempts=3, sleep=slept.append)) as c:
            answer = c.enrol(code, keys.sign_pub, keys.kx_pub)
    assert proxy.counts["lost_answer"] == 1 and proxy.counts["pass"] == 1
    assert answer == {"device_id": session.device_id.hex(), "user": "alice"}
    assert len(slept) == 1
    # the device is enrolled for real: it signs requests the server accepts
    session.rosters.set_user(answer["user"])
    with SyncClient(server.url, session.device_id, keys.signing) as c:
        report = sync(session, c)
    assert report.ok, report.problems
    session.lock()
    profile.close()
