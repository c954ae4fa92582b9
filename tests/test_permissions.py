"""The permission matrix: every route x every role x own and other agency.

Allowed roles get their page; other roles are refused (403, or 404 for another agency's object);
nobody sees another agency's data; anonymous users are sent to sign in (401 JSON under /api).
Every registered endpoint must have a row here, so a new route cannot skip the check.
"""
import pytest

from tests.fidelity.factories import final_visit_ids

ALL = frozenset({"admin", "trainer", "manager", "clerk"})
STATE = frozenset({"admin", "trainer"})
ADMIN = frozenset({"admin"})
READERS = frozenset({"admin", "trainer", "manager"})
UPLOADERS = frozenset({"admin", "manager", "clerk"})  # who may import into an agency
# Trainers may upload fidelity history only (Kind.roles): the upload routes let them in, the kind decides.
KIND_UPLOADERS = UPLOADERS | {"trainer"}
PUBLIC = "public"

# endpoint -> roles that may use it (PUBLIC: no sign-in needed)
ACCESS = {
    "static": PUBLIC,
    "assets.plotly_js": PUBLIC,
    "auth.sign_in": PUBLIC,
    "auth.sign_out": PUBLIC,
    "auth.second_factor": PUBLIC,  # the code step after a good password; sends anyone else to sign in
    "account.index": ALL,
    "account.password": ALL,
    "account.enrol": ALL,
    "account.new_recovery_codes": ALL,
    "account.remove_two_factor": ALL,
    "org.overview": ALL,
    "org.program": ALL,
    "org.team": ALL,
    "admin.index": ADMIN,
    "admin.edit": ADMIN,
    "admin.audit": ADMIN,
    "admin.sign_out_everywhere": ADMIN,
    "admin.reset_two_factor": ADMIN,
    "api_org.agencies": ALL,
    "api_org.agency": ALL,
    "api_org.programs": ALL,
    "api_org.program": ALL,
    "api_org.teams": ALL,
    "api_org.team": ALL,
    # Fidelity: trainers and admins rate; managers read their own agency's final reports; clerks see none.
    "fidelity_visits.index": READERS,
    "fidelity_visits.new_assessment": STATE,
    "fidelity_visits.assessment": STATE,
    "fidelity_visits.add_rater_view": STATE,
    "fidelity_visits.rate": STATE,
    "fidelity_consensus.consensus": STATE,
    "fidelity_consensus.amend_view": STATE,
    "fidelity_visits.workbook": STATE,
    "fidelity_visits.upload_workbook": STATE,
    "fidelity_reports.report": READERS,
    "fidelity_reports.report_xlsx": READERS,
    "fidelity_reports.program_history": READERS,
    "fidelity_reports.team_history": READERS,
    "fidelity_reports.state": READERS,
    "fidelity_scales.index": READERS,
    "fidelity_scales.show": READERS,
    "fidelity_scales.download": ADMIN,
    "fidelity_scales.upload": ADMIN,
    "api_fidelity.assessments": READERS,
    "api_fidelity.create": STATE,
    "api_fidelity.assessment": READERS,
    "api_fidelity.ratings": STATE,
    "api_fidelity.save_my_ratings": STATE,
    "api_fidelity.submit": STATE,
    "api_fidelity.agreement": STATE,
    "api_fidelity.consensus": STATE,
    "api_fidelity.finalize_view": STATE,
    "api_fidelity.amendments": STATE,
    "api_fidelity.scales": READERS,
    "api_fidelity.scale": READERS,
    "api_fidelity.program_history": READERS,
    "api_fidelity.team_history": READERS,
    "api_fidelity.state": READERS,
    # Engagement dashboards: clerks upload sheets; they see no dashboards.
    "dashboards.program": READERS,
    "dashboards.team": READERS,
    "dashboards.overview": READERS,
    "dashboards.program_download": READERS,
    "dashboards.team_download": READERS,
    "dashboards.overview_download": READERS,
    "api_dashboards.program_engagement": READERS,
    "api_dashboards.team_engagement": READERS,
    "api_dashboards.overview_engagement": READERS,
    "scheduling.due_list": READERS,
    "scheduling.edit_policy": STATE,
    "scheduling.notifications": ALL,
    "scheduling.read_notification": ALL,
    "scheduling.read_all_notifications": ALL,
    "api_scheduling.due": READERS,
    "api_scheduling.program_reassessment": ALL,
    "api_scheduling.put_policy": STATE,
    "api_scheduling.notifications": ALL,
    "api_scheduling.read_notification": ALL,
    # Imports: clerks and managers of an agency upload into it; state staff read every list.
    "imports.index": ALL,
    "imports.upload": KIND_UPLOADERS,
    "imports.batch": ALL,
    "imports.commit": UPLOADERS,
    "imports.discard": UPLOADERS,
    "imports.preview_workbook": ALL,
    "imports.original": ALL,
    "imports.problems": ALL,
    "imports.kind_help": ALL,
    "imports.kind_template": ALL,
    "api_imports.imports": ALL,
    "api_imports.upload": KIND_UPLOADERS,
    "api_imports.batch": ALL,
    "api_imports.commit": UPLOADERS,
    "api_imports.discard": UPLOADERS,
    "api_imports.kinds": ALL,
}

