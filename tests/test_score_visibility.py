"""Clerks see no fidelity score or band anywhere; managers see only final visits, never that a draft exists.

Through real HTTP on both databases: the program page's facts, the reassessment API, the due list and its
API, the fidelity pages and imports of historical ratings. The trainer is the control: the same pages
show them the score and the visit in progress, so each check can fail.
"""
from datetime import date

import pytest

from extensions import db
from imports.operations import create_batch
from tests.fidelity.factories import GROUP_A, make_final, make_visit, user
from tests.helpers import words

SCORE = "4.15"  # GROUP_A's mean, as the scheduling facts write it
DRAFT_DAY = "2026-09-14"
DRAFT_SHOWN = "14 Sep 2026"  # as pages show a day (date_text.day)


@pytest.fixture
def visits(world):
    """Agency A: a final visit (high fidelity) and a later draft; a fidelity-history import."""
    final = make_final(world.program_a, GROUP_A, visit_date=date(2026, 3, 2))
    draft = make_visit(world.program_a, [user(world.users["trainer"])], visit_date=date.fromisoformat(DRAFT_DAY))
    history = create_batch(world.agency_a, "fidelity_history", "old-visits.xlsx", b"PK", status="failed")
    db.session.commit()
    return final.id, draft.id, history.id


def _signed_in(auth, world, who):
    assert auth.login(world.users[who]).status_code == 302


def test_trainer_sees_score_and_visit_in_progress(client, auth, world, visits):
    _signed_in(auth, world, "trainer")
    page = client.get(f"/programs/{world.program_a.id}").get_data(as_text=True)
    assert SCORE in page and "Visit in progress" in page and DRAFT_SHOWN in page
    body = client.get(f"/api/v1/programs/{world.program_a.id}/reassessment").get_json()
    assert body["set_by"]["summary_score"] == pytest.approx(4.15, abs=0.005) and body["set_by"]["band"] == "high"
    assert body["in_progress"]["visit_date"] == DRAFT_DAY


def test_clerk_sees_the_next_visit_date_but_no_score_or_band(client, auth, world, visits):
    final_id, _draft_id, _ = visits
    _signed_in(auth, world, "clerk_a")
    page = words(client.get(f"/programs/{world.program_a.id}"))
    assert "Next fidelity visit" in page and "2 Mar 2027" in page and "visit of 2 Mar 2026" in page
    assert SCORE not in page and "mean" not in page and "Latest" not in page
    assert "Visit in progress" not in page and DRAFT_SHOWN not in page

    response = client.get(f"/api/v1/programs/{world.program_a.id}/reassessment")
    body = response.get_json()
    assert response.status_code == 200 and body["due_date"] == "2027-03-02"
    assert body["set_by"] == {"assessment_id": final_id, "visit_date": "2026-03-02"}
    assert "mean" not in body["explanation"] and body["in_progress"] is None
    assert SCORE not in response.get_data(as_text=True)
    for url in (f"/fidelity/assessments/{final_id}/report", f"/api/v1/assessments/{final_id}", "/api/v1/reassessments/due",
                f"/dashboards/programs/{world.program_a.id}"):
        assert client.get(url).status_code in (403, 404), url


def test_clerk_sees_no_import_of_fidelity_ratings(client, auth, world, visits):
    *_, batch_id = visits
    _signed_in(auth, world, "clerk_a")
    assert "old-visits.xlsx" not in client.get("/imports/").get_data(as_text=True)
    assert all(i["id"] != batch_id for i in client.get("/api/v1/imports").get_json()["imports"])
    for url in (f"/imports/{batch_id}", f"/imports/{batch_id}/original", f"/imports/{batch_id}/problems.xlsx",
                f"/api/v1/imports/{batch_id}"):
        assert client.get(url).status_code == 404, url
    auth.logout()
    _signed_in(auth, world, "manager_a")  # final ratings are the manager's to read
    assert "old-visits.xlsx" in client.get("/imports/").get_data(as_text=True)
    assert client.get(f"/imports/{batch_id}").status_code == 200


def test_manager_sees_final_scores_but_no_draft(client, auth, world, visits):
    _final_id, draft_id, _ = visits
    _signed_in(auth, world, "manager_a")
    page = client.get(f"/programs/{world.program_a.id}").get_data(as_text=True)
    assert SCORE in page and "2 Mar 2027" in page
    assert "Visit in progress" not in page and DRAFT_SHOWN not in page and "draft" not in page.lower()

    body = client.get(f"/api/v1/programs/{world.program_a.id}/reassessment").get_json()
    assert body["set_by"]["band"] == "high" and body["in_progress"] is None
    due = client.get("/api/v1/reassessments/due?show=all").get_json()["visits"]
    assert [v["program"]["id"] for v in due] == [world.program_a.id] and due[0]["in_progress"] is None
    listing = client.get("/visits-due?show=all").get_data(as_text=True)
    assert "Alpha IMR" in listing and DRAFT_DAY not in listing and "In progress" not in listing

    assert client.get(f"/fidelity/assessments/{draft_id}/report").status_code == 404
    assert client.get(f"/api/v1/assessments/{draft_id}").status_code == 404
    listed = client.get(f"/api/v1/programs/{world.program_a.id}/fidelity").get_data(as_text=True)
    assert DRAFT_DAY not in listed
