"""Database faults: tell an unreachable or stalled database from a bug, limit web statements, wait it out.

The web app answers 503 while the database cannot be reached (errors.py), the worker and the scheduler wait
and try again (OutageWatch, wait_for_database): none of them exits or writes a traceback per attempt.
"""
import logging
import re
import select
import threading
import time
from functools import lru_cache

from flask import current_app, has_request_context, request
from psycopg import ServerCursor
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from dashboards import alongside, prepared

log = logging.getLogger(__name__)


def database_unreachable(error: BaseException) -> bool:
    """True when `error` says the database is down, restarting, locked or too slow, not that a query is wrong."""
    if isinstance(error, (sa_exc.OperationalError, sa_exc.TimeoutError, sa_exc.DisconnectionError)):
        return True  # refused/lost connections, statement timeouts, SQLite "database is locked", pool exhausted
    return isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated


def describe(error: BaseException) -> str:
    """One line naming an error, for a log line instead of a traceback."""
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()
    return f"{type(getattr(error, 'orig', None) or error).__name__}: {detail[0] if detail else ''}".strip()


def _on_checkout(dbapi_connection, record, proxy):
    """A PostgreSQL connection leaving the pool: still open, and carrying the statement limit of where it is used, in
    autocommit for a GET request (_reading_request)."""
    if not _still_open(dbapi_connection):
        raise sa_exc.InvalidatePoolError("the server closed the connection while it sat in the pool")
    _limit_request_statements(dbapi_connection, record)
    dbapi_connection.autocommit = record.info[_READING] = _reading_request()


def _still_open(dbapi_connection) -> bool:
    """Whether an idle connection is still open, asked of its socket instead of the server (pool_pre_ping's round
    trip on every checkout). An idle connection has nothing to read unless the server closed it (a restart, an idle
    timeout, pg_terminate_backend) or TCP keepalives (config.py) found the peer gone: then its socket reads as
    ready, and the pool replaces it, and every connection older, as pre-ping did. A server that stalls is
    ops/stall_guard.py's."""
    if dbapi_connection.closed or dbapi_connection.broken:
        return False
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)  # errors and hang-ups always count
    return not poller.poll(0)


_LIMIT = "statement_timeout_ms"  # the limit a pooled connection carries (None: the server's own)


def _limit_request_statements(dbapi_connection, record):
    """Cap each statement of a web request, so a stalled database frees the worker in seconds.

    Per request, not per connection: imports, migrations and backups may legitimately take longer, so a connection
    checked out outside a request gets the server's own limit back. A session setting, sent only when a checkout
    needs another limit than the connection carries: in a web process once per connection, where a SET LOCAL
    after each BEGIN cost a round trip per request and connection before its first statement.
    """
    seconds = (current_app.config.get("DATABASE_STATEMENT_TIMEOUT") or 0) if has_request_context() else 0
    wanted = int(seconds * 1000) if seconds > 0 else None
    if record.info.get(_LIMIT) == wanted:
        return
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # outside a transaction: the request's rollback must not undo it
    try:
        dbapi_connection.execute("RESET statement_timeout" if wanted is None else f"SET statement_timeout = {wanted}")
    finally:
        dbapi_connection.autocommit = autocommit
    record.info[_LIMIT] = wanted  # cleared by the pool when it replaces the connection


_READING = "reading_request"  # the connection is a GET request's, in autocommit until it writes
_READS = re.compile(r"\s*(SELECT|WITH|SHOW)\b", re.IGNORECASE)
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|FOR\s+(NO\s+KEY\s+)?UPDATE|FOR\s+(KEY\s+)?SHARE"
                     r"|pg_advisory_xact\w*)\b", re.IGNORECASE)


def _reading_request() -> bool:
    """A GET or HEAD of a web request: it only reads, so each statement may be its own transaction (autocommit),
    which spares the BEGIN and ROLLBACK round trips around the request's statements. Under READ COMMITTED each
    statement sees a snapshot of its own in a transaction too, so a page reads nothing it would not have read."""
    return has_request_context() and request.method in ("GET", "HEAD")


def writes_on_get(view):
    """Mark a view whose GET writes on purpose (opening a notice's link marks it read): its write gets a transaction
    as any GET's does (_before_execute); the tests' check that GETs never write lets these through."""
    view.writes_on_get = True
    return view


def writes(statement: str) -> bool:
    """Whether a statement writes rows or locks them for its transaction (INSERT, UPDATE, DELETE, MERGE, also inside
    a WITH; FOR UPDATE/SHARE; a transaction's advisory lock). The tests fail a GET request that does (tests/conftest.py)."""
    return bool(_WRITES.search(statement))


@lru_cache(maxsize=256)
def _only_reads(statement: str) -> bool:
    """Whether a statement neither writes nor locks rows nor sets anything for its transaction (a SELECT, SHOW or WITH
    that does not write): it loses nothing in autocommit."""
    return bool(_READS.match(statement)) and not writes(statement)


def _before_execute(conn, cursor, statement, parameters, context, executemany):
    """A GET request's statement that needs a transaction after all (a write, a row lock, SET LOCAL, a server-side
    cursor) gets one, and what follows it in the request too, as before: writes stay all-or-nothing. None should
    write (tests/conftest.py fails a test whose GET writes); some set a limit for their transaction."""
    if conn.info.get(_READING) and (isinstance(cursor, ServerCursor) or not _only_reads(statement)):
        conn.info[_READING] = False
        cursor.connection.autocommit = False  # allowed: in autocommit no transaction is open


def init_app(app):
    from extensions import db
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql" and not event.contains(engine, "checkout", _on_checkout):
        event.listen(engine, "checkout", _on_checkout)
        event.listen(engine, "before_cursor_execute", _before_execute)
        event.listen(engine, "do_execute", alongside.do_execute)  # a page's numbers' statement sent, not waited for
        event.listen(engine, "do_execute", prepared.do_execute)  # a few statements planned once per connection


class OutageWatch:
    """Says once when the database went away and once when it came back; paces the retries in between."""

    def __init__(self, logger, who, first=1.0, longest=30.0):
        self.logger, self.who, self.first, self.longest = logger, who, first, longest
        self.since = None
        self.delay = first

    def failed(self, error) -> float:
        """Note a failed attempt; return the seconds to wait before the next one."""
        if self.since is None:
            self.since = time.monotonic()
            self.delay = self.first
            self.logger.warning("%s cannot use the database (%s); waiting and trying again.", self.who,
                                describe(error))
        else:
            self.delay = min(self.delay * 2, self.longest)
        return self.delay

    def recovered(self):
        if self.since is not None:
            self.logger.warning("%s reached the database again after %.0f s.", self.who, time.monotonic() - self.since)
            self.since = None


def retry_while_unreachable(action, watch: OutageWatch, stopping: threading.Event | None = None):
    """Call `action` until it gets through (its result); wait out database outages, unless `stopping` is set."""
    stopping = stopping or threading.Event()
    while True:
        try:
            result = action()
        except Exception as error:
            if not database_unreachable(error) or stopping.wait(watch.failed(error)):
                raise
            continue
        watch.recovered()
        return result
