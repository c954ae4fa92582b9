"""Admin write operations: each applies one change and commits; the audit log records it on flush."""
from sqlalchemy.exc import IntegrityError

from auth.passwords import password_problem
from auth.sessions import end_all_at_commit, keep_this_session
from extensions import db
from models import STATE_ROLES
from models.audit import record
from scheduling.operations import withdraw_notifications


class OperationError(ValueError):
    """A change refused with a message for the user."""


def save(obj, fields: dict):
    """Set fields on a new or existing object and commit, or raise OperationError and change nothing."""
    for name, value in fields.items():
        setattr(obj, name, value)
    db.session.add(obj)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise OperationError("That would duplicate an existing record (codes, names and emails must be unique "
                             "within their agency or program).")
    return obj


def save_user(user, fields: dict, password: str | None, keep_this_one=False):
    """Save an account; a reset password or a deactivation ends every session of it, but with keep_this_one (an
    admin editing their own account) the one this request uses, as sessions.end_all does."""
    role = fields["role"]
    if role in STATE_ROLES:
        fields["agency_id"] = None
    elif not fields.get("agency_id"):
        raise OperationError(f"A {role} belongs to one agency: choose it.")
    if user.id is None and not password:
        raise OperationError("A new account needs a password of at least 12 characters.")
    if password:
        problem = password_problem(password, fields.get("email"))
        if problem:
            raise OperationError(problem)
        user.set_password(password)
        if user.id is not None:  # the hash is never logged; that it was reset is
            record("reset password", "app_user", user.id, fields.get("agency_id"))
    ends_sessions = user.id is not None and (password or (user.active and not fields.get("active", True)))
    if user.id is not None and (user.role, user.agency_id) != (role, fields["agency_id"]):
        withdraw_notifications(user)  # written for the access they had: another agency's names, scores
    if ends_sessions:
        end_all_at_commit(user)
    save(user, fields)
    if ends_sessions and keep_this_one:
        keep_this_session(user)
    return user
