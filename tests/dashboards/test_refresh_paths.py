"""Each way a refresh runs (small, and the large-import path: one sort, keys checked once, no staging table)
leaves the daily and monthly summaries equal to the pure computation of scoring/engagement.py, after the
writes an import makes: sessions added to days that already had some, a re-import, enrolment changes, a
participant moving team, and a change whose dates cut months. Both databases."""
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from dashboards import summaries
from dashboards.models import EngagementDay, EngagementMonth, EngagementTotal
from extensions import db
from models import Attendance, Participant, Session, bulk_load
from scoring.engagement import Window, month_key, offered_sessions
from signals import attendance_changed
from tests.dashboards.mid_month import build_mid_month
from tests.dashboards.pure_inputs import PureState

M, D = EngagementMonth.__table__, EngagementDay.__table__
EVER = Window(date(2000, 1, 1), date(2100, 12, 31))


def _pure():
    """(daily rows, monthly rows) as scoring/engagement.py defines offered and attended, from the raw rows."""
    pure, days, months = PureState(), {}, {}
    for person in pure.people:
        statuses = pure.statuses.get(person.id, {})
        for s in offered_sessions(person, pure.sessions_for(person), EVER):
            went = statuses.get(s.id) == "attended"
            day = days.setdefault((person.id, month_key(s.session_date), s.session_date), [0, 0])
            day[0] += 1
            day[1] += went
            month = months.setdefault((person.id, person.team_id, month_key(s.session_date)), [0, 0, None])
            month[0] += 1
            month[1] += went
            if went and (month[2] is None or s.session_date < month[2]):
                month[2] = s.session_date
    return ({(*k, *v) for k, v in days.items()}, {(*k, *v) for k, v in months.items()})


def _stored():
    return (set(db.session.execute(select(D.c.participant_id, D.c.month, D.c.day, D.c.offered, D.c.attended))),
            set(db.session.execute(select(M.c.participant_id, M.c.team_id, M.c.month, M.c.offered, M.c.attended,
                                          M.c.first_attended))))


@pytest.fixture(params=["small", "large"])
def path(request, app, monkeypatch):
    """Which refresh the signal runs: the large-import one whatever the size (BULK_ROWS 1), or the small one."""
    if request.param == "large":
        monkeypatch.setattr(bulk_load, "BULK_ROWS", 1)
    return request.param


def _signal(team_ids, dates=None):
    """What an import sends after its write, in its own transaction, then commits."""
    connection = db.session.connection()
    attendance_changed.send(None, team_ids=set(team_ids), rows=1, dates=dates, connection=connection)
    db.session.commit()


def _team_of(person_id):
    return db.session.get(Participant, person_id).team_id


def test_sessions_added_to_days_that_had_some(path):
    _, people = build_mid_month()
    team = _team_of(people["G1"])
    day = date(2026, 2, 9)  # a group Monday already held
    [extra] = db.session.execute(insert(Session).returning(Session.id), [dict(
        team_id=team, session_date=day, module=9)]).scalars()
    db.session.execute(insert(Attendance), [dict(session_id=extra, participant_id=people[c], status=s)
                                            for c, s in (("G1", "attended"), ("G3", "absent"))])
    _signal({team}, (day, day))
    days, months = _stored()
    assert (people["G1"], 202602, day, 2, 2) in days and (people["G3"], 202602, day, 2, 1) in days
    assert (days, months) == _pure()


@pytest.mark.parametrize("group_sessions", [1, 2])
def test_a_day_with_one_or_two_group_sessions_and_an_own_one(path, group_sessions, monkeypatch):
    """SQLite inserts a team's group days ungrouped when it held one group session a day between the dates,
    grouped when two; either way the individual session the same day adds to them and the rows equal the
    pure computation."""
    _, people = build_mid_month()
    team, day = _team_of(people["G1"]), date(2026, 3, 2)  # a group Monday already held
    seen, real = [], summaries._two_group_sessions_a_day
    monkeypatch.setattr(summaries, "_two_group_sessions_a_day", lambda *args: seen.append(real(*args)) or seen[-1])
    own = [dict(team_id=_team_of(people["I1"]), participant_id=people["G1"], session_date=day, module=4)]
    extra = [dict(team_id=team, session_date=day, module=9)] * (group_sessions - 1)
    ids = db.session.execute(insert(Session).returning(Session.id), own + extra).scalars().all()
    db.session.execute(insert(Attendance), [dict(session_id=i, participant_id=people["G1"], status="attended")
                                            for i in ids])
    _signal({team, _team_of(people["I1"])}, (day, day))
    days, months = _stored()
    assert (people["G1"], 202603, day, group_sessions + 1, group_sessions + 1) in days
    assert (days, months) == _pure()
    assert seen == ([group_sessions == 2] if db.engine.dialect.name == "sqlite" else [])


