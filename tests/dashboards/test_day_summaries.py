"""Windows that cut months: the overview's summary path (monthly rows, daily rows at the edges) gives exactly
the numbers of the raw-row computation (scoring/engagement.py), on hand-built data, on both databases."""
from datetime import date

import pytest
from sqlalchemy import event, select

from dashboards import queries
from dashboards.models import EngagementDay
from extensions import db
from scoring.engagement import Window
from tests.dashboards.mid_month import build_mid_month, pure_counts
from tests.dashboards.pure_inputs import PureState

D = EngagementDay.__table__
# Edges on the 15th/14th, on the last and first day of a month, inside one month, one day, and whole months.
WINDOWS = [Window(date(2026, 1, 15), date(2026, 3, 14)), Window(date(2026, 1, 31), date(2026, 3, 1)),
           Window(date(2026, 2, 10), date(2026, 2, 20)), Window(date(2026, 2, 2), date(2026, 2, 2)),
           Window(date(2025, 12, 20), date(2026, 4, 9)), Window(date(2026, 1, 1), date(2026, 3, 31))]


@pytest.mark.parametrize("threshold", [0.5, 0.75])
def test_overview_matches_the_raw_rows_for_windows_cutting_months(app, threshold):
    programs, _ = build_mid_month()
    pure = PureState()
    for window in WINDOWS:
        got = queries.program_counts(None, window, threshold)
        assert got == pure_counts(pure, window, threshold), window
        assert set(got) == set(programs.values())  # both programs have someone offered a session in each window


def test_daily_rows_hold_what_each_day_offered(app):
    _, people = build_mid_month()
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
    programs, _ = build_mid_month()
    assert queries.program_counts(None, WINDOWS[0], 0.5)[programs["north"]] == (6, 4, 6, 29)


def test_the_overview_reads_no_attendance_rows(app):
    """Whole months from the monthly rows, the edge days from the daily rows: attendance is not read."""
    build_mid_month()
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
