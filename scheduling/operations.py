"""Write operations: save a program's reassessment policy, mark notifications read or withdraw them."""
from datetime import datetime

from sqlalchemy import delete, select, update

from extensions import db
from models import User
from scheduling.due_dates import POLICY_FIELDS, policy_problems
from scheduling.models import Notification, ReassessmentPolicy, Reminder, may_be_assigned
from security.parsing import json_id


UNSENT = ("pending", "sending")  # reminder emails a scheduler may still send (models.EMAIL_STATUSES)


class PolicyError(ValueError):
    """A policy refused; `problems` maps each field to a message for the user."""

    def __init__(self, problems: dict):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def _trainer_problem(trainer_id):
    """A message when trainer_id does not name an active state trainer, else None.

    The message names no account: whoever edits a policy may choose among the active trainers listed on the
    form, and must not learn through errors which other ids exist, whose they are or their roles.
    """
    if trainer_id in (None, "", 0, "0"):
        return None
    if not may_be_assigned(db.session.get(User, json_id(trainer_id) or 0)):
        return (f"Assigned trainer: the account chosen ({str(trainer_id)[:20]}) is not one of the active state "
                "trainers listed; choose one of them or Not assigned.")
    return None


def save_policy(program, values: dict) -> ReassessmentPolicy:
    """Store a program's intervals and assigned trainer, or raise PolicyError and change nothing."""
    problems = policy_problems(values)
    trainer_problem = _trainer_problem(values.get("trainer_id"))
    if trainer_problem:
        problems["trainer_id"] = trainer_problem
    if problems:
        raise PolicyError(problems)
    policy = db.session.scalar(select(ReassessmentPolicy).where(ReassessmentPolicy.program_id == program.id))
    if policy is None:
        policy = ReassessmentPolicy(program_id=program.id)
        db.session.add(policy)
    for name, _label, _smallest in POLICY_FIELDS:
        setattr(policy, name, int(str(values[name]).strip()))
    policy.trainer_id = json_id(values.get("trainer_id"))
    db.session.commit()
    return policy


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = datetime.utcnow()
        db.session.commit()


def mark_all_read(user) -> int:
    """Mark every unread notification of a user read; the number marked."""
    result = db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                           Notification.read_at.is_(None))
                                .values(read_at=datetime.utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def withdraw_notifications(user) -> None:
    """Delete every notification of a user and cancel their reminder emails not sent yet (the caller commits): each
    was written for the role and agency they had, so it may name another agency's program or a score their new
    role may not read."""
    db.session.execute(update(Reminder).where(Reminder.user_id == user.id, Reminder.email_status.in_(UNSENT))
                       .values(email_status="cancelled", email_error="Not sent: the account's role or agency changed.")
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(Notification).where(Notification.user_id == user.id)
                       .execution_options(synchronize_session=False))
