"""Demo goal tracking: most participants have goals; diligent teams set them early and review them often.

A team's diligence is its attendance propensity (demo/plan.py): the well-run groups in the demo also keep
their Goal Tracking Sheets, the struggling ones set goals late, break them down less and review them rarely,
so the evidence panel and the goals panel show contrasts.
"""
import random
from datetime import timedelta

from sqlalchemy import insert, select

from demo.plan import PROGRAMS
from models import Attendance, Goal, GoalReview, Participant, Session, Team
from scoring.goals import rule_of_sixes

DILIGENCE = {team: propensity for *_, teams in PROGRAMS for team, _fmt, propensity, *_rest in teams}


def add_demo_goals(session, seed, today):
    """Goals, short-term goals, steps and reviews for the demo's participants who attended a session."""
    rng = random.Random(seed + 15)
    attended = {}
    for pid, day in session.execute(select(Attendance.participant_id, Session.session_date)
                                    .join(Session, Session.id == Attendance.session_id)
                                    .where(Attendance.status == "attended").order_by(Session.session_date)):
        attended.setdefault(pid, []).append(day)
    teams = dict(session.execute(select(Participant.id, Team.name).join(Team, Team.id == Participant.team_id)).all())
    goals, reviews = [], []
    for pid in sorted(attended):
        days, diligence = attended[pid], DILIGENCE.get(teams[pid], 0.5)
        if rng.random() > min(0.97, diligence + 0.25):
            continue  # no goal recorded
        first = days[min(len(days) - 1, rng.randint(0, 3) if rng.random() < diligence else rng.randint(3, 10))]
        tree = [("LT1", "long_term", None, first)]
        if rng.random() < diligence + 0.15:
            for n in range(1, rng.randint(2, 3) + 1):
                set_on = first + timedelta(days=7 * rng.randint(0, 4) * n)
                if set_on > today:
                    break
                tree.append((f"ST1.{n}", "short_term", "LT1", set_on))
                for k in range(1, rng.randint(1, 3) + 1):
                    step_on = set_on + timedelta(days=rng.randint(0, 14))
                    if step_on <= today:
                        tree.append((f"S1.{n}.{k}", "step", f"ST1.{n}", step_on))
        for ref, level, parent, set_on in tree:
            target = rule_of_sixes(level, set_on)
            seen = [d for d in days if set_on < d <= min(today, target + timedelta(days=30))]
            done = [d for d in seen if rng.random() < diligence * 0.9]
            status = "active"
            if target < today:
                status = rng.choices(("achieved", "active", "revised", "stopped"),
                                     (diligence, 1 - diligence, 0.15, 0.1))[0]
            goals.append(dict(participant_id=pid, reference=ref, level=level, parent=parent, date_set=set_on,
                              target_date=target, status=status))
            reviews.append(done)
    _write(session, goals, reviews)
    return len(goals)


def _write(session, goals, reviews):
    ids = {}
    for level in ("long_term", "short_term", "step"):
        batch = [(g, r) for g, r in zip(goals, reviews) if g["level"] == level]
        if not batch:
            continue
        rows = [{**{k: v for k, v in g.items() if k != "parent"},
                 "parent_id": ids[(g["participant_id"], g["parent"])] if g["parent"] else None} for g, _ in batch]
        new = session.execute(insert(Goal).returning(Goal.id, sort_by_parameter_order=True), rows)
        for (g, days), (goal_id,) in zip(batch, new):
            ids[(g["participant_id"], g["reference"])] = goal_id
            if days:
                session.execute(insert(GoalReview), [dict(goal_id=goal_id, review_date=d) for d in days])
