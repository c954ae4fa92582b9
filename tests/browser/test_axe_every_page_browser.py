"""axe-core (the copy axe-playwright-python bundles: offline) over every page of every role, in the states
that matter (import preview, rating, consensus, report, notices, goals, sign-in code, 2FA set-up, forms
showing their errors): no serious or critical violation, and no chart toolbar inside the chart's image.
Pages are opened 768 px wide (a tablet, the narrowest width the service is made for): no page scrolls sideways
and every label sits next to its control (filters wrapped a label to one line and its control to the next).
The check of one page is tests/browser/axe_check.py.

Pages come from app.url_map (tests/browser/axe_pages.py): a GET route is opened for every role with real ids
from the demo state, and a route no role is served a page by fails unless SKIPPED says why. This walk opens the
pages the layout walk leaves to other tests (axe_check.LAYOUT_WALK_SKIPS: dashboards, rating, consensus, report)
and the signed-out pages; the layout walk (test_pages_layout_browser.py) opens every other URL of the same list,
for every role, and runs the same check in that visit, so no page is opened twice for the two.
A worker signs each role in once and builds the site once. One browser per worker, axe injected once per page
(one run, violations only). The routes no role is served are found without a browser, through the test client.
"""
import time

import pytest
from playwright.sync_api import Error

from extensions import db
from tests.browser import axe_check, axe_pages
from tests.browser.axe_world import PASSWORD, ROLE_ACCOUNTS, axe_app
from tests.browser.axe_check import LAYOUT_WALK_SKIPS, VIEWPORT, layout_walk_skips
from tests.browser.conftest import LiveServer, send_form, signed_in
from tests.helpers import Auth

pytestmark = pytest.mark.browser
PARTS = {}  # parts of a role's walk (1 if not named): its pages are few since the layout walk checks the rest


@pytest.fixture(scope="module")
def site(sqlite_template, tmp_path_factory):
    app, world = axe_app(sqlite_template, tmp_path_factory, "axe")
    server = LiveServer(app)
    # What this worker's walks share: the page contents checked already (for every role), each role's sign-in.
    yield app, server, world, {**axe_check.new_shared(), "signed_in": {}}
    server.stop()
    with app.app_context():
        db.engine.dispose()


class Walk(axe_check.Walk):
    """Opens pages in one role's browser context and keeps what axe-core finds."""

    def open(self, page, role, endpoint, url, seen):
        """Open a URL; check it when it is a page this role has not had checked yet."""
        try:
            response = page.goto(self.base + url)
        except Error as e:
            if "Download is starting" in str(e):
                return
            raise
        if response.status >= 500:
            self.problems.append(f"{role} {url}: HTTP {response.status}")
        if not response.headers.get("content-type", "").startswith("text/html"):
            return
        if response.status == 200:
            self.served.add(endpoint)
        key = page.url if response.status == 200 else response.status  # each error page once per role
        if key not in seen:
            seen.add(key)
            status = "" if response.status == 200 else f" (HTTP {response.status})"
            self.check(page, f"{role} {url}{status}", response.text())


def _sign_in(page, walk, role, world):
    page.goto(walk.base + "/sign-in")
    if role == "admin":  # the signed-out pages, once: sign-in, its error, the code page and its error
        walk.check(page, "signed out /sign-in")
        send_form(page, {"#email": ROLE_ACCOUNTS[role], "#password": "not-the-password"}, "button[type=submit]")
        walk.check(page, "signed out /sign-in with a wrong password")
    send_form(page, {"#email": ROLE_ACCOUNTS[role], "#password": PASSWORD}, "button[type=submit]")
    if role == "admin":
        walk.check(page, "admin /sign-in/code")
        send_form(page, {"#code": "000000"}, "button[type=submit]")
        walk.check(page, "admin /sign-in/code with a wrong code")
        send_form(page, {"#code": world.admin_code()}, "button[type=submit]")
    assert page.url.rstrip("/") == walk.base, f"{role} did not reach the overview: {page.url}"


def _signed_in_page(browser, site, walk, role):
    """A page of a new context signed in as `role`: through the form the first time in this worker (its pages
    checked), then with the cookies of that sign-in."""
    world, shared = site[2], site[3]
    return signed_in(browser, shared["signed_in"], role, VIEWPORT,
                     lambda page: _sign_in(page, walk, role, world))


@pytest.mark.parametrize("role, part", [(r, p) for r in axe_pages.ROLES for p in range(PARTS.get(r, 1))],
                         ids=lambda v: str(v))
def test_every_page_a_role_sees_has_no_serious_accessibility_problem(site, browser, role, part):
    app, server, world, shared = site
    walk, parts = Walk(server.url, shared), PARTS.get(role, 1)
    started = time.perf_counter()
    context, page = _signed_in_page(browser, site, walk, role)
    seen = set()
    # The other pages are checked in the layout walk's visits (test_pages_layout_browser.py)
    for endpoint, url in [u for u in axe_pages.walk(app, world) if u[0].startswith(LAYOUT_WALK_SKIPS)][part::parts]:
        walk.open(page, role, endpoint, url, seen)
    if part == 0:
        for who, what, url, fields, button in axe_pages.error_forms(world):
            if who == role and layout_walk_skips(app, server.url + url):
                page.goto(server.url + url)
                status = send_form(page, fields, button)
                assert status == 400, f"{role}: {what} was not refused (HTTP {status})"
                walk.check(page, f"{role} {url}: {what}")
        if role == "trainer":
            for url in axe_pages.BAD_WINDOWS:
                walk.open(page, role, "bad window", url, seen)
    context.close()
    print(f"\naxe-core checked {walk.checked} pages for {role}, part {part + 1} of {parts} ({walk.same} more "
          f"showed content checked already) in {time.perf_counter() - started:.1f} s")
    assert walk.problems == [], "\n".join(walk.problems)


def test_every_route_serves_some_role_a_page(site):
    """Each route the walk opens answers at least one role with a page (asked through the test client)."""
    app, _server, world, _shared = site
    assert not [e for e in axe_pages.SKIPPED if e not in app.view_functions], "SKIPPED names a route that is gone"
    urls, served = axe_pages.walk(app, world), set()
    for role in axe_pages.ROLES:
        auth = Auth(app.test_client())
        assert auth.login(ROLE_ACCOUNTS[role], PASSWORD).status_code == 302
        if role == "admin":
            assert auth.post("/sign-in/code", {"code": world.admin_code()}).status_code == 302
        for endpoint, url in urls:
            if endpoint not in served:
                response = auth.client.get(url, follow_redirects=True)  # as the browser follows them
                if response.status_code == 200 and response.content_type.startswith("text/html"):
                    served.add(endpoint)
    never = sorted(r.endpoint for r in app.url_map.iter_rules()
                   if "GET" in r.methods and not axe_pages.skip_reason(r.endpoint) and r.endpoint not in served)
    assert never == [], "routes no role was served a page by: give them ids in axe_world or a SKIPPED reason"
