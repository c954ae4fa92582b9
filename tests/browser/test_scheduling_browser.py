"""A trainer finds overdue visits, filters them and fixes a policy; a manager reads and clears a reminder."""
from datetime import date, datetime

import pytest

from extensions import db
from scheduling import jobs
from tests.browser.conftest import sign_in
from tests.factories import build_world
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def world_with_overdue_baselines(app):
    with app.app_context():
        world = build_world()
        for program in (world.program_a, world.program_b):
            program.created_at = datetime(2026, 1, 5)
        db.session.commit()
        db.session.remove()
    return world


def test_trainer_filters_due_visits_and_fixes_a_refused_policy(live_app, live_server, page):
    world = world_with_overdue_baselines(live_app)
    sign_in(page, live_server.url, world.users["trainer"], PASSWORD)
    page.get_by_role("link", name="Visits due").click()
    assert page.locator("h1").inner_text() == "Fidelity visits due"
    assert page.locator("tr[data-program]").count() == 2
    page.select_option("#agency", label="Agency Alpha (AAA)")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("tr[data-program]").all_inner_texts()[0].startswith("AAA\tAlpha IMR\t5 Jan 2026\tOverdue")
    assert page.locator("tr[data-program]").count() == 1
    page.get_by_role("link", name="Edit policy of Alpha IMR").click()
    page.fill("#interval_months", "0")
    page.get_by_role("button", name="Save policy").click()
    assert "the interval must be at least 1 month" in page.get_by_role("alert").inner_text()
    assert page.locator("#interval_months").get_attribute("aria-invalid") == "true"
    page.fill("#interval_months", "3")
    page.select_option("#trainer_id", label="trainer@state.example")
    page.get_by_role("button", name="Save policy").click()
    assert page.locator("h1").inner_text() == "Alpha IMR"
    assert "Policy saved. The next visit of Alpha IMR is due on 5 Jan 2026" in page.get_by_role("status").inner_text()
    assert "trainer@state.example" in page.locator("dl.facts").inner_text()


def test_manager_reads_a_reminder_and_marks_it_read_by_keyboard(live_app, live_server, page):
    world = world_with_overdue_baselines(live_app)
    jobs.daily(live_app, date.today())
    sign_in(page, live_server.url, world.users["manager_a"], PASSWORD)
    page.get_by_role("link", name="Notifications").click()
    assert page.get_by_text("1 unread").is_visible()
    assert page.get_by_role("heading", name="New IMR fidelity visit overdue since 5 Jan 2026: Alpha IMR (AAA)").is_visible()
    page.get_by_role("button", name="Mark read: IMR fidelity visit overdue since 5 Jan 2026: Alpha IMR (AAA)").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("0 unread").is_visible()
    page.get_by_role("link", name="Open").click()
    assert page.locator("h1").inner_text() == "Alpha IMR"
    assert "Next fidelity visit" in page.locator("dl.facts").inner_text()


def test_visits_due_fit_a_tablet_and_a_printed_page(live_app, live_server, page):
    """A manager reads the list on a tablet (768 px) and prints it: an assigned trainer's email wraps."""
    from models import Program
    from tests.factories import make_user
    from tests.scheduling.factories import set_policy
    world = world_with_overdue_baselines(live_app)
    with live_app.app_context():
        trainer = make_user("maria.gonzalez-whitfield.imr-trainer@behavioralhealth.state.example", "trainer")
        set_policy(db.session.scalar(db.select(Program).filter_by(name="Alpha IMR")), trainer=trainer)
    sign_in(page, live_server.url, world.users["manager_a"], PASSWORD)
    for media, width in (("screen", 768), ("print", 718)):  # 718 px: an A4 or Letter page's printed width
        page.emulate_media(media=media)
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/visits-due")
        assert "maria.gonzalez" in page.locator("table.due-list").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, media
