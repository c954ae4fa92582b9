"""The dashboards' goals panel numbers: per team, the share of participants with a goal set by their 4th attended
session and the share reviewed in the last 30 days of the window (charts.py, tables.py show them like the others).

The rules are scoring/goals.py's: SQL finds, beside the page's participants, each one's 4th attended session, the
day their first long-term goal was set (first_goal_day) and whether a goal was reviewed in the period
(reviewed_between); goals_json asks set_by and goals_panel_row of them (tests/dashboards/test_goals_panel.py holds
the SQL to the pure functions). "Attended" is DESIGN.md's one definition (offered sessions with status attended),
read from the daily summaries.
"""
from functools import cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Date, Integer, and_, bindparam, case, cast, func, literal, null, select, type_coerce, union_all

from dashboards import page_queries
from dashboards.models import EngagementDay, EngagementMonth, EngagementTotal
from dashboards.follow_up import follow_up_params, follow_up_select
from dashboards.offered import P
from dashboards.prepared import PREPARED
from models import Goal, GoalReview
from scoring.engagement import month_key
from scoring import goals

D, M, T = EngagementDay.__table__, EngagementMonth.__table__, EngagementTotal.__table__
N, KEY, FIRST, FIRST_KEY = (bindparam("n", type_=Integer), bindparam("key", type_=Integer),
                            bindparam("first", type_=Date), bindparam("first_key", type_=Integer))


NTH, RECENT, LAST, GOAL_SET, REVIEWED = 1, 2, 3, 4, 5  # what a row of _panel_statement says of its participant


class Findings(NamedTuple):
    """What the panel's statement found per participant (and, when asked, the follow-up list's columns)."""

    nth: dict  # {participant id: date of their n-th attended session up to the window's end}
    recent: set  # participants with an attended session from `first` to the window's end
    follow_up: dict  # {participant id: (last attended or None, sessions missed in a row)}; {} unless asked
    first_goal: dict  # {participant id: the day their first long-term goal was set}
    reviewed: set  # participants with a goal reviewed from `first` to the window's end


@cache
def _panel_statement(with_format, follow_up=False):
    """The panel's per-participant findings in one statement (built once per shape), and on a team page the
    follow-up list's too: rows (id, NTH, date of their n-th attended session, None), (id, RECENT, None, None),
    (id, GOAL_SET, day their first long-term goal was set, None), (id, REVIEWED, None, None) and (id, LAST, last
    attended day, sessions missed in a row since). One round trip and one plan where there were four."""
    parts = [_nth_select(with_format), _recent_select(with_format), *_goal_selects(with_format)]
    if follow_up:
        last = follow_up_select(with_format).subquery("follow_up")
        parts.append(select(last.c.participant_id, literal(LAST, Integer), last.c.last, last.c.missed))
    return union_all(*parts)


def _nth_select(with_format):
    """The scope's participants who attended n or more sessions up to the window's end, with the n-th one's date.

    Found on the summaries, reading a few rows per participant: the first month whose running total reaches n
    (an index seek), then that month's days, counted on from the total before it. Attended is DESIGN.md's
    (offered sessions with status attended). The attendance rows of a program's people joined to their
    sessions and sorted had cost as much as the page's own numbers.
    """
    first_month = (select(func.min(T.c.month))
                   .where(T.c.participant_id == P.c.id, T.c.attended >= N, T.c.month <= KEY).scalar_subquery())
    # Kept apart (materialized): one index seek per participant, then their few rows by key. Left to the planner,
    # it read every monthly summary of the state, or (as a join) repeated the seek three times per participant.
    reached = (select(P.c.id.label("participant_id"), first_month.label("month"))
               .where(P.c.id.in_(page_queries.members(with_format))).cte("reached").prefix_with("MATERIALIZED"))
    # What each had attended before that month, found once per participant and kept apart too: joined to every
    # day of the month instead, PostgreSQL looked the running total up once per day (server time of a program's
    # statement at 1M and 12M rows 6.8 -> 2.5-2.8 ms, planning 1.35 -> 0.85 ms).
    before = (select(reached.c.participant_id, reached.c.month, (T.c.attended - M.c.attended).label("attended"))
              .select_from(reached
                           .join(T, and_(T.c.participant_id == reached.c.participant_id, T.c.month == reached.c.month))
                           .join(M, and_(M.c.participant_id == T.c.participant_id, M.c.month == T.c.month)))
              .cte("attended_before").prefix_with("MATERIALIZED"))
    running = (select(D.c.participant_id, D.c.day,
                      (before.c.attended + func.sum(D.c.attended).over(partition_by=D.c.participant_id,
                                                                       order_by=D.c.day)).label("cum"))
               .select_from(before.join(D, and_(D.c.participant_id == before.c.participant_id,
                                                D.c.month == before.c.month)))
               .where(D.c.day <= page_queries.END, D.c.attended > 0).subquery())
    return (select(running.c.participant_id, literal(NTH, Integer).label("finding"),
                   type_coerce(func.min(running.c.day), Date).label("day"), cast(null(), Integer).label("missed"))
            .where(running.c.cum >= N).group_by(running.c.participant_id))


