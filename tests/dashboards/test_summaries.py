"""The monthly and daily summaries stay equal to a fresh computation after every kind of write."""
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import delete, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from dashboards.models import EngagementDay, EngagementMonth
from dashboards.summaries import refresh_teams
from extensions import db
from models import Attendance, Participant, Session, bulk_load
from signals import attendance_changed
from tests.factories import make_attendance, make_session

M, D = EngagementMonth.__table__, EngagementDay.__table__


def _summaries():
    return sorted(db.session.execute(select(M.c.participant_id, M.c.month, M.c.team_id, M.c.offered, M.c.attended,
                                            M.c.first_attended)).all())


def _days():
    return sorted(db.session.execute(select(D.c.participant_id, D.c.month, D.c.day, D.c.offered, D.c.attended)).all())


def _indexes():
    """The summary tables' index names, as the database lists them."""
    inspector = inspect(db.engine)
    return {table: sorted(index["name"] for index in inspector.get_indexes(table))
            for table in ("engagement_day", "engagement_month", "engagement_total")}


def _rebuilt():
    """What a full rebuild gives (monthly rows; the daily ones checked equal too), leaving the tables as they were."""
    before, days_before = _summaries(), _days()
    refresh_teams(None)
    after, days_after = _summaries(), _days()
    db.session.execute(delete(D))
    db.session.execute(delete(M))
    if days_before:
        db.session.execute(insert(D), [r._asdict() for r in days_before])
    if before:
        db.session.execute(insert(M), [r._asdict() for r in before])
    db.session.commit()
    assert days_before == days_after, "the daily summaries differ from a rebuild"
    return after


def test_orm_commits_refresh_the_teams_they_touch(scenario):
    a000 = scenario.codes["A000"]
    february = {r.month: r for r in _summaries() if r.participant_id == a000}[202602]
    assert (february.offered, february.attended, february.first_attended) == (4, 4, date(2026, 2, 2))
    session = make_session(scenario.group, date(2026, 3, 2), module=3)
    make_attendance(session, db.session.get(Participant, a000), "absent")
    db.session.commit()
    march = {r.month: r for r in _summaries() if r.participant_id == a000}[202603]
    assert (march.offered, march.attended, march.first_attended) == (1, 0, None)
    assert _summaries() == _rebuilt()


def test_core_writes_are_picked_up_through_the_signal(scenario):
    a001 = scenario.codes["A001"]
    [session_id] = db.session.execute(insert(Session).returning(Session.id), [dict(
        team_id=scenario.group.id, session_date=date(2026, 3, 9), module=3)]).scalars()
    db.session.execute(insert(Attendance), [dict(session_id=session_id, participant_id=a001, status="attended")])
    db.session.commit()
    assert 202603 not in {r.month for r in _summaries() if r.participant_id == a001}  # not yet: Core skips the ORM
    attendance_changed.send(None, team_ids={scenario.group.id})
    march = {r.month: r for r in _summaries() if r.participant_id == a001}[202603]
    assert (march.offered, march.attended, march.first_attended) == (1, 1, date(2026, 3, 9))
    assert _summaries() == _rebuilt()


def test_a_participant_moving_team_leaves_no_rows_behind(scenario):
    person = db.session.get(Participant, scenario.codes["A002"])
    person.team_id = scenario.caseload.id
    person.format = "individual"
    db.session.commit()
    assert [r for r in _summaries() if r.participant_id == person.id] == []  # no individual sessions of their own
    assert _summaries() == _rebuilt()


def test_a_rolled_back_write_changes_nothing(scenario):
    before = _summaries()
    person = db.session.get(Participant, scenario.codes["A003"])
    make_attendance(make_session(scenario.group, date(2026, 3, 16)), person)
    db.session.rollback()
    db.session.commit()
    assert _summaries() == before


def test_cli_rebuilds_everything(scenario, runner):
    db.session.execute(delete(M))
    db.session.commit()
    result = runner.invoke(args=["engagement-refresh"])
    assert result.exit_code == 0 and "rebuilt" in result.output
    assert len(_summaries()) > 0 and _summaries() == _rebuilt()


def test_a_large_refresh_gives_the_same_rows_and_keeps_the_key(scenario, monkeypatch):
    """After a large import the rows go in as a bulk load (PostgreSQL): same rows, key still in force."""
    monkeypatch.setattr(bulk_load, "BULK_ROWS", 1)
    expected, days, indexes = _rebuilt(), _days(), _indexes()
    db.session.execute(delete(D))
    db.session.execute(delete(M))
    db.session.commit()
    used, real = [], bulk_load.checked_and_indexed_once

    @contextmanager
    def spy(conn, table, rows, **options):
        with real(conn, table, rows, **options) as once:
            used.append((table.name, rows, once))
            yield once
    monkeypatch.setattr(bulk_load, "checked_and_indexed_once", spy)
    attendance_changed.send(None, team_ids=None, rows=bulk_load.BULK_ROWS)  # every team
    assert _summaries() == expected and _days() == days
    on_postgresql = db.engine.dialect.name == "postgresql"
    # PostgreSQL checks the keys of all three tiers once; SQLite builds the monthly and running totals' plain
    # indexes once (the daily table's on a path of its own), and every index is there again afterwards.
    assert used == ([(table, bulk_load.BULK_ROWS, True) for table in ("engagement_day", "engagement_month",
                                                                      "engagement_total")]
                    if on_postgresql else [("engagement_month", bulk_load.BULK_ROWS, False),
                                           ("engagement_total", bulk_load.BULK_ROWS, False)])
    assert _indexes() == indexes
    if on_postgresql:  # the keys came back: a summary of a participant that does not exist is refused
        with pytest.raises(IntegrityError):
            db.session.execute(insert(M), [dict(participant_id=987654, team_id=scenario.group.id, month=202601,
                                                offered=1, attended=0)])
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(insert(D), [dict(participant_id=987654, month=202601, day=date(2026, 1, 5),
                                                offered=1, attended=0)])
        db.session.rollback()


def test_a_change_with_dates_recomputes_only_the_months_it_touched(scenario):
    a000, a001 = scenario.codes["A000"], scenario.codes["A001"]
    [session_id] = db.session.execute(insert(Session).returning(Session.id), [dict(
        team_id=scenario.group.id, session_date=date(2026, 3, 9), module=3)]).scalars()
    db.session.execute(insert(Attendance), [dict(session_id=session_id, participant_id=a001, status="attended")])
    # A February row spoilt on purpose: a refresh of March alone must not touch it.
    db.session.execute(update(M).where(M.c.participant_id == a000, M.c.month == 202602).values(offered=99))
    db.session.commit()
    attendance_changed.send(None, team_ids={scenario.group.id}, dates=(date(2026, 3, 9), date(2026, 3, 9)))
    rows = {(r.participant_id, r.month): r for r in _summaries()}
    assert (rows[a001, 202603].offered, rows[a001, 202603].attended) == (1, 1)
    assert (rows[a000, 202603].offered, rows[a000, 202603].attended) == (1, 0)  # offered, not attended
    assert rows[a000, 202602].offered == 99
    rebuilt = {(r.participant_id, r.month): r for r in _rebuilt()}
    assert {k: r for k, r in rows.items() if k != (a000, 202602)} == \
        {k: r for k, r in rebuilt.items() if k != (a000, 202602)}
