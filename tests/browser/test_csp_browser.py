"""Under the Content-Security-Policy the pages with charts still draw them in Chromium, and the browser
reports no violation: no inline script, no handler attribute, nothing loaded from elsewhere."""
import pytest

from extensions import db
from tests.browser.conftest import sign_in
from tests.dashboards.scenario import FROM, TO, build_scenario
from tests.fidelity.factories import GROUP_A, make_final, user
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

WATCH_VIOLATIONS = """() => { window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(
        e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber)); }"""


def test_charts_draw_and_nothing_breaks_the_policy(live_app, live_server, page):
    with live_app.app_context():
        scenario = build_scenario()
        world = scenario.world
        raters = [user(world.users["admin"]), user(world.users["trainer"])]
        visit_id = make_final(world.program_a, GROUP_A, raters=raters).id
        program_id = world.program_a.id
        db.session.remove()
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(f"({WATCH_VIOLATIONS})()")
    sign_in(page, live_server.url, world.users["trainer"], PASSWORD)
    pages = {f"/fidelity/assessments/{visit_id}/report": "#item-profile",
             f"/fidelity/programs/{program_id}/history": "#trend-imr_fidelity",
             "/fidelity/state": "#fidelity-heatmap",
             f"/dashboards/programs/{program_id}?from={FROM}&to={TO}": "#plot-participants",
             f"/dashboards/state?from={FROM}&to={TO}": "#plot-programs"}
    for path, chart in pages.items():
        response = page.goto(live_server.url + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector("body[data-charts-ready=yes]")
        assert page.locator(f"{chart} .main-svg").count() > 0, f"{path}: Plotly drew nothing"
        assert page.evaluate("window.cspViolations") == [], path
    assert [m for m in console if "Content Security Policy" in m or "Refused to" in m] == []

    page.goto(f"{live_server.url}/fidelity/assessments/{visit_id}/report")
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.printed") == 1  # the button works without its inline onclick
