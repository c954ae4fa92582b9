"""Request logs: one line per request with id, user id, route, status, duration; JSON on request; slow ones marked."""
import io
import json

import pytest

from extensions import db
from ops import request_log
from tests.conftest import make_app
from tests.factories import build_world
from tests.helpers import Auth


@pytest.fixture
def logged(sqlite_template, tmp_path):
    """make(**config) -> (app, world, stream the request log writes to), on SQLite (logging needs no database)."""
    stream = io.StringIO()
    old = request_log._handler.setStream(stream)
    contexts = []

    def make(**config):
        app = make_app(sqlite_template.fresh(str(tmp_path))[0], **config)
        context = app.app_context()
        context.push()
        contexts.append(context)
        return app, build_world(), stream
    yield make
    for context in contexts:
        db.session.remove()
        db.engine.dispose()
        context.pop()
    request_log._handler.setStream(old)


def _lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_id_user_id_route_status_and_duration_and_nothing_private(logged):
    app, world, stream = logged(LOG_FORMAT="json")
    client = app.test_client()
    Auth(client).login(world.users["manager_a"])
    stream.truncate(0), stream.seek(0)
    response = client.get(f"/teams/{world.team_a.id}?window=last-12-months&code=A000")
    assert response.status_code == 200
    [line] = _lines(stream)
    manager_id = db.session.execute(db.text("SELECT id FROM app_user WHERE email = 'manager@alpha.example'")).scalar()
    assert line["request_id"] == response.headers["X-Request-ID"] and len(line["request_id"]) == 32
    assert (line["user_id"], line["method"], line["route"], line["status"]) == \
        (manager_id, "GET", "/teams/<int:team_id>", 200)
    assert line["level"] == "INFO" and line["logger"] == "imr.requests" and line["duration_ms"] > 0
    assert "slow" not in line and "error" not in line
    text = stream.getvalue()
    assert "manager@alpha.example" not in text and "A000" not in text and "window" not in text
    assert f"/teams/{world.team_a.id}" not in text  # the route, not the path


def test_a_slow_request_is_a_warning_naming_its_route(logged):
    app, world, stream = logged(LOG_FORMAT="json", SLOW_REQUEST_SECONDS=0.0)
    app.test_client().get("/sign-in")
    [line] = _lines(stream)
    assert (line["level"], line["slow"], line["route"], line["user_id"]) == ("WARNING", True, "/sign-in", None)


def test_the_proxy_request_id_is_kept_and_anything_else_replaced(logged):
    app, world, stream = logged(LOG_FORMAT="json")
    client = app.test_client()
    kept = client.get("/healthz", headers={"X-Request-ID": "nginx-5f2a9c01d3e4"})
    assert kept.headers["X-Request-ID"] == "nginx-5f2a9c01d3e4"
    replaced = client.get("/healthz", headers={"X-Request-ID": "x\" injected=1 \u00e9"})
    assert replaced.headers["X-Request-ID"] != "x\" injected=1 \u00e9" and len(replaced.headers["X-Request-ID"]) == 32
    assert [line["request_id"] for line in _lines(stream)] == ["nginx-5f2a9c01d3e4", replaced.headers["X-Request-ID"]]


def test_text_lines_by_default_and_unmatched_urls_have_no_route(logged):
    app, world, stream = logged()
    response = app.test_client().get("/no/such/page?token=abc")
    assert response.status_code == 404
    [line] = stream.getvalue().splitlines()
    assert f"INFO imr.requests: GET (no route) 404 " in line and f"id={response.headers['X-Request-ID']}" in line
    assert "token" not in line and "/no/such" not in line


def test_an_unknown_log_format_is_refused_at_start(sqlite_template, tmp_path):
    with pytest.raises(RuntimeError, match="LOG_FORMAT must be one of text, json, not 'xml'"):
        make_app(sqlite_template.fresh(str(tmp_path))[0], LOG_FORMAT="xml")


def test_the_scheduler_process_logs_in_the_format_the_web_app_uses(sqlite_template, tmp_path):
    """One log collector reads web, worker and scheduler: with LOG_FORMAT=json every line of theirs is JSON too."""
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    url = sqlite_template.fresh(str(tmp_path))[0]
    env = dict(os.environ, DATABASE_URL=url, LOG_FORMAT="json", IMR_ENV="test", PYTHONPATH=root)
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "scheduler", "--run-once",
                           "--today", "2026-11-30"], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert any(line["logger"] == "scheduling.jobs" and "2026-11-30" in line["message"] for line in lines), lines
    assert all(line["level"] in ("INFO", "WARNING", "ERROR") for line in lines)
