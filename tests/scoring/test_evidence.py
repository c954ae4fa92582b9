"""Evidence from records, pure: every anchor boundary of items 1-3, the program-length rule, goal figures."""
import subprocess
import sys
from datetime import date, timedelta

import pytest

from fidelity.scales.definition import load_directory
from scoring import evidence as ev
from scoring.engagement import Enrolment, SessionHeld, Window
from scoring.goals import GoalRecord

SCALE = load_directory()[("imr_fidelity", "3-24-05")]
CRITERIA = {item.number: item.evidence for item in SCALE.items if item.evidence}
VISIT = date(2026, 6, 1)
WINDOW = ev.default_window(VISIT)


@pytest.mark.parametrize("largest, anchor", [(1, 5), (8, 5), (9, 4), (10, 4), (11, 3), (12, 3), (13, 2), (15, 2),
                                             (16, 1), (40, 1)])
def test_item_1_follows_the_largest_session(largest, anchor):
    sizes = {1: 1, 2: largest, 3: 0}
    found = ev.session_size(1, CRITERIA[1], sizes)
    assert (found.value, found.anchor, found.rows) == (largest, anchor, (2,) if largest != 1 else (1, 2))
    assert sum(n for _, n in found.details["bands"]) == 3
    assert [label for label, _ in found.details["bands"]] == ["<= 8", "9-10", "11-12", "13-15", ">= 16"]


@pytest.mark.parametrize("received, anchor", [(19, 1), (20, 2), (39, 2), (40, 3), (69, 3), (70, 4), (89, 4),
                                              (90, 5), (100, 5)])
def test_item_2_anchor_at_each_percentage_boundary(received, anchor):
    start = VISIT - timedelta(days=400)
    people = [Enrolment(i, 1, "group", start) for i in range(100)]
    sessions = [SessionHeld(n, 1, None, start + timedelta(weeks=n), 1) for n in range(30)]  # weekly, 29 weeks
    # participants who received: all 100 are offered the team's sessions, so end the others early
    people = [p if p.id < received else Enrolment(p.id, 1, "group", start, start + timedelta(days=100))
              for p in people]
    found = ev.program_length(2, CRITERIA[2], people, sessions, WINDOW, VISIT)
    assert (found.value, found.anchor) == (received, anchor)
    assert found.details["ended_early"] == 100 - received


def test_item_2_needs_24_sessions_over_168_days_and_counts_only_eligible_starters():
    start = VISIT - timedelta(days=340)
    person = Enrolment(1, 1, "group", start)
    weekly = [SessionHeld(n, 1, None, start + timedelta(weeks=n), 1) for n in range(25)]  # 24 weeks apart = 168 d
    fortnightly = [SessionHeld(n, 1, None, start + timedelta(weeks=2 * n), 1) for n in range(24)]
    crammed = [SessionHeld(n, 1, None, start + timedelta(days=2 * n), 1) for n in range(28)]  # 8 weeks
    assert ev.received_program(person, weekly, VISIT)
    assert ev.received_program(person, fortnightly, VISIT)
    assert not ev.received_program(person, crammed, VISIT)
    assert ev.received_program(person, weekly[:23] + [weekly[24]], VISIT)  # 24 sessions, 168 days apart
    assert not ev.received_program(person, weekly[:24], VISIT)  # 24 sessions, 161 days apart
    assert not ev.received_program(person, weekly[:22] + [weekly[24]], VISIT)  # 168 days, 23 sessions
    recent = Enrolment(2, 1, "group", VISIT - timedelta(days=181))
    found = ev.program_length(2, CRITERIA[2], [person, recent], weekly, WINDOW, VISIT)
    assert found.details == {"eligible": 1, "received": 1, "too_recent": 1, "ended_early": 0}
    assert (found.value, found.anchor) == (100, 5)


@pytest.mark.parametrize("modules, anchor", [((), 1), ((1,), 1), ((1, 2), 2), ((1, 2, 3), 2), ((1, 2, 3, 4), 3),
                                             ((1, 2, 3, 4, 5), 3), ((1, 2, 3, 4, 5, 7), 4),
                                             ((1, 2, 3, 4, 5, 7, 8), 4), ((1, 2, 3, 4, 5, 7, 8, 9), 5),
                                             ((1, 2, 3, 4, 5, 7, 8, 9, 10), 5), ((6, 11), 1)])
