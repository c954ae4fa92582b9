"""Odd input on every route as every role: ids past any integer, Unicode digits, wrong JSON types, deep
nesting, huge strings, NUL bytes, broken percent-encodings. A 4xx with words is right; any 500 fails.

Routes come from app.url_map (what `flask routes` lists), so a new route is fuzzed without editing this file.
Parameter names are read from the source and templates of the route's package. Requests are a seeded sample,
not the cartesian product, so the file stays fast; the seed is in a failure's message.
"""
import functools
import json
import os
import random
import re
from io import BytesIO
from urllib.parse import quote

import pytest

from tests.fidelity.factories import final_visit_ids, make_visit, user
from tests.helpers import Auth, csrf_token_in

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROLE_USERS = {"admin": "admin", "trainer": "trainer", "manager": "manager_a", "clerk": "clerk_a"}
SEED = 13
SAMPLES_PER_ROUTE = 2  # per role; each sample sets about half the route's parameters to odd values

DEEP = 10_000
ODD_IDS = [str(2**63), str(2**64), "2147483648", "99999999999999999999999", "-1", "0", "²", "١٢", "1e3", " 1",
           "1_0", "0x10"]
ODD_TEXT = ODD_IDS + ["", " ", "\x00", "a\x00b", "x" * 4000, "NaN", "-inf", "true", "[]", "{}", "null",
                      "2026-02-30", "9999-12-31", "0001-01-01", "<script>", "'; drop table x; --", "\u202e", "\ud7ff"]
HUGE = "x" * 100_000  # in bodies only: servers refuse request lines past a few kB before the app sees them
# Percent-encodings that are not UTF-8: put into the query string as they are.
RAW_ENCODED = ["%ff", "%c0%af", "%ed%a0%80", "%e2%28%a1", "%00"]


def _deep(depth):
    return json.loads("[" * depth + "]" * depth) if depth < 500 else None  # deeper: sent as raw text


ODD_JSON = [2**63, 2**64, -1, 0, 1e308, -0.0, "²", "١٢", "1e3", " 1", "", "\x00", HUGE, None, True, False,
            [], {}, [1, 2], [[1]], {"a": {"b": None}}, ["²"], [2**63], _deep(50)]

