"""Database faults: tell an unreachable or stalled database from a bug, limit web statements, wait it out.

The web app answers 503 while the database cannot be reached (errors.py), the worker and the scheduler wait
and try again (OutageWatch, wait_for_database): none of them exits or writes a traceback per attempt.
"""
import logging
import threading
import time

from flask import current_app, has_request_context
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

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


def _limit_request_statements(session, transaction, connection):
    """Cap each statement of a web request (PostgreSQL), so a stalled database frees the worker in seconds.

    Per request, not per connection: imports, migrations and backups run in other processes and may
    legitimately take longer. SET LOCAL ends with the transaction.
    """
    if not has_request_context() or connection.dialect.name != "postgresql":
        return
    seconds = current_app.config.get("DATABASE_STATEMENT_TIMEOUT") or 0
    if seconds > 0:
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(seconds * 1000)}")


def init_app(app):
    if not event.contains(Session, "after_begin", _limit_request_statements):
        event.listen(Session, "after_begin", _limit_request_statements)


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
