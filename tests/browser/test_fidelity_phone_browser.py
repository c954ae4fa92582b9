"""The rating, consensus, visit and report pages on a trainer's laptop (1280, 1024, 768 px) and phone (390 px):
nothing reaches past the window, every anchor of every item is on screen."""
from datetime import date

import pytest

from extensions import db
from tests.browser.conftest import sign_in
from tests.browser.layout_checks import OUT_OF_BOX, SIDEWAYS
from tests.factories import build_world
from tests.fidelity.factories import GROUP_A, make_final, make_visit, rate, user
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

# Anchor texts cut by their box, or outside the window: a trainer must read every anchor.
ANCHORS_CUT = """() => [...document.querySelectorAll('label.choice .anchor')].filter(el => {
  const r = el.getBoundingClientRect();
  return r.width === 0 || r.left < 0 || r.right > document.documentElement.clientWidth + 1
    || el.scrollWidth > el.clientWidth + 1;
}).map(el => el.textContent.slice(0, 40))"""


def _visits(live_app):
    with live_app.app_context():
        world = build_world()
        trainer, admin = user(world.users["trainer"]), user(world.users["admin"])
        draft = make_visit(world.program_a, [trainer], scale_key="it_is")
        rate(draft, trainer, {n: 3 for n in range(1, 8)}, submitted=False)
        consensus = make_visit(world.program_a, [trainer, admin], scale_key="it_is")
        rate(consensus, trainer, {n: 4 for n in range(1, 17)})
        rate(consensus, admin, {n: 3 for n in range(1, 14)} | {14: None, 15: 2, 16: None})
        consensus.status = "submitted"
        db.session.commit()
        make_final(world.program_a, [3] * 13, visit_date=date(2025, 9, 1))
        final = make_final(world.program_a, GROUP_A, raters=[trainer, admin])
        ids = draft.id, consensus.id, final.id
        db.session.remove()
    return world, ids


def test_the_rating_pages_fit_a_laptop_and_a_phone(live_app, live_server, page):
    world, (draft, consensus, final) = _visits(live_app)
    sign_in(page, live_server.url, world.users["trainer"], PASSWORD)
    page.goto(f"{live_server.url}/fidelity/assessments/{final}/amend")
    page.select_option("select[name=item]", "12")
    page.select_option("select[name=choice]", "4")
    page.fill("textarea[name=reason]", "Relapse plans found in the charts afterwards")
    page.get_by_role("button", name="Record the amendment").click()
    page.wait_for_url("**/report")
    urls = [f"/fidelity/assessments/{draft}/rate", f"/fidelity/assessments/{consensus}/consensus",
            f"/fidelity/assessments/{consensus}", f"/fidelity/assessments/{final}/report"]
    problems = []
    for width in (1280, 1024, 768, 390):
        page.set_viewport_size({"width": width, "height": 844})
        for url in urls:
            page.goto(live_server.url + url)
            sideways, outside = page.evaluate(SIDEWAYS), page.evaluate(OUT_OF_BOX, True)
            if sideways > 0 or outside:
                problems.append(f"{width} px {url}: {sideways} px sideways {outside}")
            if url.endswith("/rate"):
                assert page.locator("label.choice .anchor").count() >= 16 * 5
                problems += [f"{width} px anchor cut: {a}" for a in page.evaluate(ANCHORS_CUT)]
    assert problems == []
