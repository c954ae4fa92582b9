"""Printed tables keep every column on the paper: on screen a wide table scrolls inside its box, but a printed
scroll box shows only what fits. In print media at A4 and Letter width (a person printing from a laptop) each
table of the dashboards (table views, the follow-up list), the imports list, the visits due, the fidelity
visits and the history's item table fits the page, every column header is on it, headers repeat on each page
and no row is split across pages."""
from datetime import date

import pytest

from extensions import db
from imports.operations import create_batch
from models import Agency
from tests.browser.conftest import sign_in, to_print
from tests.browser.layout_checks import PAPER, PRINTED_TABLE_PROBLEMS
from tests.dashboards.scenario import FROM, TO, build_scenario
from tests.fidelity.factories import make_final
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def table_pages(live_app, live_server, page):
    """Pages with wide tables, signed in as a trainer (sees every page named here) and a manager."""
    with live_app.app_context():
        scenario = build_scenario()
        world = scenario.world
        for month in range(1, 13):  # a year of visits: the history's item table has 14 columns
            make_final(world.program_a, [3] * 13, visit_date=date(2025, month, 1))
        agency = db.session.get(Agency, world.agency_a.id)
        create_batch(agency, "roster", "Alpha agency roster exported from the EHR on the first of March.xlsx",
                     b"not a workbook")  # listed with its long name, refused when checked
        urls = [f"/dashboards/programs/{world.program_a.id}", f"/dashboards/teams/{scenario.group.id}",
                "/dashboards/state"]
        urls = [f"{u}?from={FROM}&to={TO}" for u in urls] + [
            "/imports/", "/visits-due?show=all", "/fidelity/", f"/fidelity/programs/{world.program_a.id}/history"]
        trainer = world.users["trainer"]
        db.session.remove()
    sign_in(page, live_server.url, trainer, PASSWORD)
    return [live_server.url + u for u in urls]


def test_printed_tables_keep_every_column_on_a4_and_letter(page, table_pages):
    problems = []
    for url in table_pages:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(url)
        page.wait_for_selector("body[data-charts-ready=yes], body:not(:has(script.figure))")
        to_print(page)  # beforeprint opens the table views
        assert page.locator("main table").count(), url
        for paper, (width, height) in PAPER.items():
            page.set_viewport_size({"width": width, "height": height})
            problems += [f"{paper} {url}: {p}" for p in page.evaluate(PRINTED_TABLE_PROBLEMS)]
        page.emulate_media(media="screen")
    assert problems == [], "\n".join(problems)
