"""The permission matrix: every route x every role x own and other agency, generated from auth/permissions.py.

Each route declares the permissions it needs (auth.permissions.permission_required); the roles holding
one of them get the page, others are refused (403, or 404 for another agency's object); nobody sees
another agency's data; anonymous users are sent to sign in (401 JSON under /api). A route that declares
no permission must be listed in PUBLIC, so a new route cannot skip the check, and the expectations
cannot drift from the table because they are read from it.
"""
import io
import re
import zipfile
from pathlib import Path

import pytest

from auth.permissions import PERMISSIONS, ROLE_ORDER, allowed_roles, readme_table, roles_with
from models import ROLES, STATE_ROLES
from tests.fidelity.factories import final_visit_ids

# Routes anyone may use, signed in or not (the code step after a good password sends anyone else to sign in).
PUBLIC = {"static", "assets.plotly_js", "auth.sign_in", "auth.sign_out", "auth.second_factor",
          "health.healthz",  # /healthz: for monitors, no sign-in and no data (tests/ops/test_health.py)
          "assets.plotly_worker"}  # code only, registered by the sign-in page before anyone is signed in


def allowed_for(app, endpoint):
    """The roles the route's declared permissions let in, or None for a public route."""
    names = getattr(app.view_functions[endpoint], "permissions", None)
    return None if endpoint in PUBLIC else allowed_roles(names or ())


# URL argument -> function(world) giving (value in agency A, value in agency B); B is "other" for A's staff.
ARG_VALUES = {
    "agency_id": lambda w: (w.agency_a.id, w.agency_b.id),
    "program_id": lambda w: (w.program_a.id, w.program_b.id),
    "team_id": lambda w: (w.team_a.id, w.team_b.id),
    "object_id": lambda w: (w.program_a.id, w.program_b.id),
    "kind": lambda w: ("programs", "programs"),
    "filename": lambda w: ("css/app.css", "css/app.css"),
    "digest": lambda w: ("0123456789abcdef", "0123456789abcdef"),  # the Plotly bundle's content hash
    "assessment_id": final_visit_ids,
    "scale_key": lambda w: ("imr_fidelity", "imr_fidelity"),
    "version": lambda w: ("3-24-05", "3-24-05"),
    "notification_id": lambda w: (10**6, 10**6 + 1),  # nobody's: notifications belong to users, see tests/scheduling
    "batch_id": lambda w: _import_batches(w),
    "import_kind": lambda w: ("sessions", "sessions"),
    "user_id": lambda w: _user_ids(w, "clerk_a", "clerk_b"),
    "participant_id": lambda w: _participants(w),
    "item": lambda w: (1, 1),
}
# Arguments naming state-wide things (no agency owns them): such routes are tried once, as "own".
STATE_WIDE_ARGS = {"kind", "filename", "scale_key", "version", "import_kind", "item"}


def _participants(world):
    """The first participant of each agency."""
    from sqlalchemy import select

    from extensions import db
    from models import Participant
    return tuple(db.session.scalar(select(Participant.id).where(Participant.client_code == code))
                 for code in ("A000", "B000"))


def _import_batches(world):
    """One recorded upload per agency (a CSV, so its original is offered for download), made once per world."""
    if not hasattr(world, "import_batches"):
        from imports.operations import create_batch
        data = b"Client ID,Start date\nA001,2026-01-05\n"
        world.import_batches = (create_batch(world.agency_a, "roster", "a.xlsx", data).id,
                                create_batch(world.agency_b, "roster", "b.xlsx", data).id)
    return world.import_batches

def _user_ids(world, *names):
    from sqlalchemy import select

    from extensions import db
    from models import User
    return tuple(db.session.scalar(select(User.id).where(User.email == world.users[n])) for n in names)


ROLE_USERS = {"admin": "admin", "trainer": "trainer", "manager": "manager_a", "clerk": "clerk_a"}
# Text only agency B's objects carry; agency A's staff must never see it.
OTHER_AGENCY_MARKERS = ("Agency Beta", "Beta IMR", "Beta group", "B000", "BBB")


def _urls(app, world):
    """(endpoint, url, method, object belongs to agency B) for every route."""
    cases = []
    for rule in app.url_map.iter_rules():
        method = "GET" if "GET" in rule.methods else "POST"
        if not rule.arguments:
            cases.append((rule.endpoint, rule.build({})[1], method, False))
            continue
        missing = [a for a in rule.arguments if a not in ARG_VALUES]
        assert not missing, f"{rule.rule}: add ARG_VALUES for {missing}"
        variants = ((0, False),) if set(rule.arguments) <= STATE_WIDE_ARGS else ((0, False), (1, True))
        for index, other in variants:
            values = {a: ARG_VALUES[a](world)[index] for a in rule.arguments}
            cases.append((rule.endpoint, rule.build(values)[1], method, other))
    return cases


