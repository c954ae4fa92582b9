"""Engagement numbers as DESIGN.md defines them ("Engagement numbers"), from plain values.

The dashboards compute the same numbers in SQL for speed (dashboards/page_queries.py and queries.py);
tests check that both agree on the same data.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain

from scoring.stats import mean, median, sd

DEFAULT_THRESHOLD = 0.5  # "more than 50% of the sessions offered"; the app reads ENGAGEMENT_THRESHOLD
MODULE_COMPLETION = 0.5  # a module is completed with more than half of its offered sessions attended
DEFAULT_SMALL_GROUP_MIN = 5


@dataclass(frozen=True)
class Window:
    """A reporting window, both ends included."""

    start: date
    end: date

    def months(self):
        """[(month key yyyymm, first day, last day)] of every month the window touches, clipped to it."""
        months = []
        first = self.start.replace(day=1)
        while first <= self.end:
            following = (first + timedelta(days=32)).replace(day=1)
            months.append((month_key(first), max(first, self.start), min(following - timedelta(days=1), self.end)))
            first = following
        return months


def month_key(day):
    """yyyymm, the month a date falls in, as the summaries store it."""
    return day.year * 100 + day.month


@dataclass(frozen=True)
class Enrolment:
    """A participant as the metrics see them."""

    id: int
    team_id: int
    format: str  # "group": offered their team's group sessions; both formats: their own individual sessions
    start_date: date
    end_date: date | None = None
    referral_date: date | None = None


@dataclass(frozen=True)
class SessionHeld:
    id: int
    team_id: int
    participant_id: int | None  # None for a group session
    session_date: date
    module: int | None  # None: not recorded; offered like any session, left out of module counts


@dataclass(frozen=True)
class Measures:
    """One participant's numbers for one window."""

    participant_id: int
    offered: int
    attended: int
    engaged: bool | None  # None when nothing was offered: listed, but left out of percentages
    modules_completed: int
    first_attended: date | None  # first attended session up to the window's end
    days_to_first: int | None

    @property
    def exposure(self):
        return self.attended / self.offered if self.offered else None

    @property
    def counted(self):
        return self.offered > 0


def is_engaged(attended, offered, threshold=DEFAULT_THRESHOLD):
    """Exposure strictly above the threshold; written as a product so SQL compares exactly the same way."""
    return attended > threshold * offered


def offered_sessions(person, sessions, window):
    """Sessions the person could attend inside the window and inside their own enrolment."""
    first = max(window.start, person.start_date)
    last = min(window.end, person.end_date) if person.end_date else window.end
    return [s for s in sessions if first <= s.session_date <= last and _offered_to(person, s)]


def _offered_to(person, session):
    if session.participant_id is None:
        return person.format == "group" and session.team_id == person.team_id
    return session.participant_id == person.id


def measure(person, sessions, statuses, window, threshold=DEFAULT_THRESHOLD):
    """The person's Measures; statuses maps session id -> attended/absent/excused for this person (missing: no row)."""
    offered = offered_sessions(person, sessions, window)
    attended = [s for s in offered if statuses.get(s.id) == "attended"]
    per_module = {}
    for s in offered:
        counts = per_module.setdefault(s.module, [0, 0])
        counts[0] += 1
        counts[1] += statuses.get(s.id) == "attended"
    modules = completed_modules(per_module)
    history = offered_sessions(person, sessions, Window(date.min, window.end))
    attended_dates = [s.session_date for s in history if statuses.get(s.id) == "attended"]
    first = min(attended_dates) if attended_dates else None
    return Measures(participant_id=person.id, offered=len(offered), attended=len(attended),
                    engaged=is_engaged(len(attended), len(offered), threshold) if offered else None,
                    modules_completed=modules, first_attended=first,
                    days_to_first=days_to_first(person, first))


def days_to_first(person, first_attended):
    """Days from referral (start where no referral is known) to the first attended session."""
    if first_attended is None:
        return None
    return (first_attended - (person.referral_date or person.start_date)).days


def enrolled_in(person, window):
    """Whether the person's enrolment overlaps the window (so they are listed)."""
    return person.start_date <= window.end and (person.end_date is None or person.end_date >= window.start)


@dataclass(frozen=True)
class Rates:
    """Counts of a group and its percentages; percentages are None for groups under the small-group minimum."""

    counted: int
    engaged: int
    any_participation: int
    pct_engaged: float | None
    pct_any: float | None

    @property
    def suppressed(self):
        return self.pct_engaged is None and self.counted > 0


