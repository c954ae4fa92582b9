"""Every page that is no dashboard or rating form (sign-in and its code, account, admin, imports, visits due,
notifications, the organisation pages, error pages, and the fidelity pages: visits, a visit in each state, the
start-a-visit form, amendments, the evidence panel, history, the state view, the scales, a scale version and the
upload, notices opening a visit, the offline workbook upload sent back), as each role sees it, at 390, 768, 1024 and 1280 px and printed
on A4 and Letter, with names as long as agencies give them (a 120-character agency and program name, a 40-character
client code, a rater's long address), a 300-problem import, one waiting for a worker and one discarded, a team with
a year of 16-item IT-IS visits and a final visit amended three times.

On screen nothing reaches past the window, overlaps or is cut, no day wraps in a table, a wide table scrolls inside
its box (the admin's forms scrolled 759 px sideways on a phone, the upload form 1,562 px, the goals 277 px); printed,
the menu is left out and every table keeps its columns on the paper, headers repeating and rows whole. At 390 px
axe-core runs its rules that find more on a phone (layout_checks.WIDTH_DEPENDENT): a table scrolling in its box
must be reachable by keyboard; its other rules find the same at every width, and the axe walk of every page runs
them at 768 px: that walk's check (tests/browser/axe_check.py) runs here, in the same visit, on each page of the
axe walk's own URLs (the world's before the long names and extra visits and imports were added), each page opened
768 px wide as that walk opens it.
Forms by keyboard alone: focus starts in the form, moves in reading order and shows; a form sent back with errors
puts the focus on its first invalid control, which names its error.
"""
import pytest
from playwright.sync_api import TimeoutError as NotYet

from extensions import db
from tests.browser import axe_check, axe_pages
from tests.browser.axe_check import LAYOUT_WALK_SKIPS as OWNED_ELSEWHERE, VIEWPORT, layout_walk_skips
from tests.browser.axe_world import PASSWORD, ROLE_ACCOUNTS, add_extremes, axe_app
from tests.browser.conftest import LiveServer, send_form, signed_in, to_print
from tests.browser.fidelity_extremes import add_fidelity_extremes
from tests.browser.layout_checks import (CHARTS_AT_THEIR_WIDTH, LABELS_APART, OUT_OF_BOX, PAGE_PROBLEMS, PAPER,
                                         PRINTED_CHROME, PRINTED_TABLE_PROBLEMS, SIDEWAYS, WIDTH_DEPENDENT,
                                         axe_violations)

pytestmark = pytest.mark.browser
WIDTHS = (390, 768, 1024, 1280)  # a phone, a tablet, a small laptop, a desktop
# Pages other tests walk at these widths: the dashboards (test_dashboard_layout_browser.py and the extremes, resize
# and print tests), and the rating, consensus and report pages (test_fidelity_phone_browser.py at 390-1280 px,
# test_fidelity_print.py and test_rating_kept_browser.py printed).
# (OWNED_ELSEWHERE: axe_check.LAYOUT_WALK_SKIPS; the axe walk opens those pages for its check)
NEW = "quiet harbour lantern seventeen"  # a password the rules accept


@pytest.fixture(scope="module")
def site(sqlite_template, tmp_path_factory):
    app, world = axe_app(sqlite_template, tmp_path_factory, "layout")
    axe_urls = set(axe_pages.walk(app, world))  # the axe walk's URLs: checked for axe-core here too
    with app.app_context():
        batches = add_extremes(world)
        add_fidelity_extremes(world)
    world.ids["batch_id"] += list(batches.values())
    server = LiveServer(app)
    yield app, server, world, {**axe_check.new_shared(), "signed_in": {}, "axe_urls": axe_urls}
    server.stop()
    with app.app_context():
        db.engine.dispose()


def _charts_redrawn(page):
    """Wait (a loaded machine may take many frames) until each chart is drawn at its box's width; a chart that never
    follows its box is left for OUT_OF_BOX to name."""
    try:
        page.wait_for_function(CHARTS_AT_THEIR_WIDTH, timeout=15000)
    except NotYet:
        pass


