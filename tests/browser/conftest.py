"""A live server on a fresh SQLite database and a real headless Chromium (Debian's) driven by Playwright."""
import threading
from datetime import date

import pytest
from werkzeug.serving import make_server

from extensions import db as _db
from tests.conftest import make_app
from tests.dashboards.scenario import FROM, TO, build_scenario
from tests.fidelity.factories import GROUP_A, make_final, visits_in_both_formats
from tests.helpers import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_app(sqlite_template, tmp_path):
    """The app on its own SQLite file; set data up inside `with live_app.app_context():` before browsing."""
    url, _ = sqlite_template.fresh(str(tmp_path))
    app = make_app(url)
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def live_server(live_app):
    server = LiveServer(live_app)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def module_live_app(sqlite_template, tmp_path_factory):
    """As live_app, shared by a module's tests that only read what is set up: built once per module."""
    url, _ = sqlite_template.fresh(str(tmp_path_factory.mktemp("module-live")))
    app = make_app(url)
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(scope="module")
def module_live_server(module_live_app):
    server = LiveServer(module_live_app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def sign_in(page, base_url, email, password):
    """Sign in through the form the way a person does."""
    page.goto(base_url + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def signed_in(browser, sessions, role, viewport, sign_in_once):
    """A page of a new context signed in as `role`: through `sign_in_once(page)` (the form) the first time, then
    with the cookies of that sign-in, kept in `sessions` (an admin's code is accepted once)."""
    context = browser.new_context(viewport=viewport, storage_state=sessions.get(role))
    page = context.new_page()
    page.set_default_timeout(60000)  # generous: 2 cores shared by the suite's other worker
    if role not in sessions:
        sign_in_once(page)
        sessions[role] = context.storage_state()
    return context, page


def send_form(page, fields, button="main button[type=submit]"):
    """Fill and send a form as it is, the browser's own checks off (so the server's messages are what is shown);
    the answer's HTTP status."""
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    for selector, value in fields.items():
        page.fill(selector, value)
    with page.expect_navigation() as navigation:
        page.click(button)
    return navigation.value.status


def to_print(page):
    """Print media as a browser prints: beforeprint at once, then print styles. Emulated print media alone tells
    the page's listeners in the next frame, which a loaded machine may not draw before the test's next step."""
    page.emulate_media(media="print")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")


@pytest.fixture(scope="module")
def chart_urls(module_live_app, module_live_server):
    """Every chart page (program, team and state dashboards, a fidelity report, history and state) and a trainer
    who sees them all: built once per module (the tests walking them only read)."""
    with module_live_app.app_context():
        scenario = build_scenario()
        world = scenario.world
        for month in range(1, 13):  # a year of visits: the history's item table is wider than 768 px
            make_final(world.program_a, [3] * 13, visit_date=date(2025, month, 1))
        visits_in_both_formats(world)  # the history's IT-IS chart: a team's group and individual lines
        visit = make_final(world.program_a, GROUP_A, visit_date=date(2026, 3, 2)).id
        window = f"?from={FROM}&to={TO}"
        urls = [f"/dashboards/programs/{world.program_a.id}{window}", f"/dashboards/teams/{scenario.group.id}{window}",
                f"/dashboards/state{window}", f"/fidelity/assessments/{visit}/report",
                f"/fidelity/programs/{world.program_a.id}/history", "/fidelity/state"]
        trainer = world.users["trainer"]
        _db.session.remove()
    return [module_live_server.url + u for u in urls], trainer


@pytest.fixture
def chart_pages(module_live_server, chart_urls, page):
    """The chart pages, the test's page signed in as a trainer (through the form): the resize and extremes tests
    walk them."""
    urls, trainer = chart_urls
    sign_in(page, module_live_server.url, trainer, PASSWORD)
    return urls
