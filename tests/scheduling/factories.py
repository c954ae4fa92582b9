"""Factories for scheduling tests: final (or draft) assessments written directly, policies, users by email."""
from datetime import datetime

from sqlalchemy import select

from extensions import db
from fidelity.models import Assessment
from models import User
from scheduling.models import ReassessmentPolicy


def make_assessment(program, visit_date, score=None, band=None, status="final", scale_key="imr_fidelity", team=None):
    """An assessment as the fidelity feature leaves it, begun on its visit date: final ones carry score, band and
    finalized_at."""
    begun = datetime.combine(visit_date, datetime.min.time())
    assessment = Assessment(program_id=program.id, team_id=team.id if team else None, scale_key=scale_key, scale_version="3-24-05", format="group",
                            visit_date=visit_date, status=status, summary_score=score, band=band, created_at=begun,
                            finalized_at=begun if status == "final" else None)
    db.session.add(assessment)
    db.session.commit()
    return assessment


def set_policy(program, trainer=None, baseline_months=0, interval_months=6, high_interval_months=12):
    policy = db.session.scalar(select(ReassessmentPolicy).where(ReassessmentPolicy.program_id == program.id))
    policy = policy or ReassessmentPolicy(program_id=program.id)
    policy.baseline_months, policy.interval_months = baseline_months, interval_months
    policy.high_interval_months = high_interval_months
    policy.trainer_id = trainer.id if trainer else None
    db.session.add(policy)
    db.session.commit()
    return policy


def user(email):
    return db.session.scalar(select(User).where(User.email == email))
