"""The one SQL definition of "offered sessions" (DESIGN.md, Engagement numbers), mirroring scoring/engagement.py.

A participant is offered their team's group sessions (group format) and their own individual sessions,
inside their enrolment and the window. A session without an attendance row is offered, not attended.
"""
from sqlalchemy import Date, Integer, and_, case, cast, extract, literal_column, or_, select, type_coerce, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from models import Attendance, Participant, Session

P, S, A = Participant.__table__, Session.__table__, Attendance.__table__


class month_of(ColumnElement):
    """yyyymm of a date column, the same on SQLite and PostgreSQL."""

    type = Integer()
    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column


@compiles(month_of)
def _month_of(element, compiler, **kw):
    # A literal 100, not a bound parameter, so PostgreSQL sees the same expression in SELECT and GROUP BY.
    column = element.column
    return compiler.process(cast(extract("year", column) * literal_column("100") + extract("month", column), Integer),
                            **kw)


@compiles(month_of, "sqlite")
def _month_of_sqlite(element, compiler, **kw):
    # SQLite keeps a date as ISO text ('2024-10-14'): its month is cut from it, not computed twice by strftime
    # (a quarter of the daily summaries' CPU after a large import went to strftime).
    column = compiler.process(element.column, **kw)
    return f"CAST(substr({column}, 1, 4) || substr({column}, 6, 2) AS INTEGER)"


@compiles(month_of, "postgresql")
def _month_of_postgresql(element, compiler, **kw):
    # date_part computes in double precision, EXTRACT (PostgreSQL 14 and later) in numeric: a sixth of the
    # server's time on a program page's offered sessions went to EXTRACT.
    column = compiler.process(element.column, **kw)
    return f"(CAST(date_part('year', {column}) AS INTEGER) * 100 + CAST(date_part('month', {column}) AS INTEGER))"


def offered_rows(participant_filter=None, start=None, end=None, team_ids=None, people_apart=False):
    """A select of (participant_id, team_id, session_date, month, module, attended 0/1), one row per offered session.

    participant_filter: a condition on participant columns (e.g. P.c.team_id.in_(ids)); start/end: dates
    bounding the session dates (either may be None); team_ids: when the participants are these teams', say so
    (ids or a bind parameter), so their group sessions are read by team and date, not every team's in the window
    joined to the participants afterwards (the program page read all 94,000 group sessions of a 12M-row state);
    people_apart (with participant_filter): the unit's people are read once by their index and kept apart
    (PostgreSQL; SQLite's plan is good as it is).
    Reading the group sessions' attendance one range per session, kept apart too, was tried and dropped: the
    planner misjudges how many people a kept-apart set holds (1 for 50), and for one team it scanned that set
    once per offered session (a team page at 1M rows: 470 ms, was 57).
    """
    attended = case((A.c.status == "attended", 1), else_=0).label("attended")
    parts, p = [], P
    if people_apart and participant_filter is not None:
        # The unit's people read once by their index and kept apart: left to it, PostgreSQL scanned the whole
        # participant table (in parallel) for the individual sessions' part at state scale.
        p = (select(P.c.id, P.c.team_id, P.c.format, P.c.start_date, P.c.end_date).where(participant_filter)
             .cte("unit_people").prefix_with("MATERIALIZED"))
        participant_filter = None
    for joined_on, format_filter in ((and_(S.c.team_id == p.c.team_id, S.c.participant_id.is_(None)),
                                      p.c.format == "group"),
                                     (S.c.participant_id == p.c.id, None)):
        conditions = [S.c.session_date >= p.c.start_date,
                      or_(p.c.end_date.is_(None), S.c.session_date <= p.c.end_date)]
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
            select(p.c.id.label("participant_id"), p.c.team_id.label("team_id"),
                   type_coerce(S.c.session_date, Date).label("session_date"), month_of(S.c.session_date).label("month"),
                   S.c.module.label("module"), attended)
            .select_from(p.join(S, joined_on)
                         .outerjoin(A, and_(A.c.session_id == S.c.id, A.c.participant_id == p.c.id)))
            .where(*conditions))
    return union_all(*parts)
