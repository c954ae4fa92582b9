"""A page's numbers statement sent on a connection of its own, its rows collected later (PostgreSQL).

The statement a program or team page's numbers rest on (page_queries.grain_statement) is its one heavy statement; the
others (participants with the goals panel's findings, team facts, visits, scale versions) and the Python between
them took about as long again, one after the other. Neither needs the other's rows, so on PostgreSQL the numbers'
statement is sent first on a second connection, in pipeline mode (psycopg's Connection.pipeline: a statement
sent does not wait for its answer), and the page collects its rows when it sums them: the page takes about the
longer of the two instead of their sum. Under READ COMMITTED each statement sees a snapshot of its own already,
so a second connection shows the page nothing one connection could not.

The request's own thread sends and collects: a thread that sent it instead started it 1.7 ms late on a quiet
machine (its wake-up, its context and session) and 8-13 ms late at load 15, and handed the rows back late too.
The second connection is checked out in the request as any other, so its statement gets the request's
statement timeout (ops/faults.py). The stall guard (ops/stall_guard.py) cuts a frozen server's connection while
the statement is sent, and while its rows are collected and its pipeline ended: each wait gets the time the
statement has left, or DATABASE_STALL_GRACE when its rows waited longer for the page (they are ready). A
failure (the database down, a timeout) is raised where the page collects the rows, as the SQLAlchemy error
errors.py answers for any statement. A request that ends without collecting (a later statement
of the page raised) has its statement cancelled at teardown, so the connection goes back to the pool at once
instead of at the statement limit. SQLite, and code outside a request, run it in place.
"""
import logging
import time
from contextlib import ExitStack

import psycopg
from flask import current_app, g, has_request_context
from psycopg import pq
from sqlalchemy import exc as sa_exc

from extensions import db
from ops import stall_guard

log = logging.getLogger(__name__)

_SENT = "alongside_sent"  # flask.g: this request's statements sent (teardown stops those not collected)
_SEND = "alongside_send"  # execution option: the _Sent that sends the statement instead of running it


def start(statement, params):
    """A callable giving the rows of `statement` (a select) with `params`: sent now on a connection of its own
    (PostgreSQL, in a request), else run here, at once."""
    if not has_request_context() or db.session.get_bind().dialect.name != "postgresql":
        rows = db.session.execute(statement, params).all()
        return lambda: rows
    sent = _Sent(db.engine.connect())  # checked out in the request: its statement limit, autocommit for a GET
    try:
        sent.connection.execute(statement, params, execution_options={_SEND: sent})
    except BaseException:
        sent.close()
        raise
    g.setdefault(_SENT, []).append(sent)
    return sent.collect


class _Sent:
    """One statement sent on its own connection, in pipeline mode until its rows are collected."""

    def __init__(self, connection):
        self.connection = connection  # SQLAlchemy's: closing it hands the connection back to the pool
        self.pipeline = ExitStack()
        self.cursor = self.statement = self.params = None
        self.rows = None
        self.dbapi_connection = self.sent_at = None  # psycopg's connection and time.monotonic(), once sent

    def send(self, dbapi_connection, statement, params):
        self.statement, self.params = statement, params
        self.dbapi_connection, self.sent_at = dbapi_connection, time.monotonic()
        self.pipeline.enter_context(dbapi_connection.pipeline())
        self.cursor = dbapi_connection.cursor(binary=True)  # rows read as binary: the same values, 2.7x faster
        self.cursor.execute(statement, params)  # sent, not waited for: the cursor's rows arrive when fetched
        # Asked to send its rows as soon as they are ready: without a Flush the server keeps the last of them until
        # the page asks, and collecting waited a round trip for them.
        dbapi_connection.pgconn.send_flush_request()
        dbapi_connection.pgconn.flush()

    def collect(self):
        if self.rows is not None:  # a page may ask twice, as it may of a result computed in place
            return self.rows
        try:
            with self._deadline():
                self.rows = self.cursor.fetchall()
        except psycopg.Error as error:
            raise sa_exc.DBAPIError.instance(self.statement, self.params, error, psycopg.Error,
                                             hide_parameters=self.connection.engine.hide_parameters,
                                             dialect=self.connection.dialect) from error
        finally:
            self.close()
        return self.rows

    def abandon(self):
        """Stop a statement nobody will collect (its connection goes back to the pool at once)."""
        with self._deadline():  # from before the cancel: a frozen server answers neither it nor the pipeline's end
            try:
                self.dbapi_connection.cancel_safe(timeout=2)
            except Exception as error:  # the database is gone: the statement limit ends the statement
                log.warning("could not cancel a page's numbers statement: %s", error)
            self.close()

    def close(self):
        """End the pipeline and hand the connection back to the pool; discard it if the pipeline's end failed and
        left it unfit (a statement cancelled in autocommit leaves it idle and fit)."""
        try:
            with self._deadline():
                self.pipeline.close()  # its Sync ends the statement's implicit transaction; its error comes here
        except psycopg.Error:
            if not _idle(self.dbapi_connection):
                self.connection.invalidate()  # not left to the pool in a state nobody checked
        finally:
            self.connection.close()

    def _deadline(self):
        """The stall guard's deadline for waiting on the statement's answer (none before it was sent)."""
        seconds = stall_guard.time_left(current_app.config, self.sent_at) if self.sent_at else 0
        return stall_guard.deadline(self.dbapi_connection, seconds, "statement")


def _idle(dbapi_connection):
    """Whether a connection is out of pipeline mode with no transaction open (nor a lost connection's unknown one)."""
    return (dbapi_connection.info.transaction_status == pq.TransactionStatus.IDLE
            and dbapi_connection.pgconn.pipeline_status == pq.PipelineStatus.OFF)


def do_execute(cursor, statement, parameters, context):
    """The dialect's do_execute for a statement start() sends: send it (the stall guard's deadline ends with it)."""
    sent = context.execution_options.get(_SEND)
    if sent is None:
        return None
    sent.send(cursor.connection, statement, parameters)
    return True


def abandon_uncollected(error=None):
    """Teardown: stop this request's statements that the page never collected (it failed before)."""
    for sent in g.pop(_SENT, ()):
        if not sent.connection.closed:  # collecting closes it
            sent.abandon()


def init_app(app):
    """Stop at teardown what a request sent and never collected (ops/faults.py has do_execute send it)."""
    app.teardown_request(abandon_uncollected)
