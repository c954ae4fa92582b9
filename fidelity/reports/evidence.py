"""The evidence panel's figures for a visit, from the database: scoring/evidence.py's definitions in SQL.

Sizes, program length and attenders are counted in the database (a program may hold a million attendance
rows); the anchors and shares then go through the same pure functions, so the two cannot drift apart in
how a figure becomes an anchor. tests/fidelity/reports/test_evidence_sql.py checks they agree.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, exists, func, literal, or_, select

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


def session_sizes(unit):
    """{session id: attendees} of the unit's sessions in the window; an individual session counts 1."""
    attended = and_(Attendance.session_id == Session.id, Attendance.status == "attended")
    size = case((Session.participant_id.is_(None), func.count(Attendance.id)), else_=literal(1))
    rows = db.session.execute(select(Session.id, size).outerjoin(Attendance, attended)
                              .where(Session.team_id.in_(unit.team_ids),
                                     Session.session_date.between(unit.window.start, unit.window.end))
                              .group_by(Session.id, Session.participant_id))
    return dict(rows.all())


def program_spans(unit):
    """(enrolments of the unit, {participant id: (sessions offered from start to end or visit, first, last)})."""
    people = db.session.execute(select(Participant.id, Participant.team_id, Participant.format,
                                       Participant.start_date, Participant.end_date)
                                .where(Participant.team_id.in_(unit.team_ids))).all()
    last = func.coalesce(Participant.end_date, unit.visit_date)
    offered = or_(and_(Session.participant_id.is_(None), Participant.format == "group",
                       Session.team_id == Participant.team_id),
                  Session.participant_id == Participant.id)
    rows = db.session.execute(
        select(Participant.id, func.count(Session.id), func.min(Session.session_date), func.max(Session.session_date))
        .join(Session, and_(offered, Session.session_date >= Participant.start_date, Session.session_date <= last,
                            Session.session_date <= unit.visit_date))
        .where(Participant.team_id.in_(unit.team_ids),
               Participant.start_date <= unit.visit_date - timedelta(days=ev.ELIGIBLE_DAYS))
        .group_by(Participant.id))
    return people, {pid: (n, first, last_day) for pid, n, first, last_day in rows}


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
    attended = (select(literal(1)).select_from(Attendance).join(Session, Session.id == Attendance.session_id)
                .where(Attendance.participant_id == Participant.id, Attendance.status == "attended",
                       Session.session_date.between(first, last)))
    return set(db.session.scalars(select(Participant.id).where(Participant.team_id.in_(unit.team_ids),
                                                               exists(attended))))


def unit_evidence(scale, format, unit, review_days=REVIEW_DAYS):
    """[(item, Evidence)] for the items of this scale and format that declare a measurable criterion."""
    found, cache = [], {}
    for item in scale.evidence_items(format):
        criterion = item.evidence
        measure = criterion.measure
        if measure == "session_size":
            figure = ev.session_size(item.number, criterion, session_sizes(unit))
        elif measure == "program_length":
            figure = program_length(item.number, criterion, unit)
        elif measure == "topics":
            figure = ev.topics_taught(item.number, criterion, scale.topics, modules_held(unit))
        elif measure == "goal_setting":
            people = attenders(unit, unit.window.start, unit.window.end)
            figure = ev.goal_setting(item.number, criterion, people, _goals(cache, people), unit.window)
        else:  # goal_follow_up
            people = attenders(unit, unit.visit_date - timedelta(days=review_days), unit.visit_date)
            figure = ev.goal_follow_up(item.number, criterion, people, _goals(cache, people), unit.visit_date,
                                       review_days)
        found.append((item, figure))
    return found


def _goals(cache, people):
    missing = set(people) - cache.keys()
    for record in goal_records(missing):
        cache.setdefault(record.participant_id, []).append(record)
    for pid in missing:
        cache.setdefault(pid, [])
    return [g for pid in people for g in cache[pid]]
