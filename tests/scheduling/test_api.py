"""The JSON API: due visits, one program's schedule, policy writes and notifications, with page permissions."""
from datetime import date

from sqlalchemy import select

from extensions import db
from scheduling import jobs
from scheduling.models import Notification, ReassessmentPolicy
from tests.scheduling.factories import make_assessment, user


def test_due_visits_json_for_a_manager_is_own_agency_only(app, client, auth, sched):
    make_assessment(sched.program_a, date(2025, 12, 1), 3.25, "moderate")
    auth.login(sched.users["manager_a"])
    data = client.get("/api/v1/reassessments/due?show=all").get_json()
    assert [v["program"]["name"] for v in data["visits"]] == ["Alpha IMR"]
    visit = data["visits"][0]
    assert visit["due_date"] == "2026-06-01" and visit["interval_months"] == 6
    assert visit["set_by"]["summary_score"] == 3.25 and visit["set_by"]["band"] == "moderate"
    assert visit["policy"] == {"baseline_months": 0, "interval_months": 6, "high_interval_months": 12, "default": True}


def test_clerk_may_not_list_due_visits_but_may_read_own_program(app, client, auth, sched):
    auth.login(sched.users["clerk_a"])
    assert client.get("/api/v1/reassessments/due").status_code == 403
    assert client.get(f"/api/v1/programs/{sched.program_a.id}/reassessment").get_json()["kind"] == "baseline"
    assert client.get(f"/api/v1/programs/{sched.program_b.id}/reassessment").status_code == 404


def test_an_inactive_programs_schedule_says_none_is_due_as_its_page_does(app, client, auth, sched):
    # It answered "overdue" with a due date while the program page said no visit is scheduled.
    make_assessment(sched.program_a, date(2025, 1, 6), 3.0, "moderate")  # due 6 Jul 2025: overdue if active
    sched.program_a.active = False
    db.session.commit()
    auth.login(sched.users["trainer"])
    data = client.get(f"/api/v1/programs/{sched.program_a.id}/reassessment").get_json()
    assert (data["due_date"], data["status"], data["explanation"]) == (
        None, "inactive", "None scheduled: the program is inactive.")
    url = f"/api/v1/programs/{sched.program_a.id}/reassessment-policy"
    saved = client.put(url, json={"baseline_months": 0, "interval_months": 3, "high_interval_months": 12},
                       headers=auth.headers()).get_json()
    assert (saved["due_date"], saved["status"], saved["policy"]["interval_months"]) == (None, "inactive", 3)
    policy_page = client.get(f"/programs/{sched.program_a.id}/reassessment-policy").get_data(as_text=True)
    assert "None scheduled: the program is inactive." in policy_page and "Jul 2025" not in policy_page.split(
        "<form")[0]

    sched.program_a.active = True  # reactivated: due again, 3 months after the visit of 6 Jan 2025
    db.session.commit()
    data = client.get(f"/api/v1/programs/{sched.program_a.id}/reassessment").get_json()
    assert (data["due_date"], data["status"]) == ("2025-04-06", "overdue")


def test_put_policy_refuses_bad_values_with_a_message(app, client, auth, sched):
    auth.login(sched.users["trainer"])
    url = f"/api/v1/programs/{sched.program_a.id}/reassessment-policy"
    response = client.put(url, json={"baseline_months": 0, "interval_months": -1, "high_interval_months": 12},
                          headers=auth.headers())
    assert response.status_code == 400
    assert "-1 is not allowed; the interval must be at least 1 month" in response.get_json()["error"]["message"]
    response = client.put(url, json=[1, 2], headers=auth.headers())
    assert response.status_code == 400 and "Send a JSON object" in response.get_json()["error"]["message"]
    assert db.session.scalar(select(ReassessmentPolicy)) is None


def test_put_policy_saves_and_answers_the_new_date(app, client, auth, sched):
    auth.login(sched.users["admin"])
    trainer = user(sched.users["trainer"])
    response = client.put(f"/api/v1/programs/{sched.program_a.id}/reassessment-policy",
                          json={"baseline_months": 2, "interval_months": 6, "high_interval_months": 12,
                                "trainer_id": trainer.id}, headers=auth.headers())
    assert response.status_code == 200
    assert response.get_json()["due_date"] == "2026-03-05" and response.get_json()["trainer"] == trainer.email


def test_manager_cannot_write_a_policy(app, client, auth, sched):
    auth.login(sched.users["manager_a"])
    response = client.put(f"/api/v1/programs/{sched.program_a.id}/reassessment-policy",
                          json={"baseline_months": 0, "interval_months": 6, "high_interval_months": 12},
                          headers=auth.headers())
    assert response.status_code == 403


def test_notifications_json_and_mark_read(app, client, auth, sched):
    jobs.daily(app, date(2026, 1, 20))
    auth.login(sched.users["manager_a"])
    items = client.get("/api/v1/notifications").get_json()["notifications"]
    assert [(n["subject"], n["read"]) for n in items] == [
        ("IMR fidelity visit overdue since 5 Jan 2026: Alpha IMR (AAA)", False)]
    response = client.post(f"/api/v1/notifications/{items[0]['id']}/read", headers=auth.headers())
    assert response.get_json()["read"] is True
    theirs = db.session.scalar(select(Notification).where(Notification.user_id == user(sched.users["manager_b"]).id))
    assert client.post(f"/api/v1/notifications/{theirs.id}/read", headers=auth.headers()).status_code == 404
