"""Goal tracking as DESIGN.md defines it ("Goal tracking"): the Rule of Sixes, overdue goals and counts.

Plain values in, plain values out; the pages read goals with org/goal_queries.py and call these.
"""
import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from date_text import day

LONG_TERM = "long_term"  # models/goals.GOAL_LEVELS[0] (scoring reads no models): the level items 6 and 7 count by
LEVEL_ABOVE = {"short_term": LONG_TERM, "step": "short_term"}  # what each level is part of
LEVEL_LABELS = {LONG_TERM: "Long-term goal", "short_term": "Short-term goal", "step": "Step"}
REVIEW_DAYS = 30  # a goal not reviewed in this many days is overdue; the app reads GOAL_REVIEW_DAYS
OPEN_STATUSES = ("active",)  # achieved, revised and stopped goals are settled: never overdue
GOAL_SET_WITHIN = 4  # the dashboards' panel: a goal set by the participant's 4th attended session
FOLLOW_UP_SESSIONS = 4  # item 7: or reviewed within the span of the last 4 sessions the participant attended


def add_months(day, months):
    """The same day `months` later, or the month's last day where it has no such day (Aug 31 + 6 -> Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rule_of_sixes(level, date_set):
    """The target date a blank cell takes: long-term goal 6 months, short-term goal 6 weeks, step 6 days."""
    if level == LONG_TERM:
        return add_months(date_set, 6)
    return date_set + (timedelta(weeks=6) if level == "short_term" else timedelta(days=6))


@dataclass(frozen=True)
class GoalRecord:
    id: int
    participant_id: int
    level: str
    parent_id: int | None
    date_set: date
    target_date: date
    status: str
    reviews: tuple = field(default=())  # review dates, any order

    @property
    def last_review(self):
        return max(self.reviews) if self.reviews else None


def overdue(goal, today, review_days=REVIEW_DAYS):
    """Why an open goal is overdue on `today`: a list of reasons, empty when it is not (or not open)."""
    if goal.status not in OPEN_STATUSES or goal.date_set > today:
        return []
    reasons = []
    if goal.target_date < today:
        reasons.append(f"target date {day(goal.target_date)} passed")
    since = goal.last_review or goal.date_set
    if (today - since).days > review_days:
        reasons.append(f"not reviewed in {review_days} days")
    return reasons


def reviewed_between(goal, first, last):
    """Whether the goal was reviewed on a day in [first, last] (the first and last days included)."""
    return any(first <= day <= last for day in goal.reviews)


def review_start(last, review_days=REVIEW_DAYS):
    """The first day of a review period ending on `last`: `review_days` before it."""
    return last - timedelta(days=review_days)


def sessions_around(attended_dates, day, last_day):
    """(sessions attended on or before `day`, sessions attended after it up to `last_day`)."""
    before = sum(1 for d in attended_dates if d <= day)
    return before, sum(1 for d in attended_dates if day < d <= last_day)


def followed_up(last_review, around_review, visit_date, review_days=REVIEW_DAYS, sessions=FOLLOW_UP_SESSIONS):
    """How a participant's goals were followed up by a visit, from their latest review on or before it.

    "days": reviewed in the `review_days` before the visit (the day `review_days` before included).
    "sessions": not then, but within the span of the last `sessions` sessions they attended: fewer than
    `sessions` attended after the review and at least one on or before it (sessions_around's pair), so someone
    who comes every other week is not held to 30 days. None: neither.
    """
    if last_review is None or last_review > visit_date:
        return None
    if last_review >= review_start(visit_date, review_days):
        return "days"
    before, after = around_review
    return "sessions" if before >= 1 and after < sessions else None


@dataclass(frozen=True)
class GoalCounts:
    """A team's (or program's) goal tracking in counts; `participants` is everyone counted."""

    participants: int
    with_goal: int  # a long-term goal recorded
    broken_down: int  # a long-term goal with at least one short-term goal
    reviewed: int  # any goal reviewed in the last REVIEW_DAYS days
    goals_achieved: int  # long-term and short-term goals achieved
    steps_achieved: int
    overdue: int  # open goals and steps overdue


def goal_counts(participant_ids, goals, today, review_days=REVIEW_DAYS):
    """GoalCounts of these participants from their GoalRecords (goals set after `today` are not yet there)."""
    people = set(participant_ids)
    goals = [g for g in goals if g.participant_id in people and g.date_set <= today]
    long_term = {g.id: g.participant_id for g in goals if g.level == LONG_TERM}
    broken = {long_term[g.parent_id] for g in goals if g.level == "short_term" and g.parent_id in long_term}
    first = review_start(today, review_days)
    return GoalCounts(
        participants=len(people), with_goal=len(set(long_term.values())), broken_down=len(broken),
        reviewed=len({g.participant_id for g in goals if reviewed_between(g, first, today)}),
        goals_achieved=sum(1 for g in goals if g.level != "step" and g.status == "achieved"),
        steps_achieved=sum(1 for g in goals if g.level == "step" and g.status == "achieved"),
        overdue=sum(1 for g in goals if overdue(g, today, review_days)))


def goal_set_early(attended_dates, goals, within=GOAL_SET_WITHIN):
    """Whether a participant's first long-term goal was set by their `within`-th attended session.

    None when they attended fewer than `within` sessions: they had no full chance yet, and are left out.
    """
    if len(attended_dates) < within:
        return None
    return set_by(sorted(attended_dates)[within - 1], first_goal_day(goals))


def first_goal_day(goals):
    """The day the first long-term goal among these was set, None when none was: all set_by needs of them."""
    return min((g.date_set for g in goals if g.level == LONG_TERM), default=None)


def set_by(deadline, first_goal):
    """Whether a participant's first long-term goal (first_goal_day: its day, None when none) was set by the deadline
    (on it included). The dashboards' goals panel finds first_goal_day in SQL and asks this."""
    return first_goal is not None and first_goal <= deadline


def goals_panel_row(early, reviewed, small_group_min):
    """A unit's goals panel figures from (per participant: True/False) lists; percentages withheld for small groups.

    early: one entry per participant who attended 4+ sessions (goal set by the 4th?); reviewed: one per
    participant who attended in the last REVIEW_DAYS days (a goal reviewed in them?).
    """
    def share(values):
        return 100 * sum(values) / len(values) if len(values) >= small_group_min and values else None
    return {"with_4_sessions": len(early), "goal_by_4th": sum(early), "pct_goal_by_4th": share(early),
            "recent_attenders": len(reviewed), "reviewed": sum(reviewed), "pct_reviewed": share(reviewed),
            "suppressed": bool(early or reviewed) and (len(early) < small_group_min or len(reviewed) < small_group_min)}
