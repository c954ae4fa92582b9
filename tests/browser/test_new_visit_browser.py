"""Starting a visit in a real browser: the team list follows the chosen program, a team brings its own format,
and a format unlike the team's is created only once the trainer confirms it."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from fidelity.models import Assessment
from models import Team, User
from tests.browser.conftest import sign_in
from tests.factories import build_world
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

# A function, not an expression: Playwright evaluates expressions as page script, which the CSP forbids.
TEAMS_OFFERED = ("select => Array.from(select.querySelectorAll('optgroup'))"
                 ".filter(g => !g.hidden && !g.disabled).flatMap(g => Array.from(g.children).map(o => o.textContent))")


def test_teams_follow_the_program_and_a_format_mismatch_needs_confirming(live_app, live_server, page):
    with live_app.app_context():
        world = build_world()
        program_a, program_b = str(world.program_a.id), str(world.program_b.id)
        teams = {t.name: str(t.id) for t in db.session.scalars(select(Team))}
        trainer_id = str(db.session.scalar(select(User.id).where(User.email == world.users["trainer"])))
        db.session.remove()
    sign_in(page, live_server.url, world.users["trainer"], PASSWORD)
    page.goto(f"{live_server.url}/fidelity/assessments/new")
    team = page.locator("#team_id")
    assert page.locator("#team-hint").inner_text() == "Choose a program to see its teams."
    assert team.evaluate(TEAMS_OFFERED) == ["Alpha caseload (individual)", "Alpha group (group)",
                                            "Beta group (group)"]

    page.select_option("#program_id", program_b)
    assert team.evaluate(TEAMS_OFFERED) == ["Beta group (group)"]
    assert page.locator("#team-hint").inner_text() == "Teams of the program chosen."

    page.select_option("#program_id", program_a)
    assert team.evaluate(TEAMS_OFFERED) == ["Alpha caseload (individual)", "Alpha group (group)"]
    page.select_option("#team_id", teams["Alpha caseload"])  # a team brings its own format
    assert page.locator("input[name=format][value=individual]").is_checked()
    page.select_option("#team_id", teams["Alpha group"])
    assert page.locator("input[name=format][value=group]").is_checked()
    page.select_option("#program_id", program_b)  # another program: a team of the first is no longer chosen
    assert team.input_value() == ""
    page.select_option("#program_id", program_a)

    # The trainer rates the group team as individual IMR: the server asks before creating anything.
    page.select_option("#team_id", teams["Alpha group"])
    page.check("input[name=format][value=individual]")
    page.select_option("#scale", "imr_fidelity@3-24-05")
    page.fill("#visit_date", (date.today() - timedelta(days=1)).isoformat())
    page.check(f"input[name=rater_ids][value='{trainer_id}']")
    page.get_by_role("button", name="Start the visit").click()
    page.wait_for_load_state()
    assert "Alpha group is a group team but the visit is set to the individual" in page.content()
    with live_app.app_context():
        assert db.session.scalar(select(Assessment)) is None
        db.session.remove()
    # The page comes back as it was sent: the same team, the format the trainer chose, and the question.
    assert team.input_value() == teams["Alpha group"]
    assert page.locator("input[name=format][value=individual]").is_checked()
    page.check("input[name=confirm_format]")
    page.get_by_role("button", name="Start the visit").click()
    page.locator("text=Visit started: Alpha IMR · Alpha group").wait_for()
    with live_app.app_context():
        visit = db.session.scalar(select(Assessment))
        assert (visit.team_id, visit.format) == (int(teams["Alpha group"]), "individual")
        db.session.remove()
