"""An inspection's timeline: steps placed in weeks counted from notification.

Weeks are counted as the methodology does: week 1 is the week (Monday to Sunday) in which the
partnership is notified, and every later week counts, except the (school) holiday weeks the
user marks, which are left out of the count. A step is placed in a *counted* week, so marking
a holiday week moves every later step one week on, and ``where_is`` reports "week n of N" in
counted weeks.

A :class:`Timeline` is immutable; :meth:`Timeline.with_holiday`, :meth:`Timeline.with_date`
and friends return a new one. It is stored in the inspection's sealed metadata as
``Inspection.extra["timeline"] = timeline.to_dict()``; :meth:`Timeline.from_dict` reads it
back and refuses anything malformed with a :class:`TimelineError` that says what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from ._model import Inspection
    from ._session import Session

__all__ = [
    "DEFAULT_STEPS",
    "PHASES",
    "TIMELINE_VERSION",
    "Position",
    "ScheduledStep",
    "StepSpec",
    "Timeline",
    "TimelineError",
    "make_timeline",
    "set_timeline",
    "where_is",
]

TIMELINE_VERSION = 1
PHASE_ONE, PHASE_TWO, REPORTING = "phase one", "phase two", "reporting"
PHASES: tuple[str, ...] = (PHASE_ONE, PHASE_TWO, REPORTING)
BEFORE, PUBLISHED = "not yet notified", "published"
_MAX_WEEK = 104


class TimelineError(ValueError):
    """Raised for a timeline that cannot be built or read: the message names the problem."""


@dataclass(frozen=True, slots=True)
class StepSpec:
    """One step of the template: it starts on day ``day`` (0 = Monday) of counted week
    ``week`` and lasts ``days`` calendar days."""

    key: str
    label: str
    phase: str
    week: int
    day: int = 0
    days: int = 1

    def __post_init__(self) -> None:
        if not self.key or not self.key.replace("_", "").isalnum():
            raise TimelineError(f"step key {self.key!r}: use letters, digits and _")
        if self.phase not in PHASES:
            raise TimelineError(f"step {self.key}: phase {self.phase!r} is not one of "
                                + ", ".join(PHASES))
        if not 1 <= self.week <= _MAX_WEEK:
            raise TimelineError(f"step {self.key}: week {self.week} is outside 1-{_MAX_WEEK}")
        if not 0 <= self.day <= 6:
            raise TimelineError(f"step {self.key}: day {self.day} is not 0 (Monday) to 6")
        if not 1 <= self.days <= 7 * _MAX_WEEK:
            raise TimelineError(f"step {self.key}: a step lasts at least one day")


#: The default template (weeks counted from notification, week 1).
DEFAULT_STEPS: tuple[StepSpec, ...] = (
    StepSpec("notification", "Notification", PHASE_ONE, 1),
    StepSpec("surveys", "Staff and children's surveys open", PHASE_ONE, 3, 0, 21),
    StepSpec("reading_day_1", "Records reading day 1", PHASE_ONE, 7, 1),
    StepSpec("reading_day_2", "Records reading day 2", PHASE_ONE, 7, 2),
    StepSpec("reading_day_3", "Records reading day 3", PHASE_ONE, 7, 3),
    StepSpec("ppd_1", "Professional partnership discussion 1", PHASE_TWO, 12, 2),
    StepSpec("onsite_week", "Phase two on-site week", PHASE_TWO, 13, 0, 5),
    StepSpec("ppd_2", "Professional partnership discussion 2", PHASE_TWO, 14, 2),
    StepSpec("ppd_3", "Professional partnership discussion 3", PHASE_TWO, 15, 2),
    StepSpec("report", "Report drafting and factual accuracy", REPORTING, 16, 0, 33),
    StepSpec("publication", "Publication", REPORTING, 22, 1),
)


@dataclass(frozen=True, slots=True)
class ScheduledStep:
    """A step with its dates (``end`` is its last day, inclusive)."""

    key: str
    label: str
    phase: str
    start: date
    end: date
    week: int
    fixed: bool = False  # the date was set by the user rather than computed


class Position(NamedTuple):
    """Where an inspection is on a day: ``phase``, counted ``week`` of ``of`` weeks.

    ``holiday`` is true in a holiday week (``week`` is then the last counted week). Before
    notification ``week`` is 0; after publication it is ``of``.
    """

    phase: str
    week: int
    of: int
    holiday: bool = False

    @property
    def label(self) -> str:
        """As the screens show it: ``"phase two · week 14 of 22"``."""
        if self.phase in (BEFORE, PUBLISHED):
            return self.phase
        text = f"{self.phase} · week {self.week} of {self.of}"
        return text + " (holiday week, not counted)" if self.holiday else text


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


@dataclass(frozen=True, slots=True)
class Timeline:
    """The notification date, the steps (template with offsets applied), the holiday weeks
    (by their Monday) and any dates the user fixed by hand."""

    notification: date
    steps: tuple[StepSpec, ...] = DEFAULT_STEPS
    holidays: frozenset[date] = field(default_factory=frozenset)
    fixed: Mapping[str, date] = field(default_factory=dict)

    def __post_init__(self) -> None:
        keys = [s.key for s in self.steps]
        if not keys:
            raise TimelineError("a timeline needs at least one step")
        if len(set(keys)) != len(keys):
            raise TimelineError("two steps of the timeline have the same key")
        if keys[0] != "notification":
            raise TimelineError("the first step of a timeline is the notification")
        unknown = set(self.fixed) - set(keys)
        if unknown:
            raise TimelineError(f"no step {sorted(unknown)[0]!r} to set a date for; the steps "
                                f"are: {', '.join(keys)}")
        early = sorted(k for k, v in self.fixed.items() if v < self.notification)
        if early:
            raise TimelineError(f"step {early[0]!r} cannot be dated before the notification "
                                f"({self.notification.isoformat()})")
        start = _monday(self.notification)
        holidays = frozenset(_monday(h) for h in self.holidays if _monday(h) > start)
        if start in {_monday(h) for h in self.holidays}:
            raise TimelineError("the notification week is week 1 and cannot be a holiday week")
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "fixed", dict(self.fixed))

    # -- weeks -----------------------------------------------------------------------------
    def week_monday(self, week: int) -> date:
        """The Monday of counted week ``week`` (1 = the notification week)."""
        if week < 1:
            raise TimelineError(f"week {week}: weeks are counted from 1")
        monday, counted = _monday(self.notification), 1
        while True:
            if monday not in self.holidays:
                if counted == week:
                    return monday
                counted += 1
            monday += timedelta(weeks=1)

    def week_of(self, day: date) -> tuple[int, bool]:
        """(counted week, is a holiday week) of ``day``; week 0 before notification."""
        start = _monday(self.notification)
        monday = _monday(day)
        if monday < start:
            return 0, False
        skipped = sum(1 for h in self.holidays if h <= monday)
        counted = (monday - start).days // 7 + 1 - skipped
        return counted, monday in self.holidays

    # -- schedule --------------------------------------------------------------------------
    def schedule(self) -> list[ScheduledStep]:
        """Every step with its dates, in date order."""
        out = []
        for spec in self.steps:
            if spec.key in self.fixed:
                start, fixed = self.fixed[spec.key], True
            elif spec.key == "notification":
                start, fixed = self.notification, False
            else:
                start, fixed = self.week_monday(spec.week) + timedelta(days=spec.day), False
            end = start + timedelta(days=spec.days - 1)
            out.append(ScheduledStep(spec.key, spec.label, spec.phase, start, end,
                                     self.week_of(start)[0], fixed))
        out.sort(key=lambda s: (s.start, s.end))
        return out

    def step(self, key: str) -> ScheduledStep:
        for s in self.schedule():
            if s.key == key:
                return s
        raise KeyError(f"no step {key!r}; the steps are: "
                       + ", ".join(s.key for s in self.steps))

    @property
    def total_weeks(self) -> int:
        """N of "week n of N": the counted week in which the last step ends."""
        return max(self.week_of(s.end)[0] for s in self.schedule())

    # -- changes ---------------------------------------------------------------------------
    def with_holiday(self, day: date) -> Timeline:
        """Leave the week of ``day`` out of the count (later steps move one week on)."""
        return replace(self, holidays=self.holidays | {_monday(day)})

    def without_holiday(self, day: date) -> Timeline:
        return replace(self, holidays=self.holidays - {_monday(day)})

    def with_date(self, key: str, day: date | None) -> Timeline:
        """Fix the start of step ``key`` by hand (``None`` goes back to the computed date)."""
        fixed = dict(self.fixed)
        if day is None:
            fixed.pop(key, None)
        else:
            fixed[key] = day
        return replace(self, fixed=fixed)

    # -- storage ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "version": TIMELINE_VERSION,
            "notification": self.notification.isoformat(),
            "steps": [{"key": s.key, "label": s.label, "phase": s.phase, "week": s.week,
                       "day": s.day, "days": s.days} for s in self.steps],
            "holidays": sorted(h.isoformat() for h in self.holidays),
            "fixed": {k: v.isoformat() for k, v in sorted(self.fixed.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Timeline:
        if not isinstance(data, Mapping):
            raise TimelineError("a stored timeline must be a mapping")
        version = data.get("version")
        if version != TIMELINE_VERSION:
            raise TimelineError(f"timeline version {version!r} is not one this fieldpad reads "
                                f"({TIMELINE_VERSION}); update fieldpad")
        try:
            steps = tuple(StepSpec(str(s["key"]), str(s["label"]), str(s["phase"]),
                                   _int(s["week"]), _int(s.get("day", 0)),
                                   _int(s.get("days", 1))) for s in data["steps"])
            return cls(_date(data["notification"]), steps,
                       frozenset(_date(h) for h in data.get("holidays", ())),
                       {str(k): _date(v) for k, v in dict(data.get("fixed") or {}).items()})
        except KeyError as exc:
            raise TimelineError(f"the stored timeline lacks {exc.args[0]!r}") from None
        except (TypeError, AttributeError) as exc:
            raise TimelineError(f"the stored timeline is malformed ({exc})") from None


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TimelineError(f"{value!r} is not a whole number")
    return value


def _date(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise TimelineError(f"{value!r} is not a date such as 2026-03-02") from None


def make_timeline(notification: date, *, offsets: Mapping[str, int] | None = None,
                  holidays: Iterable[date] = (),
                  steps: tuple[StepSpec, ...] = DEFAULT_STEPS) -> Timeline:
    """A timeline from a template: ``offsets`` moves steps to another counted week
    (``{"onsite_week": 14}``); ``holidays`` are days in weeks to leave out of the count."""
    offsets = dict(offsets or {})
    known = {s.key for s in steps}
    for key, week in offsets.items():
        if key not in known:
            raise TimelineError(f"no step {key!r} in the template; the steps are: "
                                + ", ".join(s.key for s in steps))
        if key == "notification" and week != 1:
            raise TimelineError("the notification is always in week 1")
        _int(week)
    moved = tuple(replace(s, week=offsets.get(s.key, s.week)) for s in steps)
    return Timeline(notification, moved, frozenset(holidays))


def where_is(timeline: Timeline, today: date) -> Position:
    """The phase and counted week of ``today``.

    A phase runs from its first step to the day before the next phase's first step; the last
    phase ends with its last step, after which the inspection is ``"published"``.
    """
    schedule = timeline.schedule()
    total = timeline.total_weeks
    week, holiday = timeline.week_of(today)
    if today < schedule[0].start or week == 0:
        return Position(BEFORE, 0, total)
    if today > max(s.end for s in schedule):
        return Position(PUBLISHED, total, total)
    starts = {}
    for s in schedule:
        starts.setdefault(s.phase, s.start)
    phase = schedule[0].phase
    for name, first in sorted(starts.items(), key=lambda kv: kv[1]):
        if first <= today:
            phase = name
    return Position(phase, min(week, total), total, holiday)


def set_timeline(session: Session, inspection: Inspection, timeline: Timeline) -> Inspection:
    """Store ``timeline`` in the inspection's sealed metadata: a lead's change on a team
    inspection (``NotALead`` otherwise, and nothing changes)."""
    from dataclasses import replace as _replace

    from store.team import NotALead

    if not session.may_change(inspection):
        raise NotALead(f"only a lead can change the timeline of {inspection.name!r}")
    changed = _replace(inspection, extra={**inspection.extra, "timeline": timeline.to_dict()})
    session.publish_inspection(changed, session.collection_for(changed, "note"))
    return changed
