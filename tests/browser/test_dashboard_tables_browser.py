"""A table view of 200 participants: sorted by a column, filtered by text, paged 50 at a time; printed, every
row the filter keeps."""
from datetime import date

import pytest

from extensions import db
from tests.browser.conftest import sign_in
from tests.dashboards.scenario import FROM, TO, build_scenario
from tests.factories import make_attendance, make_participant
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_sort_filter_and_page_a_200_row_table(live_app, live_server, page):
    with live_app.app_context():
        scenario = build_scenario()
        from models import Session
        sessions = db.session.scalars(db.select(Session).where(Session.team_id == scenario.group.id)
                                      .order_by(Session.session_date)).all()
        for i in range(192):  # 8 in the scenario: 200 participants
            person = make_participant(scenario.group, f"B{i:03d}", start=date(2026, 1, 5))
            for session in sessions[:i % 5]:
                make_attendance(session, person)
        db.session.commit()
        program_id, manager = scenario.world.program_a.id, scenario.world.users["manager_a"]
        db.session.remove()
    sign_in(page, live_server.url, manager, PASSWORD)
    page.goto(f"{live_server.url}/dashboards/programs/{program_id}?from={FROM}&to={TO}")
    page.wait_for_selector("body[data-charts-ready=yes]")
    page.locator("#chart-participants details.table-view summary").click()
    table = page.locator('table[data-table="participants"]')
    visible = table.locator("tbody tr:not([hidden])")
    tools = page.locator("#chart-participants .table-tools")
    assert visible.count() == 50 and tools.locator(".table-status").inner_text() == "Rows 1-50 of 200"

    tools.get_by_role("button", name="Next 50").click()
    assert tools.locator(".table-status").inner_text() == "Rows 51-100 of 200" and visible.count() == 50
    # by keyboard to the last page: the Next button is disabled there, and focus moves to Previous rather than
    # to nowhere (a disabled button drops its focus, and a keyboard or screen-reader user is sent to the top)
    tools.get_by_role("button", name="Next 50").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert tools.locator(".table-status").inner_text() == "Rows 151-200 of 200"
    assert page.evaluate("() => document.activeElement.textContent") == "Previous 50"

    table.get_by_role("button", name="Sessions attended").click()  # ascending
    assert tools.locator(".table-status").inner_text() == "Rows 1-50 of 200"
    attended = [int(t) for t in visible.locator("td:nth-child(4)").all_inner_texts()]
    assert attended == sorted(attended) and attended[0] == 0
    table.get_by_role("button", name="Sessions attended").click()  # descending
    attended = [int(t) for t in visible.locator("td:nth-child(4)").all_inner_texts()]
    assert attended == sorted(attended, reverse=True) and attended[0] == 4
    assert table.locator("th[aria-sort=descending]").inner_text().startswith("Sessions attended")

    page.fill("#filter-participants", "B19")
    assert sorted(visible.locator("th").all_inner_texts()) == [f"B19{i}" for i in range(2)]
    assert tools.locator(".table-status").inner_text() == "Rows 1-2 of 2"
    assert not tools.get_by_role("button", name="Next 50").is_visible()

    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")  # printed: the rows filtered, not all 200
    assert sorted(visible.locator("th").all_inner_texts()) == ["B190", "B191"]
    page.fill("#filter-participants", "")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")  # unfiltered: all 200, not the page of 50
    assert visible.count() == 200
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert visible.count() == 50 and tools.locator(".table-status").inner_text() == "Rows 1-50 of 200"
