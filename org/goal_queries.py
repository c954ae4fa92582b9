"""Goal tracking read for the team, participant and program pages and their API."""
from flask import current_app
from sqlalchemy import select

from extensions import db
import local_day
from models import Goal, GoalReview, Participant
from scoring.goals import LEVEL_LABELS, GoalRecord, goal_counts, overdue


def goal_records(participant_ids):
    """GoalRecords of these participants with their review dates."""
    if not participant_ids:
        return []
    return _records(db.session.execute(_statement(Goal.participant_id.in_(sorted(participant_ids)))).all())


def _statement(condition):
    """The goals `condition` selects, a row per review date (one without a date for a goal never reviewed): one
    round trip where the goals and their reviews took two."""
    return (select(Goal.id, Goal.participant_id, Goal.level, Goal.parent_id, Goal.date_set, Goal.target_date,
                   Goal.status, GoalReview.review_date)
            .outerjoin(GoalReview, GoalReview.goal_id == Goal.id).where(condition))


def _records(rows):
    """GoalRecords from rows of _statement."""
    goals, reviews = {}, {}
    for *goal, day in rows:
        goals.setdefault(goal[0], goal)
        if day is not None:
            reviews.setdefault(goal[0], []).append(day)
    return [GoalRecord(*goal, tuple(reviews.get(goal_id, ()))) for goal_id, goal in goals.items()]


def review_days():
    return current_app.config["GOAL_REVIEW_DAYS"]


def counts_for_teams(team_ids, today=None):
    """{team id: scoring.goals.GoalCounts} over each team's participants still enrolled or ended after today."""
    today = today or local_day.today()
    people = db.session.execute(select(Participant.id, Participant.team_id)
                                .where(Participant.team_id.in_(list(team_ids)))).all()
    goals = goal_records([pid for pid, _ in people])
    by_team = {tid: [] for tid in team_ids}
    for pid, tid in people:
        by_team[tid].append(pid)
    return {tid: goal_counts(pids, goals, today, review_days()) for tid, pids in by_team.items()}


def participant_summaries(participant_ids, today=None):
    """{participant id: (goals, last review or None, overdue goals)} for a team's list."""
    today = today or local_day.today()
    found = {pid: [0, None, 0] for pid in participant_ids}
    for g in goal_records(participant_ids):
        row = found[g.participant_id]
        row[0] += 1
        if g.last_review and (row[1] is None or g.last_review > row[1]):
            row[1] = g.last_review
        row[2] += bool(overdue(g, today, review_days()))
    return found


def goal_tree(participant_id, today=None):
    """[(depth, Goal, level label, last review, overdue reasons)] in sheet order: each goal before its parts."""
    today = today or local_day.today()
    goals = db.session.scalars(select(Goal).where(Goal.participant_id == participant_id)
                               .order_by(Goal.date_set, Goal.reference)).all()
    children = {}
    for g in goals:
        children.setdefault(g.parent_id, []).append(g)
    records = {r.id: r for r in goal_records([participant_id])}
    tree = []

    def walk(parent, depth):
        for g in children.get(parent, []):
            record = records[g.id]
            tree.append((depth, g, LEVEL_LABELS[g.level], record.last_review, overdue(record, today, review_days())))
            walk(g.id, depth + 1)
    walk(None, 0)
    return tree
