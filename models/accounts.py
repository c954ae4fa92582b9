"""Accounts: state staff see every agency, agency staff only their own."""
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from extensions import db
from models.org import Agency

STATE_ROLES = ("admin", "trainer")
AGENCY_ROLES = ("manager", "clerk")
ROLES = STATE_ROLES + AGENCY_ROLES
ROLE_DESCRIPTIONS = {
    "admin": "State administrator: manages agencies, programs, teams and users; sees everything.",
    "trainer": "State trainer: rates fidelity on site visits; sees every agency.",
    "manager": "Program manager: reads dashboards and reports of one agency.",
    "clerk": "Agency data clerk: uploads sheets for one agency.",
}


class User(UserMixin, db.Model):
    __tablename__ = "app_user"
    __audited__ = True
    __audit_skip__ = ("password_hash",)  # never copy a hash into the audit log
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'trainer', 'manager', 'clerk')", name="role"),
        CheckConstraint(
            "(role IN ('admin', 'trainer') AND agency_id IS NULL) OR "
            "(role IN ('manager', 'clerk') AND agency_id IS NOT NULL)",
            name="role_agency",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(10))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)

    agency: Mapped[Agency | None] = relationship()

    @property
    def is_active(self):
        return self.active

    @property
    def is_state_staff(self) -> bool:
        return self.role in STATE_ROLES

    def set_password(self, password: str) -> None:
        # scrypt: slow and salted, Werkzeug's default. Tests may lower the cost through the config.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __str__(self):
        return self.email


class SignInFailure(db.Model):
    """A failed sign-in, kept to throttle guessing; old rows are pruned as new ones arrive."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