def _screen_problems(page):
    problems = []
    charts = page.locator("script.figure").count()
    if charts:
        page.wait_for_selector("body[data-charts-ready=yes]")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        if charts:  # redrawn for the new width (test_resize_browser.py checks the frames in between)
            _charts_redrawn(page)
        sideways = page.evaluate(SIDEWAYS)
        found = ([f"the page scrolls sideways by {sideways} px"] if sideways > 0 else []) + page.evaluate(
            OUT_OF_BOX, True) + page.evaluate(LABELS_APART) + page.evaluate(PAGE_PROBLEMS)
        problems += [f"{width} px: {p}" for p in found]
    return problems


def _print_problems(page):
    problems = []
    to_print(page)
    for paper, (width, height) in PAPER.items():
        page.set_viewport_size({"width": width, "height": height})
        sideways = page.evaluate(SIDEWAYS)
        found = ([f"the page is {sideways} px wider than the paper"] if sideways > 0 else []) + page.evaluate(
            PRINTED_CHROME) + page.evaluate(PRINTED_TABLE_PROBLEMS) + page.evaluate(PAGE_PROBLEMS)
        problems += [f"printed on {paper}: {p}" for p in found]
    page.emulate_media(media="screen")
    return problems


def _axe_problems(page):
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    return [f"axe-core at {WIDTHS[0]} px: {v['id']} ({v['impact']}) e.g. {v['nodes'][0]['target']}"
            for v in axe_violations(page, only=WIDTH_DEPENDENT)]


def _check(page, label, problems):
    problems += [f"{label}: {p}" for p in _screen_problems(page) + _print_problems(page) + _axe_problems(page)]


_owned_elsewhere = layout_walk_skips  # whether the page at a URL is one OWNED_ELSEWHERE (a notice may lead to one)


def _signed_in(browser, site, role, problems=None):
    """A page signed in as `role`: through the form the first time (its pages checked when `problems` is given),
    then with that sign-in's cookies."""
    _app, server, world, shared = site

    def sign_in(page):
        page.goto(server.url + "/sign-in")
        send_form(page, {"#email": ROLE_ACCOUNTS[role], "#password": PASSWORD})
        if role == "admin":
            if problems is not None:
                _check(page, "admin /sign-in/code", problems)
            send_form(page, {"#code": world.admin_code()})
    return signed_in(browser, shared["signed_in"], role, VIEWPORT, sign_in)


def test_signed_out_pages_fit_every_width_and_print(site, browser):
    _app, server, _world, _shared = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.goto(server.url + "/sign-in")
    _check(page, "/sign-in", problems)
    assert send_form(page, {}) == 400
    _check(page, "/sign-in sent empty", problems)
    send_form(page, {"#email": ROLE_ACCOUNTS["clerk"], "#password": "not-the-password"})
    _check(page, "/sign-in with a wrong password", problems)
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    assert send_form(page, {"#email": ROLE_ACCOUNTS["clerk"], "#password": PASSWORD}) == 400
    assert page.locator("h1").inner_text() == "Form expired"
    _check(page, "/sign-in sent without its token (400)", problems)
    assert page.goto(server.url + "/no-such-page").status == 404
    _check(page, "/no-such-page (404)", problems)
    page.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("role", axe_pages.ROLES)
