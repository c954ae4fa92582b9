"""IMR goal tracking: long-term goals, their short-term goals and steps, and the dates each was reviewed."""
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.people import Participant

GOAL_LEVELS = ("long_term", "short_term", "step")  # each level is part of the one before it
GOAL_STATUSES = ("active", "achieved", "revised", "stopped")


class Goal(db.Model):
    """One line of a participant's Goal Tracking Sheet: a long-term goal, a short-term goal or a step."""

    __tablename__ = "goal"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("participant_id", "reference"),
        CheckConstraint("level IN ('long_term', 'short_term', 'step')", name="level"),
        CheckConstraint("status IN ('active', 'achieved', 'revised', 'stopped')", name="status"),
        CheckConstraint("date_set <= target_date", name="set_before_target"),
        # A long-term goal is part of nothing; a short-term goal or step is part of the level above.
        CheckConstraint("(level = 'long_term') = (parent_id IS NULL)", name="parent_by_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="RESTRICT"))
    reference: Mapped[str] = mapped_column(String(40))  # the agency's own label, e.g. "LT1", "ST1.2"
    level: Mapped[str] = mapped_column(String(12))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("goal.id", ondelete="RESTRICT"), index=True)
    date_set: Mapped[date]
    target_date: Mapped[date]  # the Rule of Sixes fills it when the sheet leaves it blank
    status: Mapped[str] = mapped_column(String(10), default="active")
    wording: Mapped[str | None] = mapped_column(Text)  # personal: kept only where the agency turned it on

    participant: Mapped[Participant] = relationship()
    reviews: Mapped[list["GoalReview"]] = relationship(order_by="GoalReview.review_date")

    @property
    def owning_agency_id(self) -> int:
        return self.participant.agency_id


class GoalReview(db.Model):
    """A date on which a goal was reviewed with the participant: the pair is its identity (no surrogate id,
    which cost each review written a sequence value and an index)."""

    __tablename__ = "goal_review"
    __table_args__ = (Index("ix_goal_review_date", "review_date", "goal_id"),)

    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), primary_key=True)
    review_date: Mapped[date] = mapped_column(primary_key=True)
