"""IMR sessions delivered and who attended them."""
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.org import Practitioner, Team
from models.people import Participant

ATTENDANCE_STATUSES = ("attended", "absent", "excused")
MODULE_NOT_RECORDED = "module not recorded"  # how a session without a module is shown

# 3rd edition curriculum numbering.
MODULES = {
    1: "Recovery Strategies",
    2: "Practical Facts about Mental Illness",
    3: "The Stress-Vulnerability Model",
    4: "Building Social Support",
    5: "Using Medication Effectively",
    6: "Drug and Alcohol Use",
    7: "Reducing Relapses",
    8: "Coping with Stress",
    9: "Coping with Problems and Persistent Symptoms",
    10: "Getting Your Needs Met in the Mental Health System",
    11: "Healthy Lifestyles",
}


class Session(db.Model):
    """One IMR session: a team's group session (participant_id empty) or one participant's individual session."""

    __tablename__ = "imr_session"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("module BETWEEN 1 AND 11", name="module"),
        CheckConstraint("minutes IS NULL OR minutes > 0", name="minutes"),
        # Natural keys: team, date and module for group sessions; participant, date and module for individual ones.
        # A module not recorded (NULL) counts as module 0 here, so two unknown-module sessions still collide.
        Index("uq_group_session", "team_id", "session_date", text("coalesce(module, 0)"), unique=True,
              sqlite_where=text("participant_id IS NULL"), postgresql_where=text("participant_id IS NULL")),
        Index("uq_individual_session", "participant_id", "session_date", text("coalesce(module, 0)"), unique=True,
              sqlite_where=text("participant_id IS NOT NULL"), postgresql_where=text("participant_id IS NOT NULL")),
        Index("ix_session_team_date", "team_id", "session_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="RESTRICT"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="RESTRICT"))
    session_date: Mapped[date]
    module: Mapped[int | None]  # None: the module was not recorded (grids without a Module row)
    topic: Mapped[str | None] = mapped_column(String(200))
    minutes: Mapped[int | None]
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id", ondelete="SET NULL"))

    team: Mapped[Team] = relationship()
    participant: Mapped[Participant | None] = relationship()
    practitioner: Mapped[Practitioner | None] = relationship()

    @property
    def owning_agency_id(self) -> int:
        return self.team.program.agency_id


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "participant_id"),
        CheckConstraint("status IN ('attended', 'absent', 'excused')", name="status"),
        # Covers the engagement queries' lookup of a participant's status in a session without reading
        # the table (the summary refresh after a 500k-row import: 1.4 s -> 1.1 s on SQLite).
        Index("ix_attendance_participant", "participant_id", "session_id", "status"),
        # Covers the evidence panel's attendees per session and who attended in a window (0018).
        Index("ix_attendance_session_status", "session_id", "status", "participant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("imr_session.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(10))

    session: Mapped[Session] = relationship()
    participant: Mapped[Participant] = relationship()

    @property
    def owning_agency_id(self) -> int:
        return self.participant.agency_id
