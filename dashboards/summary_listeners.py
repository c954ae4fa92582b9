"""The listeners that keep the engagement summaries current (dashboards/summaries.py does the work): the
attendance_changed signal of the Core bulk writers (imports, demo data), in the writer's transaction when it
passes one, and any ORM commit that touched participants, sessions or attendance.

app.py imports this module, so every process that builds the app keeps its summaries current.
"""
import logging

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session as OrmSession

from dashboards import summaries  # looked up as summaries.refresh etc.: a test that replaces one reaches these
from dashboards.offered import P
from models import Attendance, Participant, Session, bulk_load
from signals import attendance_changed

log = logging.getLogger(__name__)


@attendance_changed.connect
def _on_attendance_changed(sender, team_ids=None, rows=0, dates=None, connection=None, **extra):
    large = rows >= bulk_load.BULK_ROWS
    if connection is None:
        summaries.refresh_teams(team_ids, large, dates, rows=rows)
    else:  # in the writer's transaction: the summaries commit, or roll back, with its data
        summaries.refresh(connection, team_ids, large, dates, rows)
        summaries.stamp(connection, team_ids)
        summaries.analyze(connection)


# --- ORM writes -----------------------------------------------------------------------------------
# Core bulk writers (imports, demo data) send attendance_changed; ORM writers need not remember to.

_KEY = "engagement_changes"


@event.listens_for(OrmSession, "after_flush")
def _collect(session, flush_context):
    teams, participants = session.info.setdefault(_KEY, (set(), set()))
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Session, Participant)):
            teams.add(obj.team_id)
            teams.update(inspect(obj).attrs.team_id.history.deleted or ())
        elif isinstance(obj, Attendance):
            participants.add(obj.participant_id)
    if not teams and not participants:
        session.info.pop(_KEY)


@event.listens_for(OrmSession, "after_commit")
def _refresh_after_commit(session):
    teams, participants = session.info.pop(_KEY, (set(), set()))
    if not teams and not participants:
        return
    try:
        with session.get_bind().begin() as connection:
            if participants:
                teams |= set(connection.scalars(select(P.c.team_id).where(P.c.id.in_(participants))))
            teams = {t for t in teams if t is not None}
            summaries.refresh(connection, teams)
            summaries.stamp(connection, teams)
    except Exception:  # the writer's data is committed; a failed refresh must not look like a failed write
        log.exception("Could not refresh engagement summaries for teams %s", sorted(teams, key=str))


@event.listens_for(OrmSession, "after_rollback")
def _forget(session):
    session.info.pop(_KEY, None)
