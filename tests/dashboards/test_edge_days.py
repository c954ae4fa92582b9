"""The edge masks (dashboards/edge_days.py): on PostgreSQL the sessions of any days of a month counted from a
running total's masks, plus the sessions beyond each day's first, are the daily rows' sums, for every day of a
month and through edits; the overview's numbers for windows with edges on every kind of day equal the raw-row
computation (scoring/engagement.py) on both databases; the migration fills the masks and goes back."""
from calendar import monthrange
from datetime import date, timedelta

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade
from sqlalchemy import inspect, select

from dashboards import edge_days, queries
from dashboards.models import EngagementDay, EngagementMonth, EngagementTotal
from extensions import db
from models import Participant
from models.cli import upgrade_database
from scoring.engagement import Window
from tests.dashboards.mid_month import build_mid_month, pure_counts
from tests.dashboards.pure_inputs import PureState
from tests.factories import make_attendance, make_participant, make_session, make_team

D, M, T = EngagementDay.__table__, EngagementMonth.__table__, EngagementTotal.__table__


def _edge_state():
    """build_mid_month (two group sessions on 2 Feb 2026, three for G4 with their own) and a caseload in 2028: K1 from 1
    Jan with sessions on the 1st, 15th, 16th (two, both attended) and 31st of January, 28 and 29 February (three
    on the 29th, one without an attendance row), none in March, 30 April; K2 starting mid-February (the 10th),
    on the 10th, 29 February and 31 March."""
    _, people = build_mid_month()
    program = db.session.get(Participant, people["I1"]).team.program
    caseload = make_team(program, "Edge caseload", "individual")
    k1 = make_participant(caseload, "K1", start=date(2028, 1, 1), format="individual")
    k2 = make_participant(caseload, "K2", start=date(2028, 2, 10), format="individual")
    sessions = {k1: [(date(2028, 1, 1), "attended"), (date(2028, 1, 15), "absent"), (date(2028, 1, 16), "attended"),
                     (date(2028, 1, 16), "attended"), (date(2028, 1, 31), "attended"), (date(2028, 2, 28), "excused"),
                     (date(2028, 2, 29), "attended"), (date(2028, 2, 29), "attended"), (date(2028, 2, 29), None),
                     (date(2028, 4, 30), "absent")],
                k2: [(date(2028, 2, 10), "attended"), (date(2028, 2, 29), "attended"), (date(2028, 3, 31), "absent")]}
    for person, rows in sessions.items():
        for module, (day, status) in enumerate(rows, start=1):  # a module each: two sessions a day are two rows
            session = make_session(caseload, day, module=module % 11 + 1, participant=person)
            if status:
                make_attendance(session, person, status)
    db.session.commit()
    return k1, caseload


