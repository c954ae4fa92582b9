"""The follow-up list's extra columns: when each participant last attended, and how many offered sessions in a
row they have missed since (the ones to call first)."""
from datetime import date
from functools import cache

from sqlalchemy import Date, Integer, and_, bindparam, func, literal, select

from dashboards import page_queries
from dashboards.models import EngagementDay
from dashboards.offered import P, month_of
from extensions import db
from scoring.engagement import month_key

D = EngagementDay.__table__
KEY = bindparam("key", type_=Integer)


def last_attended_and_missed(history):
    """(last attended date or None, sessions missed in a row at the end) of [(session date, attended 0/1)]."""
    last, missed = None, 0
    for day, attended in sorted(history):
        if attended:
            last, missed = day, 0
        else:
            missed += 1
    return last, missed


def follow_up_select(with_format):
    """(participant id, last attended day or None, sessions missed in a row) of the scope's participants: the
    select behind follow_up_columns (goals_panel.py sends it beside the panel's own, in one statement)."""
    upto = (D.c.month <= KEY, D.c.day <= page_queries.END)
    # The newest attended day, read backwards along the key until found (max() read all of a person's days).
    last = (select(D.c.day).where(D.c.participant_id == P.c.id, D.c.attended > 0, *upto)
            .order_by(D.c.month.desc(), D.c.day.desc()).limit(1).scalar_subquery())
    # Kept apart (materialized), so the last day is sought once per participant, not once for each use below.
    people = (select(P.c.id.label("participant_id"), last.label("last"))
              .where(P.c.id.in_(page_queries.members(with_format))).cte("last_attended").prefix_with("MATERIALIZED"))
    after = and_(D.c.participant_id == people.c.participant_id, *upto,
                 D.c.month >= func.coalesce(month_of(people.c.last), 0),
                 D.c.day > func.coalesce(people.c.last, literal(date(1, 1, 1), Date)))
    return (select(people.c.participant_id, people.c.last, func.coalesce(func.sum(D.c.offered), 0).label("missed"))
            .select_from(people.outerjoin(D, after)).group_by(people.c.participant_id, people.c.last))


@cache
def _statement(with_format):
    return follow_up_select(with_format)


def follow_up_params(scope):
    return {**scope.params(), "key": month_key(scope.window.end)}


def follow_up_columns(scope):
    """{participant id: (last attended, missed in a row)} of the scope's participants, over their offered sessions
    up to the window's end.

    From the daily summaries, the unit's own rows: the last day with an attended session, then the sessions
    offered on the days after it (last_attended_and_missed's rule: a session missed on the day of the last
    attended one does not count, the attended one being taken as the later). One statement of fixed shape:
    one with a condition per participant was compiled anew for every page.
    """
    return {pid: (last, int(missed))
            for pid, last, missed in db.session.execute(_statement(scope.fmt is not None), follow_up_params(scope)).all()}
