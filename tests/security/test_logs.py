"""What a request writes to the logs: never a client code, a name, a password or a token, not even in a crash."""
import logging

import pytest

from models import Agency
from ops.request_log import TextFormatter, formatter_for
from tests.helpers import PASSWORD

SECRET_CODE = "A001-not-for-logs"


def written(app, records, log_format):
    """The log text the app's handlers write for these records in a LOG_FORMAT."""
    app.config["LOG_FORMAT"] = log_format
    formatter = formatter_for(app)
    return "\n".join(formatter.format(record) for record in records)


@pytest.mark.get_writes  # its /boom route writes, then fails, on purpose
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_crash_logs_the_statement_but_not_the_values_it_carried(app, client, auth, world, caplog, log_format):
    # A failed INSERT or UPDATE carries a participant's code, a goal's wording or a name: SQLAlchemy's error text
    # printed them all into the error log ("[parameters: ...]"), where people without clinical access read.
    @app.route("/boom")
    def boom():
        from extensions import db
        db.session.execute(Agency.__table__.insert().values(code=world.agency_a.code, name=SECRET_CODE))

    auth.login(world.users["admin"])
    caplog.set_level(logging.INFO)
    assert client.get("/boom").status_code == 500
    text = written(app, caplog.records, log_format)
    assert "IntegrityError" in text and "INSERT INTO agency" in text  # the error and its statement are logged
    # the values: SQLAlchemy's "[parameters: ...]" and PostgreSQL's "DETAIL: Key (code)=(AAA) already exists"
    assert SECRET_CODE not in text and f"({world.agency_a.code})" not in text


def test_signing_in_and_changing_a_password_logs_no_email_password_or_token(app, client, auth, world, caplog):
    caplog.set_level(logging.DEBUG)
    auth.login(world.users["clerk_a"], "wrong-password-typed")
    auth.login(world.users["clerk_a"])
    new = "another-long-secret-phrase"
    auth.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new})
    client.get(f"/teams/{world.team_a.id}?search=A001")
    auth.logout()
    assert len(caplog.records) >= 8, "each request was logged"
    text = written(app, caplog.records, "text")
    for secret in (world.users["clerk_a"], PASSWORD, "wrong-password-typed", new, auth.token, "A001"):
        assert secret not in text


def test_the_text_format_the_import_child_uses_hides_postgresql_detail_lines():
    # The import child writes the rows, so its failures are the likeliest to name a client code.
    try:
        raise RuntimeError('duplicate key value violates unique constraint "participant_code"\n'
                           "DETAIL:  Key (team_id, client_code)=(3, A001) already exists.")
    except RuntimeError:
        import sys
        record = logging.LogRecord("imports", logging.ERROR, __file__, 1, "Import 5 failed", None, sys.exc_info())
    text = TextFormatter("import 5: %(levelname)s %(name)s: %(message)s").format(record)
    assert "duplicate key value" in text and "A001" not in text
