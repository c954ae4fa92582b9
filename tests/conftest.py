"""Fixtures: a fresh real database per test on SQLite and on PostgreSQL, the app, a client, sign-in helpers."""
import copy
import gc
import os
import re
from datetime import date, datetime, timezone

import pytest
from flask import current_app, has_request_context, request as flask_request
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import Engine, event

import local_day
from app import create_app
from extensions import db as _db
from ops import faults
from tests import pgserver
from tests.databases import PostgresTemplate, SqliteTemplate, dropped_later, wait_for_drops
from tests.factories import build_world, load_world, world_keys
from tests.helpers import Auth
from tests.compiled_once import install as share_url_builders, share_templates

os.environ["IMR_ENV"] = "test"  # before any app is built here or in a child process the tests start
BACKENDS = ["sqlite", "postgresql"]
share_url_builders()  # each test builds an app: compile its URL rules once per process, not per app

# Lower the password hashing cost in tests only: scrypt at full cost would dominate the suite.
TEST_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
               "WTF_CSRF_ENABLED": True}


# The longest tests (and the files whose tests each take seconds) start first, longest first: with
# `--dist worksteal` each worker runs its share in order and the idle one takes the other's last tests, so
# short tests at the end even the workers out, while a long test at the end leaves a core idle.
STARTS_FIRST = ("tests/browser/test_pages_layout_browser.py", "tests/browser/test_axe_every_page_browser.py",
                "tests/imports/test_worker_processes.py", "tests/scheduling/test_processes.py",
                "tests/imports/test_problems_workbook.py", "tests/browser/")


def pytest_collection_modifyitems(config, items):
    """Move the tests of STARTS_FIRST ahead of the others (a file's tests stay together and in order)."""
    def rank(item):
        return next((i for i, prefix in enumerate(STARTS_FIRST) if item.nodeid.startswith(prefix)), len(STARTS_FIRST))
    items.sort(key=rank)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """Freeze what each test process keeps for good (modules, collected tests), so collections skip it.

    Imports call gc.collect() before reading a sheet; over the whole heap of a test process that was
    0.2-0.5 s a call, far more than the test's own objects take.
    """
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})  # imports every page's module first
    gc.collect()
    gc.freeze()


def _worker(request):
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


_BUILT_IN = pytest.StashKey[str]()  # which of BUILT_ONCE a test's database is a copy of
_get_writes = []  # what GET requests of the current test wrote
_DDL = re.compile(r"\s*(CREATE|DROP|ALTER|TRUNCATE)\b", re.IGNORECASE)


@event.listens_for(Engine, "before_cursor_execute")
def _note_get_writes(conn, cursor, statement, parameters, context, executemany):
    if has_request_context() and flask_request.method in ("GET", "HEAD") \
            and (faults.writes(statement) or _DDL.match(statement)) and not _writes_on_purpose():
        _get_writes.append(f"{flask_request.method} {flask_request.path}: {' '.join(statement.split())[:100]}")


def _writes_on_purpose():
    view = current_app.view_functions.get(flask_request.endpoint)
    return getattr(view, "writes_on_get", False)  # ops/faults.writes_on_get


@pytest.fixture(autouse=True)
def gets_never_write(request):
    """Fail a test whose GET requests wrote (unless marked get_writes): on PostgreSQL a GET runs in autocommit
    (ops/faults.py), where a write takes its transaction back, and a page a browser may prefetch or reload must
    change nothing."""
    _get_writes.clear()
    yield
    if not request.node.get_closest_marker("get_writes"):
        assert not _get_writes, f"GET requests wrote: {_get_writes}"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    """The previous test's database is dropped while this test's fixtures are set up, not while it runs."""
    wait_for_drops()


@pytest.fixture(scope="session")
def postgres_admin_url(request):
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        yield url
        wait_for_drops()
        return
    server = pgserver.start()
    yield server.url
    wait_for_drops()
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    return SqliteTemplate(str(tmp_path_factory.mktemp("sqlite-template")))


@pytest.fixture(scope="session")
def postgresql_template(request, postgres_admin_url):
    return PostgresTemplate(postgres_admin_url, _worker(request))


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def derived_templates():
    """{(name, backend, day): (template, what its build returned)}, each built the first time a test asks for it."""
    return {}


