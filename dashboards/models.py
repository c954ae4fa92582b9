"""Precomputed engagement per participant per day and per month, kept current when attendance changes
(summaries.py).

Caches of the offered-session rows of dashboards/offered.py, summed by day and by month: the state overview
reads whole months from the monthly rows and the days of a window's partial edge months from the daily
rows, instead of millions of attendance rows; the running totals (running_totals.py) let it read two rows per
participant for any window. Nothing else writes to them.
"""
from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, text
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
    # PostgreSQL: the days with a session offered, and attended, as bits (edge_days.py); NULL on SQLite.
    offered_days: Mapped[int | None]
    attended_days: Mapped[int | None]


class EngagementDay(db.Model):
    """Offered and attended sessions of one participant on one day; the monthly rows are their sums."""

    __tablename__ = "engagement_day"
    __table_args__ = (
        # Covers SQLite's overview scan of a partial month (a day range, summed per participant). PostgreSQL counts
        # those days from the monthly masks (dashboards/edge_days.py) and has no such index (migration 0028): an
        # import's refresh kept it in order row by row for nothing.
        Index("ix_engagement_day_day", "day", "participant_id", "offered", "attended").ddl_if(dialect="sqlite"),
        # ... and on PostgreSQL the few days with two or more sessions, which the edge masks count once.
        Index("ix_engagement_day_several", "day", "participant_id", "offered", "attended",
              sqlite_where=text("offered > 1"), postgresql_where=text("offered > 1")),
        {"sqlite_with_rowid": False},  # the key is the table: one B-tree fewer to keep in order on a refresh
    )

    # The month in the key: summing a participant's days into months reads the key in order, with no sort.
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True)  # yyyymm of the day
    day: Mapped[date] = mapped_column(primary_key=True)
    offered: Mapped[int]
    attended: Mapped[int]


class EngagementTotal(db.Model):
    """Offered and attended sessions of one participant from their first month to the end of this one."""

    __tablename__ = "engagement_total"
    __table_args__ = (
        # The overview reads one month of every participant (the window's end's, and that of the day before its
        # start), with the team it counts them under and, on PostgreSQL, the month's edge masks (edge_days.py),
        # from the index alone.
        Index("ix_engagement_total_month", "month", "participant_id", "offered", "attended", "team_id",
              postgresql_include=["offered_days", "attended_days"]),
        # ... and the last month of those whose sessions stopped inside the window.
        Index("ix_engagement_total_last", "month", "participant_id", "offered", "attended", "team_id",
              sqlite_where=text("is_last = 1"), postgresql_where=text("is_last")),  # as each renders the test
        Index("ix_engagement_total_team", "team_id"),  # a refresh of a team finds who was filed under it
    )

    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True)  # yyyymm
    team_id: Mapped[int]  # the participant's team when computed
    offered: Mapped[int]  # from the participant's first month to the end of this one
    attended: Mapped[int]
    is_last: Mapped[bool] = mapped_column(Boolean)  # the participant's last month with an offered session
    offered_days: Mapped[int | None]  # PostgreSQL: the month's masks (engagement_month's; 0 without sessions)
    attended_days: Mapped[int | None]


class TeamDataChange(db.Model):
    """When a team's participants, sessions or attendance last changed in a committed write (summaries.py
    stamps it in the writer's transaction), and its newest session then, so a dashboard can say how fresh
    its numbers are without seeking each team's sessions, and how many sessions it has; and how many such writes
    there were, the version the state overview's kept numbers (OverviewCounts) are filed under."""

    __tablename__ = "team_data_change"

    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    changed_at: Mapped[datetime]  # UTC
    newest_session: Mapped[date | None]  # max(session_date) of the team's sessions; None: it has none
    sessions: Mapped[int | None]  # how many sessions the team has (org/queries.py sums them)
    version: Mapped[int] = mapped_column(server_default=text("0"))  # counted up by each stamp (a clock can step back)


class OverviewCounts(db.Model):
    """One team's numbers on the state overview for one window, threshold and format, as computed from its
    summaries at `version` (dashboards/overview_counts.py keeps them; nothing else reads them).

    The state overview sums every participant of the state (120,000 at 12M attendance rows); a state's teams
    change a few at a time (an import, an edit), so a page reads the kept numbers of the unchanged ones and
    computes only the rest. Rows of windows nobody looked at for a week are deleted when new ones are kept.
    """

    __tablename__ = "overview_counts"
    __table_args__ = (Index("ix_overview_counts_computed_on", "computed_on"),)

    window_start: Mapped[date] = mapped_column(primary_key=True)
    window_end: Mapped[date] = mapped_column(primary_key=True)
    threshold: Mapped[float] = mapped_column(primary_key=True)
    format: Mapped[str] = mapped_column(String(12), primary_key=True)  # '' for every format
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int]  # the team's TeamDataChange.version when the numbers were read
    counted: Mapped[int]
    engaged: Mapped[int]
    any_participation: Mapped[int]
    attended: Mapped[int]
    computed_on: Mapped[date]
