"""Visit housekeeping: cancel a draft, withdraw submitted ratings before consensus, the team list, the format check."""
from datetime import date, timedelta

from sqlalchemy import func, select

from extensions import db
from fidelity.models import Assessment, AssessmentRater, Rating
from models import AuditLog
from tests.factories import make_user
from tests.fidelity.factories import BOTH_DATABASES, GROUP_A, make_final, make_visit, rate, rating_form, user


@BOTH_DATABASES
def test_cancelling_a_draft_keeps_it_in_the_audit_log_and_off_the_due_list(app, client, auth, world):
    trainer = user(world.users["trainer"])
    visit = make_visit(world.program_a, [trainer], visit_date=date.today())
    rate(visit, trainer, {1: 4, 2: 3}, submitted=False)
    auth.login(world.users["trainer"])
    due = client.get("/visits-due").get_data(as_text=True)
    assert f"/fidelity/assessments/{visit.id}" in due  # the draft stands in for "Start this visit"
    response = auth.post(f"/fidelity/assessments/{visit.id}/cancel", {"reason": "entered twice"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 0
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "cancel"))
    assert log.entity_id == visit.id and log.reason == "entered twice" and "Alpha IMR" in log.old_value
    assert log.actor == world.users["trainer"]
    due = client.get("/visits-due").get_data(as_text=True)
    assert f"/fidelity/assessments/{visit.id}" not in due


def test_a_final_or_consensus_visit_cannot_be_cancelled(app, client, auth, world):
    final = make_final(world.program_a, GROUP_A)
    auth.login(world.users["trainer"])
    auth.post(f"/fidelity/assessments/{final.id}/cancel", {})
    page = client.get(f"/fidelity/assessments/{final.id}").get_data(as_text=True)
    assert "The visit was not cancelled. Only a draft visit can be cancelled; this one is final" in page
    assert db.session.get(Assessment, final.id).status == "final"
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "cancel")) == 0


def test_a_trainer_not_on_the_visit_cannot_cancel_it(app, client, auth, world):
    """Only who started it, its raters or an administrator may cancel: another trainer is refused, nothing goes."""
    admin = user(world.users["admin"])
    visit = make_visit(world.program_a, [admin])
    make_user("second.trainer@state.example", "trainer")
    auth.login("second.trainer@state.example")
    page = client.get(f"/fidelity/assessments/{visit.id}").get_data(as_text=True)
    assert "Cancel this draft visit" not in page
    auth.post(f"/fidelity/assessments/{visit.id}/cancel", {"reason": "not mine"})
    page = client.get(f"/fidelity/assessments/{visit.id}").get_data(as_text=True)
    assert ("The visit was not cancelled. Only the trainer who started it, a rater on it or an administrator can "
            "cancel a visit.") in page
    assert db.session.get(Assessment, visit.id).status == "draft"
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "cancel")) == 0


@BOTH_DATABASES
def test_withdrawing_submitted_ratings_until_consensus_begins(app, client, auth, world):
    trainer, admin = user(world.users["trainer"]), user(world.users["admin"])
    visit = make_visit(world.program_a, [trainer, admin])
    rate(visit, trainer, dict(enumerate(GROUP_A, start=1)))
    auth.login(world.users["trainer"])
    response = auth.post(f"/fidelity/assessments/{visit.id}/withdraw", {})
    assert response.headers["Location"].endswith(f"/fidelity/assessments/{visit.id}/rate")
    rater = db.session.scalar(select(AssessmentRater).where(AssessmentRater.user_id == trainer.id))
    assert rater.submitted_at is None and len(rater.rating_map()) == 13  # ratings kept, editable again
    # Once every rater has submitted, consensus has begun: withdrawing is refused and nothing changes.
    rate(visit, trainer, {}, submitted=True)
    rate(visit, admin, dict(enumerate(GROUP_A, start=1)))
    db.session.get(Assessment, visit.id).status = "submitted"
    db.session.commit()
    auth.post(f"/fidelity/assessments/{visit.id}/withdraw", {})
    page = client.get(f"/fidelity/assessments/{visit.id}").get_data(as_text=True)
    assert "Nothing was withdrawn. Consensus has begun" in page
    db.session.expire_all()
    assert db.session.get(AssessmentRater, rater.id).submitted_at is not None


def test_someone_not_rating_the_visit_cannot_withdraw(app, client, auth, world):
    trainer = user(world.users["trainer"])
    visit = make_visit(world.program_a, [trainer])
    rate(visit, trainer, dict(enumerate(GROUP_A, start=1)))
    auth.login(world.users["admin"])
    auth.post(f"/fidelity/assessments/{visit.id}/withdraw", {})
    assert "Nothing was withdrawn. You do not rate this visit." in client.get(
        f"/fidelity/assessments/{visit.id}").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(AssessmentRater)).submitted_at is not None


def test_someone_not_rating_the_visit_cannot_rate_it(app, client, auth, world):
    """The form and the API refuse a trainer or admin who is not on the visit, saying so; nothing is saved."""
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["admin"])
    response = auth.post(f"/fidelity/assessments/{visit.id}/rate", rating_form(GROUP_A, "submit"))
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and "Nothing was saved." in page and "You do not rate this visit" in page
    api = client.post(f"/api/v1/assessments/{visit.id}/ratings", headers=auth.headers(),
                      json={"ratings": [{"item": 1, "value": 4}]})
    assert api.status_code == 400 and api.get_json()["error"]["problems"] == ["You do not rate this visit."]
    assert client.post(f"/api/v1/assessments/{visit.id}/submit", headers=auth.headers()).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0
    db.session.expire_all()
    assert db.session.get(Assessment, visit.id).status == "draft"


def test_the_start_form_lists_the_chosen_programs_teams(app, client, auth, world):
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/new?program_id={world.program_b.id}").get_data(as_text=True)
    team_select = page.split('id="team_id"')[1].split("</select>")[0]
    assert "Beta group" in team_select and "Alpha group" not in team_select
    everything = client.get("/fidelity/assessments/new").get_data(as_text=True).split('id="team_id"')[1]
    assert '<optgroup label="Alpha IMR"' in everything and '<optgroup label="Beta IMR"' in everything


def test_a_format_unlike_the_teams_asks_for_confirmation(app, client, auth, world):
    trainer = user(world.users["trainer"])
    auth.login(world.users["trainer"])
    form = {"program_id": world.program_a.id, "team_id": world.team_a.id, "scale": "imr_fidelity@3-24-05",
            "format": "individual", "visit_date": (date.today() - timedelta(days=1)).isoformat(),
            "rater_ids": [trainer.id]}
    response = auth.post("/fidelity/assessments/new", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Alpha group is a group team but the visit is set to the individual" in page
    assert 'name="confirm_format"' in page and db.session.scalar(select(func.count()).select_from(Assessment)) == 0
    response = auth.post("/fidelity/assessments/new", {**form, "confirm_format": "yes"})
    assert response.status_code == 302 and db.session.scalar(select(Assessment)).format == "individual"
