"""Charts follow the window: a chart page opened at 1280 px and narrowed to 768 px (a tablet rotated, a laptop
window halved) fits the window as a page loaded at 768 px does, on screen and printed; widened again, each chart
grows to its box. Every chart page: program, team and state dashboards, fidelity report, history and state."""
import pytest

from tests.browser.conftest import to_print
from tests.browser.layout_checks import CHARTS_AT_THEIR_WIDTH, FRAMES, LAYOUT_PROBLEMS, OUT_OF_BOX, PAPER, SIDEWAYS

pytestmark = pytest.mark.browser

WIDE, NARROW, HEIGHT = 1280, 768, 900

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
    page.wait_for_function(CHARTS_AT_THEIR_WIDTH)
    _fits(page, ("dragged to", NARROW))
