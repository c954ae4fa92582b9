"""Reassessment policies, due-visit state, reminders sent, in-app notifications, and the job store table."""
from datetime import date, datetime

from sqlalchemy import (CheckConstraint, Column, Float, ForeignKey, Index, LargeBinary, String, Table, Text, Unicode,
                        UniqueConstraint, func, select)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models import Program, User
from scheduling.due_dates import Policy

DUE_STATUSES = ("upcoming", "overdue", "closed")
REMINDER_KINDS = ("upcoming", "overdue")
# none: in-app only (no SMTP configured when it was made); pending: to send or retry; sending: claimed by a
# scheduler process; sent; cancelled: the visit was done or moved before the email could go.
EMAIL_STATUSES = ("none", "pending", "sending", "sent", "cancelled")


ASSIGNED_VISITS = "scheduling.assigned_visits"  # the permission of whoever a program's visits may be assigned to


def may_be_assigned(user) -> bool:
    """Whether a program's visits may be assigned to this account (and its reminders sent to it): the one rule, which
    the form's list of trainers (queries.trainers) applies too."""
    return user is not None and user.active and user.can(ASSIGNED_VISITS)


class ReassessmentPolicy(db.Model):
    """A program's own rhythm and its assigned trainer; a program without a row follows the default."""

    __tablename__ = "reassessment_policy"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("baseline_months >= 0", name="baseline_months"),
        CheckConstraint("interval_months > 0", name="interval_months"),
        CheckConstraint("high_interval_months > 0", name="high_interval_months"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id", ondelete="CASCADE"), unique=True)
    baseline_months: Mapped[int] = mapped_column(default=0)
    interval_months: Mapped[int] = mapped_column(default=6)
    high_interval_months: Mapped[int] = mapped_column(default=12)
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=datetime.utcnow, onupdate=datetime.utcnow)

    program: Mapped[Program] = relationship()
    trainer: Mapped[User | None] = relationship()

    @property
    def owning_agency_id(self) -> int:
        return self.program.agency_id

    @property
    def assigned_trainer(self) -> User | None:
        """The trainer the program's visits are assigned to, while they may still be (active, and their role still
        holds the permission): someone since lowered to an agency role is neither reminded nor shown."""
        return self.trainer if may_be_assigned(self.trainer) else None

    def as_policy(self) -> Policy:
        return Policy(self.baseline_months, self.interval_months, self.high_interval_months)


class DueVisit(db.Model):
    """A visit the daily job found due soon or overdue; one row per program and due date."""

    __tablename__ = "due_visit"
    __table_args__ = (
        UniqueConstraint("program_id", "due_date"),
        CheckConstraint("status IN ('upcoming', 'overdue', 'closed')", name="status"),
        Index("ix_due_visit_status", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id", ondelete="CASCADE"))
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(10))
    basis_assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="SET NULL"))
    marked_on: Mapped[date]  # the job's "today" when it last set the status
    closed_reason: Mapped[str | None] = mapped_column(String(200))

    program: Mapped[Program] = relationship()

    @property
    def owning_agency_id(self) -> int:
        return self.program.agency_id


class Notification(db.Model):
    """An in-app message for one user; reminders create them, the user marks them read."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))  # a path inside the service
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    read_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


def unread_count(user_id):
    """The number of unread notifications of the user `user_id` (a value or a column), as a scalar subquery."""
    return (select(func.count()).select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery())


class Reminder(db.Model):
    """A reminder sent to one person about one due visit at one stage; the unique key stops a second one."""

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("due_visit_id", "user_id", "kind"),
        CheckConstraint("kind IN ('upcoming', 'overdue')", name="kind"),
        CheckConstraint("email_status IN ('none', 'pending', 'sending', 'sent', 'cancelled')", name="email_status"),
        Index("ix_reminder_email_status", "email_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    due_visit_id: Mapped[int] = mapped_column(ForeignKey("due_visit.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    email_status: Mapped[str] = mapped_column(String(10), default="none")
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_claimed_at: Mapped[datetime | None]
    email_sent_at: Mapped[datetime | None]
    email_error: Mapped[str | None] = mapped_column(String(500))

    due_visit: Mapped[DueVisit] = relationship()
    user: Mapped[User] = relationship()
    notification: Mapped[Notification | None] = relationship()


class SchedulerRun(db.Model):
    """One run of a scheduled job: when, for which day, and what it did (shown on the due list)."""

    __tablename__ = "scheduler_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    run_for: Mapped[date]
    started_at: Mapped[datetime] = mapped_column(default=datetime.utcnow, index=True)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(10), default="running")  # running / ok / failed
    summary: Mapped[str | None] = mapped_column(Text)


# APScheduler's own table, declared here exactly as SQLAlchemyJobStore defines it, so that the schema is
# created by our migration and autogenerate does not offer to drop it.
JOBSTORE_TABLE = "apscheduler_jobs"
apscheduler_jobs = Table(
    JOBSTORE_TABLE, db.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
