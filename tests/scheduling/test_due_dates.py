"""The next-visit rule as tables of cases: band edges, month ends, leap years, drops and rises."""
import subprocess
import sys
from datetime import date

import pytest

from scheduling.due_dates import (DEFAULT_POLICY, Policy, Visit, add_months, describe_status, due_status, next_visit,
                                  policy_problems)

START = date(2025, 1, 10)


def imr_visit(*args, **facts):
    """A visit with the shipped IMR Fidelity Scale's facts (high band "high" from 4.0), as scheduling.queries gives."""
    labels = {"high": "High fidelity", "moderate": "Moderate fidelity", "low": "Low fidelity"}
    visit = Visit(*args)
    return Visit(*args, **{"high_band": "high", "high_from": 4.0, "band_label": labels.get(visit.band), **facts})


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 8, 31), 6, date(2027, 2, 28)),   # month end into a short February
    (date(2027, 8, 31), 6, date(2028, 2, 29)),   # ... of a leap year
    (date(2028, 2, 29), 12, date(2029, 2, 28)),  # leap day a year on
    (date(2028, 2, 29), 6, date(2028, 8, 29)),
    (date(2024, 2, 29), 48, date(2028, 2, 29)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2026, 3, 31), 6, date(2026, 9, 30)),
    (date(2026, 12, 15), 6, date(2027, 6, 15)),  # across a year end
    (date(2026, 7, 1), 6, date(2027, 1, 1)),
    (date(2026, 5, 10), 0, date(2026, 5, 10)),
])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize("visits, expected_due, expected_months", [
    ([], START, None),  # baseline due at once
    ([imr_visit(date(2026, 3, 2), 4.0)], date(2027, 3, 2), 12),  # exactly 4.0 is high
    ([imr_visit(date(2026, 3, 2), 3.99)], date(2026, 9, 2), 6),  # just under is not
    ([imr_visit(date(2026, 3, 2), 3.9999999)], date(2026, 9, 2), 6),
    ([imr_visit(date(2026, 3, 2), 52 / 13)], date(2027, 3, 2), 12),  # 13 items summing to 52
    ([imr_visit(date(2026, 3, 2), sum([0.4] * 10))], date(2027, 3, 2), 12),  # 3.9999999999999996: still high
    ([imr_visit(date(2026, 3, 2), 4.0, "high")], date(2027, 3, 2), 12),
    ([imr_visit(date(2026, 3, 2), 3.99, "moderate")], date(2026, 9, 2), 6),
    ([imr_visit(date(2026, 3, 2), 2.1, "low")], date(2026, 9, 2), 6),
    ([imr_visit(date(2026, 3, 2), None, "high")], date(2027, 3, 2), 12),  # the band alone decides
    ([imr_visit(date(2026, 3, 2), None, None)], date(2026, 9, 2), 6),  # no score: not shown to be high
    ([imr_visit(date(2025, 8, 31), 3.5, "moderate")], date(2026, 2, 28), 6),
    ([imr_visit(date(2027, 8, 31), 3.5, "moderate")], date(2028, 2, 29), 6),
    ([imr_visit(date(2028, 2, 29), 4.5, "high")], date(2029, 2, 28), 12),
    # drops out of the high band: back to 6 months
    ([imr_visit(date(2025, 1, 6), 4.5, "high"), imr_visit(date(2026, 1, 5), 3.5, "moderate")], date(2026, 7, 5), 6),
    # reaches the high band: 12 months
    ([imr_visit(date(2025, 6, 30), 3.2, "moderate"), imr_visit(date(2025, 12, 31), 4.1, "high")],
     date(2026, 12, 31), 12),
    # given out of order: the latest visit counts
    ([imr_visit(date(2026, 4, 1), 4.2, "high"), imr_visit(date(2025, 4, 1), 2.0, "low")], date(2027, 4, 1), 12),
    # two visits on one day: the last one given (the later record) counts
    ([imr_visit(date(2026, 4, 1), 4.2, "high"), imr_visit(date(2026, 4, 1), 3.0, "moderate")], date(2026, 10, 1), 6),
])
def test_next_visit_default_policy(visits, expected_due, expected_months):
    nxt = next_visit(DEFAULT_POLICY, START, visits)
    assert (nxt.due_date, nxt.interval_months) == (expected_due, expected_months)
    assert nxt.kind == ("baseline" if not visits else "reassessment")


@pytest.mark.parametrize("policy, visits, expected", [
    (Policy(baseline_months=3), [], date(2025, 4, 10)),
    (Policy(baseline_months=1), [], date(2025, 2, 10)),
    (Policy(3, 3, 9), [imr_visit(date(2026, 5, 31), 3.0, "moderate")], date(2026, 8, 31)),
    (Policy(3, 3, 9), [imr_visit(date(2026, 5, 31), 4.0, "high")], date(2027, 2, 28)),
])
def test_next_visit_custom_policy(policy, visits, expected):
    assert next_visit(policy, START, visits).due_date == expected


def team_visit(day, score, band, team_id, active=True):
    return imr_visit(day, score, band, team=f"Team {team_id}", team_id=team_id, team_active=active)