def _derived_template(request, backend, name, build):
    """A template of the migrated database with `build()` run on it in an app, built once per worker (per UTC day:
    rows stamped with today's date then match a test's today), and what `build()` returned."""
    built = request.getfixturevalue("derived_templates")
    key = (name, backend, datetime.utcnow().date())
    if key not in built:
        results = []

        def run(url):
            for _ in _app_context_on(url):
                results.append(build())
        template = request.getfixturevalue(f"{backend}_template").derive(name, run)
        built[key] = (template, results[0])
    return built[key]


# Fixtures whose data is built once per worker into a template that each test's database copies (seconds saved
# per test: the world's commit refreshes the engagement summaries); the fixture then reads its rows back.
BUILT_ONCE = {"demo": lambda: _build_demo(), "world": lambda: world_keys(build_world())}


def _fresh_database(request, backend, tmp_path, built_for):
    """A copy of the migrated database, or of the BUILT_ONCE state a fixture of the test asks for.
    `built_for`: {fixture: what its database holds}, the fixtures of this conftest (and imports') that read it."""
    template = request.getfixturevalue(f"{backend}_template")
    # the demo state wins: a test asking for both builds its world itself
    name = next((built_for[f] for f in built_for if f in request.fixturenames), None)
    if name:
        template = _derived_template(request, backend, name, BUILT_ONCE[name])[0]
        request.node.stash[_BUILT_IN] = name
    return template.fresh(str(tmp_path))


def built_world(request, backend):
    """The world on the test's database: read back from its copy of the world built once, else built now."""
    if request.node.stash.get(_BUILT_IN, None) != "world":
        return build_world()
    return load_world(_derived_template(request, backend, "world", BUILT_ONCE["world"])[1])


@pytest.fixture
def database_url(request, backend, tmp_path):
    url, drop = _fresh_database(request, backend, tmp_path, {"demo": "demo", "world": "world"})
    yield url
    dropped_later(drop)


class RequestIsolatedClient(FlaskClient):
    """A test client whose requests each get a fresh `g`, as they would in a server.

    The fixtures keep an app context pushed so tests can use the database; without this, requests
    would reuse that context's `g` and with it the signed-in user and CSRF token of earlier requests.
    """

    def open(self, *args, **kwargs):
        ctx = _cv_app.get(None)
        if ctx is None:
            return super().open(*args, **kwargs)
        saved, ctx.g = ctx.g, ctx.app.app_ctx_globals_class()
        try:
            return super().open(*args, **kwargs)
        finally:
            ctx.g = saved


def make_app(url, **extra):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **extra})
    app.test_client_class = RequestIsolatedClient
    share_templates(app)
    return app


def _app_context_on(url):
    app = make_app(url)
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def app(database_url):
    """The app on a freshly migrated database (one per backend), inside an app context."""
    yield from _app_context_on(database_url)


@pytest.fixture
def sqlite_app(request, tmp_path):
    """The app on SQLite only, for tests whose subject does not depend on the database."""
    yield from _app_context_on(_fresh_database(request, "sqlite", tmp_path, {"sqlite_world": "world"})[0])


@pytest.fixture
def sqlite_world(request, sqlite_app):
    return built_world(request, "sqlite")


@pytest.fixture
def sqlite_client(sqlite_app):
    return sqlite_app.test_client()


@pytest.fixture
def sqlite_auth(sqlite_client):
    return Auth(sqlite_client)


@pytest.fixture
def los_angeles_evening(monkeypatch):
    """The service in Los Angeles and the clock frozen at 01:30 UTC on 11 Mar 2026: 18:30 on the 10th there (PDT),
    while a UTC server's date is already the 11th. Returns the local today. Request it after the app (it sets
    the app's zone)."""
    from flask import current_app
    monkeypatch.setitem(current_app.config, "TIME_ZONE", "America/Los_Angeles")
    monkeypatch.setattr(local_day, "utc_now", lambda: datetime(2026, 3, 11, 1, 30, tzinfo=timezone.utc))
    return date(2026, 3, 10)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def world(request, app):
    """Two agencies with a program, teams and participants each, and one account per role."""
    return built_world(request, request.getfixturevalue("backend"))


def _build_demo():
    from demo.data import build_demo_state
    from signals import attendance_changed
    summary = build_demo_state(_db.session, seed=7)
    _db.session.commit()
    attendance_changed.send(None, team_ids=summary.team_ids)  # as `flask demo-data` does
    return summary


@pytest.fixture
def demo(request, app, backend):
    """The demo state (the same module `flask demo-data` uses), committed: `app`'s database is its copy."""
    return copy.deepcopy(_derived_template(request, backend, "demo", BUILT_ONCE["demo"])[1])
