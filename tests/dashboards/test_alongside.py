"""The numbers' statement run beside the page's others (dashboards/alongside.py): on PostgreSQL on a connection of
its own under the request's statement timeout, its failure raised where the page collects it; SQLite in place."""
import pytest
from sqlalchemy import text

from dashboards import alongside
from extensions import db


def _backend():
    return db.session.execute(text("SELECT pg_backend_pid()")).scalar()


def test_runs_on_its_own_connection_with_the_request_timeout(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite runs it in place (the next test)")
    with app.test_request_context("/dashboards/teams/1"):
        mine = _backend()
        other, timeout = alongside.start(
            lambda: (_backend(), db.session.execute(text("SHOW statement_timeout")).scalar()))()
    assert other != mine  # a second connection: the two statements run at once
    assert timeout == "15s"  # the request's limit, as for every statement of a web request


def test_sqlite_runs_it_in_place_at_once(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    ran = []
    with app.test_request_context("/dashboards/teams/1"):
        collect = alongside.start(lambda: ran.append("now") or "here")
        assert ran == ["now"]  # before anything is collected
        assert collect() == "here"


def test_a_failure_is_raised_where_the_rows_are_collected(app):
    def broken():
        db.session.execute(text("SELECT * FROM no_such_table")).all()
    with app.test_request_context("/dashboards/teams/1"):
        with pytest.raises(Exception, match="no_such_table"):
            alongside.start(broken)()


def _running(statement):
    """Backends running `statement` now (another connection's view of pg_stat_activity)."""
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE query = :q AND state = 'active'"),
                                  {"q": statement}).scalar()


def test_a_page_failing_before_it_collects_stops_the_statement(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite runs it in place")
    slow = "SELECT pg_sleep(10)"
    with pytest.raises(RuntimeError, match="a later statement failed"):
        with app.test_request_context("/dashboards/teams/1"):
            alongside.start(lambda: db.session.execute(text(slow)).all())
            raise RuntimeError("a later statement failed")  # the page ends without collecting the numbers
    # Teardown cancelled it: it no longer holds its connection until the statement limit (15 s in tests).
    assert _running(slow) == 0
    assert db.engine.pool.checkedout() == 0


def test_the_thread_sees_the_request_g(app):
    from flask import g
    with app.test_request_context("/dashboards/teams/1"):
        g.request_id = "abc"
        assert alongside.start(lambda: g.get("request_id"))() == "abc"
