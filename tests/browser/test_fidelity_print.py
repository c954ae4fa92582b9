"""The fidelity report prints whole on A4 and Letter portrait: every item and its label, band labels clear of
the bars. Checked in Chromium in print media at each paper's printable width, then printed to PDF."""
from datetime import date

import pytest

from extensions import db
from tests.browser.conftest import sign_in, to_print
from tests.factories import build_world
from tests.fidelity.factories import GROUP_A, make_final
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

# Printable width in CSS px (96 per inch) inside Chromium's default 0.4 in margins.
PAPERS = {"A4": round(210 / 25.4 * 96 - 2 * 0.4 * 96), "Letter": round(8.5 * 96 - 2 * 0.4 * 96)}


def _box(locator):
    return locator.bounding_box()


def test_report_chart_prints_whole_on_a4_and_letter(live_app, live_server, page):
    with live_app.app_context():
        world = build_world()
        make_final(world.program_a, [3] * 13, visit_date=date(2025, 9, 1))
        visit_id = make_final(world.program_a, GROUP_A, visit_date=date(2026, 3, 2)).id
        db.session.remove()
    sign_in(page, live_server.url, world.users["trainer"], PASSWORD)
    page.goto(f"{live_server.url}/fidelity/assessments/{visit_id}/report")
    page.locator("#item-profile .main-svg").first.wait_for()
    to_print(page)  # the window keeps its screen width, as when a person prints
    chart = _box(page.locator("#item-profile .main-svg").first)  # the drawn chart, not its block container
    left = chart["x"]
    ticks = page.locator("#item-profile .xtick text")
    assert ticks.evaluate_all("els => els.map(e => e.textContent)") == [str(n) for n in range(1, 14)]
    bars = [_box(b) for b in page.locator("#item-profile .bars path").all()]
    assert len(bars) == 13
    right_of_bars = max(b["x"] + b["width"] for b in bars)
    labels = [_box(page.locator("#item-profile .annotation-text").nth(i)) for i in range(2)]  # moderate, high
    assert all(box["x"] >= right_of_bars for box in labels), "a band label lies on the bars"
    for paper, width in PAPERS.items():
        assert chart["width"] <= width, f"{paper}: the chart is wider than the page"
        last = _box(ticks.nth(12))
        assert last["x"] + last["width"] - left <= width, f"{paper}: item 13's label is clipped"
        assert all(box["x"] + box["width"] - left <= width for box in labels), f"{paper}: a band label is clipped"
        pdf = page.pdf(format=paper, print_background=True)
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    for paper, width in PAPERS.items():  # laid out on the paper's own width, as the print engine lays it out
        page.set_viewport_size({"width": width, "height": 1100})
        page.wait_for_timeout(300)  # Plotly redraws on resize
        chart = _box(page.locator("#item-profile .main-svg").first)
        assert chart["x"] >= 0 and chart["x"] + chart["width"] <= width, f"{paper}: the chart overflows the page"
        last = _box(page.locator("#item-profile .xtick text").nth(12))
        assert last["x"] + last["width"] <= width, f"{paper}: item 13's label is clipped"
        for i in range(2):
            label = _box(page.locator("#item-profile .annotation-text").nth(i))
            assert label["x"] + label["width"] <= width, f"{paper}: a band label is clipped"
