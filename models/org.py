"""Agencies, their IMR programs, the teams that deliver sessions, and facilitators."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db

DATE_ORDERS = ("DMY", "MDY")  # how an agency writes ambiguous text dates in its sheets


class Agency(db.Model):
    __tablename__ = "agency"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("date_order IS NULL OR date_order IN ('DMY', 'MDY')", name="date_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(80), default="Community mental health center")
    date_order: Mapped[str | None] = mapped_column(String(3))
    # Goal wording can be personal: goal tracking imports keep it only when the agency turns this on.
    keep_goal_wording: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)

    programs: Mapped[list["Program"]] = relationship(back_populates="agency", order_by="Program.name")

    @property
    def owning_agency_id(self) -> int:
        return self.id

    def __str__(self):
        return f"{self.name} ({self.code})"


class Program(db.Model):
    __tablename__ = "program"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("agency_id", "name"),
        CheckConstraint("engagement_target > 0 AND engagement_target <= 1", name="engagement_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    setting: Mapped[str] = mapped_column(String(80), default="Outpatient")  # e.g. Outpatient, ACT team
    # Share of participants the program aims to have engaged (attending >50% of offered sessions).
    engagement_target: Mapped[float] = mapped_column(default=0.5)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)

    agency: Mapped[Agency] = relationship(back_populates="programs")
    teams: Mapped[list["Team"]] = relationship(back_populates="program", order_by="Team.name")

    @property
    def owning_agency_id(self) -> int:
        return self.agency_id

    def __str__(self):
        return self.name


class Team(db.Model):
    __tablename__ = "team"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("program_id", "name"),
        CheckConstraint("format IN ('group', 'individual')", name="format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # group: the team's sessions are offered to all its participants; individual: one caseload.
    format: Mapped[str] = mapped_column(String(12), default="group")
    active: Mapped[bool] = mapped_column(default=True)

    program: Mapped[Program] = relationship(back_populates="teams")

    @property
    def owning_agency_id(self) -> int:
        return self.program.agency_id

    def __str__(self):
        return self.name


class Practitioner(db.Model):
    __tablename__ = "practitioner"
    __audited__ = True
    __table_args__ = (UniqueConstraint("agency_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    @property
    def owning_agency_id(self) -> int:
        return self.agency_id
