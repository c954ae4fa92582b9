"""Read-only queries behind the fidelity pages and API, with the access rules applied.

State staff (admin, trainer) see every assessment; managers see only their own agency's FINAL ones;
clerks see none (the views refuse them before any query runs).
"""
from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from auth.access import get_visible_or_404, scope_to_agencies
from extensions import db
from fidelity.models import Assessment, AssessmentRater, ConsensusRating
from models import Program, User


def _final_only(user=None):
    user = user or current_user
    return not user.can("fidelity.read_drafts")


def visible_assessments(program_id=None, team_id=None, scale_key=None, status=None, limit=None):
    """Assessments the current user may see, newest visit first."""
    stmt = (select(Assessment).join(Program, Assessment.program_id == Program.id)
            .options(selectinload(Assessment.program), selectinload(Assessment.team))
            .order_by(Assessment.visit_date.desc(), Assessment.id.desc()))
    stmt = scope_to_agencies(stmt, Program.agency_id)
    if _final_only():
        stmt = stmt.where(Assessment.status == "final")
    if program_id is not None:
        stmt = stmt.where(Assessment.program_id == program_id)
    if team_id is not None:
        stmt = stmt.where(Assessment.team_id == team_id)
    if scale_key:
        stmt = stmt.where(Assessment.scale_key == scale_key)
    if status:
        stmt = stmt.where(Assessment.status == status)
    if limit:
        stmt = stmt.limit(limit)
    return db.session.scalars(stmt).all()


def get_assessment(assessment_id):
    """One assessment the current user may read, or 404 (another agency's, or not final for a manager)."""
    assessment = get_visible_or_404(Assessment, assessment_id)
    if _final_only() and assessment.status != "final":
        abort(404)
    return assessment


def previous_final(assessment):
    """The last final assessment before this one of the same program or team and scale, or None."""
    stmt = (select(Assessment)
            .where(Assessment.program_id == assessment.program_id, Assessment.scale_key == assessment.scale_key,
                   Assessment.status == "final", Assessment.id != assessment.id,
                   (Assessment.visit_date < assessment.visit_date) |
                   ((Assessment.visit_date == assessment.visit_date) & (Assessment.id < assessment.id)))
            .order_by(Assessment.visit_date.desc(), Assessment.id.desc()).limit(1))
    if assessment.team_id is None:
        stmt = stmt.where(Assessment.team_id.is_(None))
    else:
        stmt = stmt.where(Assessment.team_id == assessment.team_id)
    return db.session.scalar(stmt)


def final_history(program_id, team_id=None, scale_key=None):
    """Final assessments of a program (every unit) or of one team, oldest visit first."""
    stmt = (select(Assessment).where(Assessment.program_id == program_id, Assessment.status == "final")
            .options(selectinload(Assessment.team))
            .order_by(Assessment.visit_date, Assessment.id))
    if team_id is not None:
        stmt = stmt.where(Assessment.team_id == team_id)
    if scale_key:
        stmt = stmt.where(Assessment.scale_key == scale_key)
    return db.session.scalars(stmt).all()


def latest_by_program(scale_key):
    """[(program, latest final, the final before it)] for every visible program; None where there is none."""
    programs = db.session.scalars(scope_to_agencies(
        select(Program).options(selectinload(Program.agency)).order_by(Program.name), Program.agency_id)).all()
    finals = db.session.scalars(
        select(Assessment).where(Assessment.scale_key == scale_key, Assessment.status == "final",
                                 Assessment.program_id.in_([p.id for p in programs]))
        .options(selectinload(Assessment.team))
        .order_by(Assessment.visit_date.desc(), Assessment.id.desc())).all()
    by_program = {}
    for assessment in finals:
        by_program.setdefault(assessment.program_id, []).append(assessment)
    rows = []
    for program in programs:
        found = by_program.get(program.id, [])
        rows.append((program, found[0] if found else None, found[1] if len(found) > 1 else None))
    return sorted(rows, key=lambda r: (r[0].agency.name, r[0].name))


def consensus_for(assessment_ids):
    """{assessment id: {item: value or None}} in one query."""
    result = {aid: {} for aid in assessment_ids}
    if assessment_ids:
        for row in db.session.scalars(select(ConsensusRating)
                                      .where(ConsensusRating.assessment_id.in_(assessment_ids))):
            if row.value is not None or row.not_applicable:
                result[row.assessment_id][row.item_number] = row.value
    return result


def state_raters():
    """Active accounts that may rate: state trainers and admins."""
    return db.session.scalars(select(User).where(User.role.in_(("trainer", "admin")), User.active.is_(True))
                              .order_by(User.email)).all()


def visible_programs_and_teams():
    """[(program, [teams])] the current user may see, for the create form."""
    programs = db.session.scalars(scope_to_agencies(
        select(Program).options(selectinload(Program.teams), selectinload(Program.agency))
        .order_by(Program.name), Program.agency_id)).all()
    return [(p, list(p.teams)) for p in sorted(programs, key=lambda p: (p.agency.name, p.name))]


def open_assessments_for(user):
    """Draft and submitted visits the user rates, newest first (their to-do list)."""
    return db.session.scalars(
        select(Assessment).join(AssessmentRater).where(AssessmentRater.user_id == user.id,
                                                       Assessment.status != "final")
        .order_by(Assessment.visit_date.desc())).all()


def rater_for(assessment, user):
    """The user's rater row on the visit, or None when they do not rate it."""
    return next((r for r in assessment.raters if r.user_id == user.id), None)
