"""Site-visit assessments.

The foundation declares the columns other features rely on (the scheduler reads program, scale,
status, visit date and summary score); the fidelity feature adds ratings, raters and amendments.
"""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.org import Program, Team

ASSESSMENT_STATUSES = ("draft", "submitted", "final")


class Assessment(db.Model):
    __tablename__ = "assessment"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'submitted', 'final')", name="status"),
        CheckConstraint("format IN ('group', 'individual')", name="format"),
        Index("ix_assessment_program_scale", "program_id", "scale_key", "status", "visit_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id", ondelete="RESTRICT"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="RESTRICT"), index=True)
    scale_key: Mapped[str] = mapped_column(String(40))  # e.g. "imr_fidelity", "it_is"
    scale_version: Mapped[str] = mapped_column(String(40))  # the version rated on, kept for ever
    format: Mapped[str] = mapped_column(String(12))
    visit_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default="draft")
    summary_score: Mapped[float | None]  # the scale's summary (IMR Fidelity: mean of items), set when final
    band: Mapped[str | None] = mapped_column(String(40))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    finalized_at: Mapped[datetime | None]

    program: Mapped[Program] = relationship()
    team: Mapped[Team | None] = relationship()

    @property
    def owning_agency_id(self) -> int:
        return self.program.agency_id
