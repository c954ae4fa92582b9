"""Goal tracking, pure: the Rule of Sixes, overdue goals, and a team's counts."""
from datetime import date

import pytest

from scoring.goals import GoalRecord, add_months, goal_counts, goal_set_early, overdue, rule_of_sixes

D = date


@pytest.mark.parametrize("level, day, target", [("long_term", D(2026, 1, 15), D(2026, 7, 15)),
                                                ("long_term", D(2026, 8, 31), D(2027, 2, 28)),
                                                ("short_term", D(2026, 1, 15), D(2026, 2, 26)),
                                                ("step", D(2026, 1, 15), D(2026, 1, 21))])
def test_rule_of_sixes(level, day, target):
    assert rule_of_sixes(level, day) == target


def test_add_months_goes_back_across_a_year():
    assert add_months(D(2026, 3, 31), -13) == D(2025, 2, 28)


def _g(gid, pid, level, parent=None, status="active", target=D(2026, 6, 1), reviews=()):
    return GoalRecord(gid, pid, level, parent, D(2026, 3, 1), target, status, tuple(reviews))


def test_overdue_when_target_passed_or_not_reviewed_in_30_days():
    today = D(2026, 6, 2)
    assert overdue(_g(1, 1, "step", reviews=[D(2026, 6, 1)]), today) == ["target date 1 Jun 2026 passed"]
    assert overdue(_g(1, 1, "step", target=D(2026, 7, 1), reviews=[D(2026, 5, 2)]), today) == \
        ["not reviewed in 30 days"]
    assert overdue(_g(1, 1, "step", target=D(2026, 7, 1), reviews=[D(2026, 5, 3)]), today) == []
    assert overdue(_g(1, 1, "step", status="achieved"), today) == []


def test_counts_per_team():
    goals = [_g(1, 1, "long_term", reviews=[D(2026, 5, 20)]), _g(2, 1, "short_term", 1, status="achieved"),
             _g(3, 2, "long_term", status="achieved"), _g(4, 2, "step", 9, status="achieved"), _g(5, 9, "long_term")]
    counts = goal_counts([1, 2, 3], goals, D(2026, 6, 2))
    assert (counts.participants, counts.with_goal, counts.broken_down, counts.reviewed, counts.goals_achieved,
            counts.steps_achieved) == (3, 2, 1, 1, 2, 1)


def test_goal_set_by_the_fourth_attended_session():
    days = [D(2026, 3, d) for d in (1, 8, 15, 22)]
    assert goal_set_early(days[:3], [_g(1, 1, "long_term")]) is None
    assert goal_set_early(days, [GoalRecord(1, 1, "long_term", None, D(2026, 3, 22), D(2026, 9, 1), "active")])
    assert not goal_set_early(days, [GoalRecord(1, 1, "long_term", None, D(2026, 3, 23), D(2026, 9, 1), "active")])
    assert not goal_set_early(days, [GoalRecord(1, 1, "short_term", 9, D(2026, 3, 1), D(2026, 4, 1), "active")])


def test_goals_panel_withholds_percentages_of_small_groups():
    from scoring.goals import goals_panel_row
    row = goals_panel_row([True, True, False, False, True], [True, False], small_group_min=5)
    assert (row["pct_goal_by_4th"], row["pct_reviewed"], row["suppressed"]) == (60.0, None, True)
    assert goals_panel_row([], [], 5)["suppressed"] is False


def test_the_counted_level_is_the_models_top_goal_level():
    from models.goals import GOAL_LEVELS
    from scoring.goals import LEVEL_ABOVE, LONG_TERM
    assert LONG_TERM == GOAL_LEVELS[0] and set(LEVEL_ABOVE) == set(GOAL_LEVELS[1:])
