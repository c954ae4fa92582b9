"""The evidence panel's figures for a visit, from the database: scoring/evidence.py's definitions in SQL.

Set-based (a program may sit in a million attendance rows): attendees are counted per session and goal depth
and follow-up found per participant in SQL, each team's session dates read once; the per-participant rules
(scoring.goals.followed_up), shares and anchors then go through the same pure functions, so the two cannot
drift apart in how a figure becomes an anchor. tests/fidelity/reports/test_evidence_sql.py checks they agree.
"""
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import and_, bindparam, case, func, select, text
from sqlalchemy.orm import aliased

from dashboards.models import EngagementDay
from dashboards.offered import month_of
from extensions import db
from models import Attendance, Goal, GoalReview, Participant, Session, Team
from scoring import evidence as ev
from scoring.engagement import Enrolment, month_key
from scoring.goals import FOLLOW_UP_SESSIONS, LONG_TERM, REVIEW_DAYS, followed_up, sessions_around


@dataclass(frozen=True)
class Unit:
    """What a visit rates: a program's teams or one team, on a visit date, over a window."""

    team_ids: tuple
    visit_date: date
    window: object  # scoring.engagement.Window


def unit_of(assessment):
    """The Unit of an Assessment, with its stored window or the default one."""
    team_ids = (assessment.team_id,) if assessment.team_id else tuple(
        db.session.scalars(select(Team.id).where(Team.program_id == assessment.program_id)))
    return Unit(team_ids, assessment.visit_date,
                ev.window_of(assessment.visit_date, assessment.evidence_from, assessment.evidence_to))


def _run(statement, **values):
    """The rows of one of the statements below in the session's transaction, given its parameters' values.

    Each statement is built once per process with named parameters (building and keying them anew was a third
    of the panel's Python time) and run through Core (ORM row loading was another part of it); fetch rows with
    .all(), which reads them in one call (iterating the result fetched them one by one, at twice the cost).
    """
    return db.session.connection().execute(statement(), values)


def _held(first, last):
    """The conditions of the unit's sessions (parameter `teams`) dated in [first, last] (parameter names)."""
    return Session.team_id.in_(bindparam("teams", expanding=True)), Session.session_date.between(
        bindparam(first), bindparam(last))


@cache
def _sessions_statement():
    attended = (select(func.count()).select_from(Attendance)
                .where(Attendance.session_id == Session.id, Attendance.status == "attended").scalar_subquery())
    size = case((Session.participant_id.is_(None), attended), else_=1)
    return select(Session.id, Session.module, size).where(*_held("start", "end"))


def sessions_in_window(unit):
    """[(session id, module, attendees)] of the unit's sessions in the window; an individual session counts 1.

    Counted in SQL per session from the attendance index on (session, status): reading the window's attended
    rows into Python took 0.25 s for a 20-team program.
    """
    return _run(_sessions_statement, teams=list(unit.team_ids), start=unit.window.start, end=unit.window.end).all()


def session_sizes(unit):
    """{session id: attendees} of the unit's sessions in the window; an individual session counts 1."""
    return {sid: n for sid, _, n in sessions_in_window(unit)}


def _attenders(first, last):
    """A subquery of the ids of participants with an attended session of the unit dated in [first, last]."""
    return (select(Attendance.participant_id).join(Session, Session.id == Attendance.session_id)
            .where(*_held(first, last), Attendance.status == "attended").distinct().subquery())


@cache
def _depths_statement():
    people = _attenders("start", "end")
    lt, st, step = aliased(Goal), aliased(Goal), aliased(Goal)
    set_by = bindparam("end")
    depth = (select(func.max(case((step.id.is_not(None), 3), (st.id.is_not(None), 2), else_=1)))
             .select_from(lt)
             .outerjoin(st, and_(st.parent_id == lt.id, st.level == "short_term", st.date_set <= set_by))
             .outerjoin(step, and_(step.parent_id == st.id, step.level == "step", step.date_set <= set_by))
             .where(lt.participant_id == people.c.participant_id, lt.level == LONG_TERM, lt.date_set <= set_by)
             .scalar_subquery())
    return select(people.c.participant_id, func.coalesce(depth, 0))


def goal_depths(unit):
    """{participant id: goal depth} of those who attended in the window: scoring.evidence.goal_depths in SQL.

    The depth is looked up per attender (their long-term goals by participant, then children by parent): joined
    to the attenders and grouped, PostgreSQL foresaw ten times the attenders there are and hashed the whole goal
    table three times; EXISTS per level made it hash the table too, and switched its JIT compiler on (3 s).
    """
    return dict(_run(_depths_statement, teams=list(unit.team_ids), start=unit.window.start, end=unit.window.end)
                .all())


