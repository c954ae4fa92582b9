"""The state the accessibility walk browses: the demo state plus every page state worth seeing.

The demo state (demo.data, the one `flask demo-data` loads) gives dashboards, reports, goals, due visits and
a draft visit; on top come the states the demo does not reach: a visit waiting for consensus, an import
preview with changed and new lines, a refused import with problems, notices and reminders, and an admin
whose sign-in asks for a code.
"""
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import pyotp
from flask import current_app
from sqlalchemy import select

from auth import two_factor
from demo.data import build_demo_state
from demo.plan import DEMO_ACCOUNTS, DEMO_PASSWORD
from extensions import db
from fidelity.models import Assessment
from fidelity.reports.evidence_panel import ROWS_ARE
from fidelity.scales import catalog
from fidelity.visits.operations import create_assessment, save_ratings, submit_ratings
from imports.operations import create_batch, discard, run
from models import Agency, Participant, Program, Team, User
from models.goals import Goal
from scheduling.jobs import daily
from scheduling.models import Notification
from signals import attendance_changed
from tests.conftest import make_app
from tests.imports import workbooks as wbk

# The demo's accounts by role: the agency roles are those of the first agency (NCMH).
ROLE_ACCOUNTS = {}
for _email, _role, _agency in DEMO_ACCOUNTS:
    ROLE_ACCOUNTS.setdefault(_role, _email)
PASSWORD = DEMO_PASSWORD