def test_a_reimport_of_the_same_rows_changes_nothing(path):
    _, people = build_mid_month()
    team = _team_of(people["G1"])
    before = _stored()
    for _ in range(2):
        _signal({team}, (date(2026, 1, 5), date(2026, 3, 30)))
        assert _stored() == before == _pure()


def test_enrolment_changes_recompute_every_day(path):
    _, people = build_mid_month()
    db.session.execute(update(Participant).where(Participant.id == people["G1"]).values(end_date=date(2026, 2, 10)))
    db.session.execute(update(Participant).where(Participant.id == people["G3"]).values(start_date=date(2026, 1, 1)))
    _signal({_team_of(people["G1"])})
    days, months = _stored()
    assert not any(pid == people["G1"] and day > date(2026, 2, 10) for pid, _, day, *_ in days)
    assert (days, months) == _pure()


def test_a_participant_moving_team_leaves_no_rows_behind(path):
    _, people = build_mid_month()
    old, new = _team_of(people["G5"]), _team_of(people["S1"])
    db.session.execute(update(Participant).where(Participant.id == people["G5"]).values(team_id=new))
    _signal({old, new})
    days, months = _stored()
    assert {team for pid, team, *_ in months if pid == people["G5"]} == {new}
    assert (days, months) == _pure()


def test_dates_cutting_months_keep_the_other_days_of_those_months(path):
    """A change on 16 Feb alone: February's other days stay as they were and its month is summed again."""
    _, people = build_mid_month()
    team = _team_of(people["G4"])
    [session_id] = db.session.scalars(select(Session.id).where(Session.team_id == team,
                                                               Session.session_date == date(2026, 2, 16)))
    db.session.execute(update(Attendance).where(Attendance.session_id == session_id,
                                                Attendance.participant_id == people["G4"]).values(status="attended"))
    db.session.execute(delete(Attendance).where(Attendance.session_id == session_id,
                                                Attendance.participant_id == people["G1"]))
    _signal({team}, (date(2026, 2, 16), date(2026, 2, 16)))
    days, months = _stored()
    february = {pid: (offered, attended) for pid, _, month, offered, attended, _ in months if month == 202602}
    assert february[people["G1"]] == (5, 4)  # four Mondays and the second 2 Feb session; 16 Feb no longer attended
    assert (days, months) == _pure()


def test_the_large_path_on_postgresql_checks_the_keys_once_and_leaves_them_in_force(app, monkeypatch):
    """No row-by-row key checks for a large import (daily, monthly and running totals), and none skipped: the
    participants the rows are computed from are checked (and locked against deletion) once, then the keys
    refuse a dangling row again."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite checks its keys row by row")
    _, people = build_mid_month()
    monkeypatch.setattr(bulk_load, "BULK_ROWS", 1)
    checked, real = [], bulk_load._check_once
    monkeypatch.setattr(bulk_load, "_check_once", lambda conn, table, source, *rest: (
        checked.append((table, source)), real(conn, table, source, *rest)))
    _signal({_team_of(people["G1"])})
    assert sorted(checked) == [("engagement_day", "engagement_people"), ("engagement_month", "engagement_people"),
                               ("engagement_total", "engagement_people")]
    assert _stored() == _pure()
    with pytest.raises(Exception, match="fk_engagement_day_participant_id_participant"):
        db.session.execute(insert(D), [dict(participant_id=987654, month=202601, day=date(2026, 1, 5),
                                            offered=1, attended=0)])
    db.session.rollback()
    with pytest.raises(Exception, match="fk_engagement_total_participant_id_participant"):
        db.session.execute(insert(EngagementTotal.__table__), [dict(participant_id=987654, month=202601, team_id=1,
                                                                    offered=1, attended=0, is_last=True)])
    db.session.rollback()


def test_an_orm_edit_refreshes_like_an_import(app):
    """The after-commit refresh (small path) of an ORM edit agrees with the pure computation too."""
    _, people = build_mid_month()
    person = db.session.get(Participant, people["G2"])
    person.end_date = person.end_date + timedelta(days=14)
    db.session.commit()
    assert _stored() == _pure()


def test_analyze_runs_once_per_table_and_transaction(app, monkeypatch):
    """A large refresh analyzes the tables it reads before grouping them; the caller's analysis after it
    does not repeat them (five tables were analyzed three times per large PostgreSQL import)."""
    build_mid_month()
    monkeypatch.setattr(bulk_load, "BULK_ROWS", 1)
    analyzed = []
    connection = db.session.connection()
    real = connection.exec_driver_sql

    def spy(statement, *args, **kwargs):
        if statement.startswith("ANALYZE"):
            analyzed.append(statement.split()[1])
        return real(statement, *args, **kwargs)
    monkeypatch.setattr(connection, "exec_driver_sql", spy)
    summaries.refresh(connection, None, large=True, rows=1)
    summaries.analyze(connection)
    db.session.commit()
    assert sorted(analyzed) == sorted([*summaries.SOURCES, *summaries.SUMMARIES])