@pytest.mark.parametrize("visits, expected_due, expected_team", [
    # The whole program moderate on 5 Jan 2026 (due 5 Jul); one team high on 2 Mar 2026 (its own 12 months: 2 Mar
    # 2027): the team's score does not postpone the program's visit.
    ([imr_visit(date(2026, 1, 5), 3.2, "moderate"), team_visit(date(2026, 3, 2), 4.5, "high", 1)],
     date(2026, 7, 5), None),
    # The whole program high on 5 Jan 2026 (due 5 Jan 2027); a team low on 2 Mar 2026: that team is due 2 Sep 2026.
    ([imr_visit(date(2026, 1, 5), 4.5, "high"), team_visit(date(2026, 3, 2), 2.5, "low", 1)],
     date(2026, 9, 2), "Team 1"),
    # Two teams, no whole-program visit: team 1 high on 31 Jan 2026 (due 31 Jan 2027); team 2 moderate on 31 Aug
    # 2026, then high on 31 Dec 2026 (due 31 Dec 2027): team 1's date is not forgotten by team 2's later visit.
    ([team_visit(date(2026, 1, 31), 4.2, "high", 1), team_visit(date(2026, 8, 31), 3.1, "moderate", 2),
      team_visit(date(2026, 12, 31), 4.1, "high", 2)], date(2027, 1, 31), "Team 1"),
    # A team visit before the last whole-program visit is covered by it.
    ([team_visit(date(2025, 12, 1), 2.0, "low", 1), imr_visit(date(2026, 1, 5), 4.5, "high")],
     date(2027, 1, 5), None),
    # A closed team sets no date of its own: the whole program's 12 months stand ...
    ([imr_visit(date(2026, 1, 5), 4.5, "high"), team_visit(date(2026, 3, 2), 2.5, "low", 1, active=False)],
     date(2027, 1, 5), None),
    # ... but where only closed teams were ever rated, their latest visit still counts (no baseline again).
    ([team_visit(date(2026, 3, 2), 2.5, "low", 1, active=False)], date(2026, 9, 2), "Team 1"),
])
def test_each_unit_keeps_its_own_rhythm_and_the_program_is_due_at_the_soonest(visits, expected_due, expected_team):
    nxt = next_visit(DEFAULT_POLICY, START, visits)
    assert (nxt.due_date, nxt.basis.team) == (expected_due, expected_team)


def test_explanations_name_the_visit_that_set_the_date():
    assert next_visit(DEFAULT_POLICY, START, []).explain() == "Baseline visit: no final fidelity visit yet"
    nxt = next_visit(DEFAULT_POLICY, START, [imr_visit(date(2026, 3, 2), 4.0, "high")])
    assert nxt.explain() == "12 months after the visit of 2 Mar 2026 (mean 4.00, High fidelity)"
    assert DEFAULT_POLICY.describe() == "Baseline at once; then every 6 months, every 12 once high fidelity"
    # Rounded half up, as the fidelity pages round (Python's format would show 3.12)
    assert imr_visit(date(2026, 3, 2), 3.125, "moderate").describe() == \
        "visit of 2 Mar 2026 (mean 3.13, Moderate fidelity)"


@pytest.mark.parametrize("visit, high", [
    (imr_visit(date(2026, 3, 2), 3.6, "established", high_band="established", high_from=3.5), True),
    (imr_visit(date(2026, 3, 2), 3.6, None, high_band="established", high_from=3.5), True),  # no band: the cut-off
    (imr_visit(date(2026, 3, 2), 4.2, "high", high_band="established", high_from=3.5), False),  # another version's
    (imr_visit(date(2026, 3, 2), 3.4, None, high_band="established", high_from=3.5), False),
    (Visit(date(2026, 3, 2), 4.8), False),  # no facts known: nothing is assumed high
])
def test_high_is_the_scale_versions_own_band(visit, high):
    assert visit.high is high


@pytest.mark.parametrize("due, expected_status, expected_words", [
    (date(2026, 2, 27), "overdue", "overdue by 2 days"),
    (date(2026, 2, 28), "overdue", "overdue by 1 day"),
    (date(2026, 3, 1), "upcoming", "due today"),
    (date(2026, 3, 2), "upcoming", "due in 1 day"),
    (date(2026, 3, 31), "upcoming", "due in 30 days"),
    (date(2026, 4, 1), "scheduled", "due in 31 days"),
])
def test_due_status_window(due, expected_status, expected_words):
    today = date(2026, 3, 1)
    assert due_status(due, today) == expected_status
    assert describe_status(due, today) == expected_words


GOOD = {"baseline_months": 0, "interval_months": 6, "high_interval_months": 12}


@pytest.mark.parametrize("change, field, words", [
    ({"interval_months": 0}, "interval_months", "0 is not allowed; the interval must be at least 1 month"),
    ({"interval_months": -6}, "interval_months", "-6 is not allowed"),
    ({"high_interval_months": 0}, "high_interval_months", "must be at least 1 month"),
    ({"high_interval_months": "-1"}, "high_interval_months", "-1 is not allowed"),
    ({"baseline_months": -1}, "baseline_months", "-1 is not allowed; use 0 for a baseline visit due at once"),
    ({"interval_months": "six"}, "interval_months", "'six' is not a whole number of months"),
    ({"interval_months": "2.5"}, "interval_months", "'2.5' is not a whole number"),
    ({"interval_months": True}, "interval_months", "'True' is not a whole number"),
    ({"interval_months": ""}, "interval_months", "enter a whole number of months"),
    ({"interval_months": None}, "interval_months", "enter a whole number of months"),
    ({"high_interval_months": 61}, "high_interval_months", "61 is more than 60 months"),
])
def test_policy_problems_say_what_and_where(change, field, words):
    problems = policy_problems({**GOOD, **change})
    assert list(problems) == [field]
    assert words in problems[field]


@pytest.mark.parametrize("values", [GOOD, {"baseline_months": "3", "interval_months": " 1 ", "high_interval_months": 60}])
def test_good_policies_pass(values):
    assert policy_problems(values) == {}


def test_due_dates_import_neither_flask_nor_sqlalchemy():
    code = ("import sys, scheduling.due_dates; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
