"""Recompute the daily and monthly engagement summaries of some teams (refresh), stamp when their data
changed, and keep the planner's statistics current; summary_listeners.py calls these within an import's
transaction and after demo data (the attendance_changed signal), and after any ORM commit that touched
participants, sessions or attendance.
"""
from contextlib import contextmanager, nullcontext
from datetime import datetime

from sqlalchemy import (Column, DateTime, Integer, MetaData, Table, case, delete, func, insert, literal, or_,
                        select, true, union, update)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.schema import AddConstraint, DropConstraint

from dashboards import edge_days, running_totals
from dashboards.freshness import newest_session, session_count
from dashboards.models import EngagementDay, EngagementMonth, EngagementTotal, TeamDataChange
from dashboards.offered import P, S, month_of, offered_rows
from extensions import db
from models import Team, bulk_load
from scoring.engagement import month_key

M, D = EngagementMonth.__table__, EngagementDay.__table__
CHANGED = TeamDataChange.__table__


SOURCES = ("participant", "imr_session", "attendance")  # what the summaries are computed from
SUMMARIES = tuple(model.__tablename__ for model in (EngagementDay, EngagementMonth, EngagementTotal))
_ANALYZED = "engagement_analyzed"
COLUMNS = ["participant_id", "team_id", "month", "offered", "attended", "first_attended"]
DAY_COLUMNS = ["participant_id", "month", "day", "offered", "attended"]


def refresh(connection, team_ids=None, large=False, dates=None, rows=0, masks=None, totals=True):
    """Recompute the summaries of these teams' participants (of every team when team_ids is None).

    The offered sessions (attendance joined to sessions and enrolments, the costly part) are grouped once,
    by participant and day, in the daily table's key order; the monthly rows are then summed from the daily
    ones.
    dates: (first, last) session dates the change touched, when only sessions and attendance changed: a
    day's numbers depend on that day's sessions alone, so only the days between are recomputed, and the
    months they fall in summed again (a monthly upload no longer recomputes a team's whole history).
    None: every day (enrolments changed).
    large: after a large import, on PostgreSQL the grouping sorts once and the foreign keys of the new rows
    are checked once (models/bulk_load.py); on SQLite the connection gets a larger page cache for the while.
    rows: how many attendance rows the change wrote (0: not known).
    masks: whether the monthly rows get edge_days' masks (None: edge_days.kept; False from a migration older than
    the mask columns).
    totals: whether the running totals are refreshed too (False from a migration older than their table).
    """
    if team_ids is not None:
        team_ids = sorted(set(team_ids))
        if not team_ids:
            return
        # Row locks on PostgreSQL, so two refreshes of one team cannot interleave their delete and insert;
        # NO KEY: sessions and participants added to the team meanwhile need not wait for this transaction.
        connection.execute(select(Team.id).where(Team.id.in_(team_ids)).order_by(Team.id)
                           .with_for_update(key_share=True))
    members = None if team_ids is None else select(P.c.id).where(P.c.team_id.in_(team_ids))
    first, last = dates or (None, None)
    whole = large and team_ids is None and dates is None
    with _indexes_built_once(connection, large, rows, whole):
        _clear(connection, team_ids, members, dates, whole)
        with _participants(connection, large, team_ids, members, rows) as (condition, people, checked_once):
            with _grouped_in_key_order(connection, large), checked_once(D):
                if connection.dialect.name == "sqlite":
                    _insert_days_sqlite(connection, condition, first, last, large, team_ids)
                else:
                    _insert(connection, D, DAY_COLUMNS, _days(condition, first, last), large)
            masks = edge_days.kept(connection) if masks is None else masks
            with checked_once(M):
                _insert(connection, M, COLUMNS + edge_days.COLUMNS if masks else COLUMNS,
                        _months(people, dates, masks, connection.dialect.name == "sqlite"), large)
            if totals:
                running_totals.refresh(connection, team_ids, dates, checked_once, masks)


def _days(condition, first, last):
    """The daily rows of the participants the condition selects (everyone when None) between the dates, in
    the table's key order.

    Tried and dropped (PostgreSQL, 500k rows, server CPU of the daily and monthly inserts, alternating runs at
    load 15-19): the day index's order (day, participant) instead, so ix_engagement_day_day fills in order and
    the key out of it: 1.22x; the monthly rows summed in the same statement from what this insert returns (a
    data-modifying WITH, the edge days of cut months added), not read back from the table: 1.06x."""
    o = offered_rows(condition, first, last).subquery()
    key = (o.c.participant_id, o.c.month, o.c.session_date)
    return select(*key, func.count(), func.sum(o.c.attended)).group_by(*key).order_by(*key)


