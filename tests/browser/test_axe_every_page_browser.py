"""axe-core (the copy axe-playwright-python bundles: offline) over every page of every role, in the states
that matter (import preview, rating, consensus, report, notices, goals, sign-in code, 2FA set-up, forms
showing their errors): no serious or critical violation, and no chart toolbar inside the chart's image.
Pages are opened 768 px wide (a tablet, the narrowest width the service is made for): no page scrolls sideways
and every label sits next to its control (filters wrapped a label to one line and its control to the next).

Pages come from app.url_map (tests/browser/axe_pages.py): a GET route is opened for every role with real ids
from the demo state, and a route no role is served a page by fails unless SKIPPED says why.
The walk is split into parts (a role's URLs, every PARTS[role]-th one each), so no one test takes minutes and
the suite's workers can share it; a worker signs each role in once and builds the site once. One browser per
worker, axe injected once per page (one run, violations only). The routes no role is served are found without a
browser, through the test client.
"""
import hashlib
import re
import time

import pytest
from playwright.sync_api import Error

from extensions import db
from tests.browser import axe_pages
from tests.browser.axe_world import PASSWORD, ROLE_ACCOUNTS, axe_app
from tests.browser.conftest import LiveServer, send_form, signed_in
from tests.browser.layout_checks import LABELS_APART, SIDEWAYS, axe_violations
from tests.helpers import Auth

pytestmark = pytest.mark.browser
ALSO = ("empty-table-header",)  # minor to axe-core, but the issue names it: action columns need a header
CSRF = re.compile(r'name="csrf_token"[^>]*>')  # differs per session: not part of what a page shows
PARTS = {"admin": 4, "trainer": 2, "manager": 2}  # parts of a role's walk (1 if not named): about equal in time
WIDTH = 768


@pytest.fixture(scope="module")
def site(sqlite_template, tmp_path_factory):
    app, world = axe_app(sqlite_template, tmp_path_factory, "axe")
    server = LiveServer(app)
    # What this worker's walks share: the page contents checked already (for every role), each role's sign-in.
    yield app, server, world, {"contents": set(), "headers": set(), "signed_in": {}}
    server.stop()
    with app.app_context():
        db.engine.dispose()


class Walk:
    """Opens pages in one role's browser context and keeps what axe-core finds."""

    def __init__(self, base, shared):
        """`shared`: what this worker's walks checked already (page contents; the roles whose menu was checked)."""
        self.base, self.problems, self.served = base, [], set()
        self.contents, self.headers = shared["contents"], shared["headers"]
        self.checked = self.same = 0

    def check(self, page, label, html=None):
        """Run axe-core on the page; `html`, the page as served, lets content checked already be passed over
        once this role's menu and header have been checked on a page of its own."""
        role = label.split()[0]
        # The same content another role was shown (in this worker): only the menu differs, and this role's menu
        # was checked.
        if html is not None and role in self.headers:
            content = hashlib.sha256(CSRF.sub("", html.split("<main", 1)[-1].split("</main>")[0]).encode()).digest()
            if content in self.contents:
                self.same += 1
                return
            self.contents.add(content)
        if page.locator("script.figure").count():
            page.wait_for_selector("body[data-charts-ready=yes]")
        sideways = page.evaluate(SIDEWAYS)
        if sideways > 0:
            self.problems.append(f"{label}: the page scrolls sideways by {sideways} px at {WIDTH} px")
        self.problems += [f"{label}: {p}" for p in page.evaluate(LABELS_APART)]
        for v in axe_violations(page, ALSO):
            node = v["nodes"][0]
            self.problems.append(f"{label}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes) "
                                 f"e.g. {node['target']} {node['html'][:160]}")
        if page.locator(".plot [role=img] button, .plot[role=img]").count():
            self.problems.append(f"{label}: the chart toolbar sits inside the element marked as an image")
        named = page.locator(".plot svg[role=img][aria-label^='Chart: ']").count()
        if named != page.locator(".plot[data-label]").count():
            self.problems.append(f"{label}: a chart drawing is not one image named 'Chart: ...'")
        self.checked += 1
        self.headers.add(role)

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
    return signed_in(browser, shared["signed_in"], role, {"width": WIDTH, "height": 800},
                     lambda page: _sign_in(page, walk, role, world))


@pytest.mark.parametrize("role, part", [(r, p) for r in axe_pages.ROLES for p in range(PARTS.get(r, 1))],
                         ids=lambda v: str(v))
def test_every_page_a_role_sees_has_no_serious_accessibility_problem(site, browser, role, part):
    app, server, world, shared = site
    walk, parts = Walk(server.url, shared), PARTS.get(role, 1)
    started = time.perf_counter()
    context, page = _signed_in_page(browser, site, walk, role)
    seen = set()
    for endpoint, url in axe_pages.walk(app, world)[part::parts]:
        walk.open(page, role, endpoint, url, seen)
    if part == 0:
        for who, what, url, fields, button in axe_pages.error_forms(world):
            if who == role:
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
