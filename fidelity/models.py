"""Site-visit assessments, their raters, ratings, consensus, amendments, and scale versions uploaded by admins.

The foundation declares the Assessment columns other features rely on (the scheduler reads program, scale,
status, visit date and summary score); they stay as they are. A rating row with `value` NULL and
`not_applicable` false is an evidence note without a rating yet; no row means the item is unrated.
"""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.accounts import User
from models.org import Program, Team
from scoring.fidelity import POINT_LIMITS

ASSESSMENT_STATUSES = ("draft", "submitted", "final")
# Each scale file's own range is checked on every path; the database holds ratings to the widest range allowed.
VALUE_CHECK = (f"(value IS NULL OR value BETWEEN {POINT_LIMITS[0]} AND {POINT_LIMITS[1]}) "
               "AND NOT (not_applicable AND value IS NOT NULL)")


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
    # Added by the fidelity feature:
    note: Mapped[str | None] = mapped_column(Text)  # the visit in a few words: who was seen, what was read
    submitted_at: Mapped[datetime | None]  # when the last rater submitted and consensus could begin
    imported_from: Mapped[str | None] = mapped_column(String(400))  # "FILE by USER on DATE": a historical import
    # The evidence panel's window; None: the 12 months before the visit date (scoring.evidence.default_window).
    evidence_from: Mapped[date | None]
    evidence_to: Mapped[date | None]
    recommendations: Mapped[str | None] = mapped_column(Text)  # the trainer's, written before finalising

    program: Mapped[Program] = relationship()
    team: Mapped[Team | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    raters: Mapped[list["AssessmentRater"]] = relationship(back_populates="assessment",
                                                           order_by="AssessmentRater.id")
    consensus: Mapped[list["ConsensusRating"]] = relationship(back_populates="assessment",
                                                              order_by="ConsensusRating.item_number")
    amendments: Mapped[list["Amendment"]] = relationship(back_populates="assessment", order_by="Amendment.id")

    @property
    def owning_agency_id(self) -> int:
        return self.program.agency_id

    @property
    def unit_name(self) -> str:
        """What was assessed: the program, or the team within it."""
        return f"{self.program.name} · {self.team.name}" if self.team else self.program.name

    def consensus_ratings(self) -> dict:
        """{item: 1-5 or None for NA} for items with a consensus decision."""
        return {c.item_number: c.value for c in self.consensus if c.value is not None or c.not_applicable}


class AssessmentRater(db.Model):
    """A person rating one visit; `submitted_at` is set when they hand in a complete set of ratings."""

    __tablename__ = "assessment_rater"
    __audited__ = True
    __table_args__ = (UniqueConstraint("assessment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="RESTRICT"))
    submitted_at: Mapped[datetime | None]

    assessment: Mapped[Assessment] = relationship(back_populates="raters")
    user: Mapped[User] = relationship()
    ratings: Mapped[list["Rating"]] = relationship(back_populates="rater", order_by="Rating.item_number")

    @property
    def owning_agency_id(self) -> int:
        return self.assessment.owning_agency_id

    def rating_map(self) -> dict:
        """{item: 1-5 or None for NA} for the items this rater has decided."""
        return {r.item_number: r.value for r in self.ratings if r.value is not None or r.not_applicable}


class Rating(db.Model):
    """One rater's rating of one item, with the evidence behind it."""

    __tablename__ = "assessment_rating"
    __audited__ = True
    __audit_skip__ = ("updated_at",)
    __table_args__ = (
        UniqueConstraint("rater_id", "item_number"),
        CheckConstraint(VALUE_CHECK, name="value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("assessment_rater.id", ondelete="CASCADE"))
    item_number: Mapped[int]
    value: Mapped[int | None]
    not_applicable: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)  # evidence: what was seen or read
    updated_at: Mapped[datetime] = mapped_column(default=datetime.utcnow, onupdate=datetime.utcnow)

    rater: Mapped[AssessmentRater] = relationship(back_populates="ratings")

    @property
    def owning_agency_id(self) -> int:
        return self.rater.owning_agency_id


class ConsensusRating(db.Model):
    """The rating the raters agreed on for one item: this is what is scored."""

    __tablename__ = "assessment_consensus"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("assessment_id", "item_number"),
        CheckConstraint(VALUE_CHECK, name="value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    item_number: Mapped[int]
    value: Mapped[int | None]
    not_applicable: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)

    assessment: Mapped[Assessment] = relationship(back_populates="consensus")

    @property
    def owning_agency_id(self) -> int:
        return self.assessment.owning_agency_id


class Amendment(db.Model):
    """A change to a final assessment: who, when, why, and the old and new value."""

    __tablename__ = "assessment_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    item_number: Mapped[int | None]  # None: the visit date was corrected (old and new value are dates)
    old_value: Mapped[str] = mapped_column(String(20))  # "3", "NA", "2026-03-02"
    new_value: Mapped[str] = mapped_column(String(20))
    old_summary: Mapped[float | None]
    new_summary: Mapped[float | None]
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254))  # the email, kept if the account goes
    at: Mapped[datetime] = mapped_column(default=datetime.utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="amendments")

    @hybrid_property
    def of_visit_date(self):
        """A corrected visit date (no item number): old and new value are dates, YYYY-MM-DD."""
        return self.item_number is None

    @of_visit_date.inplace.expression
    @classmethod
    def _of_visit_date(cls):
        return cls.item_number.is_(None)


class ScaleVersion(db.Model):
    """A scale version an admin uploaded as a spreadsheet; the definition is the checked file format as JSON."""

    __tablename__ = "fidelity_scale_version"
    __audited__ = True
    __table_args__ = (UniqueConstraint("scale_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scale_key: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(40))
    definition: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)

    @property
    def owning_agency_id(self):
        return None  # state-wide


class Notice(db.Model):
    """A workflow notice sent to one person about one visit; the unique key stops a second one.

    The message itself is a scheduling Notification (the notifications page, its unread count); this row
    records that it went, and whether its email did.
    """

    __tablename__ = "fidelity_notice"
    __table_args__ = (
        UniqueConstraint("assessment_id", "user_id", "key"),
        CheckConstraint("email_status IN ('none', 'pending', 'sent', 'failed')", name="email_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))  # rater_added, all_submitted, final, amended:<amendment id>
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id", ondelete="SET NULL"))
    email_status: Mapped[str] = mapped_column(String(10), default="none")
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)

    user: Mapped[User] = relationship()


class KeptRatingForm(db.Model):
    """A rating or consensus form sent after its trainer's sign-in ended: kept for them a few hours, to be put back
    in the form after signing in again (fidelity/visits/kept.py). One per trainer and visit: the latest sent."""

    __tablename__ = "kept_rating_form"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    page: Mapped[str] = mapped_column(String(20), default="rate", server_default="rate")  # kept.Page.name
    fields: Mapped[dict] = mapped_column(JSON)  # choice_N, note_N and was_N as the form sent them
    kept_at: Mapped[datetime] = mapped_column(default=datetime.utcnow, index=True)
