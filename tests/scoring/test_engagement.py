"""The engagement numbers of DESIGN.md, one rule per test, on small hand-made cases."""
import subprocess
import sys
from datetime import date, timedelta

import pytest

from scoring.engagement import (Enrolment, SessionHeld, Window, enrolled_in, measure, modules_delivered, sum_grouped,
                                monthly_rates, offered_sessions, rates, summarize)

TEAM = 1
JAN = Window(date(2026, 1, 1), date(2026, 1, 31))


def weekly(n, first=date(2026, 1, 5), team=TEAM, module=1, participant=None, start_id=1):
    return [SessionHeld(start_id + i, team, participant, first + timedelta(days=7 * i), module) for i in range(n)]


def person(pid=1, start=date(2025, 12, 1), end=None, referral=None, fmt="group", team=TEAM):
    return Enrolment(pid, team, fmt, start, end, referral)


def test_no_offered_sessions_is_listed_but_not_counted():
    m = measure(person(), [], {}, JAN)
    assert (m.offered, m.attended, m.engaged, m.exposure, m.counted) == (0, 0, None, None, False)
    s = summarize([m, measure(person(2), weekly(4), {1: "attended"}, JAN)], small_group_min=1)
    assert s.listed == 2 and s.rates.counted == 1 and s.rates.pct_engaged == 0


def test_enrolment_starting_inside_the_window_counts_from_the_start():
    sessions = weekly(4)  # 5, 12, 19, 26 January
    m = measure(person(start=date(2026, 1, 12)), sessions, {2: "attended", 3: "attended"}, JAN)
    assert (m.offered, m.attended, m.engaged) == (3, 2, True)


def test_enrolment_ending_inside_the_window_stops_at_the_end_date():
    sessions = weekly(4)
    m = measure(person(end=date(2026, 1, 12)), sessions, {1: "attended", 3: "attended", 4: "attended"}, JAN)
    assert (m.offered, m.attended) == (2, 1)  # 19 and 26 January were after they left
    assert not m.engaged  # 1 of 2 is exactly half


def test_sessions_outside_the_window_are_not_offered():
    sessions = weekly(8, first=date(2025, 12, 15))
    assert [s.session_date for s in offered_sessions(person(), sessions, JAN)] == [
        date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19), date(2026, 1, 26)]


def test_individual_participants_are_offered_their_own_sessions_only():
    group = weekly(4)
    mine = weekly(2, participant=7, start_id=100)
    theirs = weekly(3, participant=8, start_id=200)
    individual = person(7, fmt="individual")
    assert [s.id for s in offered_sessions(individual, group + mine + theirs, JAN)] == [100, 101]
    # a group participant is offered the team's group sessions, and never another person's individual sessions
    assert [s.id for s in offered_sessions(person(9), group + mine + theirs, JAN)] == [1, 2, 3, 4]
    # nor another team's group sessions
    assert offered_sessions(person(9, team=2), group, JAN) == []


def test_exactly_half_is_not_engaged_and_just_over_is():
    sessions = weekly(4)
    half = measure(person(), sessions, {1: "attended", 2: "attended"}, JAN)
    over = measure(person(), sessions, {1: "attended", 2: "attended", 3: "attended"}, JAN)
    assert half.exposure == 0.5 and half.engaged is False
    assert over.engaged is True
    assert measure(person(), sessions, {1: "attended", 2: "attended", 3: "attended"}, JAN, threshold=0.75).engaged \
        is False


def test_excused_counts_as_offered_and_not_attended():
    m = measure(person(), weekly(4), {1: "attended", 2: "excused", 3: "excused", 4: "absent"}, JAN)
    assert (m.offered, m.attended, m.engaged) == (4, 1, False)


def test_a_session_without_attendance_row_is_offered_and_not_attended():
    m = measure(person(), weekly(4), {1: "attended", 2: "attended"}, JAN)  # no rows for 3 and 4
    assert (m.offered, m.attended, m.exposure) == (4, 2, 0.5)


def test_modules_completed_need_more_than_half_of_that_modules_sessions():
    sessions = weekly(2, module=1) + weekly(3, first=date(2026, 1, 19), module=2, start_id=10) + \
        weekly(1, first=date(2026, 1, 6), module=3, start_id=20)
    statuses = {1: "attended", 10: "attended", 11: "attended", 20: "attended"}  # module 1: 1 of 2 (half)
    m = measure(person(), sessions, statuses, JAN)
    assert m.modules_completed == 2  # modules 2 (2 of 3) and 3 (1 of 1)


def test_days_to_first_session_from_referral_or_start():
    sessions = weekly(4, first=date(2025, 12, 8))
    statuses = {2: "absent", 3: "attended"}  # first attended 22 December, before the window
    referred = measure(person(start=date(2025, 12, 1), referral=date(2025, 11, 2)), sessions, statuses, JAN)
    assert referred.first_attended == date(2025, 12, 22) and referred.days_to_first == 50
    started = measure(person(start=date(2025, 12, 1)), sessions, statuses, JAN)
    assert started.days_to_first == 21
    later = measure(person(), weekly(4, first=date(2026, 2, 2)), {1: "attended"}, JAN)
    assert later.first_attended is None and later.days_to_first is None  # after the window's end


