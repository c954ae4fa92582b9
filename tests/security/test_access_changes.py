"""What a user still sees after an admin lowers their role or moves them to another agency: only what the new
role and agency allow, in the very next request, notifications included."""
import re

import pytest
from sqlalchemy import select

from extensions import db
from fidelity.models import Assessment
from fidelity.notices import operations as notices
from models import User
from tests.fidelity.factories import final_visit_ids
from tests.helpers import Auth

# What agency A's final report notice tells: its program's name and its score's band.
ALPHA_WORDS = ("Alpha IMR", "fidelity")


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def _told_of_alpha_report(world, email):
    """The notice a manager or rater of agency A's visit gets when its report is final."""
    visit = db.session.get(Assessment, final_visit_ids(world)[0])
    notices.queue(visit, "final", [_user(email)])
    db.session.commit()


def _admin_sets(app, world, email, role, agency):
    admin = Auth(app.test_client())
    admin.login(world.users["admin"])
    user = _user(email)
    response = admin.post(f"/admin/users/{user.id}/edit", data={
        "email": email, "role": role, "agency_id": agency.id if agency else 0, "active": "y"})
    assert response.status_code == 302


@pytest.mark.parametrize("who, role", [("manager_a", "manager"),  # moved to agency B
                                       ("trainer", "clerk"),  # a state trainer lowered to a clerk of agency B
                                       ("manager_a", "clerk")])  # both
def test_notifications_of_a_former_role_or_agency_are_withdrawn(app, client, auth, world, who, role):
    email = world.users[who]
    _told_of_alpha_report(world, email)
    auth.login(email)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Alpha IMR" in page and "final" in page  # what the notice says while it is theirs to read

    _admin_sets(app, world, email, role, world.agency_b)
    page = client.get("/notifications").get_data(as_text=True)
    api = client.get("/api/v1/notifications")
    assert api.status_code == 200 and api.get_json()["notifications"] == []
    assert "Alpha IMR" not in page and "Alpha IMR" not in client.get("/").get_data(as_text=True)


def test_notifications_stay_when_an_account_is_saved_unchanged(app, client, auth, world):
    email = world.users["manager_a"]
    _told_of_alpha_report(world, email)
    _admin_sets(app, world, email, "manager", world.agency_a)
    auth.login(email)
    assert "Alpha IMR" in client.get("/notifications").get_data(as_text=True)


def test_a_rater_lowered_to_an_agency_role_is_not_told_of_the_visits_they_rated(app, client, auth, world):
    visit_id = final_visit_ids(world)[0]  # agency A's visit, rated by the admin and the trainer
    _admin_sets(app, world, world.users["trainer"], "manager", world.agency_b)
    admin = Auth(app.test_client())
    admin.login(world.users["admin"])
    response = admin.post(f"/fidelity/assessments/{visit_id}/amend",
                          {"item": "1", "choice": "5", "reason": "the roster was miscounted"})
    assert response.status_code == 302
    auth.login(world.users["trainer"])
    assert "Alpha IMR" not in client.get("/notifications").get_data(as_text=True)
    assert "Alpha IMR" in _notifications_of(app, world.users["manager_a"])  # agency A's manager is told


def test_a_trainer_lowered_to_an_agency_role_is_no_longer_reminded_or_shown_as_assigned(app, client, auth, world):
    from datetime import date, datetime

    from scheduling import jobs
    from tests.scheduling.factories import set_policy
    world.program_a.created_at = datetime(2026, 1, 5)  # the baseline visit is due that day
    set_policy(world.program_a, trainer=_user(world.users["trainer"]))
    _admin_sets(app, world, world.users["trainer"], "clerk", world.agency_b)
    jobs.daily(app, date(2026, 1, 20))
    auth.login(world.users["trainer"])
    assert "Alpha IMR" not in client.get("/notifications").get_data(as_text=True)
    assert "Alpha IMR" in _notifications_of(app, world.users["manager_a"])  # the reminder went out
    due = Auth(app.test_client())
    due.login(world.users["admin"])
    assert world.users["trainer"] not in due.client.get("/visits-due?show=all").get_data(as_text=True)


def _notifications_of(app, email):
    reader = Auth(app.test_client())
    reader.login(email)
    return reader.client.get("/notifications").get_data(as_text=True)


def test_a_reminder_email_still_pending_when_a_manager_moves_agency_is_not_sent(app, world, caplog):
    from datetime import date, datetime

    from scheduling import jobs
    from tests.scheduling.conftest import use_smtp
    from tests.scheduling.smtp_server import LocalSMTP
    world.program_a.created_at = world.program_b.created_at = datetime(2026, 1, 5)  # baseline visits due then
    db.session.commit()
    server = LocalSMTP("refuse")  # the reminders' emails wait, pending, for the next try
    try:
        use_smtp(app, server.port)
        jobs.daily(app, date(2026, 1, 20))
        _admin_sets(app, world, world.users["manager_a"], "manager", world.agency_b)
        server.mode = "accept"
        jobs.retry_emails(app, date(2026, 1, 20))
        assert [to for _sender, to, _message in server.messages] == [["manager@beta.example"]]
        assert "failed unexpectedly" not in caplog.text  # cancelled, not left to fail at every retry
    finally:
        server.stop()


def test_an_existing_teams_form_offers_only_its_agencys_programs(app, client, auth, world):
    auth.login(world.users["admin"])
    page = client.get(f"/admin/teams/{world.team_a.id}/edit").get_data(as_text=True)
    offered = re.findall(r'<option[^>]*value="(\d+)"', page.split('name="program_id"')[1].split("</select>")[0])
    assert offered == [str(world.program_a.id)]
    page = client.get("/admin/teams/new").get_data(as_text=True)  # a new team may go to any agency's program
    assert f'value="{world.program_b.id}"' in page.split('name="program_id"')[1].split("</select>")[0]


@pytest.mark.parametrize("kind", ["teams", "programs"])
def test_an_admin_cannot_hand_a_team_or_program_to_another_agency(app, client, auth, world, kind):
    # Participants keep their agency (client codes are unique per agency): a team moved to agency B would list
    # agency A's client codes and attendance to agency B's staff.
    auth.login(world.users["admin"])
    if kind == "teams":
        url, data = f"/admin/teams/{world.team_a.id}/edit", {"program_id": world.program_b.id, "name": "Alpha group",
                                                             "format": "group", "active": "y"}
    else:
        url, data = f"/admin/programs/{world.program_a.id}/edit", {
            "agency_id": world.agency_b.id, "name": "Alpha IMR", "setting": "Outpatient", "engagement_target": "0.5",
            "active": "y"}
    response = auth.post(url, data=data)
    # A team's form offers only its agency's programs, so another is not a valid choice; a program's names the rule.
    refusal = "Not a valid choice" if kind == "teams" else "stays with its agency"
    assert response.status_code == 400 and refusal in response.get_data(as_text=True)
    clerk_b = Auth(app.test_client())
    clerk_b.login(world.users["clerk_b"])
    assert clerk_b.client.get(f"/teams/{world.team_a.id}").status_code == 404
    assert "A000" not in clerk_b.client.get("/api/v1/teams").get_data(as_text=True) + \
        clerk_b.client.get("/").get_data(as_text=True)
