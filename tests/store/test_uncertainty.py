"""Following up areas of uncertainty (store/inspection/_uncertainty.py): assigned, resolved with the
evidence that resolved it, reopened; each step an audit event that survives a relock."""

from __future__ import annotations

import pytest

from store import Profile, Session, ValidationFailed
from store.inspection import (
    ASSIGNED,
    OPEN,
    RESOLVED,
    area_rows,
    assign,
    follow_ups,
    reopen,
    resolve,
)
from tests.conftest import PASSPHRASE


def _seed(session: Session):  # noqa: ANN202
    ins = session.find_inspection(None)
    unsure = session.create(ins, "note", "Waits for IRDs", "Staff unsure how long.",
                            tags=["S1", "status:uncertainty"])
    loose = session.create(ins, "note", "Unclear minutes", "", tags=["status:uncertainty"])
    evidence = session.create(ins, "note", "IRD log", "All IRDs within 24 h.", tags=["S1"])
    return ins, unsure, loose, evidence


def test_assign_resolve_reopen(profile: Profile, session: Session) -> None:
    ins, unsure, loose, evidence = _seed(session)
    rows = area_rows(session, ins)
    assert [(r.row, r.title, r.follow_up.state) for r in rows] == [
        ("S1", "Waits for IRDs", OPEN), ("unassigned", "Unclear minutes", OPEN)]
    assert assign(session, ins, unsure.note_id[:8], "BK").state == ASSIGNED
    done = resolve(session, ins, unsure.note_id, [evidence.note_id[:8]], "log checked")
    assert (done.state, done.assigned_to, done.evidence, done.comment) == (
        RESOLVED, "BK", (evidence.note_id,), "log checked")
    session.lock()
    again = profile.unlock(PASSPHRASE)
    try:
        state = follow_ups(again, again.find_inspection(None))
        assert state[unsure.note_id].state == RESOLVED
        assert loose.note_id not in state
        assert reopen(again, again.find_inspection(None), unsure.note_id).state == ASSIGNED
    finally:
        again.lock()


def test_refusals_record_nothing(session: Session) -> None:
    ins, unsure, loose, evidence = _seed(session)
    with pytest.raises(ValidationFailed, match="whose evidence resolved it"):
        resolve(session, ins, unsure.note_id, [])
    with pytest.raises(ValidationFailed, match="not tagged as an area of uncertainty"):
        assign(session, ins, evidence.note_id, "BK")
    with pytest.raises(ValidationFailed, match="no note"):
        resolve(session, ins, loose.note_id, ["ffffffffff"])
    with pytest.raises(ValidationFailed, match="say who"):
        assign(session, ins, loose.note_id, "  ")
    assert follow_ups(session, ins) == {}
