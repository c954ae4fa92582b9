"""Forged writes and open redirects: every write route refuses a missing or another session's CSRF token, and
signing in follows ?next= only to a page of this site, however the address is disguised."""
import re
from urllib.parse import urlsplit

import pytest

from tests.fidelity.factories import make_visit, user
from tests.helpers import PASSWORD, Auth, csrf_token_in

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def write_routes(app):
    """(method, url) of every write route in the URL map, its variables filled with existing-looking values."""
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: "users" if m.group(1) == "kind" else "1", rule.rule)
        for method in sorted(rule.methods & WRITE_METHODS):
            yield method, url


def test_every_write_route_refuses_a_missing_or_foreign_csrf_token(app, client, auth, world):
    # Visit 1 exists and the admin rates it: the rating and consensus pages check the token themselves, after
    # the visit's lookup (a missing visit is 404 there, token or not).
    make_visit(world.program_a, [user(world.users["admin"])])
    auth.login(world.users["admin"])
    other = Auth(app.test_client())
    other.login(world.users["trainer"])  # a valid token, but of another signed-in session
    routes = list(write_routes(app))
    assert len(routes) > 30
    for method, url in routes:
        for headers, data in (({}, {"x": "1"}), ({}, {"x": "1", "csrf_token": other.token}),
                              ({"X-CSRFToken": other.token}, None)):
            response = client.open(url, method=method, data=data, json=None if data else {"x": 1}, headers=headers)
            assert response.status_code == 400, (method, url, headers, data)
            assert "security token" in response.get_data(as_text=True), (method, url)


NEXTS = ["//evil.example/x", "/\\evil.example", "/\\/evil.example", "/\t/evil.example", "\\\\evil.example",
         "https:evil.example", "http:/evil.example", "https://evil.example", "javascript:alert(1)",
         "/\r\n/evil.example", " //evil.example", "///evil.example"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the rule is the app's, not the database's
def test_signing_in_never_redirects_off_site(app, world):
    for target in NEXTS:
        client = app.test_client()  # signed out for each try
        token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
        response = client.post("/sign-in", query_string={"next": target},
                               data={"email": world.users["admin"], "password": PASSWORD, "csrf_token": token})
        location = response.headers["Location"]
        # What a browser makes of it: backslashes count as slashes, tabs and newlines are dropped.
        seen = re.sub(r"[\t\r\n]", "", location).replace("\\", "/")
        assert not urlsplit(seen).netloc and not urlsplit(seen).scheme and not seen.startswith("//"), (target, location)
