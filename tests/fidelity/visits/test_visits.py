"""Starting a visit and rating it over HTTP: the start form, a rater's draft and submission, bad ratings refused."""
import re

import pytest
from sqlalchemy import select

from extensions import db
from fidelity.models import Assessment, AssessmentRater, Rating
from tests.fidelity.factories import GROUP_A, make_visit, rating_form, user


def test_submitting_with_unrated_items_is_refused_with_the_list(app, client, auth, world):
    trainer = user(world.users["trainer"])
    visit = make_visit(world.program_a, [trainer])
    auth.login(world.users["trainer"])
    response = auth.post(f"/fidelity/assessments/{visit.id}/rate", rating_form(GROUP_A[:10], "submit"))
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