def _month_days(key):
    first = date(key // 100, key % 100, 1)
    return [first + timedelta(days=n) for n in range(monthrange(first.year, first.month)[1])]


def _assert_masks_count_the_daily_rows():
    """For every running total's month and every day of it, the sessions of the days after that day (the whole
    month after the day before the 1st) by the masks equal the daily rows' sums."""
    daily = db.session.execute(select(D.c.participant_id, D.c.day, D.c.offered, D.c.attended)).all()
    months = sorted(set(db.session.scalars(select(T.c.month))))
    assert {202602, 202802, 202803} <= set(months)  # a leap February and a month without sessions
    for key in months:
        days = _month_days(key)
        for first in days:
            last = days[-1]
            expected = {}
            for pid, day, offered, attended in daily:
                if first <= day <= last:
                    n, att = expected.get(pid, (0, 0))
                    expected[pid] = (n + offered, att + attended)
            n, att = edge_days.counted(T, first, last)
            got = {pid: (n, att) for pid, n, att in db.session.execute(
                select(T.c.participant_id, n, att).where(T.c.month == key))}
            for pid, n, att in db.session.execute(edge_days.beyond_first(first, last, 1)):
                got[pid] = (got[pid][0] + n, got[pid][1] + att)
            assert {pid: value for pid, value in got.items() if value != (0, 0)} == expected, (first, last)


def _postgresql_only():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads the daily rows at the edges")


def test_masks_count_every_days_sessions(app):
    _postgresql_only()
    k1, caseload = _edge_state()
    # Two and three sessions on a day are the cases the masks count once: they are in the data.
    assert db.session.execute(select(D.c.offered).where(D.c.participant_id == k1.id,
                                                        D.c.day == date(2028, 2, 29))).scalar() == 3
    _assert_masks_count_the_daily_rows()
    # The running totals carry the monthly rows' masks, and none through a month without sessions.
    carried = db.session.execute(select(T.c.month, T.c.offered_days, T.c.attended_days, M.c.offered_days,
                                        M.c.attended_days).join_from(T, M, (M.c.participant_id == T.c.participant_id)
                                                                     & (M.c.month == T.c.month), isouter=True)).all()
    assert all(row[1:3] == (row[3] or 0, row[4] or 0) for row in carried)
    assert db.session.execute(select(T.c.offered_days).where(T.c.participant_id == k1.id,
                                                             T.c.month == 202803)).scalar() == 0
    # An edit refreshes the masks of the days it touched: a second session on 1 Jan, one on an empty March day.
    make_attendance(make_session(caseload, date(2028, 1, 1), module=9, participant=k1), k1, "absent")
    make_attendance(make_session(caseload, date(2028, 3, 14), module=9, participant=k1), k1)
    db.session.commit()
    _assert_masks_count_the_daily_rows()


def _windows():
    """Windows with edges on the 1st, 2nd, 15th, 16th, a two-session day, the last of a 31-day month, 28 and
    29 February (leap), the 1st of March, inside the month without sessions, and on a participant's first day."""
    edges = [date(2028, 1, 1), date(2028, 1, 2), date(2028, 1, 15), date(2028, 1, 16), date(2028, 1, 31),
             date(2028, 2, 10), date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1), date(2028, 3, 14),
             date(2028, 3, 31), date(2028, 4, 30)]
    return [Window(a, b) for i, a in enumerate(edges) for b in edges[i:]] + [
        Window(date(2026, 1, 15), date(2026, 2, 2)), Window(date(2026, 2, 2), date(2026, 2, 28)),
        Window(date(2026, 2, 3), date(2026, 3, 1))]


def test_overview_matches_the_raw_rows_at_every_kind_of_edge(app):
    _edge_state()
    pure = PureState()
    for window in _windows():
        assert queries.program_counts(None, window, 0.5) == pure_counts(pure, window, 0.5), window
        numbers = queries._window_numbers(None, window)
        got = {pid: (n, att) for pid, n, att in db.session.execute(
            select(numbers.c.participant_id, numbers.c.n, numbers.c.att)) if n}
        expected = {pid: (m.offered, m.attended) for pid, m in pure.measures(pure.people_in(window), window).items()
                    if m.offered}
        assert got == expected, window


def test_the_migration_fills_the_masks_and_takes_them_away(app):
    _edge_state()
    masks = select(T.c.participant_id, T.c.month, T.c.offered_days, T.c.attended_days).order_by(T.c.participant_id,
                                                                                                T.c.month)
    before = db.session.execute(masks).all()
    db.session.close()
    migrate = app.extensions["migrate"]
    below = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory)).get_revision(
        "0027_edge_days").down_revision
    downgrade(directory=migrate.directory, revision=below)
    schema = inspect(db.engine)
    for table in ("engagement_month", "engagement_total"):
        assert not {"offered_days", "attended_days"} & {c["name"] for c in schema.get_columns(table)}
    assert "ix_engagement_total_month" in {i["name"] for i in schema.get_indexes("engagement_total")}
    assert "ix_engagement_day_several" not in {i["name"] for i in schema.get_indexes("engagement_day")}
    db.session.close()
    upgrade_database()  # forward again, with the summaries in place
    assert db.session.execute(masks).all() == before
    if db.engine.dialect.name == "postgresql":
        assert all(row.offered_days is not None for row in before)
        _assert_masks_count_the_daily_rows()
    else:
        assert all(row.offered_days is None for row in before)
    pure = PureState()
    window = Window(date(2028, 1, 16), date(2028, 2, 29))
    assert queries.program_counts(None, window, 0.5) == pure_counts(pure, window, 0.5)
