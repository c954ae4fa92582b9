"""The one SQL definition of "offered sessions" (DESIGN.md, Engagement numbers), mirroring scoring/engagement.py.

A participant is offered their team's group sessions (group format) and their own individual sessions,
inside their enrolment and the window. A session without an attendance row is offered, not attended.
"""
from sqlalchemy import Date, Integer, and_, case, cast, extract, literal_column, or_, select, type_coerce, union_all

from models import Attendance, Participant, Session

P, S, A = Participant.__table__, Session.__table__, Attendance.__table__


def month_of(column):
    """yyyymm of a date column, the same on SQLite and PostgreSQL."""
    # A literal 100, not a bound parameter, so PostgreSQL sees the same expression in SELECT and GROUP BY.
    return cast(extract("year", column) * literal_column("100") + extract("month", column), Integer)


def offered_rows(participant_filter=None, start=None, end=None, team_ids=None):
    """A select of (participant_id, team_id, session_date, month, module, attended 0/1), one row per offered session.

    participant_filter: a condition on participant columns (e.g. P.c.team_id.in_(ids)); start/end: dates
    bounding the session dates (either may be None); team_ids: when the participants are these teams', say so
    (ids or a bind parameter), so their group sessions are read by team and date, not every team's in the window
    joined to the participants afterwards (the program page read all 94,000 group sessions of a 12M-row state).
    """
    attended = case((A.c.status == "attended", 1), else_=0).label("attended")
    parts = []
    for joined_on, format_filter in ((and_(S.c.team_id == P.c.team_id, S.c.participant_id.is_(None)),
                                      P.c.format == "group"),
                                     (S.c.participant_id == P.c.id, None)):
        conditions = [S.c.session_date >= P.c.start_date,
                      or_(P.c.end_date.is_(None), S.c.session_date <= P.c.end_date)]
        if start is not None:
            conditions.append(S.c.session_date >= start)
        if end is not None:
            conditions.append(S.c.session_date <= end)
        if format_filter is not None:
            conditions.append(format_filter)
            if team_ids is not None:  # group sessions are the team's; individual ones follow their participant
                conditions.append(S.c.team_id.in_(team_ids))
        if participant_filter is not None:
            conditions.append(participant_filter)
        parts.append(
            select(P.c.id.label("participant_id"), P.c.team_id.label("team_id"),
                   type_coerce(S.c.session_date, Date).label("session_date"), month_of(S.c.session_date).label("month"),
                   S.c.module.label("module"), attended)
            .select_from(P.join(S, joined_on)
                         .outerjoin(A, and_(A.c.session_id == S.c.id, A.c.participant_id == P.c.id)))
            .where(*conditions))
    return union_all(*parts)
