"""The dashboards' goals panel numbers: per team, the share of participants with a goal set by their 4th attended
session and the share reviewed in the last 30 days of the window (charts.py, tables.py show them like the others).

Definitions: scoring/goals.py (set_by, reviewed_between, goals_panel_row); the 4th attended session is found in SQL.
"Attended" is DESIGN.md's one definition (offered sessions with status attended), read from the daily summaries.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from dashboards.models import EngagementDay, EngagementMonth, EngagementTotal
from dashboards.offered import P
from extensions import db
from models import Participant
from org.goal_queries import goal_records
from scoring.engagement import month_key
from scoring.goals import GOAL_SET_WITHIN, goals_panel_row, reviewed_between, set_by

D, M, T = EngagementDay.__table__, EngagementMonth.__table__, EngagementTotal.__table__


def _people(team_ids, fmt, window):
    """{participant id: team id} of the teams' participants enrolled at some time in the window."""
    query = select(Participant.id, Participant.team_id).where(
        Participant.team_id.in_(list(team_ids)), Participant.start_date <= window.end,
        (Participant.end_date.is_(None)) | (Participant.end_date >= window.start))
    if fmt:
        query = query.where(Participant.format == fmt)
    return dict(db.session.execute(query).all())


def _nth_attended(people, last_day, n=GOAL_SET_WITHIN):
    """{participant id: date of their n-th attended session up to last_day}, for those who attended n or more.

    Found on the summaries, reading a few rows per participant: the first month whose running total reaches n
    (an index seek), then that month's days, counted on from the total before it. Attended is DESIGN.md's
    (offered sessions with status attended). The attendance rows of a program's people joined to their
    sessions and sorted had cost as much as the page's own numbers.
    """
    ids = list(people)
    if not ids:
        return {}
    key = month_key(last_day)
    reached = (select(func.min(T.c.month)).where(T.c.participant_id == P.c.id, T.c.attended >= n, T.c.month <= key)
               .scalar_subquery())
    by_month = {}
    for pid, month in db.session.execute(select(P.c.id, reached).where(P.c.id.in_(ids))):
        if month is not None:
            by_month.setdefault(month, []).append(pid)
    if not by_month:
        return {}
    # Two statements: as one, PostgreSQL evaluated the seek above three times per participant.
    before = T.c.attended - M.c.attended  # attended up to the end of the month before
    running = (select(D.c.participant_id, D.c.day,
                      (before + func.sum(D.c.attended).over(partition_by=D.c.participant_id,
                                                            order_by=D.c.day)).label("cum"))
               .select_from(T.join(M, and_(M.c.participant_id == T.c.participant_id, M.c.month == T.c.month))
                            .join(D, and_(D.c.participant_id == T.c.participant_id, D.c.month == T.c.month)))
               .where(or_(*(and_(T.c.month == month, T.c.participant_id.in_(pids))
                            for month, pids in by_month.items())),
                      D.c.day <= last_day, D.c.attended > 0).subquery())
    return dict(db.session.execute(select(running.c.participant_id, func.min(running.c.day))
                                   .where(running.c.cum >= n).group_by(running.c.participant_id)).all())


def _recent(people, first, last):
    """Participant ids with an attended session dated in [first, last] (a seek per participant on the daily
    summaries' key)."""
    if not people:
        return set()
    return set(db.session.scalars(
        select(D.c.participant_id)
        .where(D.c.participant_id.in_(list(people)), D.c.month.between(month_key(first), month_key(last)),
               D.c.day.between(first, last), D.c.attended > 0).distinct()))


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
