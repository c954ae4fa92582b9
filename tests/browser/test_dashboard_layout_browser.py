"""Dashboard charts lay out at 1280, 1024 and 768 px and in print (A4, Letter): no title, axis title or
annotation overlaps another or leaves its chart, and no chart can be split across printed pages."""
import pytest

from extensions import db
from tests.browser.conftest import sign_in, to_print
from tests.browser.layout_checks import LAYOUT_PROBLEMS, PAPER, PRINT_PROBLEMS
from tests.dashboards.scenario import FROM, TO, build_scenario
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


# Charts Plotly drew twice: its automargin found labels past the margins dashboards/margins.py set, and drew again.
DRAWN_TWICE = """() => [...document.querySelectorAll('.plot')]
  .filter(plot => plot._fullLayout && plot._fullLayout._redrawFromAutoMarginCount !== undefined).map(plot => plot.id)"""


@pytest.fixture
def pages(live_app, live_server, page):
    """The program, team and state dashboards of the scenario, signed in as a trainer."""
    with live_app.app_context():
        scenario = build_scenario()
        urls = [f"/dashboards/programs/{scenario.world.program_a.id}", f"/dashboards/teams/{scenario.group.id}",
                "/dashboards/state"]
        trainer = scenario.world.users["trainer"]
        db.session.remove()
    sign_in(page, live_server.url, trainer, PASSWORD)
    return [f"{live_server.url}{u}?from={FROM}&to={TO}" for u in urls]


def _open(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-charts-ready=yes]")
    assert page.locator(".plot .main-svg").count() >= 2, url


def test_charts_lay_out_at_every_width(page, pages):
    for width in (1280, 1024, 768):
        page.set_viewport_size({"width": width, "height": 900})
        for url in pages:
            _open(page, url)
            assert page.evaluate(LAYOUT_PROBLEMS) == [], (width, url)
            assert page.evaluate(DRAWN_TWICE) == [], (width, url, "the margins set left labels to push")
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (width, url, "the page scrolls sideways")


def test_charts_print_whole_on_a4_and_letter(page, pages):
    for paper, (width, height) in PAPER.items():
        page.set_viewport_size({"width": width, "height": height})
        for url in pages:
            _open(page, url)
            to_print(page)
            page.wait_for_timeout(300)  # Plotly redraws at the page's width
            assert page.evaluate(LAYOUT_PROBLEMS) == [], (paper, url)
            assert page.evaluate(PRINT_PROBLEMS, height) == [], (paper, url)
            page.emulate_media(media="screen")
