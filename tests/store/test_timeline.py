"""The inspection timeline: weeks from notification, holiday weeks, where_is, storage."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from store.inspection import (
    DEFAULT_STEPS,
    Position,
    StepSpec,
    Timeline,
    TimelineError,
    make_timeline,
    where_is,
)

NOTIFIED = date(2026, 1, 6)  # a Tuesday; week 1 runs Monday 5 to Sunday 11 January


def test_default_template_has_every_step() -> None:
    keys = [s.key for s in DEFAULT_STEPS]
    assert keys[0] == "notification" and keys[-1] == "publication"
    for key in ("surveys", "reading_day_1", "reading_day_2", "reading_day_3", "onsite_week",
                "ppd_1", "ppd_2", "ppd_3", "report"):
        assert key in keys


def test_weeks_count_from_the_notification_week() -> None:
    t = make_timeline(NOTIFIED)
    assert t.week_of(date(2026, 1, 5)) == (1, False)  # Monday of the notification week
    assert t.week_of(date(2026, 1, 11)) == (1, False)
    assert t.week_of(date(2026, 1, 12)) == (2, False)
    assert t.week_of(date(2026, 1, 4)) == (0, False)
    assert t.step("notification").start == NOTIFIED
    onsite = t.step("onsite_week")
    assert onsite.start == date(2026, 1, 5) + timedelta(weeks=12)  # Monday of week 13
    assert (onsite.end - onsite.start).days == 4 and onsite.week == 13
    assert t.step("reading_day_2").start == date(2026, 2, 18)  # Wednesday of week 7
    assert t.total_weeks == 22


def test_holiday_weeks_are_left_out_and_move_later_steps() -> None:
    t = make_timeline(NOTIFIED)
    before = t.step("onsite_week").start
    h = t.with_holiday(date(2026, 2, 11))  # any day of week 6 (9-15 February)
    assert h.week_of(date(2026, 2, 10)) == (5, True)  # not counted: still week 5
    assert h.week_of(date(2026, 2, 16)) == (6, False)
    assert h.step("onsite_week").start == before + timedelta(weeks=1)
    assert h.step("onsite_week").week == 13
    assert h.step("surveys").start == t.step("surveys").start  # earlier steps stay
    assert h.total_weeks == 22
    assert h.without_holiday(date(2026, 2, 9)) == t


def test_where_is() -> None:
    t = make_timeline(NOTIFIED, holidays=[date(2026, 2, 9)])
    assert where_is(t, date(2026, 1, 5)) == Position("not yet notified", 0, 22)
    assert where_is(t, NOTIFIED) == Position("phase one", 1, 22)
    p = where_is(t, date(2026, 2, 12))
    assert p == Position("phase one", 5, 22, True)
    assert p.label == "phase one · week 5 of 22 (holiday week, not counted)"
    onsite = t.step("onsite_week").start
    phase, week = where_is(t, onsite + timedelta(days=7))[:2]
    assert (phase, week) == ("phase two", 14)
    assert where_is(t, onsite + timedelta(days=7)).label == "phase two · week 14 of 22"
    assert where_is(t, t.step("report").start).phase == "reporting"
    publication = t.step("publication").start
    assert where_is(t, publication) == Position("reporting", 22, 22)
    assert where_is(t, publication + timedelta(days=1)) == Position("published", 22, 22)


def test_offsets_and_fixed_dates() -> None:
    t = make_timeline(NOTIFIED, offsets={"onsite_week": 15})
    assert t.step("onsite_week").week == 15
    fixed = t.with_date("ppd_1", date(2026, 3, 30))
    s = fixed.step("ppd_1")
    assert s.start == date(2026, 3, 30) and s.fixed
    assert fixed.with_date("ppd_1", None).step("ppd_1") == t.step("ppd_1")
    with pytest.raises(TimelineError, match="no step 'ppd_9'"):
        make_timeline(NOTIFIED, offsets={"ppd_9": 3})
    with pytest.raises(TimelineError, match="week 1"):
        make_timeline(NOTIFIED, offsets={"notification": 2})
    with pytest.raises(TimelineError, match="before the notification"):
        t.with_date("report", date(2025, 12, 1))
    with pytest.raises(TimelineError, match="cannot be a holiday"):
        t.with_holiday(NOTIFIED)


def test_round_trip_through_json() -> None:
    t = (make_timeline(NOTIFIED, offsets={"report": 17}, holidays=[date(2026, 4, 8)])
         .with_date("ppd_3", date(2026, 4, 22)))
    data = json.loads(json.dumps(t.to_dict()))
    back = Timeline.from_dict(data)
    assert back == t and back.schedule() == t.schedule()
    assert data["holidays"] == ["2026-04-06"]  # stored by the week's Monday


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(version=9), "version 9"),
    (lambda d: d.pop("notification"), "lacks 'notification'"),
    (lambda d: d.update(notification="next tuesday"), "not a date"),
    (lambda d: d["steps"][1].update(week="3"), "not a whole number"),
    (lambda d: d["steps"][1].update(phase="phase nine"), "phase 'phase nine'"),
    (lambda d: d["steps"].pop(0), "first step"),
])
def test_from_dict_refuses_malformed(mutate, message: str) -> None:  # noqa: ANN001
    data = make_timeline(NOTIFIED).to_dict()
    mutate(data)
    with pytest.raises(TimelineError, match=message):
        Timeline.from_dict(data)


def test_custom_template() -> None:
    steps = (StepSpec("notification", "Notification", "phase one", 1),
             StepSpec("visit", "Visit", "phase two", 3, 2, 2))
    t = Timeline(date(2026, 6, 1), steps)
    assert t.step("visit").start == date(2026, 6, 17) and t.total_weeks == 3
    assert where_is(t, date(2026, 6, 18)) == Position("phase two", 3, 3)
