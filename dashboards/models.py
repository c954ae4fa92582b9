"""Precomputed engagement per participant per month, kept current when attendance changes (summaries.py).

A cache of the offered-session rows of dashboards/offered.py, summed by month: the state overview reads
whole months from here instead of a million attendance rows. Nothing else writes to it.
"""
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class EngagementMonth(db.Model):
    __tablename__ = "engagement_month"
    __table_args__ = (
        # Covers the overview's scan (month range, summed per participant) without touching the table.
        Index("ix_engagement_month_month", "month", "participant_id", "offered", "attended"),
        Index("ix_engagement_month_team", "team_id"),
        # The pages' first attended session per participant: one seek (min over an index range).
        Index("ix_engagement_month_first", "participant_id", "first_attended"),
    )

    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True)  # yyyymm
    team_id: Mapped[int]  # the participant's team when computed, so a refresh of that team finds the rows
    offered: Mapped[int]
    attended: Mapped[int]
    first_attended: Mapped[date | None]  # earliest attended session in the month


class TeamDataChange(db.Model):
    """When a team's participants, sessions or attendance last changed in a committed write (summaries.py
    stamps it in the writer's transaction), so a dashboard can say how fresh its numbers are."""

    __tablename__ = "team_data_change"

    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    changed_at: Mapped[datetime]  # UTC
