"""Windows that cut months: the overview's summary path (monthly rows, daily rows at the edges) gives exactly
the numbers of the raw-row computation (scoring/engagement.py), on hand-built data, on both databases."""
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from dashboards import queries
from dashboards.models import EngagementDay
from extensions import db
from scoring.engagement import Window
from tests.dashboards.pure_inputs import PureState
from tests.factories import make_agency, make_attendance, make_participant, make_program, make_session, make_team

D = EngagementDay.__table__
# Edges on the 15th/14th, on the last and first day of a month, inside one month, one day, and whole months.
WINDOWS = [Window(date(2026, 1, 15), date(2026, 3, 14)), Window(date(2026, 1, 31), date(2026, 3, 1)),
           Window(date(2026, 2, 10), date(2026, 2, 20)), Window(date(2026, 2, 2), date(2026, 2, 2)),
           Window(date(2025, 12, 20), date(2026, 4, 9)), Window(date(2026, 1, 1), date(2026, 3, 31))]


def _state():
    """Two programs: weekly group sessions (Mondays, two on 2 Feb), enrolments that start and end mid-month,
    individual sessions (one on a group day), excused, absent and missing attendance rows."""
    agency = make_agency("DAY", "Day agency")
    north, south = make_program(agency, "North IMR"), make_program(agency, "South IMR")
    group, caseload, other = make_team(north, "North group"), make_team(north, "North caseload", "individual"), \
        make_team(south, "South group")
    people = {
        "G1": make_participant(group, "G1", start=date(2026, 1, 1)),
        "G2": make_participant(group, "G2", start=date(2026, 1, 20), end=date(2026, 3, 10)),  # mid-month both ends
        "G3": make_participant(group, "G3", start=date(2026, 2, 3)),  # joins the day after the double session
        "G4": make_participant(group, "G4", start=date(2026, 1, 1)),
        "G5": make_participant(group, "G5", start=date(2025, 12, 1)),
        "I1": make_participant(caseload, "I1", start=date(2026, 1, 10), format="individual"),
        "S1": make_participant(other, "S1", start=date(2026, 1, 1)),
    }
    mondays = [date(2025, 12, 29) + timedelta(days=7 * i) for i in range(15)]  # 29 Dec to 6 Apr
    marks = {"G1": "aaaaeaaaaaaaaaa", "G2": "aaabaaaaaaaaaaa", "G3": "aaaaaaaaaaaaaaa", "G4": "b-e-a-b-a-e-a-a",
             "G5": "-a-a-a-a-a-a-a-", "S1": "abababababababa"}
    status = {"a": "attended", "e": "excused", "b": "absent"}
    for i, day in enumerate(mondays):
        sessions = {group: make_session(group, day, module=i % 11 + 1), other: make_session(other, day)}
        for code, row in marks.items():
            person = people[code]
            session = sessions[other if code == "S1" else group]
            if row[i] != "-" and person.start_date <= day and (person.end_date is None or day <= person.end_date):
                make_attendance(session, person, status[row[i]])
    second = make_session(group, date(2026, 2, 2), module=7)  # a second group session the same day
    for code in ("G1", "G2", "G5"):
        make_attendance(second, people[code], "attended" if code != "G2" else "excused")
    for i, day in enumerate([date(2026, 1, 12), date(2026, 1, 31), date(2026, 2, 2), date(2026, 2, 28),
                             date(2026, 3, 1), date(2026, 3, 15)]):
        own = make_session(caseload, day, participant=people["I1"])
        if i % 3 != 2:
            make_attendance(own, people["I1"], "attended" if i % 2 == 0 else "absent")
    g4_own = make_session(caseload, date(2026, 2, 2), participant=people["G4"])  # their own, on a group day
    make_attendance(g4_own, people["G4"])
    db.session.commit()
    return {"north": north.id, "south": south.id}, {code: p.id for code, p in people.items()}


def _pure_counts(pure, window, threshold):
    """{program id: (counted, engaged, any participation, sessions attended)} from the raw rows, in Python."""
    totals = {}
    for person, m in pure.measures(pure.people_in(window), window, threshold).items():
        if m.counted:
            t = totals.setdefault(pure.program_of[pure_team(pure, person)], [0, 0, 0, 0])
            t[0] += 1
            t[1] += m.engaged
            t[2] += m.attended >= 1
            t[3] += m.attended
    return {pid: tuple(t) for pid, t in totals.items()}


def pure_team(pure, person_id):
    return next(p.team_id for p in pure.people if p.id == person_id)


@pytest.mark.parametrize("threshold", [0.5, 0.75])
def test_overview_matches_the_raw_rows_for_windows_cutting_months(app, threshold):
    programs, _ = _state()
    pure = PureState()
    for window in WINDOWS:
        got = queries.program_counts(None, window, threshold)
        assert got == _pure_counts(pure, window, threshold), window
        assert set(got) == set(programs.values())  # both programs have someone offered a session in each window


def test_daily_rows_hold_what_each_day_offered(app):
    _, people = _state()
    rows = {(pid, day): (offered, attended) for pid, day, offered, attended in db.session.execute(
        select(D.c.participant_id, D.c.day, D.c.offered, D.c.attended))}
    g1, g2, g3, g4 = people["G1"], people["G2"], people["G3"], people["G4"]
    assert rows[g1, date(2026, 2, 2)] == (2, 2)  # two group sessions that day
    assert rows[g2, date(2026, 2, 2)] == (2, 1)  # one attended, one excused
    assert rows[g4, date(2026, 2, 2)] == (3, 1)  # two group sessions without a row, their own one attended
    assert (g3, date(2026, 2, 2)) not in rows  # before they started
    assert (g2, date(2026, 3, 16)) not in rows and rows[g2, date(2026, 3, 9)] == (1, 1)  # ended 10 Mar
    assert (people["I1"], date(2026, 2, 28)) in rows and all(
        day.month in (1, 2, 3) for pid, day in rows if pid == people["I1"])


def test_a_hand_worked_window(app):
    """15 Jan to 14 Mar, North IMR (group sessions 19 Jan to 9 Mar: 8 Mondays, and a second one on 2 Feb):
    G1 offered 9, attended 8 (excused 26 Jan): engaged. G2 (20 Jan to 10 Mar) offered 8, attended 7 (the
    second 2 Feb session excused): engaged. G3 (from 3 Feb) 5 of 5: engaged. G4: 2 group sessions attended
    of 9, plus their own on 2 Feb: 3 of 10, not engaged. G5: 5 of 9 (55.6%): engaged. I1: own sessions 31
    Jan (absent), 2 Feb (no row), 28 Feb (attended), 1 Mar (absent): 1 of 4.
    -> counted 6, engaged 4, any participation 6, sessions attended 8 + 7 + 5 + 3 + 5 + 1 = 29."""
    programs, _ = _state()
    assert queries.program_counts(None, WINDOWS[0], 0.5)[programs["north"]] == (6, 4, 6, 29)


def test_the_overview_reads_no_attendance_rows(app):
    """Whole months from the monthly rows, the edge days from the daily rows: attendance is not read."""
    _state()
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement.lower())
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        for window in WINDOWS:
            queries.program_counts(None, window, 0.5)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "attendance" in s or "imr_session" in s]
