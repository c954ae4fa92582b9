"""The dashboards' goals panel numbers: per team, the share of participants with a goal set by their 4th attended
session and the share reviewed in the last 30 days of the window (charts.py, tables.py show them like the others).

Definitions: scoring/goals.py (set_by, reviewed_between, goals_panel_row); the 4th attended session is found in SQL.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from extensions import db
from models import Attendance, Participant, Session
from org.goal_queries import goal_records
from scoring.goals import GOAL_SET_WITHIN, goals_panel_row, reviewed_between, set_by


def _people(team_ids, fmt, window):
    """{participant id: team id} of the teams' participants enrolled at some time in the window."""
    query = select(Participant.id, Participant.team_id).where(
        Participant.team_id.in_(list(team_ids)), Participant.start_date <= window.end,
        (Participant.end_date.is_(None)) | (Participant.end_date >= window.start))
    if fmt:
        query = query.where(Participant.format == fmt)
    return dict(db.session.execute(query).all())


def _nth_attended(people, last_day, n=GOAL_SET_WITHIN):
    """{participant id: date of their n-th attended session up to last_day}, for those who attended n or more."""
    ranked = (select(Attendance.participant_id, Session.session_date,
                     func.row_number().over(partition_by=Attendance.participant_id,
                                            order_by=(Session.session_date, Session.id)).label("rn"))
              .join(Session, Session.id == Attendance.session_id)
              .where(Attendance.participant_id.in_(list(people)), Attendance.status == "attended",
                     Session.session_date <= last_day).subquery())
    return dict(db.session.execute(select(ranked.c.participant_id, ranked.c.session_date)
                                   .where(ranked.c.rn == n)).all())


def _recent(people, first, last):
    """Participant ids with an attended session dated in [first, last]."""
    return set(db.session.scalars(
        select(Attendance.participant_id).join(Session, Session.id == Attendance.session_id)
        .where(Attendance.participant_id.in_(list(people)), Attendance.status == "attended",
               Session.session_date.between(first, last)).distinct()))


def goals_json(teams, fmt, window, small_group_min):
    """{"days": review days, "teams": [{id, name, figures...}], "total": figures} for the panel."""
    days = current_app.config["GOAL_REVIEW_DAYS"]
    people = _people([t.id for t in teams], fmt, window)
    fourth = _nth_attended(people, window.end)
    first = window.end - timedelta(days=days)
    recent = _recent(people, first, window.end)
    goals = {}
    for g in goal_records(list(people)):
        goals.setdefault(g.participant_id, []).append(g)

    def row(pids):
        early = [set_by(fourth[p], goals.get(p, [])) for p in pids if p in fourth]
        reviewed = [any(reviewed_between(g, first, window.end) for g in goals.get(p, [])) for p in pids if p in recent]
        return goals_panel_row(early, reviewed, small_group_min)
    rows = [{"id": t.id, "name": t.name, **row([p for p, tid in people.items() if tid == t.id])} for t in teams]
    return {"days": days, "teams": rows, "total": row(list(people))}
