"""Cancelling a draft and withdrawing one's ratings through the JSON API: the pages' rules, JSON errors, audited."""
from sqlalchemy import func, select

from extensions import db
from fidelity.models import Assessment, AssessmentRater, Rating
from models import AuditLog
from tests.factories import make_user
from tests.fidelity.factories import BOTH_DATABASES, GROUP_A, make_final, make_visit, rate, user
from tests.helpers import Auth


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@BOTH_DATABASES
def test_who_started_a_draft_or_rates_it_cancels_it_and_the_audit_log_keeps_it(app, client, auth, world):
    trainer, admin = user(world.users["trainer"]), user(world.users["admin"])
    visit = make_visit(world.program_a, [admin])
    visit.created_by_id = trainer.id
    db.session.commit()
    rate(visit, admin, {1: 4, 2: 3}, submitted=False)
    visit_id = visit.id
    auth.login(world.users["trainer"])  # started it, does not rate it
    response = client.post(f"/api/v1/assessments/{visit_id}/cancel", headers=auth.headers(),
                           json={"reason": "entered twice"})
    assert response.status_code == 200
    assert response.get_json()["cancelled"] == {"id": visit_id, "program_id": world.program_a.id, "team_id": None,
                                                "visit_date": "2026-03-02"}
    db.session.expire_all()
    assert (_count(Assessment), _count(Rating), _count(AssessmentRater)) == (0, 0, 0)
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "cancel"))
    assert (log.entity_id, log.reason, log.actor) == (visit_id, "entered twice", world.users["trainer"])

    mine = make_visit(world.program_a, [trainer])  # a rater on it, with no body at all
    assert client.post(f"/api/v1/assessments/{mine.id}/cancel", headers=auth.headers()).status_code == 200


def test_cancelling_is_refused_in_json_and_changes_nothing(app, client, auth, world):
    admin = user(world.users["admin"])
    draft, final = make_visit(world.program_a, [admin]), make_final(world.program_a, GROUP_A)
    make_user("second.trainer@state.example", "trainer")
    auth.login("second.trainer@state.example")
    response = client.post(f"/api/v1/assessments/{draft.id}/cancel", headers=auth.headers(), json={})
    assert response.status_code == 403
    assert response.get_json()["error"] == {
        "status": 403, "title": "Forbidden", "message": "The visit was not cancelled.",
        "problems": ["Only the trainer who started it, a rater on it or an administrator can cancel a visit."]}
    response = client.post(f"/api/v1/assessments/{final.id}/cancel", headers=auth.headers(), json={})
    assert response.status_code == 400 and response.get_json()["error"]["problems"] == [
        "Only a draft visit can be cancelled; this one is final: record an amendment to change it."]
    bad = client.post(f"/api/v1/assessments/{draft.id}/cancel", headers=auth.headers(), json={"reason": 7})
    assert bad.status_code == 400 and "reason" in bad.get_json()["error"]["problems"][0]
    no_token = client.post(f"/api/v1/assessments/{draft.id}/cancel", json={})
    assert no_token.status_code == 400 and "security token" in no_token.get_json()["error"]["message"]
    db.session.expire_all()
    assert (_count(Assessment), _count(AuditLog, AuditLog.action == "cancel")) == (2, 0)

    clerk = Auth(app.test_client())  # no fidelity rights at all; another agency's manager neither
    clerk.login(world.users["clerk_a"])
    assert clerk.client.post(f"/api/v1/assessments/{draft.id}/cancel", headers=clerk.headers(),
                             json={}).status_code == 403
    assert _count(Assessment) == 2


def test_an_admin_cancels_any_draft(app, client, auth, world):
    trainer = user(world.users["trainer"])
    visit = make_visit(world.program_a, [trainer])
    auth.login(world.users["admin"])
    assert client.post(f"/api/v1/assessments/{visit.id}/cancel", headers=auth.headers(), json={}).status_code == 200
    assert _count(Assessment) == 0


@BOTH_DATABASES
def test_withdrawing_submitted_ratings_through_the_api(app, client, auth, world):
    trainer, admin = user(world.users["trainer"]), user(world.users["admin"])
    visit = make_visit(world.program_a, [trainer, admin])
    rate(visit, trainer, dict(enumerate(GROUP_A, start=1)), submitted=True)
    auth.login(world.users["trainer"])
    response = client.post(f"/api/v1/assessments/{visit.id}/withdraw", headers=auth.headers())
    body = response.get_json()
    assert response.status_code == 200 and body["rater"]["submitted"] is False and body["assessment"]["status"] == \
        "draft"
    db.session.expire_all()
    me = db.session.scalar(select(AssessmentRater).where(AssessmentRater.user_id == trainer.id))
    assert me.submitted_at is None and len(me.ratings) == 13  # ratings kept, to change and submit again
    logged = db.session.scalar(select(AuditLog).where(AuditLog.entity == "assessment_rater",
                                                      AuditLog.field == "submitted_at").order_by(AuditLog.id.desc()))
    assert logged.actor == world.users["trainer"] and logged.new_value in (None, "")

    again = client.post(f"/api/v1/assessments/{visit.id}/withdraw", headers=auth.headers())
    assert again.status_code == 400 and again.get_json()["error"]["problems"] == [
        "Your ratings are not submitted: they can still change."]


def test_withdrawing_is_refused_to_non_raters_and_once_consensus_begins(app, client, auth, world):
    trainer, admin = user(world.users["trainer"]), user(world.users["admin"])
    visit = make_visit(world.program_a, [trainer, admin])
    rate(visit, trainer, dict(enumerate(GROUP_A, start=1)), submitted=True)
    make_user("second.trainer@state.example", "trainer")
    auth.login("second.trainer@state.example")
    response = client.post(f"/api/v1/assessments/{visit.id}/withdraw", headers=auth.headers())
    assert response.status_code == 403 and response.get_json()["error"]["problems"] == ["You do not rate this visit."]
    rate(visit, admin, dict(enumerate(GROUP_A, start=1)), submitted=True)
    db.session.get(Assessment, visit.id).status = "submitted"  # as submitting the last ratings leaves it
    db.session.commit()
    own = Auth(app.test_client())
    own.login(world.users["trainer"])
    response = own.client.post(f"/api/v1/assessments/{visit.id}/withdraw", headers=own.headers())
    assert response.status_code == 400 and "Consensus has begun" in response.get_json()["error"]["problems"][0]
    db.session.expire_all()
    assert all(r.submitted_at is not None for r in db.session.scalars(select(AssessmentRater)))
