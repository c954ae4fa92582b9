"""A person signs in with a real browser, sees the programs of their own agency only, and stays signed in."""
import threading

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


class HeldAnswer:
    """The live server answering one path late, as a slow connection does: the answer is made at once, from the
    request as it came (its cookie), and sent when the test releases it."""

    def __init__(self, app, path):
        self.app, self.path = app, path
        self.asked, self.released = threading.Event(), threading.Event()

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] != self.path or self.asked.is_set():
            return self.app(environ, start_response)
        answer = self.app(environ, start_response)
        self.asked.set()
        self.released.wait(30)
        return answer


def test_the_service_worker_answered_after_the_sign_in_does_not_sign_out(live_app, live_server, page):
    # On a slow site-visit connection the worker's script, asked for with the anonymous cookie, came after the
    # sign-in and put that cookie back: the next page was the sign-in page again.
    with live_app.app_context():
        world = build_world()
        db.session.remove()
    held = HeldAnswer(live_app.wsgi_app, "/plotly-worker.js")  # asked for by the sign-in page, anonymously
    live_app.wsgi_app = held
    page.goto(live_server.url + "/sign-in")
    assert held.asked.wait(15)
    page.fill("#email", world.users["trainer"])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    held.released.set()
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # its answer reached the browser
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Overview"
