"""The follow-up columns and the goals panel's 4th attended session and recent attenders, found on the summaries,
agree with the pure rules (follow_up.last_attended_and_missed, counting attended offered sessions) on hand-built
data, both databases: two sessions on one day (one missed), never attended, sessions after the window's end, a
month without sessions."""
from datetime import date, timedelta

from dashboards.follow_up import follow_up_columns, last_attended_and_missed
from dashboards.goals_panel import _findings, _nth_attended, findings
from dashboards.page_queries import Scope
from scoring.engagement import Window, enrolled_in, offered_sessions
from tests.dashboards.mid_month import build_mid_month, with_a_gap
from tests.dashboards.pure_inputs import PureState


def _history(pure, person, last_day):
    """[(session date, attended 0/1)] of the person's offered sessions up to last_day, from the raw rows."""
    window = Window(date(2000, 1, 1), last_day)
    statuses = pure.statuses.get(person.id, {})
    return [(s.session_date, int(statuses.get(s.id) == "attended"))
            for s in offered_sessions(person, pure.sessions_for(person), window)]


def _scope(pure, end, fmt=None):
    """Every team's participants over a window from long ago to `end` (as a page would ask)."""
    return Scope(tuple(sorted({p.team_id for p in pure.people})), fmt, Window(date(2000, 1, 1), end))


def _ends():
    return [date(2026, 1, 4), date(2026, 1, 26), date(2026, 2, 2), date(2026, 2, 15), date(2026, 3, 1),
            date(2026, 3, 20), date(2026, 3, 27), date(2026, 12, 31)]


def test_last_attended_and_missed_in_a_row_match_the_raw_rows(app):
    _, people = build_mid_month()
    with_a_gap(people)
    pure = PureState()
    for end in _ends():
        for fmt in (None, "group", "individual"):
            scope = _scope(pure, end, fmt)
            got = follow_up_columns(scope)
            want = {p.id: last_attended_and_missed(_history(pure, p, end)) for p in pure.people
                    if enrolled_in(p, scope.window) and fmt in (None, p.format)}
            assert got == want, (end, fmt)
            # as the team page reads them, in the goals panel's statement, the panel's findings unchanged beside them
            found = findings(scope, end - timedelta(days=30), follow_up=True)
            assert found.follow_up == want, (end, fmt)
            assert found[:2] == findings(scope, end - timedelta(days=30))[:2], (end, fmt)
    g2 = people["G2"]  # 2 Feb: attended the first session, excused at the second: the attended one is taken last
    assert follow_up_columns(_scope(pure, date(2026, 2, 2)))[g2] == (date(2026, 2, 2), 0)


def test_the_nth_attended_session_matches_the_raw_rows(app):
    _, people = build_mid_month()
    with_a_gap(people)
    pure = PureState()
    for end in _ends():
        for n in (1, 2, 4, 6):
            want = {}
            for p in pure.people:
                days = sorted(day for day, attended in _history(pure, p, end) if attended)
                if len(days) >= n:
                    want[p.id] = days[n - 1]
            assert _nth_attended(_scope(pure, end), n) == want, (end, n)


def test_the_recent_attenders_match_the_raw_rows(app):
    """Asked in the same statement as the n-th attended session: those with an attended session from `first` to
    the window's end, and the n-th sessions unchanged beside them."""
    _, people = build_mid_month()
    with_a_gap(people)
    pure = PureState()
    found = set()
    for end in _ends():
        for days in (0, 6, 30):
            first = end - timedelta(days=days)
            want = {p.id for p in pure.people
                    if any(attended and first <= day for day, attended in _history(pure, p, end))}
            fourth, recent = _findings(_scope(pure, end), first)
            assert recent == want, (end, days)
            assert fourth == _nth_attended(_scope(pure, end), 4), (end, days)
            found |= recent
    assert found  # the data has recent attenders to find
