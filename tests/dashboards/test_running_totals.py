"""The overview's running totals (dashboards/running_totals.py): each participant's totals from their first month,
with no gaps, kept equal to the monthly summaries through edits, and windows read as end minus start giving the
numbers of the raw-row computation (scoring/engagement.py) for every kind of edge, on both databases."""
from datetime import date

from sqlalchemy import select

from dashboards import queries
from dashboards.models import EngagementMonth, EngagementTotal
from extensions import db
from models import Participant
from scoring.engagement import Window
from tests.dashboards.mid_month import build_mid_month, pure_counts, with_a_gap
from tests.dashboards.pure_inputs import PureState
from tests.factories import make_attendance, make_participant, make_session

T, M = EngagementTotal.__table__, EngagementMonth.__table__


def _totals():
    return {(pid, month): (offered, attended, last) for pid, month, offered, attended, last in db.session.execute(
        select(T.c.participant_id, T.c.month, T.c.offered, T.c.attended, T.c.is_last))}


def _summed_months():
    """What the totals must be: the monthly summaries added up, every month from a participant's first to last."""
    months = {}
    for pid, month, offered, attended in db.session.execute(
            select(M.c.participant_id, M.c.month, M.c.offered, M.c.attended).order_by(M.c.participant_id, M.c.month)):
        months.setdefault(pid, []).append((month, offered, attended))
    expected = {}
    for pid, rows in months.items():
        given = {m: (o, a) for m, o, a in rows}
        month, offered, attended = rows[0][0], 0, 0
        while True:
            o, a = given.get(month, (0, 0))
            offered, attended = offered + o, attended + a
            expected[pid, month] = (offered, attended, month == rows[-1][0])
            if month == rows[-1][0]:
                break
            month = month + 89 if month % 100 == 12 else month + 1
    return expected


def test_totals_run_on_through_months_without_sessions(app):
    _, people = build_mid_month()
    j1, j2 = with_a_gap(people)
    totals = _totals()
    assert totals[j1, 202601] == (1, 1, False)
    assert totals[j1, 202602] == (1, 1, False)  # no session in February: the total carries on
    assert totals[j1, 202603] == (3, 2, True)
    assert (j1, 202604) not in totals and (j1, 202512) not in totals
    assert totals[j2, 202602] == (1, 1, True) and len([k for k in totals if k[0] == j2]) == 1
    assert totals == _summed_months()


def _windows():
    """Windows whose edges fall on every kind of day: first, second, mid-month (both sides of the half), the
    day before the last and the last; inside one month; across the gap; after and before everyone's sessions."""
    edges = [date(2025, 12, 1), date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 15),
             date(2026, 1, 16), date(2026, 1, 30), date(2026, 2, 14), date(2026, 2, 15), date(2026, 2, 16),
             date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 19), date(2026, 3, 21), date(2026, 3, 31),
             date(2026, 4, 7), date(2026, 5, 31)]
    return [Window(a, b) for i, a in enumerate(edges) for b in edges[i:]] + [Window(date(2027, 1, 1),
                                                                                    date(2027, 3, 1))]


def test_every_window_matches_the_raw_rows(app):
    _, people = build_mid_month()
    with_a_gap(people)
    pure = PureState()
    for window in _windows():
        assert queries.program_counts(None, window, 0.5) == pure_counts(pure, window, 0.5), window


def test_each_participants_window_numbers_match(app):
    """Per participant, not only per program: offered and attended in a window cutting the gap month."""
    _, people = build_mid_month()
    j1, j2 = with_a_gap(people)
    pure = PureState()
    for window in (Window(date(2026, 1, 10), date(2026, 3, 25)), Window(date(2026, 2, 1), date(2026, 3, 20)),
                   Window(date(2026, 2, 16), date(2026, 2, 16))):
        assert _window_numbers(window) == _pure_numbers(pure, window), window
    got = _window_numbers(window)
    assert got[j2] == (1, 1) and j1 not in got  # 16 Feb: J2's only session; J1 had none that day


def _window_numbers(window):
    """The overview's numbers per participant, as each database computes them (PostgreSQL: edge masks)."""
    numbers = queries._window_numbers(None, window)
    return {pid: (n, att) for pid, n, att in db.session.execute(
        select(numbers.c.participant_id, numbers.c.n, numbers.c.att)) if n}


def _pure_numbers(pure, window):
    return {pid: (m.offered, m.attended) for pid, m in pure.measures(pure.people_in(window), window).items()
            if m.offered}


def test_a_first_session_early_in_the_end_month_counts(app):
    """A window ending on the 5th is read from the end month's totals less its later days: J3, whose only
    sessions are on 3 Mar, has no total at the end of February and counts all the same."""
    _, people = build_mid_month()
    caseload = db.session.get(Participant, people["I1"]).team
    j3 = make_participant(caseload, "J3", start=date(2026, 3, 1), format="individual")
    make_attendance(make_session(caseload, date(2026, 3, 3), participant=j3), j3)
    make_attendance(make_session(caseload, date(2026, 3, 20), participant=j3), j3, "absent")
    db.session.commit()
    pure = PureState()
    for window in (Window(date(2026, 1, 10), date(2026, 3, 5)), Window(date(2026, 3, 2), date(2026, 3, 3))):
        got = _window_numbers(window)
        assert got == _pure_numbers(pure, window) and got[j3.id] == (1, 1), window
        assert queries.program_counts(None, window, 0.5) == pure_counts(pure, window, 0.5), window


