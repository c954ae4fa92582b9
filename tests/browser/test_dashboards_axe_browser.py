"""axe-core (served from the installed axe-playwright-python, offline) finds no serious or critical problem on
the dashboards of the roles that see them."""
import pytest
from axe_playwright_python.sync_playwright import Axe

from extensions import db
from tests.browser.conftest import sign_in
from tests.dashboards.scenario import FROM, TO, build_scenario
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def _serious(page):
    results = Axe().run(page)
    return [(v["id"], v["impact"], len(v["nodes"])) for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("role", ["manager_a", "trainer"])
def test_dashboards_have_no_serious_accessibility_problems(live_app, live_server, page, role):
    with live_app.app_context():
        scenario = build_scenario()
        urls = [f"/dashboards/programs/{scenario.world.program_a.id}", f"/dashboards/teams/{scenario.group.id}",
                "/dashboards/state"]
        user = scenario.world.users[role]
        db.session.remove()
    sign_in(page, live_server.url, user, PASSWORD)
    for url in urls:
        page.goto(f"{live_server.url}{url}?from={FROM}&to={TO}")
        page.wait_for_selector("body[data-charts-ready=yes]")
        assert _serious(page) == [], url
        drawing = page.locator(".plot svg[role=img]").first
        assert drawing.get_attribute("aria-label").startswith("Chart: ")
        assert page.locator(".plot [role=img] button, .plot[role=img]").count() == 0  # the toolbar is outside