def test_every_page_of_a_role_fits_every_width_and_print(site, browser, role):
    app, server, world, shared = site
    problems = []
    axe = axe_check.Walk(server.url, shared)  # the axe walk's check, on its URLs (test_axe_every_page_browser.py)
    context, page = _signed_in(browser, site, role, problems)
    seen, axe_seen = set(), set()
    for endpoint, url in axe_pages.walk(app, world):
        if endpoint.startswith(OWNED_ELSEWHERE):
            continue
        page.set_viewport_size(VIEWPORT)  # opened as the axe walk opens a page (the checks below set each width)
        response = page.goto(server.url + url)
        if response.status >= 500:
            problems.append(f"{role} {url}: HTTP {response.status}")
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue  # a download
        key = page.url if response.status == 200 else response.status  # each error page once
        if (endpoint, url) in shared["axe_urls"] and key not in axe_seen:
            axe_seen.add(key)
            status = "" if response.status == 200 else f" (HTTP {response.status})"
            axe.check(page, f"{role} {url}{status}", response.text())
        if key not in seen and not _owned_elsewhere(app, page.url):  # (a notice opening a report)
            seen.add(key)
            _check(page, f"{role} {url} (HTTP {response.status})", problems)
    for who, what, url, fields, button in axe_pages.error_forms(world):
        if who == role and not _owned_elsewhere(app, server.url + url):
            page.set_viewport_size(VIEWPORT)
            page.goto(server.url + url)
            assert send_form(page, fields, button) == 400, what
            axe.check(page, f"{role} {url}: {what}")
            _check(page, f"{role} {url}: {what}", problems)
    context.close()
    assert len(seen) > 8, seen
    print(f"\naxe-core checked {axe.checked} pages for {role} in the layout walk ({axe.same} more showed content "
          "checked already)")
    assert problems + axe.problems == [], "\n".join(problems + axe.problems)


FOCUS = """() => { const el = document.activeElement, style = getComputedStyle(el);
  return {id: el.id, tag: el.tagName, outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
          invalid: el.getAttribute('aria-invalid'),
          described: (el.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
            .map(id => document.getElementById(id).textContent.trim()).join(' ')}; }"""


def _tab_through(page, form):
    """The controls of `form` in the order Tab reaches them from the top of the page, each with whether its focus
    shows."""
    page.focus("a.skip")
    order = []
    for _ in range(40):
        page.keyboard.press("Tab")
        if not page.evaluate(f"() => document.querySelector({form!r}).contains(document.activeElement)"):
            if order:
                break
            continue
        focus = page.evaluate(FOCUS)
        order.append((focus["id"] or focus["tag"], focus["outline"]))
    return order


def test_signing_in_by_keyboard_alone(site, browser):
    _app, server, _world, _shared = site
    page = browser.new_page(viewport={"width": 390, "height": 800})
    page.goto(server.url + "/sign-in")
    assert page.evaluate(FOCUS)["id"] == "email"  # the form has the focus when the page opens
    page.keyboard.type(ROLE_ACCOUNTS["manager"])
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUS)["id"] == "password"
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Overview"
    page.close()


@pytest.mark.parametrize("role, url, fields, first, message", [
    ("admin", "/admin/users/new", {}, "email", "Email: This field is required."),
    ("trainer", "/account/", {"#current": "wrong-password-here", "#new": NEW, "#confirm": NEW}, "current",
     "Current password: That is not your current password."),
    ("admin", "/programs/{program}/reassessment-policy", {"#interval_months": "0"}, "interval_months", ""),
], ids=["new user", "password change", "policy"])
def test_a_form_sent_back_with_errors_puts_the_focus_on_the_first_one(site, browser, role, url, fields, first,
                                                                      message):
    """The error is announced with the control it belongs to; Tab then walks the form top to bottom, focus shown."""
    _app, server, world, _shared = site
    context, page = _signed_in(browser, site, role)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(server.url + url.format(program=world.states["program"]))
    assert send_form(page, fields, "main form.narrow button[type=submit]") == 400
    focus = page.evaluate(FOCUS)
    assert (focus["id"], focus["invalid"]) == (first, "true")
    assert focus["described"].startswith(message) and focus["described"]
    order = _tab_through(page, "main form.narrow")
    assert order and all(shown for _, shown in order), order
    tops = [page.evaluate(f"() => document.getElementById({i!r}).getBoundingClientRect().top")
            for i, _ in order if page.locator(f"#{i}").count()]
    assert tops == sorted(tops), order
    context.close()
