"""Every route answers with the security headers: a CSP without inline script, no framing, no sniffing, a
referrer policy, HSTS in production only, and no-store on everything but static files. Every page's HTML
has no inline script or handler attribute for the CSP to block."""
import re
import secrets

import pytest

from app import create_app
from security.headers import CACHEABLE_ENDPOINTS
from tests.conftest import TEST_CONFIG
from tests.fidelity.factories import final_visit_ids
from tests.helpers import Auth, csrf_token_in

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


@pytest.fixture
def world(sqlite_app):
    from tests.factories import build_world
    return build_world()


@pytest.fixture
def client(sqlite_app):
    return sqlite_app.test_client()


def _real_values(world):
    from dashboards.assets import plotly_digest
    from imports.operations import create_batch
    final_a, _ = final_visit_ids(world)
    return {"agency_id": world.agency_a.id, "program_id": world.program_a.id, "team_id": world.team_a.id,
            "object_id": world.program_a.id, "kind": "programs", "assessment_id": final_a,
            "batch_id": create_batch(world.agency_a, "roster", "a.csv", b"code,start\nA1,2026-01-05\n").id,
            "scale_key": "imr_fidelity", "version": "3-24-05", "import_kind": "roster", "filename": "css/app.css",
            "digest": plotly_digest()}


def _responses(app, client, auth, world):
    """(endpoint, url, response) for every route, with real values where a route takes arguments."""
    real = _real_values(world)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint == "auth.sign_out":
            continue  # last, by the caller: it ends the session
        # An argument this file does not know (a new route) gets 1 or "x": its 404 must carry the headers too.
        values = {a: real.get(a, 1 if type(c).__name__ == "IdConverter" else "x") for a, c in rule._converters.items()}
        url = rule.build(values)[1]
        response = client.get(url) if "GET" in rule.methods else auth.post(url)
        yield rule.endpoint, url, response
    yield "auth.sign_out", "/sign-out", auth.logout()


def _header_problems(endpoint, url, response, production=False):
    problems = []
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
    if directives.get("script-src") != "'self'" or "frame-ancestors" not in directives \
            or directives["frame-ancestors"] != "'none'" or directives.get("object-src") != "'none'":
        problems.append(f"{url}: Content-Security-Policy is {csp!r}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{url}: no X-Content-Type-Options: nosniff")
    if headers.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"):
        problems.append(f"{url}: Referrer-Policy is {headers.get('Referrer-Policy')!r}")
    hsts = headers.get("Strict-Transport-Security")
    if production and not (hsts and "max-age=31536000" in hsts):
        problems.append(f"{url}: no HSTS in production")
    if not production and hsts:
        problems.append(f"{url}: HSTS outside production")
    cache = headers.get("Cache-Control", "")
    if endpoint in CACHEABLE_ENDPOINTS:
        # Cached and revalidated (Flask's no-cache with an ETag, or a max-age), never no-store.
        if "no-store" in cache or not ("max-age" in cache or headers.get("ETag")):
            problems.append(f"{url}: a static file should be cached, Cache-Control is {cache!r}")
    elif cache != "no-store":
        problems.append(f"{url} ({response.status_code}): Cache-Control is {cache!r}, not no-store")
    return problems


def _markup_problems(url, response):
    if response.mimetype != "text/html":
        return []
    html = response.get_data(as_text=True)
    found = INLINE_SCRIPT.findall(html) + HANDLER_ATTRIBUTE.findall(html) + JAVASCRIPT_URL.findall(html)
    return [f"{url}: inline script the CSP would block: {found[:3]}"] if found else []


@pytest.mark.parametrize("role", ["admin", "clerk_a"])
def test_every_route_sends_the_security_headers(sqlite_app, client, world, role):
    auth = Auth(client)
    assert auth.login(world.users[role]).status_code == 302
    problems, statuses = [], set()
    for endpoint, url, response in _responses(sqlite_app, client, auth, world):
        statuses.add(response.status_code)
        problems += _header_problems(endpoint, url, response) + _markup_problems(url, response)
    assert problems == []
    assert 200 in statuses and (404 in statuses or 403 in statuses)  # pages, downloads and refusals all checked


def test_downloads_are_not_stored(sqlite_app, client, world):
    auth = Auth(client)
    auth.login(world.users["manager_a"])
    for url in (f"/dashboards/programs/{world.program_a.id}/download?file=xlsx",
                f"/fidelity/assessments/{final_visit_ids(world)[0]}/report.xlsx"):
        response = client.get(url)
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
        assert response.headers["Cache-Control"] == "no-store"
        assert "ETag" not in response.headers and "Expires" not in response.headers


def test_signed_out_pages_and_errors_carry_the_headers_too(sqlite_app, client):
    for url, status in (("/sign-in", 200), ("/", 302), ("/no-such-page", 404), ("/api/v1/programs", 401)):
        response = client.get(url)
        assert response.status_code == status
        assert _header_problems(None, url, response) == []
    assert _header_problems("static", "/static/css/app.css", client.get("/static/css/app.css")) == []


def test_hsts_only_in_production(sqlite_app, client):
    url = sqlite_app.config["SQLALCHEMY_DATABASE_URI"]
    production = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "production",
                              "SECRET_KEY": secrets.token_hex(32)})
    response = production.test_client().get("/sign-in")
    assert response.status_code == 200
    assert _header_problems(None, "/sign-in", response, production=True) == []
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


def test_the_page_markup_check_finds_inline_script():
    """The scan above would see what the CSP blocks (so its silence means something)."""
    class Page:
        mimetype = "text/html"

        def __init__(self, html):
            self.html = html

        def get_data(self, as_text):
            return self.html
    assert _markup_problems("/x", Page('<button onclick="go()">'))
    assert _markup_problems("/x", Page("<script>alert(1)</script>"))
    assert _markup_problems("/x", Page('<a href="javascript:go()">'))
    assert not _markup_problems("/x", Page('<script src="/static/js/a.js"></script>'
                                           '<script type="application/json" class="figure">{}</script>'))
