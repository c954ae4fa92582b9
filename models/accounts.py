"""Accounts: state staff see every agency, agency staff only their own."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.passwords import hash_password, matches
from auth.permissions import AGENCY_ROLES, STATE_ROLES, has_permission
from extensions import db
from models.org import Agency

ROLES = STATE_ROLES + AGENCY_ROLES


def _role_in(roles):
    """SQL saying the role is one of these (the roles are declared in auth/permissions.py)."""
    return "role IN (" + ", ".join(f"'{role}'" for role in roles) + ")"

ROLE_DESCRIPTIONS = {
    "admin": "State administrator: manages agencies, programs, teams and users; sees everything.",
    "trainer": "State trainer: rates fidelity on site visits; sees every agency.",
    "manager": "Program manager: reads dashboards and reports of one agency.",
    "clerk": "Agency data clerk: uploads sheets for one agency.",
}


class User(UserMixin, db.Model):
    __tablename__ = "app_user"
    __audited__ = True
    # Never copy a hash or a second-factor secret into the audit log; the counters change on every sign-in
    # and sign-out (ending sessions is audited in words where an admin does it).
    __audit_skip__ = ("password_hash", "totp_secret", "totp_last_step", "session_version")
    __table_args__ = (
        CheckConstraint(_role_in(ROLES), name="role"),
        CheckConstraint(f"({_role_in(STATE_ROLES)} AND agency_id IS NULL) OR "
                        f"({_role_in(AGENCY_ROLES)} AND agency_id IS NOT NULL)", name="role_agency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(10))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    # Each signed-in session carries the version it began under; raising it ends every session at once.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Sealed by auth/totp_at_rest.py (a Fernet token of the base32 secret); set once enrolment is confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # last 30-second step used: no replays

    agency: Mapped[Agency | None] = relationship()

    @property
    def is_active(self):
        return self.active

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None

    @property
    def is_state_staff(self) -> bool:
        return self.role in STATE_ROLES

    def can(self, permission: str) -> bool:
        """Whether this user's role holds the named permission (auth/permissions.py)."""
        return has_permission(self, permission)

    def set_password(self, password: str) -> None:
        """Store a hash of the password (callers check auth.passwords.password_problem first)."""
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return matches(self.password_hash, password)

    def __str__(self):
        return self.email


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(256))
    used_at: Mapped[datetime | None]


class SignInThrottle(db.Model):
    """Sign-in attempts not (yet) shown good, per key (an account, a browser, a client address).

    Times are seconds since the epoch so one UPDATE can compare and move them on SQLite and PostgreSQL alike.
    """

    __tablename__ = "sign_in_throttle"
    __table_args__ = (Index("ix_sign_in_throttle_last_at", "last_at"),)

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # e.g. "account:x@y.org", "address:10.0.0.1"
    failures: Mapped[int] = mapped_column(default=0)
    next_allowed_at: Mapped[float] = mapped_column(Float, default=0.0)
    last_at: Mapped[float] = mapped_column(Float)
