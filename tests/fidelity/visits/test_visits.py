"""A site visit over HTTP: create, two raters rate alone, agreement, consensus, final score, amendments."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from fidelity.models import Amendment, Assessment, AssessmentRater, Rating
from models import AuditLog
from tests.fidelity.factories import BOTH_DATABASES, GROUP_A, consensus_rows, make_final, make_visit, user

TRAINER_B = [4, 5, 4, 5, 3, 5, 5, 4, 5, 5, 3, 2, 3]  # differs from group A on items 3, 8 and 13


def _form(values, action):
    data = {f"choice_{n}": str(v) for n, v in enumerate(values, start=1)}
    data.update({f"note_{n}": f"evidence {n}" for n in range(1, len(values) + 1)})
    return {**data, "action": action}


@BOTH_DATABASES
def test_two_raters_reconcile_and_finalise(app, client, auth, world):
    trainer, admin = user(world.users["trainer"]), user(world.users["admin"])
    auth.login(world.users["trainer"])
    response = auth.post("/fidelity/assessments/new", {
        "program_id": world.program_a.id, "scale": "imr_fidelity@3-24-05", "format": "group",
        "visit_date": "2026-03-02", "rater_ids": [trainer.id, admin.id], "note": "Observed the Monday group"})
    assert response.status_code == 302
    visit = db.session.scalar(select(Assessment))
    assert (visit.status, visit.scale_version, visit.team_id) == ("draft", "3-24-05", None)

    assert auth.post(f"/fidelity/assessments/{visit.id}/rate", _form(GROUP_A, "submit")).status_code == 302
    auth.logout()
    auth.login(world.users["admin"])
    # Before submitting, the admin does not see the trainer's ratings.
    raters = client.get(f"/api/v1/assessments/{visit.id}/ratings").get_json()["raters"]
    assert {r["email"]: r["ratings"] is None for r in raters} == {trainer.email: True, admin.email: False}
    assert auth.post(f"/fidelity/assessments/{visit.id}/rate", _form(TRAINER_B, "submit")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Assessment, visit.id).status == "submitted"

    page = client.get(f"/fidelity/assessments/{visit.id}/consensus").get_data(as_text=True)
    assert re.search(r'data-figure="exact">77%', page)  # 10 of 13 items alike
    assert re.search(r'data-figure="within-one">100%', page)
    assert "data-differing>3, 8, 13<" in page
    agreement = client.get(f"/api/v1/assessments/{visit.id}/agreement").get_json()["agreement"]
    assert (agreement["exact"], agreement["within_one"], agreement["items_compared"]) == (10, 13, 13)
    # MS items 379/156, MS raters 1/26, MS error 19/156 (exact fractions) -> ICC(2,1) = 10/11.
    assert agreement["icc"] == pytest.approx(10 / 11)

    # Where the raters agreed, consensus is filled in already; the three differences are decided here.
    assert consensus_rows(visit) == {n: v for n, v in enumerate(GROUP_A, start=1) if n not in (3, 8, 13)}
    response = auth.post(f"/fidelity/assessments/{visit.id}/consensus",
                         {"choice_3": "5", "choice_8": "5", "choice_13": "2", "note_13": "Agreed after review",
                          "action": "finalize"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{visit.id}/report")
    db.session.expire_all()
    visit = db.session.get(Assessment, visit.id)
    assert visit.status == "final" and visit.band == "high" and visit.finalized_at is not None
    assert visit.summary_score == pytest.approx(54 / 13)

    report = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    assert '<div class="figure" id="summary-score">4.2</div>' in report
    assert '<span id="summary-sum">54</span> (possible 13-65)' in report
    assert '<div class="figure" id="summary-band">High fidelity</div>' in report
    assert re.findall(r'<li data-item="(\d+)">', report) == ["5", "11", "12", "13"]  # needs work: under 4
    assert "Agreed after review" in report


def test_submitting_with_unrated_items_is_refused_with_the_list(app, client, auth, world):
    trainer = user(world.users["trainer"])
    visit = make_visit(world.program_a, [trainer])
    auth.login(world.users["trainer"])
    response = auth.post(f"/fidelity/assessments/{visit.id}/rate", _form(GROUP_A[:10], "submit"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your ratings were not submitted: 3 item(s) are unrated." in page
    assert all(f"<li>Item {n} (" in page for n in (11, 12, 13))
    rater = db.session.scalar(select(AssessmentRater))
    assert rater.submitted_at is None and len(rater.rating_map()) == 10  # the draft is kept
    # Finalising before everyone has submitted is refused too.
    response = auth.post(f"/fidelity/assessments/{visit.id}/consensus", {"action": "finalize"})
    assert response.status_code == 400 and "not every rater has submitted" in response.get_data(as_text=True)


@pytest.mark.parametrize("payload, message", [
    ({"ratings": [{"item": 3, "value": 7}]}, "7 is outside the scale"),
    ({"ratings": [{"item": 2, "not_applicable": True}]}, "not applicable is not allowed"),
    ({"ratings": [{"item": 1, "value": 4}, {"item": 14, "value": 4}]}, "Item 14 is not rated in this assessment"),
    ({"ratings": "all fives"}, 'Send "ratings"'),
])
def test_bad_ratings_are_refused_and_nothing_is_saved(app, client, auth, world, payload, message):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["trainer"])
    response = client.post(f"/api/v1/assessments/{visit.id}/ratings", json=payload, headers=auth.headers())
    assert response.status_code == 400
    assert any(message in p for p in response.get_json()["error"]["problems"])
    assert db.session.scalars(select(Rating)).all() == []


def test_a_rating_typed_wrongly_in_the_form_is_refused(app, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["trainer"])
    response = auth.post(f"/fidelity/assessments/{visit.id}/rate", {"choice_1": "4", "choice_3": "x", "action": "save"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Item 3 (Comprehensiveness of the curriculum): &#39;x&#39; is not a rating" in page
    assert db.session.scalars(select(Rating)).all() == []


@BOTH_DATABASES
def test_final_is_read_only_and_amendments_record_who_when_why(app, client, auth, world):
    trainer = user(world.users["trainer"])
    visit = make_final(world.program_a, GROUP_A, raters=[trainer])
    auth.login(world.users["trainer"])
    base = f"/api/v1/assessments/{visit.id}"
    response = client.post(f"{base}/ratings", json={"ratings": [{"item": 1, "value": 5}]}, headers=auth.headers())
    assert response.status_code == 400 and "final and read-only" in response.get_json()["error"]["problems"][0]
    response = client.post(f"{base}/consensus", json={"ratings": [{"item": 1, "value": 5}]}, headers=auth.headers())
    assert response.status_code == 400
    response = auth.post(f"/fidelity/assessments/{visit.id}/amend", {"item": "12", "choice": "4", "reason": " "})
    assert response.status_code == 400 and "Say why the rating is amended." in response.get_data(as_text=True)
    assert consensus_rows(visit)[12] == 2 and db.session.scalars(select(Amendment)).all() == []

    response = auth.post(f"/fidelity/assessments/{visit.id}/amend",
                         {"item": "12", "choice": "4", "reason": "Relapse plans found in the charts afterwards"})
    assert response.status_code == 302
    db.session.expire_all()
    visit = db.session.get(Assessment, visit.id)
    assert visit.summary_score == pytest.approx(56 / 13) and visit.status == "final"
    [amendment] = db.session.scalars(select(Amendment)).all()
    assert (amendment.item_number, amendment.old_value, amendment.new_value) == (12, "2", "4")
    assert amendment.actor == trainer.email and amendment.reason.startswith("Relapse plans")
    assert amendment.at is not None and amendment.old_summary == pytest.approx(54 / 13)
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "amend"))
    assert (audit.entity_id, audit.field, audit.old_value, audit.new_value, audit.actor) == (
        visit.id, "item 12", "2", "4", trainer.email)
    report = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    assert '<div class="figure" id="summary-score">4.3</div>' in report and "Relapse plans found" in report


def test_report_shows_change_since_the_previous_visit_of_the_same_unit(app, client, auth, world):
    make_final(world.program_a, [3] * 13, visit_date=date(2025, 9, 1))
    make_final(world.program_a, [1] * 13, team=world.team_a, visit_date=date(2025, 12, 1))  # another unit
    visit = make_final(world.program_a, GROUP_A, visit_date=date(2026, 3, 2))
    auth.login(world.users["manager_a"])
    data = client.get(f"/api/v1/assessments/{visit.id}").get_json()["report"]
    assert data["previous_summary_score"] == 3.0
    assert data["change_since_previous"] == pytest.approx(54 / 13 - 3)
    assert [(i["number"], i["previous"], i["change"]) for i in data["items"][:2]] == [(1, 3, 1), (2, 3, 2)]
    page = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    assert '<div class="figure" id="summary-change">+1.2</div>' in page
    assert "since the visit of 2025-09-01 (3.0, Moderate fidelity)" in page


def test_it_is_individual_report_leaves_out_group_and_unattempted_items(app, client, auth, world):
    ratings = {n: 4 for n in range(1, 12)} | {14: None, 15: 2, 16: None}
    visit = make_final(world.program_a, ratings, scale_key="it_is", format="individual")
    assert visit.band == "satisfactory" and visit.summary_score == pytest.approx(46 / 12)
    auth.login(world.users["trainer"])
    data = client.get(f"/api/v1/assessments/{visit.id}").get_json()["report"]
    assert data["items_not_applicable"] == [14, 16] and len(data["items_scored"]) == 12
    assert [i["number"] for i in data["items"]] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16]
    assert data["needs_work"] == [15]
    page = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    assert "Left out of the score as not applicable / not attempted: items 14, 16." in page


def test_start_form_prefills_from_the_due_visit_link(app, client, auth, world):
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/new?program_id={world.program_a.id}&team_id={world.team_a.id}"
                      "&scale_key=it_is&visit_date=2026-07-01").get_data(as_text=True)
    assert f'<option value="{world.program_a.id}" selected>' in page
    assert re.search(rf'<option value="{world.team_a.id}"[^>]*selected>', page)
    assert '<option value="it_is@2012" selected>' in page
    assert 'value="2026-07-01"' in page


def test_creating_with_bad_input_says_what_and_creates_nothing(app, auth, world):
    auth.login(world.users["trainer"])
    response = auth.post("/fidelity/assessments/new", {
        "program_id": world.program_a.id, "team_id": world.team_b.id, "scale": "imr_fidelity@3-24-05",
        "format": "group", "visit_date": "02/03/2026", "rater_ids": []})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The team chosen is not a team of that program." in page and "YYYY-MM-DD" in page
    assert db.session.scalars(select(Assessment)).all() == []
