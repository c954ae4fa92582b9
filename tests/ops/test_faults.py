"""Database faults with a real PostgreSQL that these tests stop and start (a private server, so other tests
are unaffected): a restart recovers by itself, an outage gets a 503 that needs no database with one log line,
the worker and the scheduler wait it out, timeouts free a request in seconds."""
import itertools
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import namedtuple
from datetime import date, datetime

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy import exc as sa_exc

from dashboards import alongside
from extensions import db
from imports import operations
from models import Agency
from ops.heartbeat import ProcessHeartbeat
from tests import pgserver
from tests.conftest import make_app
from tests.databases import PostgresTemplate
from tests.factories import build_world
from tests.helpers import PASSWORD, Auth, csrf_token_in
from tests.imports import workbooks as wbk
from tests.imports.worker_process import ROOT, WorkerProcess, wait_for, wait_until_finished

_numbers = itertools.count()
World = namedtuple("World", "users program_a agency_a")
OUTAGE = "The service cannot reach its database; nothing you entered was lost; try again in a minute."


class Server:
    """The private PostgreSQL, stopped and started on the same port and data directory."""

    def __init__(self, server):
        self.server = server
        self.port = int(server.url.rsplit(":", 1)[1].split("/")[0])
        self.base = os.path.dirname(server.data_dir)
        self.running = True

    def _ctl(self, *args):
        subprocess.run(self.server.pg_ctl + ["-D", self.server.data_dir, *args], check=True, capture_output=True)

    def stop(self):
        self._ctl("-m", "fast", "-w", "stop")  # fast: open connections are cut, as in a real restart
        self.running = False

    def start(self):
        self._ctl("-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} -c fsync=off",
                  "-l", os.path.join(self.base, "log"), "-w", "start")
        self.running = True


@pytest.fixture(scope="module")
def pg():
    server = Server(pgserver.start())
    server.template = PostgresTemplate(server.server.url, "faults")
    yield server
    server.server.stop()


def _admin(pg, statement):
    engine = create_engine(pg.server.url, isolation_level="AUTOCOMMIT")  # a new one: restarts cut pooled ones
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


