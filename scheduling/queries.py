"""Read side: each program's next visit computed live from its policy and its final assessments.

Pages, the API and the daily job all go through due_rows, so finalising an assessment moves the date
on everywhere at once without anything to update.
"""
from dataclasses import dataclass
from datetime import date

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from auth.access import scope_to_agencies
from auth.permissions import roles_with
from date_text import day
from extensions import db
from fidelity.models import Assessment
from fidelity.scales import catalog
import local_day
from models import Program, Team, User
from scheduling.due_dates import DEFAULT_POLICY, NextVisit, Policy, Visit, due_status, last_visit, next_visit
from scheduling.models import ASSIGNED_VISITS, ReassessmentPolicy, SchedulerRun, may_be_assigned



def scale_key():
    """The programmatic scale whose mean sets the rhythm: the one its scale file calls the headline."""
    return catalog.headline_key()


@dataclass
class DueRow:
    """One program's next visit, with what set it, for the due list, facts, API and jobs."""

    program: Program
    policy: Policy
    policy_row: ReassessmentPolicy | None
    next: NextVisit
    status: str  # overdue / upcoming / scheduled
    in_progress: Assessment | None  # a draft or submitted visit of the due unit begun since its last final one

    @property
    def scheduled(self) -> bool:
        """Whether a visit is due at all: an inactive program has none (every page and the API say so alike)."""
        return self.program.active

    @property
    def trainer(self) -> User | None:
        return self.policy_row.assigned_trainer if self.policy_row else None

    @property
    def trainer_text(self) -> str:
        """The visit trainer as the due list, its files and the program page write it."""
        return self.trainer.email if self.trainer else "Not assigned"

    @property
    def custom_policy(self) -> bool:
        return self.policy != DEFAULT_POLICY

    @property
    def in_progress_label(self) -> str:
        """"In progress: draft of", before the visit's day (rows carry a visit in progress only for who may see it)."""
        return f"In progress: {self.in_progress.status} of"

    @property
    def visit_text(self) -> str:
        """The Visit column of the due list's files (the page writes the label, then the day in a span not to wrap)."""
        return f"{self.in_progress_label} {day(self.in_progress.visit_date)}" if self.in_progress else ""

    @property
    def policy_text(self) -> str:
        """The policy as the due list and its files read it: months between visits below / at high fidelity."""
        months = f"{self.policy.interval_months} / {self.policy.high_interval_months} months"
        return months if self.custom_policy else f"Default {months}"


def final_visits(program_ids) -> dict:
    """{program_id: [Visit, ...]} of final IMR Fidelity visits, oldest first."""
    visits = {pid: [] for pid in program_ids}
    if not visits:
        return visits
    key = scale_key()
    rows = db.session.execute(
        select(Assessment.program_id, Assessment.visit_date, Assessment.summary_score, Assessment.band, Assessment.id,
               Assessment.scale_version, Team.name, Team.id, Team.active, Assessment.finalized_at)
        .outerjoin(Team, Team.id == Assessment.team_id)
        .where(Assessment.program_id.in_(visits), Assessment.scale_key == key, Assessment.status == "final")
        .order_by(Assessment.program_id, Assessment.visit_date, Assessment.id))
    facts = {}
    for program_id, visit_date, score, band, assessment_id, version, team, team_id, team_active, finalized in rows:
        if version not in facts:
            facts[version] = _band_facts(key, version)
        high_band, high_from, labels = facts[version]
        visits[program_id].append(Visit(visit_date, score, band, assessment_id, high_band=high_band,
                                        high_from=high_from, band_label=labels.get(band), team=team,
                                        team_id=team_id, team_active=team_id is None or team_active,
                                        finalized_at=finalized))
    return visits


def _band_facts(key, version):
    """(high band, where it starts, {band: label}) of the version a visit was rated on (the current one if gone)."""
    try:
        scale = catalog.get_scale(key, version)
    except KeyError:
        scale = catalog.get_scale(key)
    return scale.high_band, scale.high_from, {band.key: band.label for band in scale.bands}


