"""Bad requests get a clear page (JSON under /api) and change nothing."""
import re

import pytest
from sqlalchemy import func, select

from extensions import db
from models import Program


def test_malformed_and_unknown_ids_are_404_pages(client, auth, world):
    auth.login(world.users["admin"])
    for url in ("/programs/abc", "/programs/-1", "/teams/0", "/programs/99999999"):
        response = client.get(url)
        assert response.status_code == 404
        assert "nothing here, or it is not yours to see" in response.get_data(as_text=True)


def test_other_agency_object_looks_like_nothing(client, auth, world):
    auth.login(world.users["manager_a"])
    other = client.get(f"/programs/{world.program_b.id}")
    missing = client.get("/programs/99999999")
    assert other.status_code == missing.status_code == 404
    # The sign-out form's CSRF token carries the second it was made: two pages a second apart differ there alone.
    assert _without_token(other) == _without_token(missing)


def _without_token(response) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', response.get_data(as_text=True))


def test_oversized_request_gets_a_clear_page_and_changes_nothing(client, auth, world, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    auth.login(world.users["admin"])
    response = auth.post("/admin/agencies/new", data={"code": "BIG", "name": "x" * 5000})
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Program)) == 2


def test_wrong_method_is_a_page_not_a_trace(client, auth, world):
    auth.login(world.users["admin"])
    response = client.delete("/")
    assert response.status_code == 405 and "Traceback" not in response.get_data(as_text=True)


@pytest.mark.get_writes  # its /boom route writes, then fails, on purpose
def test_server_error_rolls_back_and_shows_a_page(app, client, auth, world):
    @app.route("/boom")
    def boom():
        db.session.add(Program(agency_id=world.agency_a.id, name="Half written"))
        db.session.flush()
        raise RuntimeError("crash half way")

    auth.login(world.users["admin"])
    response = client.get("/boom")
    assert response.status_code == 500 and "Nothing was changed" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Program).where(Program.name == "Half written")) == 0