def _insert_days_sqlite(connection, condition, first, last, large, team_ids):
    """SQLite: insert the same daily rows part by part, each grouped without a sort.

    Grouping the compound of offered rows (as _days does) sorted all 500k rows of the benchmark import in a
    temporary B-tree; each part alone (group sessions, then individual ones) comes out of its indexes in
    participant and date order and is grouped as it comes (~25% less CPU). A participant may have both on
    one day, so the second part adds to the rows the first wrote. When no team held two group sessions on one
    day between the dates (the usual weekly group), the group part has one row per participant and day
    already and is inserted as it comes, in key order, ungrouped: the grouping was a third of the insert's
    CPU. The tests compare the rows with scoring/engagement.py.
    """
    group_part, individual_part = offered_rows(condition, first, last).selects
    for part, adds in ((group_part, False), (individual_part, True)):
        o = part.with_only_columns(part.selected_columns.participant_id, part.selected_columns.session_date,
                                   part.selected_columns.attended).subquery()
        key = (o.c.participant_id, o.c.session_date)
        if adds or _two_group_sessions_a_day(connection, team_ids, first, last):
            rows = select(*key[:1], month_of(o.c.session_date), key[1], func.count(), func.sum(o.c.attended))
            rows = rows.group_by(*key)
        else:  # ordered, so the rows come in the table's key order
            rows = select(*key[:1], month_of(o.c.session_date), key[1], literal(1), o.c.attended).order_by(*key)
            if large:  # with the statistics of before the write, the planner sorted the 500k rows (0.3 s more)
                analyze(connection, SOURCES)
        statement = sqlite_insert(D).from_select(DAY_COLUMNS, rows)
        if adds:
            statement = statement.on_conflict_do_update(index_elements=list(D.primary_key), set_=dict(
                offered=D.c.offered + statement.excluded.offered, attended=D.c.attended + statement.excluded.attended))
        with bulk_load.larger_cache(connection, large):
            connection.execute(statement)


def _two_group_sessions_a_day(connection, team_ids, first, last):
    """True when one of these teams (every team when None) held two group sessions on one day between the
    dates (either may be None)."""
    days = select(S.c.team_id).where(S.c.participant_id.is_(None))
    if team_ids is not None:
        days = days.where(S.c.team_id.in_(team_ids))
    if first is not None:
        days = days.where(S.c.session_date >= first)
    if last is not None:
        days = days.where(S.c.session_date <= last)
    days = days.group_by(S.c.team_id, S.c.session_date).having(func.count() > 1).limit(1)
    return connection.execute(days).first() is not None


def _months(people, dates, masks=False, sqlite=False):
    """The monthly rows of these participants (a select of their ids; everyone when None), summed from their
    daily rows (of the months the dates touch); masks: with the days' bitmasks (edge_days).

    Summed first, then joined to the participants for their team: one lookup per month, not per day.
    sqlite: the team looked up in the grouping select itself, whose rows come in key order from the daily
    table's key: joined to a summed subquery, SQLite stored the 116k sums of the 500k-row import and sorted
    them again for the ORDER BY (the insert's CPU 0.78x without, same-run medians of 5)."""
    days = (select(D.c.participant_id, D.c.month, func.sum(D.c.offered).label("offered"),
                   func.sum(D.c.attended).label("attended"),
                   func.min(case((D.c.attended > 0, D.c.day))).label("first_attended"),
                   *(edge_days.masks() if masks else ()))
            .group_by(D.c.participant_id, D.c.month))
    if people is not None:
        days = days.where(D.c.participant_id.in_(people))
    if dates is not None:
        days = days.where(D.c.month.between(month_key(dates[0]), month_key(dates[1])))
    if sqlite:
        team = select(P.c.team_id).where(P.c.id == D.c.participant_id).scalar_subquery()
        columns = list(days.selected_columns)
        return days.with_only_columns(columns[0], team, *columns[1:])
    days = days.subquery()
    return (select(days.c.participant_id, P.c.team_id, days.c.month, days.c.offered, days.c.attended,
                   days.c.first_attended, *(days.c[column] for column in edge_days.COLUMNS if masks))
            .join_from(days, P, P.c.id == days.c.participant_id).order_by(days.c.participant_id, days.c.month))


