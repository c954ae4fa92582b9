"""A clerk uploads while no worker runs, sees the hint, and watches the check and the commit once one starts."""
from datetime import date

import pytest

from extensions import db
from tests.browser.conftest import LiveServer, sign_in
from tests.conftest import make_app
from tests.factories import build_world
from tests.helpers import PASSWORD
from tests.imports import workbooks as wbk
from tests.imports.worker_process import WorkerProcess

pytestmark = pytest.mark.browser


@pytest.fixture
def queued_app(sqlite_template, tmp_path):
    """The app on its own SQLite file, imports queued for a worker (the default), the hint after 1 s."""
    url, _ = sqlite_template.fresh(str(tmp_path))
    app = make_app(url, IMPORT_WAITING_HINT_SECONDS=1)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_upload_waits_for_a_worker_then_checks_and_commits_in_it(queued_app, page, tmp_path):
    with queued_app.app_context():
        clerk = build_world().users["clerk_a"]
        db.session.remove()
    server = LiveServer(queued_app)
    upload = tmp_path / "roster.xlsx"
    upload.write_bytes(wbk.roster([["N100", "Alpha group", None, date(2026, 3, 2), None, None, None],
                                   ["N101", "Alpha group", None, date(2026, 3, 9), None, None, None]]))
    worker = None
    try:
        sign_in(page, server.url, clerk, PASSWORD)
        page.click("nav >> text=Imports")
        page.select_option("#kind", "roster")
        page.set_input_files("#file", str(upload))
        page.click("text=Upload and check")
        page.locator("#import-progress").wait_for(state="visible")
        assert page.locator("#import-status").inner_text() == "queued"
        hint = page.locator("#import-waiting")
        hint.wait_for(state="visible")  # no worker has taken it: the page says what to start
        assert "flask --app app worker" in hint.inner_text() and "make run" in hint.inner_text()

        worker = WorkerProcess(queued_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "worker.log")
        page.wait_for_selector("#commit-button", timeout=60000)  # checked in the worker; the page reloaded
        assert page.locator("#import-status").inner_text() == "checked"
        assert "Ready to import: 2 new" in page.locator("#import-message").inner_text()

        page.click("#commit-button")
        page.wait_for_selector("#import-message:has-text('Imported')", timeout=60000)
        assert page.locator("#import-status").inner_text() == "committed"
        assert page.locator("[data-count=new]").inner_text() == "2"
        assert not page.locator("#import-waiting").count()  # finished: no progress box, no hint
    finally:
        if worker:
            worker.stop()
        server.stop()
