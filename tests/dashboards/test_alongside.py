"""The numbers' statement sent beside the page's others (dashboards/alongside.py): on PostgreSQL on a connection of
its own under the request's statement timeout, its failure raised where the page collects it; SQLite in place."""
import pytest
from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc

from dashboards import alongside
from extensions import db
from ops.faults import database_unreachable

BACKEND = text("SELECT pg_backend_pid()")


def _postgresql_only():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite runs it in place (test_sqlite_runs_it_in_place_at_once)")


def test_runs_on_its_own_connection_with_the_request_timeout(app):
    _postgresql_only()
    with app.test_request_context("/dashboards/teams/1"):
        mine = db.session.execute(BACKEND).scalar()
        collect = alongside.start(text("SELECT pg_backend_pid(), current_setting('statement_timeout')"), {})
        assert db.session.execute(BACKEND).scalar() == mine  # the page's own statements go on meanwhile
        [(other, timeout)] = collect()
        assert other != mine  # a second connection: the two statements run at once
        assert timeout == "15s"  # the request's limit, as for every statement of a web request
        assert collect() == [(other, timeout)]  # asked twice, it answers twice
        assert db.engine.pool.checkedout() == 1  # its connection is back in the pool once collected


def test_sqlite_runs_it_in_place_at_once(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    ran = []
    event.listen(db.engine, "after_cursor_execute", lambda *args: ran.append(args[2]))
    with app.test_request_context("/dashboards/teams/1"):
        collect = alongside.start(text("SELECT :n"), {"n": 7})
        assert ran == ["SELECT ?"]  # before anything is collected
        assert collect() == [(7,)]


def test_a_failure_is_raised_where_the_rows_are_collected_as_the_databases_error(app):
    with app.test_request_context("/dashboards/teams/1"):
        with pytest.raises(sa_exc.ProgrammingError if db.engine.dialect.name == "postgresql"
                           else sa_exc.OperationalError, match="no_such_table"):
            alongside.start(text("SELECT * FROM no_such_table"), {})()


def test_a_statement_over_the_limit_is_the_database_being_unavailable(app, monkeypatch):
    """errors.py answers 503 for it, as for the page's own statements."""
    _postgresql_only()
    monkeypatch.setitem(app.config, "DATABASE_STATEMENT_TIMEOUT", 0.2)
    with app.test_request_context("/dashboards/teams/1"):
        collect = alongside.start(text("SELECT pg_sleep(2)"), {})
        with pytest.raises(sa_exc.OperationalError, match="statement timeout") as raised:
            collect()
        assert database_unreachable(raised.value)
    assert db.engine.pool.checkedout() == 0


def _running(statement):
    """Backends running `statement` now (another connection's view of pg_stat_activity)."""
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE query = :q AND state = 'active'"),
                                  {"q": statement}).scalar()


def test_a_page_failing_before_it_collects_stops_the_statement(app):
    _postgresql_only()
    slow = "SELECT pg_sleep(10)"
    with pytest.raises(RuntimeError, match="a later statement failed"):
        with app.test_request_context("/dashboards/teams/1"):
            alongside.start(text(slow), {})
            assert _running(slow) == 1
            raise RuntimeError("a later statement failed")  # the page ends without collecting the numbers
    # Teardown cancelled it: it no longer holds its connection until the statement limit (15 s in tests).
    assert _running(slow) == 0
    assert db.engine.pool.checkedout() == 0
    connected = []
    event.listen(db.engine, "connect", lambda *args: connected.append(args))
    with app.test_request_context("/dashboards/teams/1"):  # the pool's connections serve the next request
        db.session.execute(BACKEND)
        assert alongside.start(text("SELECT 1"), {})() == [(1,)]
    assert connected == []  # the cancelled statement's connection was healthy: kept, not replaced by a new one
