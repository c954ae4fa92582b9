"""A page's numbers statement on a connection of its own, run while the page reads the rest (PostgreSQL).

The statement a program or team page's numbers rest on (page_queries.offered_grain) is its one heavy statement; the
others (participants with the goals panel's findings, team facts, visits, scale versions) and the Python between
them took about as long again, one after the other. Neither needs the other's rows, so on PostgreSQL the numbers'
statement is sent first, from a thread on a second connection, and the page collects its rows when it sums them:
the page takes about the longer of the two instead of their sum. Under READ COMMITTED each statement sees a
snapshot of its own already, so a second connection shows the page nothing one connection could not.

The thread runs in a copy of the request's context: its statements get the request's statement timeout and stall
deadline (ops/faults.py, ops/stall_guard.py), and a failure (the database down, a timeout) is raised where the page
collects the rows, so errors.py answers as for any statement. SQLite, and code outside a request, run it in place.
"""
from concurrent.futures import ThreadPoolExecutor

from flask import copy_current_request_context, has_request_context

from extensions import db

# Threads start on first use (after gunicorn forked its workers); one per request at a time in each worker.
_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="page-numbers")


def start(fn, *args):
    """A callable giving fn(*args)'s result: fn, which only reads, runs now in another thread with a database session
    of its own (PostgreSQL, in a request), else here, at once."""
    if not has_request_context() or db.session.get_bind().dialect.name != "postgresql":
        result = fn(*args)
        return lambda: result
    return _threads.submit(copy_current_request_context(_reading), fn, *args).result


def _reading(fn, *args):
    """fn(*args) with each statement its own transaction (autocommit): under READ COMMITTED what a one-statement
    transaction sees, without its BEGIN and ROLLBACK, two round trips the page waited for before and after its
    numbers. The statement limit is the connection's (ops/faults.py), so it holds here too."""
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return fn(*args)