@pytest.fixture
def pg_url(pg):
    name = f"imr_faults_{next(_numbers)}"
    _admin(pg, f"CREATE DATABASE {name} TEMPLATE {pg.template.name}")
    yield pg.template.url_for(name)
    if not pg.running:
        pg.start()
    _admin(pg, f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def outage_app(pg_url):
    """The app as a server runs it: each request in its own app context, its session removed at the end."""
    app = make_app(pg_url)

    @app.route("/test-crash")
    def crash():
        raise RuntimeError("a bug")

    with app.app_context():
        world = build_world()
        ids = World(**{name: getattr(world, name) for name in ("users",)},
                    program_a=world.program_a.id, agency_a=world.agency_a.id)
        db.session.remove()
    yield app, ids
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def request_log(caplog):
    """Every log record of the app, including the request log (which does not propagate to the root)."""
    logger = logging.getLogger("imr.requests")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    yield caplog
    logger.removeHandler(caplog.handler)


def _signed_in(app, world, who="manager_a"):
    client = app.test_client()
    auth = Auth(client)
    assert auth.login(world.users[who]).status_code == 302
    return client, auth


def test_a_restart_under_use_recovers_by_itself_within_5_seconds(outage_app, pg):
    app, world = outage_app
    client, _ = _signed_in(app, world)
    page = f"/programs/{world.program_a}"
    assert client.get(page).status_code == 200  # the pool holds connections the restart will cut
    started = time.monotonic()
    pg.stop()
    pg.start()
    statuses = []
    while True:
        statuses.append(client.get(page).status_code)
        if statuses[-1] == 200:
            break
        assert time.monotonic() - started < 5, statuses
        time.sleep(0.1)
    assert time.monotonic() - started < 5
    assert set(statuses) <= {200, 503}, statuses  # never a bare 500


def test_a_stopped_database_gets_a_503_page_and_json_with_one_log_line_each_then_recovers(outage_app, pg,
                                                                                          request_log):
    app, world = outage_app
    client, _ = _signed_in(app, world)
    page = f"/programs/{world.program_a}"
    newcomer = app.test_client()
    token = csrf_token_in(newcomer.get("/sign-in").get_data(as_text=True))
    pg.stop()
    request_log.clear()

    html = client.get(page)
    assert html.status_code == 503 and html.headers["Retry-After"] == "30"
    body = html.get_data(as_text=True)
    assert OUTAGE in body and "Sign out" not in body and "manager@alpha.example" not in body  # no user, no menu
    api = client.get("/api/v1/programs?x=secret-query")
    assert api.status_code == 503 and api.headers["Retry-After"] == "30"
    assert api.get_json()["error"] == {"status": 503, "title": "Service Unavailable", "message": OUTAGE}
    form = newcomer.post("/sign-in", data={"email": world.users["clerk_a"], "password": PASSWORD, "csrf_token": token})
    assert form.status_code == 503 and OUTAGE in form.get_data(as_text=True)

    lines = [r for r in request_log.records if r.levelno >= logging.WARNING]
    assert len(lines) == 3, [r.getMessage() for r in lines]  # one line per failed request
    assert all(r.exc_info is None and "database unavailable" in r.getMessage() for r in lines)
    assert "secret-query" not in request_log.text

    pg.start()
    assert client.get(page).status_code == 200  # still signed in: nothing was lost


def test_error_pages_need_no_database(outage_app, pg):
    app, world = outage_app
    client, _ = _signed_in(app, world)
    crashed = client.get("/test-crash")  # a bug: the page shows no menu, so it cannot fail for want of one
    body = crashed.get_data(as_text=True)
    assert crashed.status_code == 500 and "Something went wrong on our side" in body and "Sign out" not in body
    assert crashed.headers["X-Request-ID"] in body  # a reference for the service desk
    pg.stop()
    anonymous = app.test_client()
    crashed = anonymous.get("/test-crash")
    assert crashed.status_code == 500 and "Something went wrong on our side" in crashed.get_data(as_text=True)
    missing = anonymous.get("/no-such-page")
    assert missing.status_code == 404 and "There is nothing here" in missing.get_data(as_text=True)
    signed_in = client.get("/test-crash")  # a signed-in request needs its user first: the outage is the answer
    assert signed_in.status_code == 503 and OUTAGE in signed_in.get_data(as_text=True)


def test_a_database_that_never_answers_frees_the_request_in_seconds(sqlite_app):
    with socket.socket() as silent:  # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"postgresql+psycopg://postgres@127.0.0.1:{silent.getsockname()[1]}/imr"
        app = make_app(url, DATABASE_CONNECT_TIMEOUT=2)
        started = time.monotonic()
        with app.app_context():
            response = app.test_client().get("/healthz")
            db.engine.dispose()
    assert response.status_code == 503 and response.get_json()["database"]["reachable"] is False
    assert time.monotonic() - started < 4


@pytest.mark.get_writes  # SQLite's slow statement is a write waiting for another writer's lock
def test_a_statement_of_a_web_request_is_stopped_at_the_statement_timeout(backend, database_url):
    app = make_app(database_url, DATABASE_STATEMENT_TIMEOUT=0.3, DATABASE_BUSY_TIMEOUT=0.3)
    slow = {"postgresql": "SELECT pg_sleep(5)",
            "sqlite": "UPDATE agency SET name = name"}[backend]  # SQLite: waits for another writer's lock

    @app.route("/test-slow")
    def slow_page():
        db.session.execute(text(slow))
        db.session.commit()
        return "done"

    blocker = None
    with app.app_context():
        if backend == "postgresql":
            db.session.execute(text("SELECT pg_sleep(0.5)"))  # outside a request (imports, migrations): no limit
            db.session.rollback()
        else:
            blocker = sqlite3.connect(database_url.removeprefix("sqlite:///"))
            blocker.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        response = app.test_client().get("/test-slow")
        elapsed = time.monotonic() - started
        if blocker:
            blocker.rollback()
            blocker.close()
        db.session.remove()
        db.engine.dispose()
    assert response.status_code == 503 and OUTAGE in response.get_data(as_text=True)
    assert elapsed < 3


def test_the_statement_limit_ends_with_the_request(pg_url):
    """A pooled connection carries a web request's limit only while a request uses it: the work after (imports,
    migrations, backups in this process) runs under the server's own, as before the request."""
    app = make_app(pg_url, DATABASE_STATEMENT_TIMEOUT=0.3)

    @app.route("/test-limit")
    def limit():
        return " ".join(map(str, db.session.execute(text("SELECT pg_backend_pid(), current_setting('statement_timeout')"))
                            .one()))

    client = app.test_client()
    pid, limit = client.get("/test-limit").get_data(as_text=True).split()
    assert limit == "300ms"
    with app.app_context():  # outside a request, as the work after it
        assert db.session.execute(text("SELECT pg_backend_pid(), current_setting('statement_timeout')")).one() == (
            int(pid), "0")  # the same pooled connection, the server's own limit
        db.session.execute(text("SELECT pg_sleep(0.5)"))
        db.session.rollback()
    assert client.get("/test-limit").get_data(as_text=True) == f"{pid} 300ms"
    with app.app_context():
        db.engine.dispose()


def test_a_pooled_connection_the_server_closed_is_replaced_unseen(outage_app, pg):
    """Without a round trip per checkout (pool_pre_ping): a connection the server ended while it sat in the pool
    (an idle timeout, an administrator) is replaced before the request uses it, so the page is served."""
    app, world = outage_app
    client, _ = _signed_in(app, world)
    page = f"/programs/{world.program_a}"
    assert client.get(page).status_code == 200  # the pool now holds the connection
    with app.app_context():
        name = db.engine.url.database
    _admin(pg, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")  # every pooled one
    time.sleep(0.2)  # the server's FATAL message and the socket's close reach the client
    assert client.get(page).status_code == 200


def test_default_timeouts_are_set_on_each_database(sqlite_app):
    assert sqlite_app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"timeout": 5.0}
    pg_app = make_app("postgresql+psycopg://u@127.0.0.1/x", DATABASE_CONNECT_TIMEOUT=3)
    options = pg_app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert sqlite_app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True  # in-process: no round trip
    assert options["pool_pre_ping"] is False and options["connect_args"] == {  # ops/faults.py looks at the socket
        "connect_timeout": 3, "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3,
        "tcp_user_timeout": 30000, "prepare_threshold": None}  # planned anew for each request's values


def test_the_tcp_limits_reach_libpq(pg_url):
    app = make_app(pg_url, DATABASE_KEEPALIVE_IDLE=7, DATABASE_TCP_USER_TIMEOUT=4)
    with app.app_context():
        dsn = db.session.connection().connection.dbapi_connection.info.dsn
        db.session.remove()
        db.engine.dispose()
    assert {"keepalives=1", "keepalives_idle=7", "keepalives_count=3", "tcp_user_timeout=4000"} <= set(dsn.split())


def _server_processes(pg):
    """The private server's postmaster and every process it started."""
    with open(os.path.join(pg.server.data_dir, "postmaster.pid")) as f:
        postmaster = int(f.readline())
    children = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                if entry.isdigit() and int(f.read().rsplit(")", 1)[1].split()[1]) == postmaster:
                    children.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return [postmaster, *children]


class Frozen:
    """The whole server stopped (SIGSTOP) as a paused VM is: the kernel still answers TCP, the server never."""

    def __init__(self, pg):
        self.pids = _server_processes(pg)

    def __enter__(self):
        for pid in self.pids:
            _signal(pid, signal.SIGSTOP)
        self.thaw = threading.Timer(15, self.__exit__)  # without a client deadline the test fails, not hangs
        self.thaw.start()
        return self

    def __exit__(self, *exc):
        self.thaw.cancel()
        for pid in self.pids:
            _signal(pid, signal.SIGCONT)


def _signal(pid, signum):
    """A backend that was ending when the server's processes were listed may be gone by now: nothing to stop."""
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def test_a_frozen_database_frees_requests_in_seconds_then_serves_again(pg, pg_url):
    """statement_timeout is the server's and never fires; the client's deadline does (ops/stall_guard.py)."""
    app = make_app(pg_url, DATABASE_STATEMENT_TIMEOUT=1, DATABASE_STALL_GRACE=1, DATABASE_CONNECT_TIMEOUT=2)

    @app.route("/test-freeze-mid-request")
    def freeze_mid_request():
        db.session.execute(text("SELECT 1"))  # connection checked out: the server is fine here
        with Frozen(pg):
            db.session.execute(text("SELECT 2"))  # sent to a server that will never answer
        return "answered"

    client, program = _signed_in_on_a_program_page(app)
    timings = {}
    for name, action in (("statement", lambda: client.get("/test-freeze-mid-request")),
                         ("page", lambda: _frozen_get(pg, client, f"/programs/{program}"))):
        started = time.monotonic()
        response = action()
        timings[name] = time.monotonic() - started
        assert response.status_code == 503 and OUTAGE in response.get_data(as_text=True), name
    assert timings["statement"] < 4 and timings["page"] < 7, timings  # 1 + 1 s; its first statement's + reconnecting
    assert client.get(f"/programs/{program}").status_code == 200  # thawed: the next request is served, signed in
    with app.app_context():
        db.engine.dispose()


def test_a_dashboards_numbers_statement_sent_to_a_frozen_database_is_cut_where_it_is_collected(pg, pg_url):
    """The numbers' statement is sent and its rows collected later (dashboards/alongside.py): the client's deadline
    covers collecting them too, not only sending the statement."""
    app = _with_two_pooled_connections(pg_url)
    with app.test_request_context("/dashboards/teams/1"):
        db.session.execute(text("SELECT 1"))
        with Frozen(pg):
            collect = alongside.start(text("SELECT 2"), {})  # sent to a server that will never answer
            started = time.monotonic()
            with pytest.raises(sa_exc.OperationalError):
                collect()
            assert time.monotonic() - started < 4  # 1 + 1 s
        db.session.remove()
    with app.app_context():
        assert db.engine.pool.checkedout() == 0
        db.engine.dispose()


def test_a_page_failing_before_it_collects_its_numbers_from_a_frozen_database_is_freed_in_seconds(pg, pg_url):
    """The teardown that stops an uncollected numbers' statement (its cancel, the pipeline's end) waits no longer
    than the statement's deadline either."""
    app = _with_two_pooled_connections(pg_url)
    with pytest.raises(RuntimeError, match="a later statement failed"):
        with app.test_request_context("/dashboards/teams/1"):
            db.session.execute(text("SELECT 1"))
            with Frozen(pg):
                alongside.start(text("SELECT 2"), {})  # sent to a server that will never answer
                started = time.monotonic()
                try:
                    raise RuntimeError("a later statement failed")
                finally:
                    alongside.abandon_uncollected()  # the request's teardown
                    assert time.monotonic() - started < 4  # 1 + 1 s (the cancel's 2 s within them)
    with app.app_context():
        db.engine.dispose()


def test_a_slow_page_collects_its_numbers_from_a_healthy_database(pg, pg_url):
    """The numbers' rows wait on their connection while the page's other statements and Python run: a page that
    takes longer than the statement's deadline (1 + 1 s) to collect them still gets them, as the server answered."""
    app = _with_two_pooled_connections(pg_url)
    with app.test_request_context("/dashboards/teams/1"):
        collect = alongside.start(text("SELECT 2"), {})
        time.sleep(2.5)  # the rest of the page: longer than the deadline, the rows arrived long ago
        assert collect() == [(2,)]
        db.session.remove()
    with app.app_context():
        db.engine.dispose()


def _with_two_pooled_connections(pg_url):
    """The app with short limits and two pooled connections: a page's and its numbers' (a connection made while
    the server is frozen would wait for DATABASE_CONNECT_TIMEOUT instead)."""
    app = make_app(pg_url, DATABASE_STATEMENT_TIMEOUT=1, DATABASE_STALL_GRACE=1, DATABASE_CONNECT_TIMEOUT=2)
    with app.test_request_context("/dashboards/teams/1"):
        db.session.execute(text("SELECT 1"))
        assert alongside.start(text("SELECT 2"), {})() == [(2,)]
    return app


def test_a_pool_ping_to_a_frozen_database_is_cut_when_an_operator_turns_pre_ping_on(pg, pg_url, caplog):
    """PostgreSQL's pooled connections are checked at their socket, but SQLALCHEMY_ENGINE_OPTIONS may turn
    pool_pre_ping back on: its ping runs before any statement event, so it has a deadline of its own
    (DATABASE_CONNECT_TIMEOUT, stall_guard.guard_pings); the statements' is far off here."""
    app = make_app(pg_url, DATABASE_STATEMENT_TIMEOUT=30, DATABASE_STALL_GRACE=1, DATABASE_CONNECT_TIMEOUT=2,
                   SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})
    client, program = _signed_in_on_a_program_page(app)
    started = time.monotonic()
    response = _frozen_get(pg, client, f"/programs/{program}")
    assert response.status_code == 503 and time.monotonic() - started < 7  # 2 s ping + 2 s to reconnect
    assert "no answer to a ping" in caplog.text
    assert client.get(f"/programs/{program}").status_code == 200
    with app.app_context():
        db.engine.dispose()


