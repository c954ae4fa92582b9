"""Participants: clients known only by their agency's client code, never by name."""
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.org import Team

FORMATS = ("group", "individual")


class Participant(db.Model):
    __tablename__ = "participant"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("agency_id", "client_code"),
        CheckConstraint("referral_date IS NULL OR referral_date <= start_date", name="referral_before_start"),
        CheckConstraint("end_date IS NULL OR start_date <= end_date", name="start_before_end"),
        CheckConstraint("format IN ('group', 'individual')", name="format"),
        Index("ix_participant_team_dates", "team_id", "start_date", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept beside team_id so "client code unique per agency" is a database constraint.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="RESTRICT"))
    client_code: Mapped[str] = mapped_column(String(64))
    referral_date: Mapped[date | None]
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(12), default="group")

    team: Mapped[Team] = relationship()

    @property
    def owning_agency_id(self) -> int:
        return self.agency_id

    def __str__(self):
        return self.client_code
