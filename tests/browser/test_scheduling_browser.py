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


def test_a_state_of_60_programs_due_is_sorted_filtered_and_paged(live_app, live_server, page):
    """At state scale the list runs to hundreds of programs: 50 a page, a filter by text, and a sort by any column,
    the due dates by day (not by their text: "12 Mar" before "5 Jan")."""
    from models import Agency
    from tests.factories import make_program
    world = world_with_overdue_baselines(live_app)
    with live_app.app_context():
        agency = db.session.scalar(db.select(Agency).filter_by(code="AAA"))
        for i in range(58):  # 60 with the world's two, every one's baseline visit due since its creation
            make_program(agency, f"State IMR {i:02d}", created_at=datetime(2026, 1 + i % 12, 1 + i % 28))
        db.session.commit()
        db.session.remove()
    sign_in(page, live_server.url, world.users["trainer"], PASSWORD)
    page.goto(live_server.url + "/visits-due?show=all")
    table, status = page.locator('table[data-table="visits_due"]'), page.locator(".table-tools .table-status")
    visible = table.locator("tbody tr:not([hidden])")
    assert status.inner_text() == "Rows 1-50 of 60" and visible.count() == 50
    page.get_by_role("button", name="Next 50").click()
    assert status.inner_text() == "Rows 51-60 of 60" and visible.count() == 10

    table.get_by_role("button", name="Due").click()  # ascending: by day
    days = visible.locator("td.date").evaluate_all("cells => cells.map(c => c.dataset.sort)")
    assert days == sorted(days) and status.inner_text() == "Rows 1-50 of 60"
    table.get_by_role("button", name="Due").click()  # descending
    days = visible.locator("td.date").evaluate_all("cells => cells.map(c => c.dataset.sort)")
    assert days == sorted(days, reverse=True) and days[0] > days[-1]

    page.fill("#filter-visits_due", "State IMR 1")
    assert sorted(visible.locator("td:nth-child(2)").all_inner_texts()) == [f"State IMR {i}" for i in range(10, 20)]
    assert status.inner_text() == "Rows 1-10 of 10" and not page.get_by_role("button", name="Next 50").is_visible()