def _signed_in_on_a_program_page(app):
    """(a client signed in as a manager, their program's id) after a page of it was served: the pool now holds a
    connection."""
    with app.app_context():
        world = build_world()
        program, email = world.program_a.id, world.users["manager_a"]
        db.session.remove()
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    assert client.get(f"/programs/{program}").status_code == 200
    return client, program


def _frozen_get(pg, client, page):
    with Frozen(pg):
        return client.get(page)


# The worker and the scheduler as real processes: they must outlive an outage and carry on.
FAST = {"HEARTBEAT_SECONDS": "0.3", "PYTHONUNBUFFERED": "1"}


def _last_beat(kind):
    db.session.rollback()
    return db.session.scalar(select(func.max(ProcessHeartbeat.last_seen)).where(ProcessHeartbeat.kind == kind))


def _ride_out_an_outage(pg, kind, seconds=2):
    """Stop the database for a few seconds; return the heartbeat from before it."""
    before = wait_for(lambda: _last_beat(kind), 60, what=f"the {kind}'s first heartbeat")
    db.session.remove()
    pg.stop()
    time.sleep(seconds)
    pg.start()
    # A beat from after the restart (heartbeats are naive UTC): one newer than `before` may have been written while
    # the server was stopping, before any outage.
    restarted = datetime.utcnow()
    wait_for(lambda: (_last_beat(kind) or before) > restarted, 30, what=f"the {kind}'s heartbeat after the outage")
    return before