def test_item_3_counts_topics_from_the_scale_files_mapping(modules, anchor):
    held = {m: [100 + m] for m in modules}
    found = ev.topics_taught(3, CRITERIA[3], SCALE.topics, held)
    taught = len([m for m in modules if m not in (6, 11)])
    assert (found.value, found.anchor) == (taught, anchor)
    assert len(found.details["taught"]) + len(found.details["not_taught"]) == 9


def _goal(gid, pid, level, parent=None, day=date(2026, 3, 1), reviews=()):
    return GoalRecord(gid, pid, level, parent, day, day + timedelta(days=30), "active", tuple(reviews))


def test_items_6_and_7_are_figures_without_an_anchor():
    goals = [_goal(1, 10, "long_term"), _goal(2, 10, "short_term", 1, reviews=[VISIT - timedelta(days=30)]),
             _goal(3, 11, "long_term", reviews=[VISIT - timedelta(days=31)]), _goal(4, 12, "long_term",
                                                                                     day=VISIT + timedelta(days=1))]
    setting = ev.goal_setting(6, CRITERIA[6], {10, 11, 12, 13}, goals, WINDOW)
    assert (setting.value, setting.anchor) == (50, None)  # 10 and 11; 12's goal is set after the window
    assert setting.details["broken_down"] == 1 and setting.details["broken_down_share"] == 50
    weekly = [VISIT - timedelta(days=7 * n) for n in range(4)]  # 4 sessions in the last 30 days
    follow = ev.goal_follow_up(7, CRITERIA[7], {10: weekly, 11: weekly}, goals, VISIT)
    assert (follow.value, follow.anchor, follow.rows) == (50, None, (10,))


def test_item_6_counts_goals_broken_into_short_term_goals_and_into_steps():
    goals = [_goal(1, 10, "long_term"), _goal(2, 10, "short_term", 1), _goal(3, 10, "step", 2),
             _goal(4, 11, "long_term"), _goal(5, 11, "short_term", 4),
             _goal(6, 12, "long_term"), _goal(7, 12, "short_term", 6), _goal(8, 12, "step", 7, day=VISIT)]
    found = ev.goal_setting(6, CRITERIA[6], {10, 11, 12, 13}, goals, ev.window_of(VISIT, end=VISIT - timedelta(1)))
    assert ev.goal_depths({10, 11, 12, 13}, goals, VISIT - timedelta(1)) == {10: 3, 11: 2, 12: 2, 13: 0}
    assert (found.value, found.rows) == (75, (10, 11, 12))
    assert {k: found.details[k] for k in ("with_goal", "broken_down", "with_steps")} == \
        {"with_goal": 3, "broken_down": 3, "with_steps": 1}
    assert round(found.details["with_steps_share"], 1) == 33.3


def _attended_every(days_apart, count, last=VISIT):
    return [last - timedelta(days=days_apart * n) for n in range(count)]


@pytest.mark.parametrize("review_days_ago, attended, followed", [
    (0, _attended_every(7, 10), "days"),
    (30, _attended_every(7, 10), "days"),  # the 30th day before the visit is inside
    (31, _attended_every(7, 10), None),  # weekly: 5 sessions after it (days 28, 21, 14, 7, 0)
    (42, _attended_every(14, 10), "sessions"),  # every other week: sessions on days 28, 14, 0 after it, 42 on it
    (43, _attended_every(14, 10), None),  # 4 sessions after it (42, 28, 14, 0): outside the last 4
    (56, [VISIT, VISIT - timedelta(days=56)], "sessions"),  # came twice: both within the span
    (56, [VISIT, VISIT - timedelta(days=40)], None),  # the review came before the first session they attended
    (None, _attended_every(7, 10), None),  # never reviewed
])
def test_item_7_follow_up_within_30_days_or_the_last_4_sessions_attended(review_days_ago, attended, followed):
    reviews = [] if review_days_ago is None else [VISIT - timedelta(days=review_days_ago)]
    goals = [_goal(1, 10, "long_term", day=VISIT - timedelta(days=300), reviews=reviews)]
    found = ev.goal_follow_up(7, CRITERIA[7], {10: attended, 11: [VISIT - timedelta(days=31)]}, goals, VISIT)
    assert found.details["recent_attenders"] == 1  # 11 last attended 31 days before: not counted
    assert (found.rows, found.details["in_days"], found.details["by_sessions"]) == \
        ((10,) if followed else (), int(followed == "days"), int(followed == "sessions"))


