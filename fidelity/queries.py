"""Read-only queries behind the fidelity pages and API, with the access rules applied.

State staff (admin, trainer) see every assessment; managers see only their own agency's FINAL ones;
clerks see none (the views refuse them before any query runs).
"""
from dataclasses import dataclass

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from auth.access import get_visible_or_404, scope_to_agencies
from auth.permissions import roles_with
from extensions import db
from fidelity.models import Assessment, AssessmentRater, ConsensusRating
from fidelity.scales import catalog
from models import Program, Team, User


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


def comparable(visit, earlier) -> bool:
    """Whether a report compares `visit` with `earlier` (the same unit's, on the same scale): versions of one family,
    rating the same items. A format whose items differ is another measurement: IT-IS rates two items only at group
    visits, so an individual visit's change "since the last" would set 11 items against a group's 13 and its mean
    against a mean of other items. The IMR Fidelity Scale rates the same 13 items in either format."""
    if not catalog.same_family(visit.scale_key, visit.scale_version, earlier.scale_version):
        return False
    if visit.format == earlier.format:
        return True
    try:
        rated = [[i.number for i in catalog.get_scale(visit.scale_key, a.scale_version).items_for(a.format)]
                 for a in (visit, earlier)]
    except KeyError:
        return False
    return rated[0] == rated[1]


def previous_final(assessment):
    """The last final visit before this one of the same unit (program, or one team) and scale that it is
    comparable with (comparable()), or None."""
    stmt = (select(Assessment)
            .where(Assessment.program_id == assessment.program_id, Assessment.scale_key == assessment.scale_key,
                   Assessment.status == "final", Assessment.id != assessment.id,
                   (Assessment.visit_date < assessment.visit_date) |
                   ((Assessment.visit_date == assessment.visit_date) & (Assessment.id < assessment.id)))
            .order_by(Assessment.visit_date.desc(), Assessment.id.desc()))
    if assessment.team_id is None:
        stmt = stmt.where(Assessment.team_id.is_(None))
    else:
        stmt = stmt.where(Assessment.team_id == assessment.team_id)
    return next((earlier for earlier in db.session.scalars(stmt) if comparable(assessment, earlier)), None)


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


WHOLE_PROGRAM = "Whole program"  # the unit of a program's visits of no one team


def unit_name(team):
    """The name of a unit: its team's, or WHOLE_PROGRAM."""
    return team.name if team else WHOLE_PROGRAM


@dataclass
class UnitRow:
    """One unit on the state view: a program as a whole or one of its teams, with its latest final visits."""

    program: Program
    team: Team | None
    latest: Assessment | None  # None: the program has no final visit on this scale
    previous: Assessment | None  # the last earlier final of the unit comparable with it

    @property
    def unit_label(self):
        return unit_name(self.team)


def latest_by_unit(scale_key):
    """[UnitRow] for every visible program: one row per unit with a final visit, or one empty row."""
    programs = db.session.scalars(scope_to_agencies(
        select(Program).options(selectinload(Program.agency)).order_by(Program.name), Program.agency_id)).all()
    finals = db.session.scalars(
        select(Assessment).where(Assessment.scale_key == scale_key, Assessment.status == "final",
                                 Assessment.program_id.in_([p.id for p in programs]))
        .options(selectinload(Assessment.team))
        .order_by(Assessment.visit_date.desc(), Assessment.id.desc())).all()
    by_unit = {}
    for assessment in finals:
        by_unit.setdefault((assessment.program_id, assessment.team_id), []).append(assessment)
    rows = []
    for program in programs:
        units = sorted((key for key in by_unit if key[0] == program.id), key=lambda k: (k[1] is not None,))
        if not units:
            rows.append(UnitRow(program, None, None, None))
        for key in units:
            latest, *earlier = by_unit[key]
            previous = next((a for a in earlier if comparable(latest, a)), None)
            rows.append(UnitRow(program, latest.team, latest, previous))
    return sorted(rows, key=lambda r: (r.program.agency.name, r.program.name, r.team is not None,
                                       r.team.name if r.team else ""))


def latest_per_unit(scale_key, start=None, end=None):
    """The latest final visit of each visible unit on a scale with a visit date in [start, end], by unit."""
    stmt = (select(Assessment).join(Program, Assessment.program_id == Program.id)
            .where(Assessment.scale_key == scale_key, Assessment.status == "final")
            .options(selectinload(Assessment.program).selectinload(Program.agency), selectinload(Assessment.team))
            .order_by(Assessment.visit_date.desc(), Assessment.id.desc()))
    stmt = scope_to_agencies(stmt, Program.agency_id)
    if start:
        stmt = stmt.where(Assessment.visit_date >= start)
    if end:
        stmt = stmt.where(Assessment.visit_date <= end)
    latest = {}
    for assessment in db.session.scalars(stmt):
        latest.setdefault((assessment.program_id, assessment.team_id), assessment)
    return sorted(latest.values(), key=lambda a: (a.program.agency.name, a.program.name, a.team_id is not None,
                                                  a.team.name if a.team else ""))


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
    """Active accounts that may rate (the permission table says which roles)."""
    return db.session.scalars(select(User).where(User.role.in_(roles_with("fidelity.rate")), User.active.is_(True))
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
