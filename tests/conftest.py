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
from tests.databases import PostgresTemplate, SqliteTemplate
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
STARTS_FIRST = ("tests/browser/test_axe_every_page_browser.py", "tests/imports/test_worker_processes.py",
                "tests/scheduling/test_processes.py", "tests/dashboards/test_sql_matches_pure.py",
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


@pytest.fixture(scope="session")
def postgres_admin_url(request):
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        yield url
        return
    server = pgserver.start()
    yield server.url
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
def demo_templates():
    """{backend: (template holding the demo state, its summary)}, built the first time a test asks for `demo`."""
    return {}


def _demo_template(request, backend):
    built = request.getfixturevalue("demo_templates")
    if backend not in built:
        summary = []

        def build(url):
            for _ in _app_context_on(url):
                summary.append(_build_demo())
        template = request.getfixturevalue(f"{backend}_template").derive("demo", build)
        built[backend] = (template, summary[0])
    return built[backend]


@pytest.fixture
def database_url(request, backend, tmp_path):
    template = request.getfixturevalue(f"{backend}_template")
    if "demo" in request.fixturenames:  # a copy of the demo state built once per worker: seconds saved per test
        template = _demo_template(request, backend)[0]
    url, drop = template.fresh(str(tmp_path))
    yield url
    drop()


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
def sqlite_app(sqlite_template, tmp_path):
    """The app on SQLite only, for tests whose subject does not depend on the database."""
    yield from _app_context_on(sqlite_template.fresh(str(tmp_path))[0])


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
def world(app):
    """Two agencies with a program, teams and participants each, and one account per role."""
    from tests.factories import build_world
    return build_world()


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
    return copy.deepcopy(_demo_template(request, backend)[1])
