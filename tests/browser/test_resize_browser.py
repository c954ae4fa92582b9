"""Charts follow the window: a chart page opened at 1280 px and narrowed to 768 px (a tablet rotated, a laptop
window halved) fits the window as a page loaded at 768 px does, on screen and printed; widened again, each chart
grows to its box. Every chart page: program, team and state dashboards, fidelity report, history and state."""
from datetime import date

import pytest

from extensions import db
from tests.browser.conftest import sign_in, to_print
from tests.browser.test_dashboard_layout_browser import LAYOUT_PROBLEMS, PAPER
from tests.dashboards.scenario import FROM, TO, build_scenario
from tests.fidelity.factories import GROUP_A, make_final
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

WIDE, NARROW, HEIGHT = 1280, 768, 900

SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"

# Elements reaching past the window's right edge (outermost only; what scrolls inside its own box, a wide table,
# does not count), and charts drawn outside their box or, on screen, narrower than it (every chart follows its box:
# the item profile was drawn 660 px wide whatever its box).
OUT_OF_BOX = """(screen) => {
  const width = document.documentElement.clientWidth, problems = [];
  const past = el => el.getBoundingClientRect().right > width + 1;
  const scrollsInside = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
  for (const el of document.body.querySelectorAll('*'))
    if (past(el) && !past(el.parentElement) && !scrollsInside(el))
      problems.push(el.tagName + (el.id ? '#' + el.id : '') + ' reaches past the window');
  document.querySelectorAll('script.figure').forEach(script => {
    const plot = document.getElementById(script.dataset.target), box = plot.getBoundingClientRect();
    if (box.right > width + 1) problems.push(plot.id + ' box reaches past the window');
    plot.querySelectorAll('svg.main-svg').forEach(svg => {
      const s = svg.getBoundingClientRect();
      if (s.left < box.left - 1 || s.right > box.right + 1 || (screen && s.width < box.width - 1))
        problems.push(plot.id + ' drawn ' + Math.round(s.width) + ' px wide in a box of ' + Math.round(box.width));
    });
  });
  return problems;
}"""

# Two frames: a ResizeObserver's callback runs in the frame after the resize, before its paint.
FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


@pytest.fixture
def chart_pages(live_app, live_server, page):
    with live_app.app_context():
        scenario = build_scenario()
        world = scenario.world
        for month in range(1, 13):  # a year of visits: the history's item table is wider than 768 px
            make_final(world.program_a, [3] * 13, visit_date=date(2025, month, 1))
        visit = make_final(world.program_a, GROUP_A, visit_date=date(2026, 3, 2)).id
        window = f"?from={FROM}&to={TO}"
        urls = [f"/dashboards/programs/{world.program_a.id}{window}", f"/dashboards/teams/{scenario.group.id}{window}",
                f"/dashboards/state{window}", f"/fidelity/assessments/{visit}/report",
                f"/fidelity/programs/{world.program_a.id}/history", "/fidelity/state"]
        trainer = world.users["trainer"]
        db.session.remove()
    sign_in(page, live_server.url, trainer, PASSWORD)
    return [live_server.url + u for u in urls]


def _resize(page, width):
    page.set_viewport_size({"width": width, "height": HEIGHT})


def _fits(page, where, screen=True):
    assert page.evaluate(OUT_OF_BOX, screen) == [], where
    assert page.evaluate(LAYOUT_PROBLEMS) == [], where
    assert page.evaluate(SIDEWAYS) <= 0, (where, "the page scrolls sideways")


def test_charts_follow_the_window_and_print_after_a_resize(page, chart_pages):
    a4 = PAPER["A4"][0]
    for url in chart_pages:
        _resize(page, WIDE)
        page.goto(url)
        page.wait_for_selector("body[data-charts-ready=yes]")
        _fits(page, (url, WIDE))

        _resize(page, NARROW)  # the drawing may lag its box for a frame, but never widens the page
        assert page.evaluate(SIDEWAYS) <= 0, (url, "narrowed: the page scrolls sideways before the charts redraw")
        page.evaluate(FRAMES)
        _fits(page, (url, "narrowed to", NARROW))

        # Printed: beforeprint and print media, then the page laid out at the paper's width with no frame between.
        to_print(page)
        _resize(page, a4)
        _fits(page, (url, "printed on A4 after narrowing"), screen=False)  # drawn at most 680 px wide
        page.emulate_media(media="screen")

        _resize(page, WIDE)
        page.evaluate(FRAMES)
        _fits(page, (url, "widened again to", WIDE))


def test_charts_follow_a_dragged_window_once_it_pauses(page, chart_pages):
    _resize(page, WIDE)
    page.goto(chart_pages[0])
    page.wait_for_selector("body[data-charts-ready=yes]")
    for width in range(WIDE, NARROW - 1, -64):  # a window edge dragged: the charts may lag, the page never widens
        _resize(page, width)
        assert page.evaluate(SIDEWAYS) <= 0, (width, "the page scrolls sideways while the window is dragged")
    page.wait_for_function("""() => [...document.querySelectorAll('.plot')].every(plot =>
      Math.abs(plot._fullLayout.width - plot.clientWidth) <= 1)""")
    _fits(page, ("dragged to", NARROW))