@dataclass
class AxeWorld:
    ids: dict  # URL variable -> real values, e.g. "program_id" -> [3]
    states: dict  # page state -> its id, e.g. "consensus" -> an assessment waiting for consensus
    admin_secret: str  # the admin signs in with a code: the code page is seen too
    admin_objects: list  # an agency, program, team and user id: the admin's edit forms, in ids["kind"] order
    admin_steps: list = field(default_factory=list)  # the 30-second steps of the admin's codes used: each once

    def admin_code(self):
        """A code the admin has not used yet: a code is accepted once, and several tests sign the admin in."""
        totp = pyotp.TOTP(self.admin_secret)
        step = int(time.time() // totp.interval)
        if self.admin_steps and step <= self.admin_steps[-1]:
            step = self.admin_steps[-1] + 1  # the next step is accepted too (clock drift)
            time.sleep(max(0, (step - 1) * totp.interval - time.time()))
        self.admin_steps.append(step)
        return totp.generate_otp(step)


def _one(stmt):
    return db.session.scalars(stmt.limit(1)).one()


def _consensus_visit(program, raters):
    """A visit every rater has submitted: the consensus page (and an 'all submitted' notice for each)."""
    scale = catalog.get_scale(catalog.headline_key(), "3-24-05")
    visit = create_assessment(program=program, team=None, scale=scale, format="group",
                              visit_date=date.today() - timedelta(days=2), rater_users=raters,
                              created_by=raters[0])
    for i, rater in enumerate(visit.raters):
        entries = {item.number: (3 + (item.number + i) % 3, False, "Seen in the charts reviewed.")
                   for item in scale.items_for("group")}
        save_ratings(visit, rater, entries)
        submit_ratings(visit, rater)
    return visit


def _imports(agency, clerk):
    """A roster checked into a preview (one changed, one new line) and one refused with problems."""
    person = _one(select(Participant).where(Participant.agency_id == agency.id).order_by(Participant.id))
    team = db.session.get(Team, person.team_id)
    rows = [[person.client_code, team.name, person.start_date - timedelta(days=3), person.start_date, None, None,
             None],
            ["ZZ901", team.name, date.today() - timedelta(days=20), date.today() - timedelta(days=5), None, None,
             None]]
    preview = create_batch(agency, "roster", "roster.xlsx", wbk.roster(rows), user=clerk)
    run(preview.id)
    bad = [["ZZ902", "No such team", "not a date", None, None, None, None]]
    refused = create_batch(agency, "roster", "roster-with-problems.xlsx", wbk.roster(bad), user=clerk)
    run(refused.id)
    return preview.id, refused.id


def axe_app(sqlite_template, tmp_path_factory, name):
    """(app, AxeWorld): an app on a fresh copy of the template database, the state built in it."""
    url, _ = sqlite_template.fresh(str(tmp_path_factory.mktemp(name)))
    app = make_app(url)
    with app.app_context():
        world = build_axe_world()
    return app, world


def build_axe_world() -> AxeWorld:
    """Build the state and commit it; call inside an app context."""
    summary = build_demo_state(db.session, seed=7)
    db.session.commit()
    attendance_changed.send(None, team_ids=summary.team_ids)
    users = {role: _one(select(User).where(User.email == email)) for role, email in ROLE_ACCOUNTS.items()}
    agency = db.session.get(Agency, users["manager"].agency_id)
    program = _one(select(Program).where(Program.agency_id == agency.id).order_by(Program.id))
    team = _one(select(Team).where(Team.program_id == program.id).order_by(Team.id))
    consensus = _consensus_visit(program, [users["trainer"], users["admin"]])
    preview, refused = _imports(agency, users["clerk"])
    daily(current_app._get_current_object(), date.today())  # reminders of the visits due: notices to read
    draft = _one(select(Assessment).where(Assessment.status == "draft").order_by(Assessment.id))
    finals = select(Assessment).where(Assessment.status == "final", Assessment.program_id == program.id)
    final = _one(finals.where(Assessment.scale_key == catalog.headline_key()).order_by(Assessment.visit_date.desc()))
    other_scale = _one(finals.where(Assessment.scale_key != catalog.headline_key()))
    with_goals = _one(select(Participant).join(Goal, Goal.participant_id == Participant.id)
                      .where(Participant.agency_id == agency.id).order_by(Participant.id))
    secret = pyotp.random_base32()
    two_factor.enable(users["admin"], secret, 0)
    db.session.commit()
    notices = {role: db.session.scalar(select(Notification.id).where(Notification.user_id == users[role].id)
                                       .order_by(Notification.id).limit(1)) for role in users}
    scale = catalog.get_scale(catalog.headline_key(), "3-24-05")
    kinds = {ROWS_ARE[i.evidence.measure]: i.number for i in reversed(scale.evidence_items("group"))}
    ids = {"program_id": [program.id], "team_id": [team.id], "participant_id": [with_goals.id],
           "assessment_id": [final.id, other_scale.id], "item": sorted(kinds.values()), "batch_id": [preview, refused],
           "notification_id": [n for n in notices.values() if n], "agency_id": [agency.id],
           "scale_key": [catalog.headline_key(), "it_is"], "version": ["3-24-05", "2012"],
           "import_kind": ["roster", "sessions", "attendance_grid"],
           "kind": ["agencies", "programs", "teams", "users"]}
    states = {"draft": draft.id, "consensus": consensus.id, "final": final.id,
              "admin_user": users["admin"].id, "program": program.id}
    db.session.remove()
    return AxeWorld(ids, states, secret, [agency.id, program.id, team.id, users["clerk"].id])


# Names as long as agencies give them: the layout walk (test_pages_layout_browser.py) shows them on every page.
LONG_AGENCY = ("Northern Catchment Community Mental Health and Recovery Services Consortium of the Upper Valley "
               "Counties and Tribal Land")  # 120 characters
LONG_PROGRAM = "Illness Management and Recovery " + "Programme for Adults Living with Serious Mental Illness " * 2
LONG_TEAM = "Wednesday afternoon group at the Riverside clinic annex building number two, second floor room 14"
LONG_CODE = "CLIENT-" + "0123456789" * 3 + "ABC"  # 40 characters, no space to break at


def add_extremes(world: AxeWorld) -> dict:
    """Long names on the world's agency, program, team and participant; a 300-problem import, one waiting for a
    worker and one discarded. Returns {state: batch id}; call inside an app context."""
    clerk = _one(select(User).where(User.email == ROLE_ACCOUNTS["clerk"]))
    agency = db.session.get(Agency, clerk.agency_id)
    agency.name = LONG_AGENCY
    db.session.get(Program, world.states["program"]).name = LONG_PROGRAM[:120]
    db.session.get(Team, world.ids["team_id"][0]).name = LONG_TEAM
    db.session.get(Participant, world.ids["participant_id"][0]).client_code = LONG_CODE
    db.session.commit()
    bad = [[f"ZZ{i:04d}", "No such team", "not a date", None, None, None, None] for i in range(300)]
    name = "Roster exported from the electronic health record on the first of March, every team.xlsx"
    many = run(create_batch(agency, "roster", name, wbk.roster(bad), user=clerk).id).id
    waiting = create_batch(agency, "roster", name, wbk.roster(bad[:1]), user=clerk).id  # no worker runs in tests
    person = _one(select(Participant).where(Participant.agency_id == agency.id, Participant.id != world.ids[
        "participant_id"][0]).order_by(Participant.id))
    team = db.session.get(Team, person.team_id)
    checked = run(create_batch(agency, "roster", "roster.xlsx", wbk.roster([[
        person.client_code, team.name, person.start_date - timedelta(days=9), person.start_date, None, None, None]]),
        user=clerk).id).id
    assert discard(checked, (clerk.id, clerk.email))
    db.session.remove()
    return {"many problems": many, "waiting": waiting, "discarded": checked}
