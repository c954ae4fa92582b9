"""Read-only queries behind the overview, program and team pages and their API."""
from sqlalchemy import func, select

from auth.access import scope_to_agencies
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
    stmt = scope_to_agencies(select(Team).join(Program).order_by(Team.name), Program.agency_id)
    if program_id is not None:
        stmt = stmt.where(Team.program_id == program_id)
    return db.session.scalars(stmt).all()


def team_counts(team_ids):
    """{team_id: {"participants": n, "active_participants": n, "sessions": n}} for the given teams."""
    counts = {tid: {"participants": 0, "active_participants": 0, "sessions": 0} for tid in team_ids}
    if not team_ids:
        return counts
    rows = db.session.execute(
        select(Participant.team_id, func.count(), func.count().filter(Participant.end_date.is_(None)))
        .where(Participant.team_id.in_(team_ids)).group_by(Participant.team_id))
    for team_id, total, active in rows:
        counts[team_id].update(participants=total, active_participants=active)
    rows = db.session.execute(
        select(Session.team_id, func.count()).where(Session.team_id.in_(team_ids)).group_by(Session.team_id))
    for team_id, sessions in rows:
        counts[team_id]["sessions"] = sessions
    return counts


def program_counts(programs):
    """{program_id: totals over its teams}."""
    teams_by_program = {p.id: [t.id for t in p.teams] for p in programs}
    per_team = team_counts([tid for tids in teams_by_program.values() for tid in tids])
    totals = {}
    for program_id, tids in teams_by_program.items():
        totals[program_id] = {key: sum(per_team[t][key] for t in tids)
                              for key in ("participants", "active_participants", "sessions")}
        totals[program_id]["teams"] = len(tids)
    return totals


def team_participants(team_id):
    return db.session.scalars(select(Participant).where(Participant.team_id == team_id)
                              .order_by(Participant.client_code)).all()


def team_session_span(team_id):
    """(first session date, last session date) of a team, or (None, None)."""
    return db.session.execute(select(func.min(Session.session_date), func.max(Session.session_date))
                              .where(Session.team_id == team_id)).one()