# URL argument -> function(world) giving (value in agency A, value in agency B); B is "other" for A's staff.
ARG_VALUES = {
    "agency_id": lambda w: (w.agency_a.id, w.agency_b.id),
    "program_id": lambda w: (w.program_a.id, w.program_b.id),
    "team_id": lambda w: (w.team_a.id, w.team_b.id),
    "object_id": lambda w: (w.program_a.id, w.program_b.id),
    "kind": lambda w: ("programs", "programs"),
    "filename": lambda w: ("css/app.css", "css/app.css"),
    "assessment_id": final_visit_ids,
    "scale_key": lambda w: ("imr_fidelity", "imr_fidelity"),
    "version": lambda w: ("3-24-05", "3-24-05"),
    "notification_id": lambda w: (10**6, 10**6 + 1),  # nobody's: notifications belong to users, see tests/scheduling
    "batch_id": lambda w: _import_batches(w),
    "import_kind": lambda w: ("sessions", "sessions"),
    "user_id": lambda w: _user_ids(w, "clerk_a", "clerk_b"),
}
# Arguments naming state-wide things (no agency owns them): such routes are tried once, as "own".
STATE_WIDE_ARGS = {"kind", "filename", "scale_key", "version", "import_kind"}


def _import_batches(world):
    """One recorded (refused) upload per agency, made once per world."""
    if not hasattr(world, "import_batches"):
        from imports.operations import create_batch
        world.import_batches = (create_batch(world.agency_a, "roster", "a.xlsx", b"PK").id,
                                create_batch(world.agency_b, "roster", "b.xlsx", b"PK").id)
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


def test_every_route_has_a_row(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ACCESS) == set(), "add these endpoints to ACCESS"


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_role_matrix(app, client, auth, world, role):
    assert auth.login(world.users[ROLE_USERS[role]]).status_code == 302
    problems = []
    for endpoint, url, method, other in _urls(app, world):
        allowed = ACCESS[endpoint]
        if allowed == PUBLIC or endpoint == "auth.sign_out":
            continue
        if method == "GET":
            response = client.get(url)
        else:
            response = auth.post(url)
        body = response.get_data().decode("utf-8", "replace")  # downloads (.xlsx) are binary
        sees_everything = role in STATE
        if role not in allowed:
            expected = {403, 404}
        elif other and not sees_everything:
            expected = {404}
        elif method == "POST":
            continue  # allowed writes are covered by each feature's own tests
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


def test_anonymous_is_sent_to_sign_in(app, client, world):
    problems = []
    for endpoint, url, method, _ in _urls(app, world):
        if ACCESS[endpoint] == PUBLIC:
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
