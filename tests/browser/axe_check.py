"""The accessibility check of one page, as the axe walk has it (test_axe_every_page_browser.py): the page opened
768 px wide, no sideways scroll, every label beside its control, axe-core's serious and critical violations, no chart
toolbar inside the chart's image. The layout walk (test_pages_layout_browser.py) runs it on the pages it opens, in
the same visit; the axe walk runs it on the rest (LAYOUT_WALK_SKIPS: the pages other tests walk for layout)."""
import hashlib
import re
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException

from tests.browser.layout_checks import LABELS_APART, SIDEWAYS, axe_violations

ALSO = ("empty-table-header",)  # minor to axe-core, but the issue names it: action columns need a header
CSRF = re.compile(r'name="csrf_token"[^>]*>')  # differs per session: not part of what a page shows
WIDTH = 768
VIEWPORT = {"width": WIDTH, "height": 800}  # what a page is opened at for the check
# Pages the layout walk leaves to other tests (the dashboards, the rating, consensus and report pages): the axe
# walk opens these; the layout walk opens (and checks for the axe walk) every other page of the world's URLs.
LAYOUT_WALK_SKIPS = ("dashboards.", "fidelity_visits.rate", "fidelity_consensus.consensus", "fidelity_reports.report")


def layout_walk_skips(app, url):
    """Whether the page at `url` is one of LAYOUT_WALK_SKIPS (a notice or a form may lead to one)."""
    path = urlsplit(url).path
    try:
        endpoint, _args = app.url_map.bind("localhost").match(path)
    except HTTPException:
        return False
    return endpoint.startswith(LAYOUT_WALK_SKIPS)


def new_shared():
    """What one worker's checks share: the page contents checked already (for every role), the roles whose menu
    and header were checked."""
    return {"contents": set(), "headers": set()}


class Walk:
    """Checks pages in one role's browser context and keeps what axe-core finds."""

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