@cache
def _follow_up_statement():
    visit, first = bindparam("visit"), bindparam("first")
    people = (select(Attendance.participant_id, func.count().label("sessions"))
              .join(Session, Session.id == Attendance.session_id)
              .where(*_held("first", "visit"), Attendance.status == "attended")
              .group_by(Attendance.participant_id).subquery())
    # The newest review of each of their goals is one step back in the (goal, date) index; the newest of those.
    newest = (select(GoalReview.review_date).where(GoalReview.goal_id == Goal.id, GoalReview.review_date <= visit)
              .order_by(GoalReview.review_date.desc()).limit(1).scalar_subquery())
    last_review = (select(func.max(newest)).where(Goal.participant_id == people.c.participant_id)
                   .scalar_subquery())
    # Their team by key, not joined: PostgreSQL hashed every participant of the database for it.
    team = select(Participant.team_id).where(Participant.id == people.c.participant_id).scalar_subquery()
    # Materialised: SQLite otherwise merges it into the query and looks the review up again for every row.
    reviewed = (select(people.c.participant_id.label("pid"), people.c.sessions, team.label("team_id"),
                       last_review.label("day"))
                .cte("reviewed").prefix_with("MATERIALIZED"))
    day = EngagementDay
    nth_day = (select(day.day)
               .where(day.participant_id == reviewed.c.pid, day.month <= bindparam("visit_month"),
                      day.month >= month_of(reviewed.c.day), day.day > reviewed.c.day, day.day <= visit,
                      day.attended > 0)
               .order_by(day.month.desc(), day.day.desc()).offset(FOLLOW_UP_SESSIONS - 1).limit(1)
               .scalar_subquery())
    # Looked up per person (LIMIT 1, not EXISTS, which PostgreSQL hashed over every session of the database).
    teams = bindparam("teams", expanding=True)
    elsewhere = (select(Session.id).where(Session.participant_id == reviewed.c.pid, Session.team_id.not_in(teams))
                 .limit(1).scalar_subquery())
    undecided = and_(reviewed.c.day < first, reviewed.c.sessions < FOLLOW_UP_SESSIONS, reviewed.c.team_id.in_(teams))
    return select(reviewed.c.pid, reviewed.c.day, reviewed.c.sessions,
                  case((undecided, case((elsewhere.is_(None), nth_day)))))


def follow_up(unit, review_days=REVIEW_DAYS):
    """{participant id: outcome} of those who attended in the review days: scoring.goals.followed_up in SQL.

    Per recent attender: the latest goal review on or before the visit and, only where it is older than the
    review days and they attended fewer than FOLLOW_UP_SESSIONS sessions in them (otherwise the answer is
    known), whether they attended on FOLLOW_UP_SESSIONS days since the review: their own daily engagement rows
    (dashboards/models.py) read from the visit backwards and stopped there, a few rows each. Those days count
    sessions offered to them and attended, all of them the unit's where their team is the unit's and none of
    their individual sessions another team's (checked): so that many days means at least that many of the
    unit's sessions, and the answer is known. The few left have their attended dates read and counted.
    Walking their team's sessions back and looking each one's attendance up instead was half of the panel's
    time on PostgreSQL (10,000 lookups for a 20-team program).
    """
    visit, first = unit.visit_date, unit.visit_date - timedelta(days=review_days)
    rows = _run(_follow_up_statement, teams=list(unit.team_ids), first=first, visit=visit,
                visit_month=month_key(visit)).all()
    outcomes, left = {}, {}
    for pid, day, recent, nth in rows:
        if day is None or day >= first or recent >= FOLLOW_UP_SESSIONS or nth is not None:
            # Decided without counting: FOLLOW_UP_SESSIONS or more attended after the review, where it matters.
            outcomes[pid] = followed_up(day, (0, FOLLOW_UP_SESSIONS), visit, review_days)
        else:
            left[pid] = day
    for pid, days in _attended_dates(unit, list(left), visit).items():
        outcomes[pid] = followed_up(left[pid], sessions_around(days, left[pid], visit), visit, review_days)
    return outcomes


@cache
def _attended_dates_statement():
    return (select(Attendance.participant_id, Session.session_date)
            .join(Session, Session.id == Attendance.session_id)
            .where(Attendance.participant_id.in_(bindparam("people", expanding=True)),
                   Attendance.status == "attended", Session.team_id.in_(bindparam("teams", expanding=True)),
                   Session.session_date <= bindparam("last")))


