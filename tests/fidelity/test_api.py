"""The fidelity JSON API end to end: create, rate, submit, consensus, finalise, read the scores."""
import pytest
from sqlalchemy import select

from extensions import db
from fidelity.models import Assessment
from tests.fidelity.factories import GROUP_A, user


def test_a_visit_through_the_api(app, client, auth, world):
    trainer = user(world.users["trainer"])
    auth.login(world.users["trainer"])
    headers = auth.headers()
    response = client.post("/api/v1/assessments", headers=headers, json={
        "program_id": world.program_a.id, "team_id": world.team_a.id, "scale_key": "imr_fidelity",
        "format": "group", "visit_date": "2026-04-01"})
    assert response.status_code == 201
    created = response.get_json()["assessment"]
    assert (created["status"], created["scale_version"], created["team"]) == ("draft", "3-24-05", "Alpha group")
    base = f"/api/v1/assessments/{created['id']}"

    ratings = [{"item": n, "value": v, "note": f"seen {n}"} for n, v in enumerate(GROUP_A[:12], start=1)]
    assert client.post(f"{base}/ratings", headers=headers, json={"ratings": ratings}).get_json()["rated"] == 12
    refused = client.post(f"{base}/submit", headers=headers)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["problems"] == ["Item 13 (Behavioral tailoring for medication)"]
    client.post(f"{base}/ratings", headers=headers, json={"ratings": [{"item": 13, "value": 2}]})
    assert client.post(f"{base}/submit", headers=headers).get_json()["assessment"]["status"] == "submitted"

    # One rater: the consensus is their ratings; a consensus note can still be added.
    response = client.post(f"{base}/consensus", headers=headers,
                           json={"ratings": [{"item": 5, "value": 3, "note": "Families rarely involved"}]})
    assert response.status_code == 200
    final = client.post(f"{base}/finalize", headers=headers).get_json()
    assert final["assessment"]["status"] == "final" and final["assessment"]["band"] == "high"
    assert final["report"]["summary_shown"] == "4.2" and final["report"]["sum"] == 54
    assert final["report"]["needs_work"] == [5, 11, 12, 13]
    assert client.post(f"{base}/finalize", headers=headers).status_code == 400  # final already

    listed = client.get(f"/api/v1/assessments?program_id={world.program_a.id}&status=final").get_json()
    assert [a["id"] for a in listed["assessments"]] == [created["id"]]
    scales = client.get("/api/v1/scales").get_json()["scales"]
    assert {(s["key"], s["version"], s["current"]) for s in scales} == {("imr_fidelity", "3-24-05", True),
                                                                        ("it_is", "2012", True)}
    assert len(client.get("/api/v1/scales/it_is/2012").get_json()["scale"]["items"]) == 16
    assert db.session.scalar(select(Assessment)).created_by_id == trainer.id


@pytest.mark.parametrize("payload, problem", [
    ({"program_id": 999, "scale_key": "imr_fidelity", "format": "group", "visit_date": "2026-04-01"},
     "program_id: no such program."),
    ({"program_id": None, "scale_key": "goi", "format": "group", "visit_date": "2026-04-01"},
     "scale_key / scale_version: no such scale."),
    ({"scale_key": "imr_fidelity", "format": "group", "visit_date": "April"}, "visit_date: give a date"),
])
def test_creating_through_the_api_with_bad_input(app, client, auth, world, payload, problem):
    auth.login(world.users["trainer"])
    payload = {**payload, "program_id": payload.get("program_id", world.program_a.id)}
    response = client.post("/api/v1/assessments", headers=auth.headers(), json=payload)
    assert response.status_code == 400
    assert any(p.startswith(problem) for p in response.get_json()["error"]["problems"])
    assert db.session.scalars(select(Assessment)).all() == []


def test_a_rater_is_added_to_a_draft(app, client, auth, world):
    auth.login(world.users["trainer"])
    created = client.post("/api/v1/assessments", headers=auth.headers(), json={
        "program_id": world.program_a.id, "scale_key": "it_is", "format": "individual",
        "visit_date": "2026-04-01"}).get_json()["assessment"]
    admin = user(world.users["admin"])
    manager = user(world.users["manager_a"])
    assert auth.post(f"/fidelity/assessments/{created['id']}/raters", {"user_id": admin.id}).status_code == 302
    response = auth.post(f"/fidelity/assessments/{created['id']}/raters", {"user_id": manager.id},
                         follow_redirects=True)
    assert f"Account {manager.id} is not an active state trainer or admin" in response.get_data(as_text=True)
    assert manager.email not in response.get_data(as_text=True)
    visit = db.session.get(Assessment, created["id"])
    assert sorted(r.user.email for r in visit.raters) == sorted([world.users["trainer"], world.users["admin"]])
