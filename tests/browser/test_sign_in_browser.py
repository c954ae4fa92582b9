"""A person signs in with a real browser and sees the programs of their own agency only."""
import pytest

from extensions import db
from tests.browser.conftest import sign_in
from tests.factories import build_world
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_manager_signs_in_and_sees_own_overview(live_app, live_server, page):
    with live_app.app_context():
        world = build_world()
        manager = world.users["manager_a"]
        db.session.remove()
    sign_in(page, live_server.url, manager, PASSWORD)
    assert page.locator("h1").inner_text() == "Overview"
    assert page.get_by_role("link", name="Alpha IMR").is_visible()
    assert page.get_by_text("Beta IMR").count() == 0
    page.click("text=Alpha IMR")
    assert page.locator("h1").inner_text() == "Alpha IMR"
    page.click("text=Sign out")
    assert "/sign-in" in page.url


def test_wrong_password_shows_message(live_app, live_server, page):
    with live_app.app_context():
        world = build_world()
        db.session.remove()
    sign_in(page, live_server.url, world.users["admin"], "not-the-password")
    assert page.get_by_role("alert").inner_text() == "That email and password do not match an active account."
