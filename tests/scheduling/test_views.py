"""The pages: visits due across the state, the policy page, the program page's facts, notifications."""
import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from date_text import day
from extensions import db
from models import AuditLog
from scheduling import jobs
from scheduling.due_dates import add_months, describe_status
from scheduling.models import Notification, ReassessmentPolicy
from tests.factories import make_user
from tests.helpers import words
from tests.scheduling.factories import make_assessment, set_policy, user

TODAY = date.today()


def rows_of(response):
    """Program names in the due list, in order."""
    return re.findall(r'data-program="([^"]+)"', response.get_data(as_text=True))


def test_trainer_sees_overdue_and_upcoming_across_the_state_with_what_set_each_date(app, client, auth, sched):
    make_assessment(sched.program_a, add_months(TODAY, -6), 3.5, "moderate")  # due today: upcoming
    auth.login(sched.users["trainer"])
    page = client.get("/visits-due")
    assert page.status_code == 200
    assert rows_of(page) == ["Beta IMR", "Alpha IMR"]  # Beta's baseline is overdue, so it comes first
    body = words(page)
    assert "Baseline visit: no final fidelity visit yet" in body
    # the band's name, never its key
    assert f"6 months after the visit of {day(add_months(TODAY, -6))} (mean 3.50, Moderate fidelity)" in body
    assert "Default 6 / 12 months" in body and "due today" in body


def test_a_visit_due_on_the_local_day_is_due_today_not_overdue(app, client, auth, sched, los_angeles_evening):
    """18:30 in Los Angeles is 01:30 UTC: a UTC server's date would make this visit a day overdue."""
    make_assessment(sched.program_a, add_months(los_angeles_evening, -6), 3.5, "moderate")  # due 10 Mar
    auth.login(sched.users["trainer"])
    page = client.get("/visits-due")
    assert rows_of(page) == ["Beta IMR", "Alpha IMR"]
    assert "due today" in words(page) and "overdue by 1 day" not in words(page)
    due = client.get("/api/v1/reassessments/due").get_json()
    assert due["today"] == "2026-03-10"
    alpha = [(v["status"], v["days_until_due"]) for v in due["visits"] if v["program"]["name"] == "Alpha IMR"]
    assert alpha == [("upcoming", 0)]


def test_visits_due_later_are_left_out_unless_asked_for(app, client, auth, sched):
    make_assessment(sched.program_a, add_months(TODAY, -2), 4.2, "high")  # due in 10 months
    auth.login(sched.users["admin"])
    assert rows_of(client.get("/visits-due")) == ["Beta IMR"]
    assert rows_of(client.get("/visits-due?show=all")) == ["Beta IMR", "Alpha IMR"]


def test_filters_by_agency_and_trainer(app, client, auth, sched):
    set_policy(sched.program_b, trainer=user(sched.users["trainer"]))
    auth.login(sched.users["trainer"])
    assert rows_of(client.get(f"/visits-due?agency={sched.agency_a.id}")) == ["Alpha IMR"]
    assert rows_of(client.get(f"/visits-due?trainer={user(sched.users['trainer']).id}")) == ["Beta IMR"]
    assert rows_of(client.get("/visits-due?trainer=none")) == ["Alpha IMR"]
    assert rows_of(client.get("/visits-due?trainer=junk")) == ["Alpha IMR", "Beta IMR"]  # unreadable: no filter


def test_manager_sees_own_agency_only_without_actions(app, client, auth, sched):
    auth.login(sched.users["manager_a"])
    page = client.get("/visits-due")
    assert rows_of(page) == ["Alpha IMR"]
    body = page.get_data(as_text=True)
    assert "Beta" not in body and 'name="agency"' not in body and "Edit" not in words(page)
    assert rows_of(client.get(f"/visits-due?agency={sched.agency_b.id}")) == []  # another agency: nothing


def test_clerk_has_no_due_list_but_sees_the_date_on_the_program_page(app, client, auth, sched):
    auth.login(sched.users["clerk_a"])
    assert client.get("/visits-due").status_code == 403
    body = words(client.get(f"/programs/{sched.program_a.id}"))
    assert f"Next fidelity visit 5 Jan 2026, {describe_status(date(2026, 1, 5), TODAY)}" in body