def test_every_route_declares_a_permission(app):
    undeclared = sorted(endpoint for endpoint, view in app.view_functions.items()
                        if endpoint not in PUBLIC and not getattr(view, "permissions", None))
    assert undeclared == [], "decorate these views with auth.permissions.permission_required (or list them in PUBLIC)"


def test_the_table_names_only_account_roles():
    assert set(ROLE_ORDER) == set(ROLES)
    assert all(p.roles and p.roles <= set(ROLES) and p.description for p in PERMISSIONS.values())
    # State roles belong to no agency (the account check constraint), so they must see every agency.
    assert set(roles_with("agencies.read_all")) == set(STATE_ROLES)


def test_clerks_hold_no_fidelity_scores_and_managers_no_drafts():
    assert "clerk" not in roles_with("fidelity.read_scores") + roles_with("dashboards.read")
    assert "manager" not in roles_with("fidelity.read_drafts") + roles_with("fidelity.rate")


# URL prefixes of pages holding fidelity scores, dashboards or administration: pinned here by address, not by
# permission name, so a route declaring too weak a permission fails even though the matrix follows its declaration.
CLERKS_NEVER = ("/fidelity", "/api/v1/assessments", "/api/v1/fidelity", "/api/v1/scales", "/dashboards",
                "/api/v1/engagement", "/visits-due", "/api/v1/reassessments/due", "/admin")
RATING_ONLY = ("/rate", "/raters", "/consensus", "/amend", "/workbook", "/submit", "/agreement", "/finalize")


def test_clerks_reach_no_score_page_and_managers_no_rating_page(app):
    problems = []
    for rule in app.url_map.iter_rules():
        allowed = allowed_for(app, rule.endpoint) or set()
        if rule.rule.startswith(CLERKS_NEVER) and "clerk" in allowed:
            problems.append(f"clerks may use {rule.rule}")
        if rule.rule.startswith("/programs/") and rule.rule.endswith("/reassessment-policy") and "clerk" in allowed:
            problems.append(f"clerks may use {rule.rule}")
        if any(part in rule.rule for part in RATING_ONLY) and "/scales/" not in rule.rule and "manager" in allowed:
            problems.append(f"managers may use {rule.rule}")
    assert problems == []


def test_readme_shows_the_permission_table():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = re.search(r"## What each role can do\n(.*?)\n## ", readme, re.S).group(1)
    assert readme_table() in section, (
        "README's 'What each role can do' differs from auth/permissions.py; paste the output of\n"
        "python -c 'from auth.permissions import readme_table; print(readme_table())'")


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_role_matrix(app, client, auth, world, role):
    assert auth.login(world.users[ROLE_USERS[role]]).status_code == 302
    problems = []
    for endpoint, url, method, other in _urls(app, world):
        allowed = allowed_for(app, endpoint)
        if allowed is None:
            continue
        if method == "GET":
            response = client.get(url)
        else:
            response = auth.post(url)
        body = _text_of(response.get_data())
        sees_everything = role in roles_with("agencies.read_all")
        if role not in allowed:
            expected = {403, 404}
        elif other and not sees_everything:
            expected = {404}
        elif method == "POST":
            continue  # allowed writes are covered by each feature's own tests
        elif "/notices/" in url:
            expected = {404}  # nobody's notification (see ARG_VALUES); tests/fidelity/notices opens one's own
        else:
            expected = {200}
        if response.status_code not in expected:
            problems.append(f"{role} {method} {url}: {response.status_code}, expected {sorted(expected)}")
        if not sees_everything and any(marker in body for marker in OTHER_AGENCY_MARKERS):
            problems.append(f"{role} {method} {url}: shows another agency's data")
        if url.startswith("/api/") and response.status_code != 200:
            if not response.is_json:
                problems.append(f"{role} {method} {url}: error is not JSON")
    assert problems == []


def _text_of(data):
    """A response's text; of a download (.xlsx, a zip) the parts holding its words (cells, sheet names, title), so
    another agency's name in it shows (its styles are left out: colours such as 9BBB59 are no agency's code)."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return data.decode("utf-8", "replace")
    return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist()
                   if name.startswith(("xl/worksheets/", "xl/sharedStrings", "xl/workbook", "docProps/")))


def test_anonymous_is_sent_to_sign_in(app, client, world):
    problems = []
    for endpoint, url, method, _ in _urls(app, world):
        if allowed_for(app, endpoint) is None:
            continue
        response = client.get(url) if method == "GET" else client.post(url)
        if url.startswith("/api/"):
            ok = response.status_code in (401, 400) and response.is_json  # 400: a POST without CSRF token
        else:
            ok = (response.status_code == 302 and "/sign-in" in response.headers["Location"]) or \
                 (method == "POST" and response.status_code == 400)
        if not ok:
            problems.append(f"anonymous {method} {url}: {response.status_code}")
    assert problems == []