def test_item_7_review_days_are_a_setting_and_reviews_after_the_visit_do_not_count():
    goals = [_goal(1, 10, "long_term", day=VISIT - timedelta(days=300),
                   reviews=[VISIT - timedelta(days=45), VISIT + timedelta(days=1)])]
    weekly = _attended_every(7, 20)
    assert ev.goal_follow_up(7, CRITERIA[7], {10: weekly}, goals, VISIT).rows == ()
    assert ev.goal_follow_up(7, CRITERIA[7], {10: weekly}, goals, VISIT, review_days=45).rows == (10,)


def test_disagreement_is_two_points_or_more():
    found = ev.Evidence(1, "session_size", 16, 1)
    assert [ev.disagrees(found, c) for c in (1, 2, 3, None)] == [False, False, True, False]


def test_a_scale_file_with_a_broken_criterion_is_refused_with_its_item_named():
    problems = []
    assert ev.parse_criterion({"measure": "topics", "cutoffs": [4, 2]}, "item 3: evidence", problems) is None
    assert ev.parse_criterion({"measure": "weather"}, "item 9: evidence", problems) is None
    assert problems[0].startswith("item 3: evidence: cutoffs must be four rising numbers")
    assert problems[1].startswith("item 9: evidence: measure 'weather' is not known")


def test_default_window_is_the_12_months_before_the_visit():
    assert ev.default_window(date(2026, 2, 28)) == Window(date(2025, 2, 28), date(2026, 2, 28))
    assert ev.window_of(VISIT, date(2026, 1, 1)) == Window(date(2026, 1, 1), VISIT)


def test_evidence_and_goals_import_neither_flask_nor_sqlalchemy():
    code = ("import sys, scoring.evidence, scoring.goals; "
            "print(sorted(m for m in ('flask', 'sqlalchemy') if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


@pytest.mark.parametrize("share, shown", [
    (89.5, "89.5%"),  # 179 of 200: anchor 4 ("70-89%"); "90%" would read as anchor 5
    (19.6, "19.6%"),  # 49 of 250: anchor 1 ("fewer than 20%")
    (39.95, "39.95%"),  # one decimal would still read 40.0
    (89.9999, "89.99%"),  # never rounded up onto the cut-off
    (90.0, "90%"), (70.4, "70%"), (2.5, "3%"), (12.5, "13%"),  # half up, as on paper, not to even
    (None, "–"),
])
def test_a_share_is_never_shown_on_the_far_side_of_a_cut_off(share, shown):
    assert ev.shown_share(share, CRITERIA[2].cutoffs) == shown


def test_item_3_sessions_without_a_module_are_counted_apart_and_alone_point_nowhere():
    # Sessions whose module was not recorded cannot show a topic: with only such sessions there is nothing to
    # measure (it used to read "0 of 9 topic areas taught", pointing at anchor 1).
    found = ev.topics_taught(3, CRITERIA[3], SCALE.topics, {}, unrecorded=5)
    assert (found.value, found.anchor, found.details["unrecorded"]) == (None, None, 5)
    found = ev.topics_taught(3, CRITERIA[3], SCALE.topics, {1: [11], 2: [12]}, unrecorded=3)
    assert (found.value, found.anchor, found.details["unrecorded"]) == (2, 2, 3)
    assert ev.topics_taught(3, CRITERIA[3], SCALE.topics, {}).anchor == 1  # no session at all: as before


def test_item_3_reads_the_modules_held_and_the_sessions_with_none_recorded():
    assert ev.modules_held([(11, 1), (12, None), (13, 1), (14, 2), (15, None)]) == ({1: [11, 13], 2: [14]}, 2)
    assert ev.modules_held([]) == ({}, 0)
