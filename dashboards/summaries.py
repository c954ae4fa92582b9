"""Keep the monthly engagement summaries current: within an import's transaction and after demo data
(the attendance_changed signal), and after any ORM commit that touched participants, sessions or attendance.
"""
import logging
from datetime import datetime, timedelta

from sqlalchemy import (Column, DateTime, MetaData, Table, case, delete, event, func, insert, inspect, literal, or_,
                        select)
from sqlalchemy.orm import Session as OrmSession

from dashboards.models import EngagementMonth, TeamDataChange
from dashboards.offered import P, offered_rows
from extensions import db
from models import Attendance, Participant, Session, Team, bulk_load
from scoring.engagement import month_key
from signals import attendance_changed

log = logging.getLogger(__name__)
M = EngagementMonth.__table__
CHANGED = TeamDataChange.__table__


COLUMNS = ["participant_id", "team_id", "month", "offered", "attended", "first_attended"]


def refresh(connection, team_ids=None, large=False, dates=None):
    """Recompute the summaries of these teams' participants (of every team when team_ids is None).

    dates: (first, last) session dates the change touched, when only sessions and attendance changed: a
    month's numbers depend on that month's sessions alone, so only the months between are recomputed (a
    monthly upload no longer recomputes a team's whole history). None: every month (enrolments changed).
    large: after a large import, on PostgreSQL the grouping is given the memory it needs and the new rows
    go in as a bulk load (models/bulk_load.py), their foreign key checked once rather than per row; on
    SQLite the connection gets a larger page cache for the while.
    """
    in_months, start, end = _months(dates)
    if team_ids is None:
        connection.execute(delete(M).where(*in_months))
        participant_filter = None
    else:
        ids = sorted(set(team_ids))
        if not ids:
            return
        # Row locks on PostgreSQL, so two refreshes of one team cannot interleave their delete and insert;
        # NO KEY: sessions and participants added to the team meanwhile need not wait for this transaction.
        connection.execute(select(Team.id).where(Team.id.in_(ids)).order_by(Team.id).with_for_update(key_share=True))
        members = select(P.c.id).where(P.c.team_id.in_(ids))
        connection.execute(delete(M).where(or_(M.c.team_id.in_(ids), M.c.participant_id.in_(members)), *in_months))
        participant_filter = P.c.team_id.in_(ids)
    o = offered_rows(participant_filter, start, end).subquery()
    rows = (select(o.c.participant_id, o.c.team_id, o.c.month, func.count(), func.sum(o.c.attended),
                   func.min(case((o.c.attended == 1, o.c.session_date))))
            .group_by(o.c.participant_id, o.c.team_id, o.c.month))
    if large and connection.dialect.name == "postgresql":
        _insert_large(connection, rows)
    else:
        with bulk_load.larger_cache(connection, large):
            connection.execute(insert(M).from_select(COLUMNS, rows))


def stamp(connection, team_ids=None):
    """Record that these teams' data (every team's when None) changed now, in the writer's transaction where
    there is one, so "data as of" moves only with committed data. Not in refresh(): migration 0004 refreshes
    before this table exists."""
    teams = select(Team.id) if team_ids is None else select(Team.id).where(Team.id.in_(sorted(set(team_ids))))
    connection.execute(delete(CHANGED).where(CHANGED.c.team_id.in_(teams)))
    now = select(teams.subquery().c.id, literal(datetime.utcnow(), DateTime))
    connection.execute(insert(CHANGED).from_select(["team_id", "changed_at"], now))


def _months(dates):
    """(conditions on summary rows, first day, last day) of the whole months that `dates` touch."""
    if dates is None:
        return (), None, None
    first, last = dates
    following = (last.replace(day=1) + timedelta(days=32)).replace(day=1)
    return ((M.c.month.between(month_key(first), month_key(last)),), first.replace(day=1),
            following - timedelta(days=1))


def _insert_large(connection, rows):
    """Stage the grouped rows in a temporary table (so their number is known), then load them in bulk.

    500k offered sessions grouped with the default 4 MB of work memory spilled to disk; 64 MB holds them.
    """
    connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    analyze(connection)  # the statistics predate the load: without them the grouping took twice as long
    stage = Table("engagement_stage", MetaData(), *(Column(c.name, c.type) for c in M.columns),
                  prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
    stage.create(connection)
    connection.execute(insert(stage).from_select(COLUMNS, rows))
    staged = connection.execute(select(func.count()).select_from(stage)).scalar()
    with bulk_load.checked_and_indexed_once(connection, M, staged, source=stage.name):
        connection.execute(insert(M).from_select(COLUMNS, select(*(stage.c[name] for name in COLUMNS))))


def refresh_teams(team_ids=None, large=False, dates=None, changed=True):
    """Refresh in a transaction of its own (the writer has committed already), then update planner statistics.

    changed: the teams' data changed (not a rebuild of the summaries from unchanged data)."""
    with db.engine.begin() as connection:
        refresh(connection, team_ids, large, dates)
        if changed:
            stamp(connection, team_ids)
        analyze(connection)


def analyze(connection):
    """Refresh the query planner's statistics of the tables the dashboards read.

    After a bulk write SQLite has no idea how many rows a table holds and picked a plan 3x slower for
    the overview's edge months (a full scan of the individual sessions); ANALYZE of these tables takes
    ~0.1 s at state scale. PostgreSQL's autovacuum would get there too, later.
    """
    for table in ("participant", "imr_session", "attendance", "engagement_month"):
        connection.exec_driver_sql(f"ANALYZE {table}")


@attendance_changed.connect
def _on_attendance_changed(sender, team_ids=None, rows=0, dates=None, connection=None, **extra):
    large = rows >= bulk_load.BULK_ROWS
    if connection is None:
        refresh_teams(team_ids, large, dates)
    else:  # in the writer's transaction: the summaries commit, or roll back, with its data
        refresh(connection, team_ids, large, dates)
        stamp(connection, team_ids)
        analyze(connection)


# --- ORM writes -----------------------------------------------------------------------------------
# Core bulk writers (imports, demo data) send attendance_changed; ORM writers need not remember to.

_KEY = "engagement_changes"


@event.listens_for(OrmSession, "after_flush")
def _collect(session, flush_context):
    teams, participants = session.info.setdefault(_KEY, (set(), set()))
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Session, Participant)):
            teams.add(obj.team_id)
            teams.update(inspect(obj).attrs.team_id.history.deleted or ())
        elif isinstance(obj, Attendance):
            participants.add(obj.participant_id)
    if not teams and not participants:
        session.info.pop(_KEY)


@event.listens_for(OrmSession, "after_commit")
def _refresh_after_commit(session):
    teams, participants = session.info.pop(_KEY, (set(), set()))
    if not teams and not participants:
        return
    try:
        with session.get_bind().begin() as connection:
            if participants:
                teams |= set(connection.scalars(select(P.c.team_id).where(P.c.id.in_(participants))))
            teams = {t for t in teams if t is not None}
            refresh(connection, teams)
            stamp(connection, teams)
    except Exception:  # the writer's data is committed; a failed refresh must not look like a failed write
        log.exception("Could not refresh engagement summaries for teams %s", sorted(teams, key=str))


@event.listens_for(OrmSession, "after_rollback")
def _forget(session):
    session.info.pop(_KEY, None)