def test_the_worker_waits_out_an_outage_and_runs_what_was_queued(outage_app, pg, pg_url, tmp_path):
    app, world = outage_app
    with app.app_context(), WorkerProcess(pg_url, tmp_path / "worker.log", **FAST) as worker:
        _ride_out_an_outage(pg, "worker")
        rows = [["Alpha group", date(2026, 2, 9), 2, code, "Y"] for code in ("A000", "A001")]
        batch_id = operations.create_batch(db.session.get(Agency, world.agency_a), "sessions", "s.xlsx",
                                           wbk.sessions(rows, header=wbk.SESSIONS_HEADER[:5])).id
        db.session.commit()
        assert wait_until_finished(batch_id).status == "checked"
        assert worker.proc.poll() is None  # still running
    log = worker.output()
    assert log.count("cannot use the database") == 1 and log.count("reached the database again") == 1, log
    assert "Traceback" not in log


def test_the_scheduler_starts_without_its_database_and_outlives_an_outage(outage_app, pg, pg_url, tmp_path):
    pg.stop()
    log_path = tmp_path / "scheduler.log"
    with open(log_path, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "scheduler"], cwd=ROOT,
                                env={**os.environ, **FAST, "DATABASE_URL": pg_url}, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        # A Python importing the app may take more than 30 s to start on a loaded machine (test_processes allows 60)
        wait_for(lambda: "cannot use the database" in log_path.read_text() or proc.poll() is not None, 60,
                 what="the scheduler to find its database away")
        time.sleep(1)
        assert proc.poll() is None, log_path.read_text()  # waiting, not exited
        pg.start()
        with outage_app[0].app_context():
            try:
                _ride_out_an_outage(pg, "scheduler")
            except AssertionError as failed:
                raise AssertionError(f"{failed}\n{log_path.read_text()}") from None
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(20)
    log = log_path.read_text()
    assert "The scheduler cannot use the database" in log and "Scheduler running" in log, log
    assert "Traceback" not in log


