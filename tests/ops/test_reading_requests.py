"""GET requests run in autocommit on PostgreSQL (ops/faults.py): no BEGIN and ROLLBACK round trips around a page's
reads; a statement that needs a transaction after all gets one, so a GET that writes stays all-or-nothing."""
import pytest
from sqlalchemy import func, insert, select, text

from extensions import db
from models import Agency


def _add_routes(app):
    def autocommit():
        db.session.execute(select(1))
        return str(db.session.connection().connection.driver_connection.autocommit)

    def half_write():
        db.session.execute(insert(Agency).values(code="HALF", name="Half written"))
        raise RuntimeError("fails after its first write")

    def set_local():
        db.session.execute(text("SET LOCAL statement_timeout = 1234"))
        return db.session.execute(text("SHOW statement_timeout")).scalar()

    app.add_url_rule("/test-autocommit", view_func=autocommit, methods=["GET", "POST"])
    app.add_url_rule("/test-half-write", view_func=half_write)
    app.add_url_rule("/test-set-local", view_func=set_local)
    db.session.remove()  # the requests check out their own connection, as on a server


@pytest.fixture
def pg_app(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no autocommit round trips to spare")
    _add_routes(app)
    return app


def test_a_get_reads_in_autocommit_and_a_post_in_a_transaction(pg_app):
    client = pg_app.test_client()
    assert client.get("/test-autocommit").get_data(as_text=True) == "True"
    db.session.remove()  # as the end of a request's app context does on a server (tests keep theirs pushed)
    pg_app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/test-autocommit").get_data(as_text=True) == "False"


@pytest.mark.get_writes  # on purpose: what happens if a GET ever writes
def test_a_get_that_writes_and_fails_leaves_nothing_written(pg_app):
    assert pg_app.test_client().get("/test-half-write").status_code == 500
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Agency).where(Agency.code == "HALF")) == 0


def test_set_local_in_a_get_holds_for_its_transaction(pg_app):
    assert pg_app.test_client().get("/test-set-local").get_data(as_text=True) == "1234ms"
