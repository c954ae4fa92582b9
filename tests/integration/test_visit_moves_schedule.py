"""Across features: a visit rated and finalised through the fidelity API moves the program's next visit."""
from tests.fidelity.factories import GROUP_A


def _finalise(client, headers, program_id, visit_date, values):
    created = client.post("/api/v1/assessments", headers=headers, json={
        "program_id": program_id, "scale_key": "imr_fidelity", "format": "group", "visit_date": visit_date})
    base = f"/api/v1/assessments/{created.get_json()['assessment']['id']}"
    client.post(f"{base}/ratings", headers=headers,
                json={"ratings": [{"item": n, "value": v} for n, v in enumerate(values, start=1)]})
    assert client.post(f"{base}/submit", headers=headers).status_code == 200
    return client.post(f"{base}/finalize", headers=headers).get_json()["assessment"]


def test_finalising_a_visit_moves_the_next_due_date(app, client, auth, world):
    auth.login(world.users["trainer"])
    headers = auth.headers()
    due = lambda: client.get(f"/api/v1/programs/{world.program_a.id}/reassessment").get_json()  # noqa: E731
    assert due()["kind"] == "baseline"

    visit = _finalise(client, headers, world.program_a.id, "2026-03-31", [3] * 13)  # moderate
    assert visit["band"] == "moderate"
    assert (due()["due_date"], due()["set_by"]["assessment_id"]) == ("2026-09-30", visit["id"])  # 6 months on

    visit = _finalise(client, headers, world.program_a.id, "2026-08-31", GROUP_A)  # high: mean 4.15
    assert visit["band"] == "high"
    assert due()["due_date"] == "2027-08-31"  # 12 months at high fidelity
