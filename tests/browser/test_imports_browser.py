"""A clerk uploads a roster with a mistake, fixes it in the problems workbook, commits and sees the rows."""
from datetime import date

import pytest
from openpyxl import load_workbook

from extensions import db
from tests.browser.conftest import sign_in
from tests.factories import build_world
from tests.helpers import PASSWORD
from tests.imports import workbooks as wbk
from tests.imports.worker_process import WorkerProcess

pytestmark = pytest.mark.browser


def test_clerk_fixes_a_roster_and_watches_it_commit(live_app, live_server, page, tmp_path):
    with live_app.app_context():
        world = build_world()
        clerk, team_id = world.users["clerk_a"], world.team_a.id
        db.session.remove()
    upload = tmp_path / "roster.xlsx"
    upload.write_bytes(wbk.roster([["N100", "Alpha group", None, date(2026, 3, 2), None, None, None],
                                   ["N101", "Alpha group", None, "31/02/2026", None, None, None]]))
    url = live_app.config["SQLALCHEMY_DATABASE_URI"]
    workers = [WorkerProcess(url, tmp_path / "worker.log")]  # imports run in a worker process, as with make run
    try:
        _fix_and_commit(page, live_server, clerk, team_id, upload, tmp_path, workers, url)
    finally:
        for worker in workers:
            worker.stop()


def _fix_and_commit(page, live_server, clerk, team_id, upload, tmp_path, workers, url):
    sign_in(page, live_server.url, clerk, PASSWORD)
    page.click("nav >> text=Imports")
    page.select_option("#kind", "roster")
    page.set_input_files("#file", str(upload))
    page.click("text=Upload and check")
    page.wait_for_selector("#import-message", timeout=60000)  # checked by the worker; the page reloaded when done
    assert page.locator("#import-status").inner_text() == "rejected"
    problem = page.locator("table.problems tbody tr").first.inner_text()
    assert "Roster\t3\tD (Start date)\t31/02/2026\tdate.invalid" in problem

    with page.expect_download() as download:
        page.click("#problems-download")
    marked_path = tmp_path / "marked.xlsx"
    download.value.save_as(marked_path)
    marked = load_workbook(marked_path)
    assert "is not a real date" in marked["Roster"]["H3"].value  # the Problems column after G
    marked["Roster"]["D3"] = date(2026, 3, 9)
    fixed = tmp_path / "roster-fixed.xlsx"
    marked.save(fixed)

    page.click("text=Imports")
    page.select_option("#kind", "roster")
    page.set_input_files("#file", str(fixed))
    page.click("text=Upload and check")
    page.wait_for_selector("#commit-button", timeout=60000)
    assert "Ready to import: 2 new" in page.locator("#import-message").inner_text()

    workers[0].stop()  # no worker for a moment, so the progress bar is on screen before the commit runs
    page.click("#commit-button")
    page.locator("#import-progress").wait_for(state="visible")
    assert page.locator("#import-status").inner_text() == "committing"
    workers.append(WorkerProcess(url, tmp_path / "worker-2.log"))
    page.wait_for_selector("#import-message:has-text('Imported')", timeout=60000)  # the page reloaded when done
    assert page.locator("#import-status").inner_text() == "committed"
    assert page.locator("[data-count=new]").inner_text() == "2"

    page.click(f"a[href='/teams/{team_id}']")
    codes = page.locator("table tbody tr td:first-child").all_inner_texts()
    assert {"N100", "N101"} <= set(codes)


def test_the_imports_list_fits_a_tablet_and_a_printed_page(live_app, live_server, page):
    """A clerk checks the list on a tablet (768 px) and prints it: nothing runs off the side."""
    from imports import operations
    with live_app.app_context():
        world = build_world()
        for name in ("Northside_CMHC_roster_export_FY2027_Q1_final_version_(2).xlsx", "sessions.csv"):
            operations.create_batch(world.agency_a, "roster", name, wbk.roster([]))
        clerk = world.users["clerk_a"]
    sign_in(page, live_server.url, clerk, PASSWORD)
    for media, width in (("screen", 768), ("print", 718)):  # 718 px: an A4 or Letter page's printed width
        page.emulate_media(media=media)
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/imports/")
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, media
