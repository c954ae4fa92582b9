"""A trainer rates a visit by keyboard in a real browser (saved as they go), finalises it and reads the report."""
import pytest

from extensions import db
from tests.browser.conftest import sign_in
from tests.factories import build_world
from tests.fidelity.factories import GROUP_A, make_visit, user
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_rate_by_keyboard_finalise_and_read_the_report(live_app, live_server, page):
    with live_app.app_context():
        world = build_world()
        visit_id = make_visit(world.program_a, [user(world.users["trainer"])]).id
        db.session.remove()
    sign_in(page, live_server.url, world.users["trainer"], PASSWORD)
    page.goto(f"{live_server.url}/fidelity/assessments/{visit_id}/rate")

    # Keyboard only: each item's radio group is one Tab stop; arrow keys move up from "Not rated yet".
    page.focus("input[name=choice_1][value='']")
    for number, value in enumerate(GROUP_A, start=1):
        for _ in range(6 - value):
            page.keyboard.press("ArrowUp")
        page.keyboard.press("Tab")  # to the evidence note
        if number == 1:
            page.keyboard.type("Groups of 6-8 seen in the session log")
        page.keyboard.press("Tab")  # to the next item
    page.locator("#item-1 .save-state", has_text="Saved.").wait_for()  # the note, after its pause
    # A function, not an expression: Playwright evals expressions in the page, which the CSP forbids.
    page.wait_for_function("() => document.getElementById('rating-form').dataset.pending === '0' && "
                           "document.getElementById('rated-count').textContent === '13'")

    page.reload()  # what was saved as the rater went is there after a reload
    assert page.locator("input[name=choice_12][value='2']").is_checked()
    assert page.locator("#note_1").input_value() == "Groups of 6-8 seen in the session log"

    page.get_by_role("button", name="Submit my ratings").click()
    page.get_by_role("link", name="Record the consensus and finalise").click()
    page.get_by_role("button", name="Save and finalise").click()
    page.wait_for_url(f"**/fidelity/assessments/{visit_id}/report")
    assert page.locator("#summary-score").inner_text() == "4.2"
    assert page.locator("#summary-band").inner_text() == "High fidelity"
    page.locator("#item-profile .main-svg").first.wait_for()  # Plotly drew the item profile (after the first paint)
    assert page.locator("ul.needs-work li").count() == 4

    page.emulate_media(media="print")
    assert not page.locator("header.site nav").is_visible()
    assert not page.get_by_role("button", name="Print").is_visible()
    assert page.locator("#summary-score").is_visible()
