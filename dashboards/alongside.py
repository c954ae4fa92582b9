"""A page's numbers statement on a connection of its own, run while the page reads the rest (PostgreSQL).

The statement a program or team page's numbers rest on (page_queries.offered_grain) is its one heavy statement; the
others (participants with the goals panel's findings, team facts, visits, scale versions) and the Python between
them took about as long again, one after the other. Neither needs the other's rows, so on PostgreSQL the numbers'
statement is sent first, from a thread on a second connection, and the page collects its rows when it sums them:
the page takes about the longer of the two instead of their sum. Under READ COMMITTED each statement sees a
snapshot of its own already, so a second connection shows the page nothing one connection could not.

The thread runs in a copy of the request's context with the request's flask.g as it was at the start: its
statements get the request's statement timeout and stall deadline (ops/faults.py, ops/stall_guard.py), and a
failure (the database down, a timeout) is raised where the page collects the rows, so errors.py answers as for
any statement. A request that ends without collecting (a later statement of the page raised) has its statement
cancelled at teardown and its thread waited for, so the connection goes back to the pool at once instead of at the
statement limit. SQLite, and code outside a request, run it in place.
"""
import logging
import threading
from concurrent.futures import ThreadPoolExecutor, wait

from flask import copy_current_request_context, g, has_request_context

from extensions import db

log = logging.getLogger(__name__)

# Threads start on first use (after gunicorn forked its workers); one per request at a time in each worker.
_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="page-numbers")
_UNCOLLECTED = "alongside_uncollected"  # flask.g: this request's statements not collected yet


def start(fn, *args):
    """A callable giving fn(*args)'s result: fn, which only reads, runs now in another thread with a database session
    of its own (PostgreSQL, in a request), else here, at once."""
    if not has_request_context() or db.session.get_bind().dialect.name != "postgresql":
        result = fn(*args)
        return lambda: result
    job = _Job(g.get("request_id"))
    job.future = _threads.submit(copy_current_request_context(job.run), fn, *args)
    g.setdefault(_UNCOLLECTED, []).append(job)
    return job.collect


class _Job:
    """One statement run alongside: its thread's future, and its connection while the statement may run."""

    def __init__(self, request_id):
        self.request_id = request_id  # for the logs; nothing else of g: the page's ORM objects are its thread's alone
        self.future = None
        self.lock = threading.Lock()  # guards connection and abandoned against the teardown's cancel
        self.connection = None
        self.abandoned = False

    def run(self, fn, *args):
        if self.request_id is not None:
            g.request_id = self.request_id
        # A GET request's connection reads in autocommit and has the request's statement limit (ops/faults.py):
        # the thread runs in a copy of the request's context, so its connection is one of those too.
        connection = db.session.connection()
        with self.lock:
            if self.abandoned:
                return None
            self.connection = connection.connection.dbapi_connection
        try:
            return fn(*args)
        finally:
            with self.lock:  # before the session hands the connection back: no cancel may reach its next user
                self.connection = None

    def collect(self):
        uncollected = g.get(_UNCOLLECTED, [])
        if self in uncollected:  # a page may ask twice, as it may of a result computed in place
            uncollected.remove(self)
        return self.future.result()

    def abandon(self):
        """Stop a statement nobody will collect and wait for its thread (its connection is back in the pool then)."""
        if self.future.cancel():
            return
        with self.lock:
            self.abandoned = True
            if self.connection is not None:
                try:
                    self.connection.cancel_safe(timeout=2)
                except Exception as error:  # the database is gone: the statement limit ends the statement
                    log.warning("could not cancel a page's numbers statement: %s", error)
        wait([self.future])


def abandon_uncollected(error=None):
    """Teardown: stop this request's statements that the page never collected (it failed before)."""
    for job in g.pop(_UNCOLLECTED, ()):
        job.abandon()


def init_app(app):
    app.teardown_request(abandon_uncollected)
