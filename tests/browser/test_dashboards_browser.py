"""A manager opens a program dashboard in a real browser: the 50% line is drawn on the exposure chart,
and the numbers in the table views are the numbers the API returns."""
import pytest

from dashboards.tables import cell_text
from extensions import db
from tests.browser.conftest import sign_in
from tests.dashboards.scenario import FROM, TO, build_scenario
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def _cells(page, table):
    """{first cell: [cell texts]} of a table view, read from the page as it is shown."""
    rows = page.locator(f'table[data-table="{table}"] tbody tr')
    return {r[0]: r for r in (rows.nth(i).locator("th, td").all_inner_texts() for i in range(rows.count()))}


def _shown(value):
    """How a table cell shows an API number (the API's full precision, rounded for reading)."""
    return str(cell_text(value))


def test_program_dashboard_draws_the_line_and_matches_the_api(live_app, live_server, page):
    with live_app.app_context():
        scenario = build_scenario()
        program_id, manager = scenario.world.program_a.id, scenario.world.users["manager_a"]
        db.session.remove()
    sign_in(page, live_server.url, manager, PASSWORD)
    page.goto(f"{live_server.url}/programs/{program_id}")
    page.get_by_role("link", name="Engagement dashboard").click()
    page.fill("#f-from", FROM)
    page.fill("#f-to", TO)
    page.get_by_role("button", name="Show").click()
    page.wait_for_selector("body[data-charts-ready=yes]")
    assert page.locator("h1").inner_text() == "Engagement: Alpha IMR"

    legend = page.locator("#chart-participants ul.chart-legend li")
    assert legend.all_inner_texts() == ["Over the line (engaged)", "At or under the line",
                                        "50% line: more than this is engaged"]
    # The line itself: a drawn shape spanning the plot at y = 50 on the axis.
    drawn = page.evaluate("""() => {
        const plot = document.getElementById('plot-participants');
        const shape = plot._fullLayout.shapes[0];
        const path = plot.querySelector('.shapelayer path');
        const y = plot._fullLayout.yaxis.l2p(50) + plot._fullLayout._size.t;
        const box = path.getBBox();
        return {y0: shape.y0, dash: shape.line.dash, width: box.width, top: box.y, expected: y,
                plotWidth: plot._fullLayout._size.w};
    }""")
    assert drawn["y0"] == 50 and drawn["dash"] == "dash"
    assert abs(drawn["top"] - drawn["expected"]) < 2 and drawn["width"] >= drawn["plotWidth"] - 1

    api = page.request.get(f"{live_server.url}/api/v1/programs/{program_id}/engagement?from={FROM}&to={TO}").json()
    for summary in page.locator("details.table-view summary").all():
        if not summary.evaluate("s => s.parentElement.open"):
            summary.click()  # open the table view, as a keyboard or screen-reader user would
    teams = _cells(page, "teams")
    for team in api["teams"]:
        row = teams[team["name"]]
        assert row[2:5] == [_shown(team["listed"]), _shown(team["counted"]), _shown(team["engaged"])]
        assert row[5] == ("n<5" if team["suppressed"] else _shown(team["pct_engaged"]))
        assert row[8] == _shown(team["mean_attended"])
    assert teams["Whole program"][5] == _shown(api["summary"]["pct_engaged"]) == "42.9"
    people = _cells(page, "participants")
    assert sorted(people) == sorted(p["client_code"] for p in api["participants"])
    for p in api["participants"]:
        row = people[p["client_code"]]
        assert row[2:5] == [_shown(p["offered"]), _shown(p["attended"]), _shown(p["exposure_pct"])]
    trend = _cells(page, "trend")
    assert [trend[t["month"]][1] for t in api["trend"]] == [_shown(t["counted"]) for t in api["trend"]]
    assert page.locator('[data-summary="pct_engaged"]').inner_text() == f"{_shown(api['summary']['pct_engaged'])}%"