_PY_NAME = re.compile(r"""\.get(?:list)?\(\s*["']([a-z_][a-z0-9_]*)["']|\[\s*["']([a-z_][a-z0-9_]*)["']\s*\]""")
_FIELD = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*=\s*\w*Field\(", re.M)
_HTML_NAME = re.compile(r"""name=["']([a-z_][a-z0-9_]*)(\{\{)?""")


def _names_in(package_dir):
    """Parameter names a package reads: .get("x") and ["x"] in its code, form fields, names in its templates."""
    names = set()
    for folder, _dirs, files in os.walk(package_dir):
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith(".py"):
                text = open(path, encoding="utf-8").read()
                names |= {a or b for a, b in _PY_NAME.findall(text)} | set(_FIELD.findall(text))
            elif name.endswith(".html"):
                names |= {n + ("1" if more else "") for n, more in _HTML_NAME.findall(open(path, encoding="utf-8").read())}
    return names - {"csrf_token"}


def _package_names(app, endpoint):
    return _names_of_package(app.view_functions[endpoint].__module__.split(".")[0])


@functools.cache
def _names_of_package(package):
    folder = os.path.join(ROOT, package)
    return sorted(_names_in(folder) if os.path.isdir(folder) else set())


def _world_ids(world):
    """Real ids per URL variable, so a sample sometimes reaches deep into a view instead of its 404."""
    from imports.operations import create_batch
    from extensions import db
    from models import User
    from sqlalchemy import select
    admin = db.session.scalar(select(User).where(User.email == world.users["admin"]))
    final_a, _ = final_visit_ids(world)
    draft = make_visit(world.program_a, [user(world.users["admin"])]).id
    batch = create_batch(world.agency_a, "roster", "a.xlsx", b"PK").id
    return {"agency_id": [world.agency_a.id, world.agency_b.id], "program_id": [world.program_a.id],
            "team_id": [world.team_a.id], "object_id": [world.program_a.id, admin.id],
            "assessment_id": [final_a, draft], "batch_id": [batch], "notification_id": [1],
            "kind": ["agencies", "programs", "teams", "users"], "scale_key": ["imr_fidelity", "it_is"],
            "version": ["3-24-05"], "import_kind": ["roster", "sessions", "attendance_grid"],
            "filename": ["css/app.css"]}


def _url_value(rng, rule, arg, real):
    """A URL variable: a real value half the time, else an odd one (ids past any integer, Unicode digits...)."""
    if real.get(arg) and rng.random() < 0.5:
        return str(rng.choice(real[arg]))
    return rng.choice(ODD_TEXT if rule._converters[arg].__class__.__name__ != "IdConverter" else ODD_IDS)


def _build(rule, values):
    path = rule.rule
    for arg, value in values.items():
        path = re.sub(r"<(?:[^>:]+:)?" + arg + ">", quote(value, safe=""), path)
    return path


def _query(rng, names):
    parts = []
    for name in names:
        if rng.random() < 0.5:
            continue
        for _ in range(rng.choice((1, 1, 2))):  # sometimes a list where one value is expected
            raw = rng.random() < 0.1
            parts.append(f"{name}=" + (rng.choice(RAW_ENCODED) if raw else quote(rng.choice(ODD_TEXT), safe="")))
    return "&".join(parts)


def _form(rng, names, token):
    data = {"csrf_token": token}
    for name in names:
        if rng.random() < 0.5:
            data[name] = rng.choice(ODD_TEXT + [HUGE]) if rng.random() < 0.8 else [rng.choice(ODD_TEXT)] * 2
    if rng.random() < 0.3:  # a file where one is expected, under an odd name
        for name in ("file", "workbook"):
            data[name] = (BytesIO(rng.choice([b"", b"PK\x03\x04", b"MZ\x90", b"a,b\n1,2\n"])),
                          rng.choice(["Roster.exe", "a\x00.xlsx", "..\\..\\x.xlsx", "²" * 300 + ".csv"]))
    return data


def _json_body(rng, names):
    roll = rng.random()
    if roll < 0.15:
        return "[" * DEEP + "]" * DEEP
    if roll < 0.25:
        return '{"a":' * DEEP + "1" + "}" * DEEP
    if roll < 0.4:
        return json.dumps(rng.choice(ODD_JSON))  # a scalar or list where an object is expected
    if roll < 0.45:
        return b"\xff\xfe{\x00"  # not UTF-8
    body = {name: rng.choice(ODD_JSON) for name in names if rng.random() < 0.5}
    return json.dumps(body)


def _requests(rng, app, rule, real, token):
    """(method, url, kwargs) samples for one route."""
    names = _package_names(app, rule.endpoint)
    methods = sorted(m for m in rule.methods - {"HEAD", "OPTIONS"})
    for _ in range(SAMPLES_PER_ROUTE):
        values = {arg: _url_value(rng, rule, arg, real) for arg in rule._converters}
        url = _build(rule, values)
        method = rng.choice(methods)
        query = _query(rng, names)
        url = f"{url}?{query}" if query else url
        if method == "GET":
            yield method, url, {}
        elif rule.rule.startswith("/api/") and rng.random() < 0.7:
            yield method, url, {"data": _json_body(rng, names), "content_type": "application/json",
                                "headers": {"X-CSRFToken": token}}
        else:
            yield method, url, {"data": _form(rng, names, token), "content_type": "multipart/form-data"}


def _fuzz(app, client, token, rng, real, who, skip=("auth.sign_out",)):
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in skip:
            continue
        for method, url, kwargs in _requests(rng, app, rule, real, token):
            response = client.open(url, method=method, **kwargs)
            if response.status_code >= 500:
                failures.append(f"{who} {method} {url[:160]} -> {response.status_code}")
    return failures


@pytest.fixture
def fuzz_world(sqlite_app):
    from tests.factories import build_world
    world = build_world()
    return world, _world_ids(world)


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_no_route_answers_500_to_odd_input(sqlite_app, sqlite_client, fuzz_world, role):
    world, real = fuzz_world
    auth = Auth(sqlite_client)
    assert auth.login(world.users[ROLE_USERS[role]]).status_code == 302
    rng = random.Random(f"{SEED}-{role}")
    failures = _fuzz(sqlite_app, sqlite_client, auth.token, rng, real, role)
    assert failures == [], f"seed {SEED}-{role}: " + "\n".join(failures)


def test_no_route_answers_500_to_odd_input_signed_out(sqlite_app, sqlite_client, fuzz_world):
    _world, real = fuzz_world
    token = csrf_token_in(sqlite_client.get("/sign-in").get_data(as_text=True))
    failures = _fuzz(sqlite_app, sqlite_client, token, random.Random(f"{SEED}-anonymous"), real, "anonymous",
                     skip=())
    assert failures == [], f"seed {SEED}-anonymous: " + "\n".join(failures)


ID_EDGES = [str(2**31 - 1), str(2**31), str(2**63 - 1), str(2**63), str(2**64)]


def test_ids_at_the_edges_of_every_integer_type_are_not_found(app, client, auth, world, backend):
    """SQLite and PostgreSQL overflow at different sizes: every id variable and id-like parameter, both."""
    assert auth.login(world.users["admin"]).status_code == 302
    id_params = ("agency", "agency_id", "program", "program_id", "team", "team_id", "rater_id", "user_id",
                 "page", "per_page", "problems", "item")
    failures = []
    for rule in app.url_map.iter_rules():
        ids = [a for a, c in rule._converters.items() if c.__class__.__name__ == "IdConverter"]
        if not ids and rule._converters:
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        for edge in ID_EDGES:
            url = _build(rule, {a: edge for a in rule._converters})
            query = "&".join(f"{p}={edge}" for p in id_params)
            if method == "GET":
                response = client.get(f"{url}?{query}")
            elif rule.endpoint == "auth.sign_out":
                continue
            else:
                response = auth.post(url, data={p: edge for p in id_params})
            if response.status_code >= 500:
                failures.append(f"{backend} {method} {url}?{query[:40]}... -> {response.status_code}")
            if ids and response.status_code not in (404, 405) and int(edge) > 2**31 - 1:
                failures.append(f"{backend} {method} {url}: {response.status_code}, expected 404 (or 405)")
    assert failures == []


def test_nul_bytes_are_refused_before_postgresql_sees_them(app, client, auth, world, backend):
    """PostgreSQL refuses text with NUL (SQLite stores it): every write, as admin, on both."""
    assert auth.login(world.users["admin"]).status_code == 302
    real = _world_ids(world)
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "auth.sign_out" or not rule.methods & {"POST", "PUT"}:
            continue
        url = _build(rule, {a: str(real.get(a, [1])[0]) for a in rule._converters})
        names = _package_names(app, rule.endpoint)
        form = {name: "a\x00b" for name in names}
        json_body = json.dumps({name: "a\x00b" for name in names})
        for response in (auth.post(url, data=form),
                         client.post(url, data=json_body, content_type="application/json",
                                     headers=auth.headers()),
                         auth.post(url, data={**form, "file": (BytesIO(b"a,b\n1,2\n"), "a\x00b.csv")},
                                   content_type="multipart/form-data")):
            if response.status_code >= 500:
                failures.append(f"{backend} POST {url} -> {response.status_code}")
    assert failures == []


def test_a_nul_in_a_valid_form_is_refused_and_writes_nothing(app, client, auth, world, backend):
    from sqlalchemy import func, select

    from extensions import db
    from models import Program
    assert auth.login(world.users["admin"]).status_code == 302
    form = {"agency_id": world.agency_a.id, "name": "Night\x00IMR", "setting": "Outpatient",
            "engagement_target": "0.5", "active": "y"}
    response = auth.post("/admin/programs/new", data=form)
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)
    response = client.put(f"/api/v1/programs/{world.program_a.id}/reassessment-policy", headers=auth.headers(),
                          json={"baseline_months": 0, "interval_months": 6, "high_interval_months": 12,
                                "trainer_id": "1\x00"})
    assert response.status_code == 400 and "NUL character" in response.json["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(Program)) == 2
    assert auth.post("/admin/programs/new", data={**form, "name": "Night IMR"}).status_code == 302  # the rest is fine


def test_the_reported_inputs_answer_with_words(sqlite_app, sqlite_client, fuzz_world):
    """The kinds of input the issue found 500s for: each gets a 4xx saying what is wrong."""
    world, _real = fuzz_world
    auth = Auth(sqlite_client)
    auth.login(world.users["admin"])
    for url in ("/dashboards/state?agency=%C2%B2", "/api/v1/engagement/programs?agency=%D9%A1%D9%A2"):
        response = sqlite_client.get(url)
        assert response.status_code == 400, url
        assert "is not a valid choice" in (response.get_data(as_text=True))
    assert sqlite_client.get(f"/programs/{2**63}").status_code == 404
    assert sqlite_client.get("/dashboards/state?to=9999-12-31").status_code == 400
    deep = sqlite_client.post("/api/v1/assessments", data="[" * DEEP + "]" * DEEP, content_type="application/json",
                              headers=auth.headers())
    assert deep.status_code == 400 and deep.json["error"]["message"]
    scalar = sqlite_client.post("/api/v1/assessments", headers=auth.headers(),
                                json={"program_id": world.program_a.id, "scale_key": "imr_fidelity",
                                      "format": "group", "visit_date": "2026-03-02", "rater_ids": 7})
    assert scalar.status_code == 400 and "rater_ids: give a list of account ids" in scalar.get_data(as_text=True)