def rates(counted, engaged, any_participation, small_group_min=DEFAULT_SMALL_GROUP_MIN):
    """Percentages (0-100) of engaged and of any participation among those counted, unless the group is small."""
    show = counted >= small_group_min and counted > 0
    return Rates(counted=counted, engaged=engaged, any_participation=any_participation,
                 pct_engaged=100 * engaged / counted if show else None,
                 pct_any=100 * any_participation / counted if show else None)


@dataclass(frozen=True)
class Summary:
    listed: int
    rates: Rates
    mean_attended: float | None
    sd_attended: float | None
    mean_modules: float | None
    sd_modules: float | None
    median_days_to_first: float | None
    n_days_to_first: int


def summarize(measures, listed=None, small_group_min=DEFAULT_SMALL_GROUP_MIN):
    """A team's or program's numbers from its participants' Measures (those with nothing offered are left out)."""
    measures = list(measures)
    counted = [m for m in measures if m.counted]
    waits = [m.days_to_first for m in counted if m.days_to_first is not None]
    return Summary(
        listed=len(measures) if listed is None else listed,
        rates=rates(len(counted), sum(1 for m in counted if m.engaged), sum(1 for m in counted if m.attended >= 1),
                    small_group_min),
        mean_attended=mean(m.attended for m in counted), sd_attended=sd(m.attended for m in counted),
        mean_modules=mean(m.modules_completed for m in counted), sd_modules=sd(m.modules_completed for m in counted),
        median_days_to_first=median(waits), n_days_to_first=len(waits))


def monthly_rates(people, sessions, statuses_by_person, window, threshold=DEFAULT_THRESHOLD,
                  small_group_min=DEFAULT_SMALL_GROUP_MIN):
    """[(month key, Rates)] for every month of the window, each month measured as its own window."""
    trend = []
    for key, first, last in window.months():
        month = Window(first, last)
        counted = [m for m in (measure(p, sessions, statuses_by_person.get(p.id, {}), month, threshold)
                               for p in people) if m.counted]
        trend.append((key, rates(len(counted), sum(1 for m in counted if m.engaged),
                                 sum(1 for m in counted if m.attended >= 1), small_group_min)))
    return trend


def completed_modules(per_module):
    """Modules with more than half of their offered sessions attended; {module: [offered, attended]}, where the
    sessions whose module was not recorded (None) complete no module."""
    done = 0
    for module, (n, att) in per_module.items():  # a loop, not sum() over a generator: it runs for every participant
        if module is not None and att > MODULE_COMPLETION * n:
            done += 1
    return done


def modules_delivered(sessions, window):
    """{(team id, module): sessions held in the window}; module None counts those whose module is not recorded."""
    counts = {}
    for s in sessions:
        if window.start <= s.session_date <= window.end:
            counts[(s.team_id, s.module)] = counts.get((s.team_id, s.module), 0) + 1
    return counts


_END = (object(), None, None, 0, 0)  # a row after the last: no participant has its id


def sum_grouped(rows, threshold=DEFAULT_THRESHOLD):
    """Per-participant and per-month numbers from offered sessions already counted by participant, month
    and module (what the dashboards' SQL returns).

    rows: (participant id, month key, module, offered, attended), ordered by participant and month.
    Returns ({participant id: (offered, attended, modules completed)},
             {month key: (counted, engaged, any participation)}), months in order.
    One pass with each month's counting written inline, once (a row after the last closes the last month): it runs
    over every row of a program page's numbers, and a call per participant and month was a third of its time.
    """
    people, months = {}, {}
    person = month = None
    modules = {}  # module -> [offered, attended] of the current participant
    offered = attended = 0  # of the current participant and month
    for pid, key, module, n, att in chain(rows, (_END,)):  # _END closes the last participant's month
        if pid != person or key != month:
            if person is not None:
                totals = months.get(month)
                if totals is None:
                    totals = months[month] = [0, 0, 0]
                totals[0] += 1
                if is_engaged(attended, offered, threshold):
                    totals[1] += 1
                if attended >= 1:
                    totals[2] += 1
                if pid != person:
                    people[person] = _person_totals(modules)
                    modules = {}
            person, month, offered, attended = pid, key, 0, 0
        offered += n
        attended += att
        cell = modules.get(module)
        if cell is None:
            modules[module] = [n, att]
        else:
            cell[0] += n
            cell[1] += att
    return people, {key: tuple(months[key]) for key in sorted(months)}


def _person_totals(modules):
    offered = attended = 0
    for n, att in modules.values():
        offered += n
        attended += att
    return offered, attended, completed_modules(modules)