def test_start_this_visit_opens_the_prefilled_fidelity_form_and_a_visit_in_progress_links_to_it(
        app, client, auth, sched):
    auth.login(sched.users["trainer"])
    body = client.get("/visits-due").get_data(as_text=True)
    start = (f'/fidelity/assessments/new?program_id={sched.program_a.id}&amp;scale_key=imr_fidelity&amp;'
             f'visit_date={TODAY.isoformat()}')
    assert f'href="{start}"' in body  # overdue: dated today
    form = client.get(start.replace("&amp;", "&")).get_data(as_text=True)
    assert TODAY.isoformat() in form  # the visit date arrives pre-filled
    draft = make_assessment(sched.program_b, TODAY, status="draft")
    body = client.get("/visits-due").get_data(as_text=True)
    assert f'href="/fidelity/assessments/{draft.id}"' in body
    assert f"program_id={sched.program_b.id}&amp;" not in body  # no second start while one is in progress
    auth.logout()
    auth.login(sched.users["manager_b"])  # managers see final visits only: no link, not even that a draft exists
    body = client.get("/visits-due").get_data(as_text=True)
    assert "Start this visit" not in body and "/fidelity/assessments/" not in body
    assert sched.program_b.name in body and "In progress" not in words(client.get("/visits-due"))


def test_a_visit_in_progress_is_shown_instead_of_start(app, client, auth, sched):
    make_assessment(sched.program_a, add_months(TODAY, -7), 3.0, "moderate")
    make_assessment(sched.program_a, add_months(TODAY, -12), status="draft")  # stale, before the last final
    assert "In progress" not in words(_due(client, auth, sched))
    make_assessment(sched.program_a, TODAY, status="submitted")
    assert f"In progress: submitted of {day(TODAY)}" in words(client.get("/visits-due"))
    assert "Visit in progress" in words(client.get(f"/programs/{sched.program_a.id}"))


def test_a_draft_dated_back_before_the_last_final_visit_is_still_in_progress(app, client, auth, sched):
    make_assessment(sched.program_a, add_months(TODAY, -7), 3.0, "moderate")  # due a month ago
    draft = make_assessment(sched.program_a, TODAY, status="draft")
    draft.created_at = datetime.utcnow()  # begun now, after that visit was made final
    db.session.commit()
    auth.login(sched.users["admin"])
    earlier = add_months(TODAY, -8)  # a year typed wrongly, or the visit it really was
    response = client.post(f"/api/v1/assessments/{draft.id}/visit-date", headers=auth.headers(),
                           json={"visit_date": earlier.isoformat(), "reason": "typed the wrong month"})
    assert response.status_code == 200, response.get_json()
    page = client.get("/visits-due")
    assert f"In progress: draft of {day(earlier)}" in words(page)
    body = page.get_data(as_text=True)
    assert f'href="/fidelity/assessments/{draft.id}"' in body
    assert f"program_id={sched.program_a.id}&amp;" not in body  # no second start
    due = client.get(f"/api/v1/programs/{sched.program_a.id}/reassessment").get_json()
    assert due["in_progress"] == {"assessment_id": draft.id, "status": "draft", "visit_date": earlier.isoformat()}


def _due(client, auth, sched):
    auth.login(sched.users["trainer"])
    return client.get("/visits-due")


def test_finalising_moves_the_date_on_on_the_program_page(app, client, auth, sched):
    auth.login(sched.users["manager_a"])
    assert "Baseline visit: no final fidelity visit yet" in words(client.get(f"/programs/{sched.program_a.id}"))
    visit = make_assessment(sched.program_a, TODAY, status="draft")
    visit.status, visit.summary_score, visit.band, visit.finalized_at = "final", 4.0, "high", datetime.utcnow()
    db.session.commit()
    body = words(client.get(f"/programs/{sched.program_a.id}"))
    assert f"Next fidelity visit {day(add_months(TODAY, 12))}" in body
    assert "12 months after the visit of" in body and "mean 4.00, High fidelity" in body


def policy_count():
    return db.session.scalar(select(func.count()).select_from(ReassessmentPolicy))


def test_policy_page_refuses_zero_and_negative_intervals_and_changes_nothing(app, client, auth, sched):
    auth.login(sched.users["trainer"])
    url = f"/programs/{sched.program_a.id}/reassessment-policy"
    page = client.get(url)
    assert page.status_code == 200 and 'value="6"' in page.get_data(as_text=True)
    response = auth.post(url, {"baseline_months": "0", "interval_months": "0", "high_interval_months": "-12",
                               "trainer_id": "0"})
    assert response.status_code == 400
    body = words(response)
    assert ("Months between visits below high fidelity: 0 is not allowed; the interval must be at least 1 month"
            in body)
    assert "Months between visits at high fidelity: -12 is not allowed" in body
    assert policy_count() == 0