def test_a_scheduled_job_that_loses_its_database_runs_when_it_returns(outage_app, pg, caplog):
    from apscheduler.schedulers.background import BackgroundScheduler
    from scheduling.models import SchedulerRun
    from scheduling.scheduler import build_scheduler, run_job

    app, _ = outage_app
    with app.app_context():
        scheduler = build_scheduler(app, BackgroundScheduler)  # not started: run_job is called as its executor would
        db.session.remove()
        pg.stop()
        job = threading.Thread(target=run_job, args=["retry_emails"])
        job.start()
        wait_for(lambda: "Job retry_emails cannot use the database" in caplog.text, 20, what="the job to wait")
        assert job.is_alive()  # waiting, not failed
        pg.start()
        job.join(40)
        assert not job.is_alive()
        runs = db.session.scalars(select(SchedulerRun)).all()
        assert [(r.job, r.outcome) for r in runs] == [("retry_emails", "ok")]  # run once, after the outage
        assert "Job retry_emails reached the database again" in caplog.text


def test_a_scheduler_that_loses_its_database_while_starting_waits_and_starts(sqlite_app, caplog):
    from apscheduler.schedulers.background import BackgroundScheduler
    from sqlalchemy import exc

    from scheduling.scheduler import build_scheduler

    scheduler = build_scheduler(sqlite_app, BackgroundScheduler)
    store = scheduler._jobstores["default"]
    start_store, attempts = store.start, []

    def store_lost_once(*args):  # the database goes away just as the scheduler starts
        attempts.append(1)
        if len(attempts) == 1:
            raise exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
        return start_store(*args)

    store.start = store_lost_once
    scheduler.start()
    try:
        assert scheduler.running and sorted(job.id for job in scheduler.get_jobs()) == ["daily_reminders",
                                                                                         "retry_emails"]
    finally:
        scheduler.shutdown()
    assert len(attempts) == 2 and "The scheduler reached the database again" in caplog.text