def test_small_groups_show_counts_but_no_percentages():
    four = rates(4, 3, 4)
    assert (four.counted, four.engaged, four.pct_engaged, four.pct_any, four.suppressed) == (4, 3, None, None, True)
    five = rates(5, 3, 4)
    assert (five.pct_engaged, five.pct_any, five.suppressed) == (60, 80, False)
    assert rates(0, 0, 0).suppressed is False  # nobody to hide
    assert rates(3, 1, 2, small_group_min=3).pct_engaged == pytest.approx(100 / 3)


def test_summary_means_sds_and_median():
    sessions = weekly(4)
    people = [person(i) for i in range(1, 7)]
    attended = {1: 4, 2: 3, 3: 2, 4: 1, 5: 0, 6: 4}
    measures = [measure(p, sessions, {s.id: "attended" for s in sessions[:attended[p.id]]}, JAN) for p in people]
    s = summarize(measures)
    assert s.rates.counted == 6 and s.rates.engaged == 3 and s.rates.any_participation == 5
    assert s.rates.pct_engaged == 50
    assert s.mean_attended == pytest.approx(14 / 6) and s.sd_attended == pytest.approx(1.6329931619)
    assert s.median_days_to_first == 35  # referral unknown: from the 1 December start to 5 January
    assert s.n_days_to_first == 5


def test_monthly_rates_measure_each_month_on_its_own():
    sessions = weekly(8)  # 5 January to 23 February
    people = [person(i) for i in range(1, 6)]
    statuses = {p.id: {s.id: "attended" for s in sessions[:4]} for p in people}  # all of January, none in February
    trend = monthly_rates(people, sessions, statuses, Window(date(2026, 1, 10), date(2026, 2, 28)))
    assert [(key, r.counted, r.engaged, r.pct_engaged) for key, r in trend] == [(202601, 5, 5, 100),
                                                                                 (202602, 5, 0, 0)]


def test_window_months_are_clipped_to_the_window():
    assert Window(date(2025, 12, 15), date(2026, 2, 3)).months() == [
        (202512, date(2025, 12, 15), date(2025, 12, 31)), (202601, date(2026, 1, 1), date(2026, 1, 31)),
        (202602, date(2026, 2, 1), date(2026, 2, 3))]


def test_enrolment_overlap_and_modules_delivered():
    assert enrolled_in(person(start=date(2026, 1, 31)), JAN) and not enrolled_in(person(start=date(2026, 2, 1)), JAN)
    assert not enrolled_in(person(start=date(2025, 1, 1), end=date(2025, 12, 31)), JAN)
    sessions = weekly(3, module=4) + weekly(1, first=date(2026, 2, 2), module=5, start_id=9)
    assert modules_delivered(sessions, JAN) == {(TEAM, 4): 3}


def test_scoring_imports_neither_flask_nor_sqlalchemy():
    code = ("import sys, scoring.engagement, scoring.stats; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_grouped_counts_sum_to_the_same_numbers_per_participant_and_month():
    # (participant, month, module, offered, attended), ordered by participant and month as the SQL returns them
    rows = [(1, 202601, 1, 2, 2), (1, 202601, 2, 2, 0), (1, 202602, 2, 2, 2),  # module 2: 2 of 4, not completed
            (2, 202601, 1, 4, 2),  # exactly half: not engaged that month
            (3, 202602, 3, 3, 0)]
    people, months = sum_grouped(rows, threshold=0.5)
    assert people == {1: (6, 4, 1), 2: (4, 2, 0), 3: (3, 0, 0)}
    # January: participants 1 (2 of 4, not engaged) and 2 (2 of 4); February: 1 (2 of 2, engaged) and 3 (0 of 3)
    assert months == {202601: (2, 0, 2), 202602: (2, 1, 1)}
    assert list(months) == [202601, 202602]
    assert sum_grouped([], 0.5) == ({}, {})
    # the engaged count follows the threshold: 2 of 3 is over a 50% line, not over a 70% one
    assert sum_grouped([(1, 202601, 1, 3, 2)], threshold=0.5)[1] == {202601: (1, 1, 1)}
    assert sum_grouped([(1, 202601, 1, 3, 2)], threshold=0.7)[1] == {202601: (1, 0, 1)}


def test_sessions_without_a_module_are_offered_but_complete_no_module():
    """A grid without a Module row records sessions whose module is not known (None): they count as offered
    and attended like any other, and are left out of modules completed, in Python and in the SQL path."""
    sessions = weekly(2, module=None) + weekly(2, first=date(2026, 1, 19), module=4, start_id=3)
    statuses = {1: "attended", 2: "attended", 3: "attended", 4: "absent"}
    m = measure(person(), sessions, statuses, JAN)
    assert (m.offered, m.attended, m.modules_completed) == (4, 3, 0)  # module 4: 1 of 2 is not more than half
    statuses[4] = "attended"
    assert measure(person(), sessions, statuses, JAN).modules_completed == 1
    people, _ = sum_grouped([(1, 202601, None, 2, 2), (1, 202601, 4, 2, 2)])
    assert people[1] == (4, 4, 1)
    assert modules_delivered(sessions, JAN) == {(TEAM, None): 2, (TEAM, 4): 2}