def test_policy_page_refuses_a_trainer_who_is_not_state_staff(app, client, auth, sched):
    auth.login(sched.users["admin"])
    manager = user(sched.users["manager_a"])
    response = auth.post(f"/programs/{sched.program_a.id}/reassessment-policy",
                         {"baseline_months": "0", "interval_months": "6", "high_interval_months": "12",
                          "trainer_id": str(manager.id)})
    assert response.status_code == 400
    body = words(response)
    assert f"Assigned trainer: the account chosen ({manager.id}) is not one of the active state trainers" in body
    assert "manager@alpha.example" not in body  # error messages name no account the form does not list
    assert policy_count() == 0


@pytest.mark.parametrize("change", ["made inactive", "lowered to clerk"])
def test_a_trainer_made_inactive_or_lowered_is_neither_listed_nor_assignable(app, client, auth, sched, change):
    second = make_user("second@state.example", "trainer")
    db.session.commit()
    auth.login(sched.users["admin"])
    url = f"/programs/{sched.program_a.id}/reassessment-policy"
    assert f'<option value="{second.id}">second@state.example</option>' in client.get(url).get_data(as_text=True)
    if change == "made inactive":
        second.active = False
    else:
        second.role, second.agency_id = "clerk", sched.agency_b.id
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "second@state.example" not in page and f'value="{second.id}"' not in page
    assert sched.users["trainer"] in page  # the active trainer still is
    response = auth.post(url, {"baseline_months": "0", "interval_months": "6", "high_interval_months": "12",
                               "trainer_id": str(second.id)})
    assert response.status_code == 400
    assert f"Assigned trainer: the account chosen ({second.id}) is not one of the active state trainers" in words(
        response)
    assert policy_count() == 0


def test_policy_saved_moves_the_date_and_is_audited(app, client, auth, sched):
    make_assessment(sched.program_a, date(2026, 1, 31), 3.2, "moderate")
    trainer = user(sched.users["trainer"])
    auth.login(sched.users["trainer"])
    response = auth.post(f"/programs/{sched.program_a.id}/reassessment-policy",
                         {"baseline_months": "0", "interval_months": "1", "high_interval_months": "12",
                          "trainer_id": str(trainer.id)})
    assert response.status_code == 302 and response.headers["Location"] == f"/programs/{sched.program_a.id}"
    policy = db.session.scalar(select(ReassessmentPolicy))
    assert (policy.interval_months, policy.trainer_id) == (1, trainer.id)
    body = words(client.get(response.headers["Location"]))
    assert "Policy saved. The next visit of Alpha IMR is due on 28 Feb 2026" in body
    assert "Visit trainer trainer@state.example" in body
    audit = db.session.scalars(select(AuditLog).where(AuditLog.entity == "reassessment_policy",
                                                      AuditLog.field == "interval_months")).all()
    assert [(a.actor, a.new_value) for a in audit] == [("trainer@state.example", "1")]


def test_notifications_page_shows_own_and_marks_read(app, client, auth, sched):
    jobs.daily(app, date(2026, 1, 20))
    auth.login(sched.users["manager_a"])
    page = client.get("/notifications")
    assert "1 unread" in words(page)
    assert "IMR fidelity visit overdue since 5 Jan 2026: Alpha IMR (AAA)" in words(page)
    assert "Beta IMR" not in words(page)
    mine = db.session.scalar(select(Notification).where(Notification.user_id == user(sched.users["manager_a"]).id))
    theirs = db.session.scalar(select(Notification).where(Notification.user_id == user(sched.users["manager_b"]).id))
    assert auth.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert auth.post(f"/notifications/{mine.id}/read").status_code == 302
    db.session.expire_all()
    assert mine.read_at is not None and theirs.read_at is None
    assert "0 unread" in words(client.get("/notifications"))


def test_mark_all_read(app, client, auth, sched):
    jobs.daily(app, date(2026, 1, 20))
    set_policy(sched.program_a, interval_months=1)
    auth.login(sched.users["manager_b"])
    response = auth.post("/notifications/read-all", follow_redirects=True)
    assert "Marked 1 notification read." in words(response)
    unread = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.read_at.is_(None)))
    assert unread == 1  # manager A's is untouched


def test_menu_lines_by_role(app, client, auth, sched):
    auth.login(sched.users["clerk_a"])
    nav = client.get("/").get_data(as_text=True)
    assert ">Notifications<" in nav and ">Visits due<" not in nav
    auth.logout()
    auth.login(sched.users["manager_a"])
    nav = client.get("/").get_data(as_text=True)
    assert ">Notifications<" in nav and ">Visits due<" in nav


def test_an_inactive_program_has_no_visit_scheduled(app, client, auth, sched):
    sched.program_a.active = False
    db.session.commit()
    auth.login(sched.users["trainer"])
    assert "Next fidelity visit None scheduled: the program is inactive." in words(client.get(f"/programs/{sched.program_a.id}"))
    assert rows_of(client.get("/visits-due?show=all")) == ["Beta IMR"]