def test_edits_keep_the_totals_equal_to_the_monthly_summaries(app):
    """An ORM edit of one team, a participant moving team, and one removed: the totals follow."""
    _, people = build_mid_month()
    j1, _ = with_a_gap(people)
    person = db.session.get(Participant, j1)
    make_attendance(make_session(person.team, date(2026, 2, 9), participant=person), person)  # fills the gap
    db.session.commit()
    assert _totals()[j1, 202602] == (2, 2, False)
    g5 = db.session.get(Participant, people["G5"])
    g5.team_id = db.session.get(Participant, people["S1"]).team_id  # moves to the South group
    db.session.commit()
    assert _totals() == _summed_months()
    assert set(db.session.scalars(select(T.c.team_id).where(T.c.participant_id == people["G5"]))) == {g5.team_id}
    pure = PureState()
    window = Window(date(2026, 1, 15), date(2026, 3, 14))
    assert queries.program_counts(None, window, 0.5) == pure_counts(pure, window, 0.5)


def test_a_window_after_everyones_last_session_counts_no_one(app):
    build_mid_month()
    assert queries.program_counts(None, Window(date(2026, 6, 1), date(2026, 12, 31)), 0.5) == {}
    assert queries.program_counts(None, Window(date(2024, 1, 1), date(2024, 12, 31)), 0.5) == {}
    assert not db.session.execute(select(T).where(T.c.month > 202604)).first()


def test_a_refresh_of_some_dates_writes_the_months_from_them_on(app):
    """An import's refresh names the dates it touched: totals before them are kept, later ones carried on from
    them. Rows written through Core (as imports do), then the refresh an import runs."""
    from sqlalchemy import insert

    from dashboards.summaries import refresh_teams
    from models import Attendance, Session
    _, people = build_mid_month()
    j1, _ = with_a_gap(people)
    team = db.session.get(Participant, j1).team_id
    before = _totals()
    for day in (date(2026, 2, 23), date(2026, 5, 4)):  # fills the gap month, and a month after their last
        session_id = db.session.execute(insert(Session).returning(Session.id), [dict(
            team_id=team, participant_id=j1, session_date=day, module=3)]).scalar_one()
        db.session.execute(insert(Attendance), [dict(session_id=session_id, participant_id=j1, status="attended")])
    db.session.commit()
    refresh_teams([team], dates=(date(2026, 2, 23), date(2026, 5, 4)))
    totals = _totals()
    assert totals == _summed_months()
    assert totals[j1, 202601] == before[j1, 202601]  # before the dates: kept
    assert totals[j1, 202602] == (2, 2, False) and totals[j1, 202603] == (4, 3, False)
    assert totals[j1, 202604] == (4, 3, False) and totals[j1, 202605] == (5, 4, True)
    pure = PureState()
    for window in (Window(date(2026, 2, 20), date(2026, 4, 30)), Window(date(2026, 3, 28), date(2026, 5, 10))):
        assert queries.program_counts(None, window, 0.5) == pure_counts(pure, window, 0.5), window


def test_the_overview_plans_its_one_statement_for_state_scale_and_leaves_the_rest_as_it_was(app):
    """PostgreSQL cannot foresee how many participants a state has in the window and looped over them, spilled
    their sums to disk and split them over workers; the settings that stop it must not outlive the statement
    (the rest of the request plans as it would have, a setting of the connection's own included)."""
    from sqlalchemy import text

    _, people = build_mid_month()
    pure = PureState()
    window = Window(date(2026, 1, 15), date(2026, 3, 14))
    seen = []
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import event
        engine = db.session.get_bind()
        names = [name for name, _ in queries.STATE_SCALE_PLAN]

        def settings(execute):
            return tuple(execute(f"SELECT current_setting('{name}')").fetchone()[0] for name in names)

        db.session.execute(text("SET work_mem = '5MB'"))  # the connection's own, kept after the statement
        before = settings(lambda sql: db.session.execute(text(sql)))

        def watch(conn, cursor, statement, *args):
            if "GROUP BY" in statement:
                seen.append(settings(cursor.connection.execute))
        event.listen(engine, "before_cursor_execute", watch)
        try:
            assert queries.program_counts(None, window, 0.5) == pure_counts(pure, window, 0.5)
        finally:
            event.remove(engine, "before_cursor_execute", watch)
        assert seen == [("off", "32MB", "0")] and before == ("on", "5MB", "2")
        assert settings(lambda sql: db.session.execute(text(sql))) == before
    else:
        assert queries.program_counts(None, window, 0.5) == pure_counts(pure, window, 0.5)
