"""A trainer widens the evidence window on the rating page and follows a figure to the sessions behind it."""
from datetime import date

import pytest

from extensions import db
from tests.browser.conftest import sign_in
from tests.factories import build_world, make_attendance, make_participant, make_session
from tests.fidelity.factories import make_visit, user
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_change_the_window_and_open_the_rows_behind_item_1(live_app, live_server, page):
    with live_app.app_context():
        world = build_world()
        people = [make_participant(world.team_a, f"Z{i}", start=date(2024, 6, 3)) for i in range(10)]
        early = make_session(world.team_a, date(2024, 12, 2), module=4)  # before the default window
        for p in people:
            make_attendance(early, p)
        db.session.commit()
        visit_id = make_visit(world.program_a, [user(world.users["trainer"])], team=world.team_a,
                              visit_date=date(2026, 3, 2)).id
        db.session.remove()
    sign_in(page, live_server.url, world.users["trainer"], PASSWORD)
    page.goto(f"{live_server.url}/fidelity/assessments/{visit_id}/rate")
    item1 = page.locator("tr[data-evidence-item='1']")
    assert "Largest session: 0 attended" in item1.inner_text()
    page.fill("input[name=evidence_from]", "2024-11-01")
    page.get_by_role("button", name="Change the window").click()
    assert "Largest session: 10 attended" in page.locator("tr[data-evidence-item='1']").inner_text()
    assert "4: Some sessions have 9-10 consumers." in page.locator("tr[data-evidence-item='1']").inner_text()
    page.locator("tr[data-evidence-item='1']").get_by_role("link", name="Rows behind it").click()
    assert page.locator("tr.counted td").first.inner_text() == "2 Dec 2024"
