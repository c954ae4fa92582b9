"""The evidence panel's figures for a visit, from the database: scoring/evidence.py's definitions in SQL.

The rows are read narrowly (a program may sit in a million attendance rows): the window's attended rows in
one pass, each team's session dates once; eligibility, shares and anchors then go through the same pure
functions, so the two cannot drift apart in how a figure becomes an anchor. tests/fidelity/reports/test_evidence_sql.py checks they agree.
"""
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, select

from extensions import db
from models import Attendance, Participant, Session, Team
from org.goal_queries import goal_records
from scoring import evidence as ev
from scoring.engagement import Enrolment
from scoring.goals import REVIEW_DAYS


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


def attended_in_window(unit):
    """({session id: attendees} of the unit's sessions in the window, ids of participants who attended one).

    One pass over the window's attended rows serves item 1 and items 6-7; an individual session counts 1.
    """
    held = (Session.team_id.in_(unit.team_ids), Session.session_date.between(unit.window.start, unit.window.end))
    sessions = dict(db.session.execute(select(Session.id, Session.participant_id).where(*held)).all())
    sizes = {sid: 0 if pid is None else 1 for sid, pid in sessions.items()}
    people = set()
    # Sessions first, then attendance by its session index: an IN (subquery) let SQLite scan a whole index.
    for sid, pid in db.session.execute(select(Attendance.session_id, Attendance.participant_id)
                                       .select_from(Session).join(Attendance, Attendance.session_id == Session.id)
                                       .where(*held, Attendance.status == "attended")):
        people.add(pid)
        if sessions[sid] is None:
            sizes[sid] += 1
    return sizes, people


def session_sizes(unit):
    """{session id: attendees} of the unit's sessions in the window; an individual session counts 1."""
    return attended_in_window(unit)[0]


def program_spans(unit):
    """(enrolments of the unit, {participant id: (sessions offered from start to end or visit, first, last)}).

    A team's group session dates are read once and each participant's span found by bisection: joining
    participants to sessions in SQL read 150,000 index entries for a 20-team program (250 ms on SQLite).
    """
    people = db.session.execute(select(Participant.id, Participant.team_id, Participant.format,
                                       Participant.start_date, Participant.end_date)
                                .where(Participant.team_id.in_(unit.team_ids))).all()
    latest_start = unit.visit_date - timedelta(days=ev.ELIGIBLE_DAYS)
    dates = {}
    for team_id, day in db.session.execute(select(Session.team_id, Session.session_date).where(
            Session.team_id.in_(unit.team_ids), Session.participant_id.is_(None),
            Session.session_date <= unit.visit_date).order_by(Session.team_id, Session.session_date)):
        dates.setdefault(team_id, []).append(day)
    spans = {}
    for pid, team_id, fmt, start, end in people:
        held = dates.get(team_id, [])
        if fmt != "group" or start > latest_start or not held:
            continue
        lo, hi = bisect_left(held, start), bisect_right(held, min(end or unit.visit_date, unit.visit_date))
        if hi > lo:
            spans[pid] = (hi - lo, held[lo], held[hi - 1])
    last = func.coalesce(Participant.end_date, unit.visit_date)
    own = db.session.execute(
        select(Participant.id, func.count(Session.id), func.min(Session.session_date), func.max(Session.session_date))
        .join(Session, and_(Session.participant_id == Participant.id, Session.session_date >= Participant.start_date,
                            Session.session_date <= last, Session.session_date <= unit.visit_date))
        .where(Participant.team_id.in_(unit.team_ids), Participant.start_date <= latest_start)
        .group_by(Participant.id))
    for pid, n, first, final in own:
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


def modules_held(unit):
    """{module: [session ids]} of the unit's sessions in the window (sessions without a module left out)."""
    held = {}
    for module, sid in db.session.execute(select(Session.module, Session.id)
                                          .where(Session.team_id.in_(unit.team_ids), Session.module.is_not(None),
                                                 Session.session_date.between(unit.window.start, unit.window.end))):
        held.setdefault(module, []).append(sid)
    return held


def attenders(unit, first, last):
    """Participant ids of the unit with an attended session dated in [first, last]."""
    return set(db.session.scalars(
        select(Attendance.participant_id).join(Session, Session.id == Attendance.session_id)
        .where(Session.team_id.in_(unit.team_ids), Session.session_date.between(first, last),
               Attendance.status == "attended").distinct()))


def unit_evidence(scale, format, unit, review_days=REVIEW_DAYS):
    """[(item, Evidence)] for the items of this scale and format that declare a measurable criterion."""
    found = []
    items = scale.evidence_items(format)
    if any(i.evidence.measure in ("session_size", "goal_setting") for i in items):
        sizes, window_attenders = attended_in_window(unit)
    for item in items:
        criterion = item.evidence
        measure = criterion.measure
        if measure == "session_size":
            figure = ev.session_size(item.number, criterion, sizes)
        elif measure == "program_length":
            figure = program_length(item.number, criterion, unit)
        elif measure == "topics":
            figure = ev.topics_taught(item.number, criterion, scale.topics, modules_held(unit))
        elif measure == "goal_setting":
            figure = ev.goal_setting(item.number, criterion, window_attenders,
                                     goal_records(window_attenders, with_reviews=False),
                                     unit.window)
        else:  # goal_follow_up
            first = unit.visit_date - timedelta(days=review_days)
            people = attenders(unit, first, unit.visit_date)
            figure = ev.goal_follow_up(item.number, criterion, people,
                                       goal_records(people, reviews_between=(first, unit.visit_date)),
                                       unit.visit_date, review_days)
        found.append((item, figure))
    return found