def _attended_dates(unit, participant_ids, last):
    """{participant id: dates of the unit's sessions they attended up to `last`} of these participants."""
    found = {pid: [] for pid in participant_ids}
    for start in range(0, len(participant_ids), 500):  # bounded IN lists
        for pid, day in _run(_attended_dates_statement, people=participant_ids[start:start + 500],
                             teams=list(unit.team_ids), last=last).all():
            found[pid].append(day)
    return found


@cache
def _people_statement():
    return (select(Participant.id, Participant.team_id, Participant.format, Participant.start_date,
                   Participant.end_date).where(Participant.team_id.in_(bindparam("teams", expanding=True))))


@cache
def _group_dates_statement():
    return (select(Session.team_id, Session.session_date)
            .where(Session.team_id.in_(bindparam("teams", expanding=True)), Session.participant_id.is_(None),
                   Session.session_date <= bindparam("visit"))
            .order_by(Session.team_id, Session.session_date))


@cache
def _own_sessions_statement():
    # Own individual sessions looked up per participant through their (participant, date) index: joined,
    # PostgreSQL read every session of the database (83,000) to hash them against the unit's 1,000 people.
    visit = bindparam("visit")
    mine = (Session.participant_id == Participant.id, Session.session_date >= Participant.start_date,
            Session.session_date <= func.coalesce(Participant.end_date, visit), Session.session_date <= visit)
    n, first, final = (select(agg).where(*mine).scalar_subquery()
                       for agg in (func.count(), func.min(Session.session_date), func.max(Session.session_date)))
    return (select(Participant.id, n, first, final)
            .where(Participant.team_id.in_(bindparam("teams", expanding=True)),
                   Participant.start_date <= bindparam("latest_start"), first.is_not(None)))


def program_spans(unit):
    """(enrolments of the unit, {participant id: (sessions offered from start to end or visit, first, last)}).

    A team's group session dates are read once and each participant's span found by bisection: joining
    participants to sessions in SQL read 150,000 index entries for a 20-team program (250 ms on SQLite).
    """
    teams, visit = list(unit.team_ids), unit.visit_date
    people = _run(_people_statement, teams=teams).all()
    latest_start = visit - timedelta(days=ev.ELIGIBLE_DAYS)
    dates = {}
    for team_id, day in _run(_group_dates_statement, teams=teams, visit=visit).all():
        dates.setdefault(team_id, []).append(day)
    spans = {}
    for pid, team_id, fmt, start, end in people:
        held = dates.get(team_id, [])
        if fmt != "group" or start > latest_start or not held:
            continue
        lo, hi = bisect_left(held, start), bisect_right(held, min(end or visit, visit))
        if hi > lo:
            spans[pid] = (hi - lo, held[lo], held[hi - 1])
    for pid, n, first, final in _run(_own_sessions_statement, teams=teams, visit=visit,
                                     latest_start=latest_start).all():
        if pid in spans:
            old = spans[pid]
            n, first, final = n + old[0], min(first, old[1]), max(final, old[2])
        spans[pid] = (n, first, final)
    return people, spans


def program_length(item, criterion, unit):
    """Item 2 from offered-session counts per participant, through scoring.evidence.program_share."""
    people, spans = program_spans(unit)
    enrolments = [Enrolment(pid, tid, fmt, start, end) for pid, tid, fmt, start, end in people]
    return ev.program_share(item, criterion, enrolments, lambda p: p.id in spans and ev.long_enough(*spans[p.id]),
                            unit.window, unit.visit_date)


def plan_short_queries():
    """PostgreSQL: no JIT for the panel's queries until this transaction ends.

    Short queries whose foreseen cost crosses jit_above_cost: compiling them took longer than running them
    (70-90 ms of JIT for the follow-up query alone).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def unit_evidence(scale, format, unit, review_days=REVIEW_DAYS):
    """[(item, Evidence)] for the items of this scale and format that declare a measurable criterion."""
    found = []
    plan_short_queries()
    items = scale.evidence_items(format)
    if any(i.evidence.measure in ("session_size", "topics") for i in items):
        sessions = sessions_in_window(unit)
    for item in items:
        criterion = item.evidence
        measure = criterion.measure
        if measure == "session_size":
            figure = ev.session_size(item.number, criterion, {sid: n for sid, _, n in sessions})
        elif measure == "program_length":
            figure = program_length(item.number, criterion, unit)
        elif measure == "topics":
            figure = ev.topics_taught(item.number, criterion, scale.topics,
                                      *ev.modules_held((sid, module) for sid, module, _ in sessions))
        elif measure == "goal_setting":
            figure = ev.goal_setting_figure(item.number, criterion, goal_depths(unit))
        else:  # goal_follow_up
            figure = ev.follow_up_figure(item.number, criterion, follow_up(unit, review_days), review_days)
        found.append((item, figure))
    return found
