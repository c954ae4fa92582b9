"""Goal tracking on the team and participant pages and in the API: counts, overdue marks, wording kept private."""
import re
from datetime import date, timedelta

from date_text import day
from extensions import db
from models import Goal, GoalReview
from tests.factories import make_participant

TODAY = date.today()


def _goal(person, ref, level, parent=None, days_ago=60, target_in=30, status="active", reviews=(), wording=None):
    g = Goal(participant_id=person.id, reference=ref, level=level, parent_id=parent.id if parent else None,
             date_set=TODAY - timedelta(days=days_ago), target_date=TODAY + timedelta(days=target_in), status=status,
             wording=wording)
    db.session.add(g)
    db.session.flush()
    for ago in reviews:
        db.session.add(GoalReview(goal_id=g.id, review_date=TODAY - timedelta(days=ago)))
    return g


def _sheet(world):
    a0, a1, a2 = (make_participant(world.team_a, f"G{i}", start=TODAY - timedelta(days=90)) for i in range(3))
    lt = _goal(a0, "LT1", "long_term", reviews=[3], wording="Get a part-time job")
    st = _goal(a0, "ST1", "short_term", lt, days_ago=50, target_in=-2, reviews=[3])  # target passed: overdue
    _goal(a0, "S1", "step", st, days_ago=40, target_in=-30, status="achieved")
    _goal(a1, "LT1", "long_term", reviews=[45])  # not reviewed in 30 days: overdue
    _goal(a2, "LT1", "long_term", status="achieved", target_in=-1)
    db.session.commit()
    return a0, a1, a2


def test_team_page_counts_goals_and_marks_overdue(app, client, auth, world):
    a0, a1, a2 = _sheet(world)
    auth.login(world.users["manager_a"])
    page = client.get(f"/teams/{world.team_a.id}").get_data(as_text=True)
    for key, value in (("with_goal", 3), ("broken_down", 1), ("reviewed", 1), ("goals_achieved", 1),
                       ("overdue", 2)):
        assert f'data-goal-count="{key}">{value}<' in page, key
    assert '<strong class="flag">1</strong>' in page  # G0 and G1 have one overdue goal each
    data = client.get(f"/api/v1/teams/{world.team_a.id}/goals").get_json()["counts"]
    assert (data["participants"], data["with_goal"], data["steps_achieved"], data["review_days"]) == (6, 3, 1, 30)
    program = client.get(f"/api/v1/programs/{world.program_a.id}/goals").get_json()
    assert program["counts"]["with_goal"] == 3


def test_participant_page_shows_steps_under_goals_and_wording_only_when_kept(app, client, auth, world):
    a0, _, _ = _sheet(world)
    auth.login(world.users["clerk_a"])
    page = client.get(f"/participants/{a0.id}").get_data(as_text=True)
    assert page.index('data-goal="LT1"') < page.index('data-goal="ST1"') < page.index('data-goal="S1"')
    assert f"target date {day(TODAY - timedelta(days=2))} passed" in re.sub(r"<[^>]+>", "", page)  # a day is one span
    assert "Get a part-time job" not in page  # the agency has not turned wording on
    world.agency_a.keep_goal_wording = True
    db.session.commit()
    assert "Get a part-time job" in client.get(f"/participants/{a0.id}").get_data(as_text=True)


def test_another_agency_sees_neither_page_nor_counts(app, client, auth, world):
    a0, _, _ = _sheet(world)
    auth.login(world.users["manager_b"])
    assert client.get(f"/participants/{a0.id}").status_code == 404
    assert client.get(f"/api/v1/teams/{world.team_a.id}/goals").status_code == 404


def test_an_admin_turns_goal_wording_on_for_one_agency(app, client, auth, world):
    """Keeping wording is the agency's choice, made on its admin page; it shows at once and goes when unticked."""
    a0, _, _ = _sheet(world)
    auth.login(world.users["admin"])
    form = {"code": world.agency_a.code, "name": world.agency_a.name, "kind": "", "date_order": ""}
    assert auth.post(f"/admin/agencies/{world.agency_a.id}/edit", data={**form, "keep_goal_wording": "y"}) \
        .status_code == 302
    db.session.expire_all()
    assert world.agency_a.keep_goal_wording and not world.agency_b.keep_goal_wording
    assert "Get a part-time job" in client.get(f"/participants/{a0.id}").get_data(as_text=True)
    assert auth.post(f"/admin/agencies/{world.agency_a.id}/edit", data=form).status_code == 302  # unticked: off
    assert "Get a part-time job" not in client.get(f"/participants/{a0.id}").get_data(as_text=True)
