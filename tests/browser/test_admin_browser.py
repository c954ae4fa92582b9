"""The admin lists at state scale (600 programs, 2,400 teams): each sorted, filtered and paged in the browser."""
import pytest

from extensions import db
from models import Agency
from tests.browser.conftest import sign_in
from tests.factories import build_world, make_program
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_an_admin_pages_filters_and_sorts_the_programs(live_app, live_server, page):
    with live_app.app_context():
        world = build_world()
        agency = db.session.scalar(db.select(Agency).filter_by(code="BBB"))
        for i in range(58):  # 60 with the world's two
            make_program(agency, f"County IMR {59 - i:02d}")
        db.session.commit()
        db.session.remove()
    sign_in(page, live_server.url, world.users["admin"], PASSWORD)
    page.goto(live_server.url + "/admin/")
    section = page.locator("section#programs")
    table, status = section.locator('table[data-table="programs"]'), section.locator(".table-tools .table-status")
    visible = table.locator("tbody tr:not([hidden])")
    assert status.inner_text() == "Rows 1-50 of 60" and visible.count() == 50
    assert table.locator("th button.sort").all_inner_texts() == ["Programs", "Details"]  # not the edit links' column

    table.get_by_role("button", name="Programs").click()
    assert table.locator("th[aria-sort=ascending]").count() == 1
    names = visible.locator("td:first-child").all_inner_texts()
    assert names == sorted(names, key=str.lower) and names[0] == "Alpha IMR"
    section.locator("#filter-programs").fill("County IMR 0")
    assert sorted(visible.locator("td:first-child").all_inner_texts()) == [f"County IMR 0{i}" for i in range(2, 10)]
    assert status.inner_text() == "Rows 1-8 of 8"
