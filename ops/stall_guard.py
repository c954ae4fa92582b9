"""Free a web worker whose PostgreSQL stopped answering at all (a frozen server, a network that drops packets).

statement_timeout is the server's: a server that is stopped (SIGSTOP, a VM paused) never sends it, and on
loopback the kernel still acknowledges and answers keepalives for it, so the libpq TCP options (config.py)
cannot see it either. Here the client keeps the deadline: a web request's statement that has had no answer
DATABASE_STATEMENT_TIMEOUT + DATABASE_STALL_GRACE seconds after it was sent, or a pool ping none after
DATABASE_CONNECT_TIMEOUT seconds, has its connection's socket shut down. libpq then reports the connection
lost, the pool discards it, and errors.py answers with the "database unavailable" page.
"""
import itertools
import logging
import os
import socket
import threading
import time
from contextlib import contextmanager

from flask import current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)
_TOKEN = "stall_guard_token"


def statement_deadline(config) -> float:
    """Seconds a web request's statement may go without an answer; 0 when there is no statement limit."""
    limit = config.get("DATABASE_STATEMENT_TIMEOUT") or 0
    return limit + config["DATABASE_STALL_GRACE"] if limit > 0 else 0


def _cut(dbapi_connection, seconds, what):
    """Shut the connection's socket down, so the thread blocked reading it gets an error now."""
    try:
        fd = dbapi_connection.fileno()
        with socket.socket(fileno=os.dup(fd)) as sock:  # a duplicate: closing it leaves psycopg's fd alone
            sock.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError):
        return  # the connection already closed: nothing waits on it
    log.warning("database sent no answer to a %s in %.1f s: connection cut (server frozen or network down?)",
                what, seconds)


class _Watch:
    """One thread per process holding every armed deadline: arming costs a dict entry, not a thread."""

    TICK = 0.25  # seconds between looks: a deadline is kept to within this

    def __init__(self):
        self.lock = threading.Lock()
        self.armed = {}  # token -> (deadline, dbapi connection, seconds, what)
        self.tokens = itertools.count()
        self.pid = None  # the process the thread runs in: a forked gunicorn worker starts its own

    def arm(self, dbapi_connection, seconds, what):
        with self.lock:
            if self.pid != os.getpid():
                self.pid = os.getpid()
                threading.Thread(target=self._run, name="stall-guard", daemon=True).start()
            token = next(self.tokens)
            self.armed[token] = (time.monotonic() + seconds, dbapi_connection, seconds, what)
        return token

    def disarm(self, token):
        with self.lock:
            self.armed.pop(token, None)

    def _run(self):
        while True:
            time.sleep(self.TICK)
            now = time.monotonic()
            with self.lock:
                due = [self.armed.pop(t) for t, entry in list(self.armed.items()) if entry[0] <= now]
            for _, dbapi_connection, seconds, what in due:
                _cut(dbapi_connection, seconds, what)


_watch = _Watch()


def _before_execute(conn, cursor, statement, parameters, context, executemany):
    if not has_request_context() or conn.dialect.name != "postgresql":
        return
    seconds = statement_deadline(current_app.config)
    if seconds:
        conn.info[_TOKEN] = _watch.arm(conn.connection.dbapi_connection, seconds, "statement")


def _disarm(conn, *args):
    token = conn.info.pop(_TOKEN, None)
    if token is not None:
        _watch.disarm(token)


def time_left(config, sent_at) -> float:
    """Seconds the answer to a statement sent at `sent_at` (time.monotonic()) may still be waited for: what its
    deadline has left, but at least DATABASE_STALL_GRACE, as rows that waited while the page did other work
    (dashboards/alongside.py) are ready. 0 when there is no statement limit."""
    seconds = statement_deadline(config)
    return max(seconds - (time.monotonic() - sent_at), config["DATABASE_STALL_GRACE"]) if seconds else 0


@contextmanager
def deadline(dbapi_connection, seconds, what):
    """Cut dbapi_connection if the block still waits on it after `seconds` (0: no deadline)."""
    if not seconds:
        yield
        return
    token = _watch.arm(dbapi_connection, seconds, what)
    try:
        yield
    finally:
        _watch.disarm(token)


def _handle_error(context):
    if context.connection is not None:
        _disarm(context.connection)


def guard_pings(engine, seconds):
    """Give the pool's pre-ping a deadline too: it runs before any statement event, on every checkout.

    PostgreSQL's pooled connections are checked at their socket instead (ops/faults.py, config.engine_options), so
    this acts only where an operator turns pool_pre_ping back on in SQLALCHEMY_ENGINE_OPTIONS: kept because their
    ping to a frozen server would otherwise wait for ever (tests/ops/test_faults.py holds it to that)."""
    dialect = engine.dialect
    if dialect.name != "postgresql" or not seconds or getattr(dialect, "_stall_guarded", False):
        return
    ping = dialect.do_ping

    def do_ping(dbapi_connection):
        if not has_request_context():
            return ping(dbapi_connection)
        with deadline(dbapi_connection, seconds, "ping"):
            return ping(dbapi_connection)
    dialect.do_ping, dialect._stall_guarded = do_ping, True


def init_app(app):
    from extensions import db
    if not event.contains(Engine, "before_cursor_execute", _before_execute):
        event.listen(Engine, "before_cursor_execute", _before_execute)
        event.listen(Engine, "after_cursor_execute", _disarm)
        event.listen(Engine, "handle_error", _handle_error)
    with app.app_context():
        guard_pings(db.engine, app.config["DATABASE_CONNECT_TIMEOUT"])