def _clear(connection, team_ids, members, dates, whole):
    """Delete the summaries a refresh writes again: the days between `dates` and the whole months they fall
    in (everything when dates is None), of these teams' participants (everyone's when team_ids is None).
    whole: a large rebuild of everything."""
    in_days, in_months = (), ()
    if dates is not None:
        first, last = dates
        months = (month_key(first), month_key(last))  # the days' months too: a range of the daily key (no day index)
        in_days, in_months = (D.c.month.between(*months), D.c.day.between(first, last)), (M.c.month.between(*months),)
    if team_ids is None:
        if whole and connection.dialect.name == "postgresql":  # the tables are locked already (indexes dropped)
            connection.exec_driver_sql("TRUNCATE engagement_day, engagement_month")  # 12M rows: instant
            return
        connection.execute(delete(D).where(*in_days))
        connection.execute(delete(M).where(*in_months))
        return
    # Someone who left these teams still has rows filed under them: those go too (their new team's refresh
    # writes them again).
    filed = select(M.c.participant_id).where(M.c.team_id.in_(team_ids))
    connection.execute(delete(D).where(D.c.participant_id.in_(union(members, filed)), *in_days))
    connection.execute(delete(M).where(or_(M.c.team_id.in_(team_ids), M.c.participant_id.in_(members)), *in_months))


@contextmanager
def _indexes_built_once(connection, large, rows, whole):
    """Build summary indexes once after the rows are in, rather than keep them in order row by row.

    SQLite, a load of at least a quarter of the daily rows: the day index (500k rows: it cost more than
    the rest of the insert). PostgreSQL, a large rebuild of everything (migration 0019, the dashboard
    bench): both tables' keys and indexes (1M daily rows took a minute kept in order, seconds built once).
    The tables are locked for the while (readers wait), so only large rebuilds do it.
    """
    if connection.dialect.name == "sqlite" and large:
        if rows < bulk_load.BULK_SHARE * connection.execute(select(func.count()).select_from(D)).scalar():
            yield
            return
        if not connection.connection.driver_connection.in_transaction:
            connection.exec_driver_sql("BEGIN")  # the drop belongs to the caller's transaction (bulk_load.py)
        indexes = list(D.indexes)
    elif connection.dialect.name == "postgresql" and whole:
        indexes = [*D.indexes, *M.indexes]
        for table in (D, M):
            connection.execute(DropConstraint(table.primary_key))
    else:
        yield
        return
    for index in indexes:  # by name: one declared for the other database only (ddl_if) goes too (0019 made it)
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")  # 0019 runs this before 0027 adds one
    yield
    if connection.dialect.name == "postgresql":
        for table in (D, M):
            connection.execute(AddConstraint(table.primary_key))
    for index in indexes:
        index.create(connection)  # as declared for this database


def _insert(connection, table, columns, rows, large):
    """Insert the selected rows into a summary table (SQLite: with a larger page cache after a large import)."""
    with bulk_load.larger_cache(connection, large):
        connection.execute(insert(table).from_select(columns, rows))