def test_a_team_visit_that_set_the_date_is_named_as_the_teams(app, client, auth, sched):
    # The whole program high 8 months ago (due in 4 months); one team low 7 months ago: that team is due a month ago,
    # and the trainer is told it was one team's visit (not "Visit ...: mean 2.50", as if the program had been rated).
    make_assessment(sched.program_a, add_months(TODAY, -8), 4.5, "high")
    make_assessment(sched.program_a, add_months(TODAY, -7), 2.5, "low", team=sched.team_a)
    auth.login(sched.users["trainer"])
    body = words(client.get("/visits-due?show=all"))
    assert (f"6 months after the visit of {sched.team_a.name} on {day(add_months(TODAY, -7))} "
            "(mean 2.50, Low fidelity)" in body)
    policy = words(client.get(f"/programs/{sched.program_a.id}/reassessment-policy"))
    assert f"6 months after the visit of {sched.team_a.name} on {day(add_months(TODAY, -7))} (mean 2.50" in policy
    start = (f'/fidelity/assessments/new?program_id={sched.program_a.id}&amp;team_id={sched.team_a.id}&amp;'
             f'scale_key=imr_fidelity&amp;visit_date={TODAY.isoformat()}')
    assert f'href="{start}"' in client.get("/visits-due").get_data(as_text=True)  # "Start this visit" of that team


def test_one_teams_high_score_does_not_postpone_the_programs_visit(app, client, auth, sched):
    # The whole program moderate 8 months ago: due 2 months ago. A team rated high 7 months ago has its own 12 months,
    # but the program as a whole is still due 6 months after its own visit (it read "12 months after the visit of
    # <team>", due in 5 months, leaving a moderate program unvisited for 20 months).
    make_assessment(sched.program_a, add_months(TODAY, -8), 3.2, "moderate")
    make_assessment(sched.program_a, add_months(TODAY, -7), 4.5, "high", team=sched.team_a)
    auth.login(sched.users["trainer"])
    due = client.get(f"/api/v1/programs/{sched.program_a.id}/reassessment").get_json()
    assert (due["due_date"], due["status"]) == (add_months(add_months(TODAY, -8), 6).isoformat(), "overdue")
    assert f"6 months after the visit of {day(add_months(TODAY, -8))} (mean 3.20" in words(client.get("/visits-due"))


def _caseload(sched):
    from models import Team
    return db.session.scalar(select(Team).where(Team.program_id == sched.program_a.id, Team.id != sched.team_a.id))


def test_a_draft_of_the_due_team_is_in_progress_though_another_team_was_rated_since(app, client, auth, sched):
    # The whole program high 8 months ago; the group low 7 months ago (due a month ago); the group's draft 6 months
    # ago; the caseload moderate 5 months ago (due in a month). The group's draft is still its visit in progress:
    # it read as stale (older than the caseload's visit) and the due list offered a second, duplicate start.
    make_assessment(sched.program_a, add_months(TODAY, -8), 4.5, "high")
    make_assessment(sched.program_a, add_months(TODAY, -7), 2.5, "low", team=sched.team_a)
    draft = make_assessment(sched.program_a, add_months(TODAY, -6), status="draft", team=sched.team_a)
    make_assessment(sched.program_a, add_months(TODAY, -5), 3.2, "moderate", team=_caseload(sched))
    auth.login(sched.users["trainer"])
    body = client.get("/visits-due").get_data(as_text=True)
    assert f'href="/fidelity/assessments/{draft.id}"' in body
    assert f"program_id={sched.program_a.id}&amp;" not in body  # no second start
    due = client.get(f"/api/v1/programs/{sched.program_a.id}/reassessment").get_json()
    assert due["in_progress"]["assessment_id"] == draft.id


def test_a_draft_of_a_team_that_is_not_due_leaves_the_due_visit_to_start(app, client, auth, sched):
    # The whole program moderate 8 months ago is due; a draft for the group is not that visit.
    make_assessment(sched.program_a, add_months(TODAY, -8), 3.2, "moderate")
    draft = make_assessment(sched.program_a, TODAY, status="draft", team=sched.team_a)
    auth.login(sched.users["trainer"])
    body = client.get("/visits-due").get_data(as_text=True)
    start = (f'/fidelity/assessments/new?program_id={sched.program_a.id}&amp;scale_key=imr_fidelity&amp;'
             f'visit_date={TODAY.isoformat()}')
    assert f'href="{start}"' in body and f'href="/fidelity/assessments/{draft.id}"' not in body
    assert client.get(f"/api/v1/programs/{sched.program_a.id}/reassessment").get_json()["in_progress"] is None
