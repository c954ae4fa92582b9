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