@contextmanager
def _participants(connection, large, team_ids, members, rows=0):
    """Yield (a condition on participant columns, a select of their ids, checked_once) naming the
    participants to recompute (None, None: everyone); checked_once(table) is the block in which the rows
    of a summary table go in: after a large import on PostgreSQL, their foreign keys are checked once
    when it ends, not row by row (the running totals' too: row by row they cost a third of their insert);
    on SQLite the monthly and running totals' plain indexes are built once after a load of at least a
    quarter of the table (bulk_load; the daily table's by _indexes_built_once), as rows (attendance rows)
    over-estimates the months written, so a load errs towards building.

    Those participants are then held in a small temporary table and the rows computed from it alone, so
    every new row references one of them and bulk_load checks (and locks against deletion) just those:
    no staging table of the 500k grouped rows (writing and re-reading it cost ~0.5 s).
    """
    if not large or connection.dialect.name != "postgresql":
        def built_once(table):  # the daily table has no rowid for bulk_load's estimate, and its own path
            if not large or table is D:
                return nullcontext()
            return bulk_load.checked_and_indexed_once(connection, table, rows)
        yield (None if team_ids is None else P.c.team_id.in_(team_ids)), members, built_once
        return
    people = Table("engagement_people", MetaData(), Column("participant_id", Integer, primary_key=True),
                   prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
    people.create(connection)
    connection.execute(insert(people).from_select(["participant_id"], members if members is not None
                                                  else select(P.c.id)))
    ids = select(people.c.participant_id)

    def checked_once(table):  # both summaries reference the participants by their one key
        return bulk_load.checked_and_indexed_once(connection, table, bulk_load.BULK_ROWS, source=people.name)
    yield P.c.id.in_(ids), ids, checked_once
    people.drop(connection)  # a second refresh in this transaction makes its own


@contextmanager
def _grouped_in_key_order(connection, large):
    """PostgreSQL, large loads: group the offered sessions by sorting them once, not by hashing.

    The planner hashes 500k groups and then sorts them again for the key order the insert wants (the
    index upkeep of rows inserted in hash order cost 1.5 s more); one sort feeds both (1.6 s of server
    CPU instead of 2.7). Its estimate of the groups is far off (17k for 500k), so it is told.
    The work memory holds the sort (4 MB, the default, spilled to disk).
    """
    if not large or connection.dialect.name != "postgresql":
        yield
        return
    hashing = connection.exec_driver_sql("SHOW enable_hashagg").scalar()
    connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    connection.exec_driver_sql("SET LOCAL enable_hashagg = off")
    analyze(connection, SOURCES)  # the statistics predate the write: without them the grouping took twice as long
    yield
    connection.exec_driver_sql(f"SET LOCAL enable_hashagg = {'on' if hashing == 'on' else 'off'}")


def stamp(connection, team_ids=None):
    """Record that these teams' data (every team's when None) changed now, and their newest session date and
    number of sessions as they now stand (a deleted session moves them back), in the writer's transaction where
    there is one, so "data as of" moves only with committed data; and count their version up, which puts the
    state overview's kept numbers of these teams out of date (overview_counts.py). Not in refresh(): a rebuild
    from unchanged data (engagement-refresh, migration 0019) changes no team's data, nor its numbers."""
    teams = select(Team.id) if team_ids is None else select(Team.id).where(Team.id.in_(sorted(set(team_ids))))
    # An upsert, never delete-and-insert: two transactions stamping one team at once (two imports, an edit during
    # an import) then meet on its row, the second waits for the first and updates it, where a second insert
    # failed on the key. The later time wins, and each stamp counts the version up once. WHERE true: SQLite's
    # parser would read ON CONFLICT as a join's ON.
    team = teams.subquery()
    now = select(team.c.id, literal(datetime.utcnow(), DateTime), literal(1)).where(true())
    upsert = (pg_insert if connection.dialect.name == "postgresql" else sqlite_insert)(CHANGED).from_select(
        ["team_id", "changed_at", "version"], now)
    later = func.greatest if connection.dialect.name == "postgresql" else func.max
    connection.execute(upsert.on_conflict_do_update(index_elements=[CHANGED.c.team_id], set_={
        "changed_at": later(CHANGED.c.changed_at, upsert.excluded.changed_at), "version": CHANGED.c.version + 1}))
    # A statement of its own, after the row is ours: it sees the sessions of a stamp it waited for, committed.
    connection.execute(update(CHANGED).where(CHANGED.c.team_id.in_(teams))
                       .values(newest_session=newest_session(CHANGED.c.team_id),
                               sessions=session_count(CHANGED.c.team_id)))


def refresh_teams(team_ids=None, large=False, dates=None, changed=True, rows=0):
    """Refresh in a transaction of its own (the writer has committed already), then update planner statistics.

    changed: the teams' data changed (not a rebuild of the summaries from unchanged data)."""
    with db.engine.begin() as connection:
        refresh(connection, team_ids, large, dates, rows)
        if changed:
            stamp(connection, team_ids)
        analyze(connection)


def analyze(connection, tables=None):
    """Refresh the query planner's statistics of the tables the dashboards read (these tables of them).

    After a bulk write SQLite has no idea how many rows a table holds and picked a plan 3x slower for
    the overview's edge months (a full scan of the individual sessions); ANALYZE of these tables takes
    ~0.1 s at state scale. PostgreSQL's autovacuum would get there too, later. On SQLite each index is
    sampled (analysis_limit), not read whole: 0.2 s less after a 500k-row import, the same plans.
    A table is analyzed once per transaction: a large refresh analyzes the tables it reads before grouping
    them, and the caller's analysis after it leaves those alone (it analyzed five tables three times).
    """
    done = _analyzed(connection)
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA analysis_limit = 1000")
    for table in tables or (*SOURCES, *SUMMARIES):
        if table not in done:
            connection.exec_driver_sql(f"ANALYZE {table}")
            done.add(table)


def _analyzed(connection):
    """The tables analyzed in this connection's current transaction (a fresh set outside one)."""
    transaction = connection.get_transaction()
    memo = connection.info.get(_ANALYZED)
    if transaction is None or memo is None or memo[0] is not transaction:
        memo = connection.info[_ANALYZED] = (transaction, set())
    return memo[1]