def _recent_select(with_format):
    """The scope's participants with an attended session dated from `first` to the window's end (a seek per
    participant on the daily summaries' key)."""
    return (select(D.c.participant_id, literal(RECENT, Integer), cast(null(), Date), cast(null(), Integer))
            .where(D.c.participant_id.in_(page_queries.members(with_format)), D.c.month.between(FIRST_KEY, KEY),
                   D.c.day.between(FIRST, page_queries.END), D.c.attended > 0).distinct())


def _goal_selects(with_format):
    """The scope's participants with the day their first long-term goal was set (scoring.goals.first_goal_day), and
    those with a goal reviewed from `first` to the window's end (scoring.goals.reviewed_between). The page reads no
    goal beyond these two facts."""
    ours = Goal.participant_id.in_(page_queries.members(with_format))
    first_set = (select(Goal.participant_id, literal(GOAL_SET, Integer), type_coerce(func.min(Goal.date_set), Date),
                        cast(null(), Integer))
                 .where(ours, Goal.level == goals.LONG_TERM).group_by(Goal.participant_id))
    reviewed = (select(Goal.participant_id, literal(REVIEWED, Integer), cast(null(), Date), cast(null(), Integer))
                .join(GoalReview, GoalReview.goal_id == Goal.id)
                .where(ours, GoalReview.review_date.between(FIRST, page_queries.END)).distinct())
    return first_set, reviewed


@cache
def _people_statement(with_format, follow_up):
    """page_queries.people_statement with each participant's findings beside them (None where none): the people and
    the panel's findings were two statements over the same participants, now one round trip and one plan."""
    found = _panel_statement(with_format, follow_up).subquery("found")

    def of(finding, column, kind):
        return type_coerce(func.max(case((found.c.finding == finding, column))), kind)
    per_person = (select(found.c.participant_id, of(NTH, found.c.day, Date).label("nth"),
                         of(RECENT, literal(1, Integer), Integer).label("recent"),
                         of(LAST, found.c.day, Date).label("last"), of(LAST, found.c.missed, Integer).label("missed"),
                         of(GOAL_SET, found.c.day, Date).label("goal_set"),
                         of(REVIEWED, literal(1, Integer), Integer).label("reviewed"))
                  .group_by(found.c.participant_id).subquery("findings"))
    return (page_queries.people_statement(with_format)
            .add_columns(per_person.c.nth, per_person.c.recent, per_person.c.last, per_person.c.missed,
                         per_person.c.goal_set, per_person.c.reviewed)
            .outerjoin_from(P, per_person, per_person.c.participant_id == P.c.id)
            .execution_options(**PREPARED))  # planning it cost as much as running it (prepared.py)


def people_and_findings(scope, first, n=goals.GOAL_SET_WITHIN, follow_up=False):
    """(page_queries.people(scope), the Findings of those participants: their n-th attended session, whether they
    attended since `first`, their goals' two facts and, with follow_up, the follow-up list's columns), in one
    statement."""
    params = {**follow_up_params(scope), "n": n, "first": first, "first_key": month_key(first)}
    persons, found = [], Findings({}, set(), {}, {}, set())
    for row in page_queries.columns(_people_statement(scope.fmt is not None, follow_up), params):
        person = page_queries.person(row)
        persons.append(person)
        pid, (day, attended_since, last_day, missed, goal_set, reviewed) = person.enrolment.id, row[8:]
        if day is not None:
            found.nth[pid] = day
        if attended_since:
            found.recent.add(pid)
        if missed is not None:  # a follow-up row (last_day None: never attended)
            found.follow_up[pid] = (last_day, int(missed))
        if goal_set is not None:
            found.first_goal[pid] = goal_set
        if reviewed:
            found.reviewed.add(pid)
    return persons, found


def findings(scope, first, n=goals.GOAL_SET_WITHIN, follow_up=False):
    """The Findings of people_and_findings alone."""
    return people_and_findings(scope, first, n, follow_up)[1]


def review_start(window):
    """The first day of the panel's review period: GOAL_REVIEW_DAYS before the window's end."""
    return goals.review_start(window.end, current_app.config["GOAL_REVIEW_DAYS"])


def _findings(scope, first, n=goals.GOAL_SET_WITHIN):
    """(nth, recent) of findings (the tests' view of them)."""
    found = findings(scope, first, n)
    return found.nth, found.recent


def _nth_attended(scope, n=goals.GOAL_SET_WITHIN):
    """{participant id: date of their n-th attended session up to the window's end} (the tests' view of it)."""
    return _findings(scope, scope.window.end, n)[0]


def goals_json(teams, scope, people, small_group_min, found=None):
    """{"days": review days, "teams": [{id, name, figures...}], "total": figures} for the panel.

    scope: the page's (page_queries.Scope); people: {participant id: team id} of its participants; found: the
    scope's findings(scope, review_start(scope.window)) when the page read them already (with its follow-up list)."""
    days = current_app.config["GOAL_REVIEW_DAYS"]
    found = found or findings(scope, review_start(scope.window))
    fourth, first_goal = found.nth, found.first_goal

    def row(pids):
        early = [goals.set_by(fourth[p], first_goal.get(p)) for p in pids if p in fourth]  # set by the n-th
        reviewed = [p in found.reviewed for p in pids if p in found.recent]
        return goals.goals_panel_row(early, reviewed, small_group_min)
    rows = [{"id": t.id, "name": t.name, **row([p for p, tid in people.items() if tid == t.id])} for t in teams]
    return {"days": days, "teams": rows, "total": row(list(people))}
