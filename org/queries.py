"""Read-only queries behind the overview, program and team pages and their API."""
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from auth.access import scope_to_agencies
from dashboards.freshness import session_count
from dashboards.models import TeamDataChange
from extensions import db
from models import Agency, Participant, Program, Session, Team


def visible_agencies():
    stmt = scope_to_agencies(select(Agency).order_by(Agency.name), Agency.id)
    return db.session.scalars(stmt).all()


def visible_programs(agency_id=None):
    stmt = scope_to_agencies(select(Program).order_by(Program.name), Program.agency_id)
    if agency_id is not None:
        stmt = stmt.where(Program.agency_id == agency_id)
    return db.session.scalars(stmt).all()


def visible_teams(program_id=None):
    """Teams with their program and its agency, read in the same statement: the lists name them, and a state's
    2,400 teams read their 600 programs one statement each (the imports page took 0.5 s)."""
    stmt = (select(Team).join(Team.program).join(Program.agency)
            .options(contains_eager(Team.program).contains_eager(Program.agency)).order_by(Team.name))
    stmt = scope_to_agencies(stmt, Program.agency_id)
    if program_id is not None:
        stmt = stmt.where(Team.program_id == program_id)
    return db.session.scalars(stmt).all()


NO_COUNTS = {"participants": 0, "active_participants": 0, "sessions": 0}


def _sessions():
    """A team's number of sessions: kept with its last data change (summaries.stamp), so a state's 3.5 million
    sessions are not counted on every overview (0.5 s); counted here for a team never stamped."""
    return func.coalesce(TeamDataChange.sessions, session_count(Team.id).correlate(Team))


def _participants(group):
    """Participants and those still active (no end date), grouped by `group` (a Team column)."""
    return (select(group, func.count(), func.count().filter(Participant.end_date.is_(None)))
            .join(Team, Team.id == Participant.team_id).group_by(group))


def team_counts(team_ids):
    """{team_id: {"participants": n, "active_participants": n, "sessions": n}} for the given teams."""
    counts = {tid: dict(NO_COUNTS) for tid in team_ids}
    if not team_ids:
        return counts
    for team_id, total, active in db.session.execute(_participants(Team.id).where(Team.id.in_(team_ids))):
        counts[team_id].update(participants=total, active_participants=active)
    sessions = select(Team.id, _sessions()).outerjoin(TeamDataChange, TeamDataChange.team_id == Team.id)
    for team_id, n in db.session.execute(sessions.where(Team.id.in_(team_ids))):
        counts[team_id]["sessions"] = n
    return counts


def program_counts(programs):
    """{program_id: totals over its teams, and how many teams}: two statements grouped by program (a state's
    600 programs read their teams one statement each)."""
    ids = [p.id for p in programs]
    totals = {pid: {**NO_COUNTS, "teams": 0} for pid in ids}
    if not ids:
        return totals
    teams = (select(Team.program_id, func.count(), func.sum(_sessions()))
             .outerjoin(TeamDataChange, TeamDataChange.team_id == Team.id).group_by(Team.program_id))
    for program_id, n, sessions in db.session.execute(teams.where(Team.program_id.in_(ids))):
        totals[program_id].update(teams=n, sessions=int(sessions or 0))  # PostgreSQL sums a count as numeric
    for program_id, total, active in db.session.execute(_participants(Team.program_id)
                                                         .where(Team.program_id.in_(ids))):
        totals[program_id].update(participants=total, active_participants=active)
    return totals


def team_participants(team_id):
    return db.session.scalars(select(Participant).where(Participant.team_id == team_id)
                              .order_by(Participant.client_code)).all()


def team_session_span(team_id):
    """(first session date, last session date) of a team, or (None, None)."""
    return db.session.execute(select(func.min(Session.session_date), func.max(Session.session_date))
                              .where(Session.team_id == team_id)).one()
