"""Shared models: the organisations, the people in them, the sessions delivered, accounts and the audit log.

Feature packages keep their own models beside their code (fidelity/models.py, imports/models.py, ...).
"""
from models.org import Agency, Program, Team, Practitioner  # noqa: F401
from models.people import Participant, FORMATS  # noqa: F401
from models.delivery import Session, Attendance, ATTENDANCE_STATUSES, MODULES, MODULE_NOT_RECORDED  # noqa: F401
from models.accounts import User, RecoveryCode, SignInThrottle, ROLES, STATE_ROLES, AGENCY_ROLES  # noqa: F401
from models.audit import AuditLog  # noqa: F401
from models.goals import Goal, GoalReview, GOAL_LEVELS, GOAL_STATUSES  # noqa: F401