def _in_progress(due_teams, visits) -> dict:
    """{program_id: the latest draft/submitted IMR Fidelity visit of the unit that is due (the program as a whole,
    or one team: due_teams[program_id]) begun since that unit's last final visit}. Another unit's draft does not
    start the visit that is due, and an older draft of the due unit is left behind by its newer final visit.

    Begun since: dated on or after that visit, or started after it was made final. A draft whose date was
    corrected to before it is still the visit being rated (else the list would offer a second start)."""
    found = {}
    if not due_teams:
        return found
    last_final = {pid: last_visit(v for v in visits[pid] if v.team_id == team) for pid, team in due_teams.items()}
    drafts = db.session.scalars(
        select(Assessment).where(Assessment.program_id.in_(due_teams), Assessment.scale_key == scale_key(),
                                 Assessment.status.in_(("draft", "submitted")))
        .order_by(Assessment.visit_date, Assessment.id))
    for assessment in drafts:
        if assessment.team_id != due_teams[assessment.program_id]:
            continue
        last = last_final[assessment.program_id]
        if (last is None or assessment.visit_date >= last.visit_date
                or (last.finalized_at is not None and assessment.created_at > last.finalized_at)):
            found[assessment.program_id] = assessment
    return found


def policies_for(program_ids) -> dict:
    if not program_ids:
        return {}
    rows = db.session.scalars(select(ReassessmentPolicy).options(selectinload(ReassessmentPolicy.trainer))
                              .where(ReassessmentPolicy.program_id.in_(program_ids)))
    return {row.program_id: row for row in rows}


def due_rows(programs, today: date, viewer=None) -> list[DueRow]:
    """The next visit of each program, soonest first.

    viewer: the user the rows are shown to; a viewer who may not see visits in progress (fidelity.read_drafts)
    gets none, so no page or API can tell them a draft exists. None (the scheduler's jobs) gets them all.
    """
    ids = [p.id for p in programs]
    visits = final_visits(ids)
    policies = policies_for(ids)
    planned = []
    for program in programs:
        row = policies.get(program.id)
        policy = row.as_policy() if row else DEFAULT_POLICY
        planned.append((program, policy, row, next_visit(policy, local_day.day_of(program.created_at),
                                                         visits[program.id])))
    drafts_seen = viewer is None or viewer.can("fidelity.read_drafts")
    in_progress = _in_progress({p.id: nxt.team_id for p, _, _, nxt in planned}, visits) if drafts_seen else {}
    rows = [DueRow(program, policy, row, nxt, due_status(nxt.due_date, today), in_progress.get(program.id))
            for program, policy, row, nxt in planned]
    rows.sort(key=lambda r: (r.next.due_date, r.program.name))
    return rows


def due_row(program, today: date, viewer=None) -> DueRow:
    return due_rows([program], today, viewer)[0]


def visible_due_rows(today, agency_id=None, trainer=None, include_later=False):
    """Due rows of the active programs the signed-in user may see, filtered as the due list asks.

    trainer: a user id, "none" for programs with no trainer assigned, or None for all.
    """
    stmt = scope_to_agencies(select(Program).options(selectinload(Program.agency)).where(Program.active),
                             Program.agency_id)
    if agency_id:
        stmt = stmt.where(Program.agency_id == agency_id)
    rows = due_rows(db.session.scalars(stmt).all(), today, current_user)
    if trainer == "none":
        rows = [r for r in rows if r.trainer is None]
    elif trainer:
        rows = [r for r in rows if r.trainer is not None and r.trainer.id == trainer]
    if not include_later:
        rows = [r for r in rows if r.status != "scheduled"]
    return rows


def due_scope(user) -> str:
    """Which programs the due list covers for `user`, as the page and its files say it."""
    return "Every active program in the state" if user.can("agencies.read_all") else f"Programs of {user.agency.name}"


def trainers():
    """The accounts a program's visits may be assigned to, by email. may_be_assigned decides, so the list and the
    check of what is posted cannot disagree; SQL only narrows to the roles holding the permission (a few state
    trainers, not every agency account), which the rule requires of everyone it lets through."""
    candidates = select(User).where(User.role.in_(roles_with(ASSIGNED_VISITS))).order_by(User.email)
    return [user for user in db.session.scalars(candidates) if may_be_assigned(user)]


def last_run(job="daily_reminders"):
    return db.session.scalar(select(SchedulerRun).where(SchedulerRun.job == job)
                             .order_by(SchedulerRun.started_at.desc(), SchedulerRun.id.desc()).limit(1))
