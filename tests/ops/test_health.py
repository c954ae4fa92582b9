"""/healthz in each state: current, behind or ahead of the code, unreachable; heartbeats; no sign-in, no data."""
import threading
from datetime import datetime, timedelta

from sqlalchemy import select, text

from date_text import iso_moment
from extensions import db
from ops.heartbeat import Heartbeat, ProcessHeartbeat, beat
from tests.conftest import make_app


def test_current_schema_answers_200_with_each_process_last_heartbeat(app, client, world):
    now = datetime.utcnow()
    with db.engine.begin() as conn:
        beat(conn, "worker", "host-a:11", now - timedelta(seconds=4))
        beat(conn, "worker", "host-b:12", now - timedelta(hours=2))  # a worker that stopped long ago
    response = client.get("/healthz")  # nobody signed in
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["reachable"] is True and body["database"]["current"] is True
    assert body["database"]["revision"] == body["database"]["code_revision"]
    worker = body["processes"]["worker"]
    assert worker["alive"] == 1 and 3 <= worker["seconds_ago"] <= 10
    assert worker["last_heartbeat"].endswith("Z")
    assert body["processes"]["scheduler"] == {"last_heartbeat": None, "seconds_ago": None, "alive": 0}
    page = response.get_data(as_text=True)
    assert "host-a" not in page and "@" not in page and "A000" not in page  # no hosts, accounts or client codes


def test_a_heartbeat_reads_as_every_api_moment_does(app, client):
    seen = datetime(2026, 3, 8, 7, 30, 5, 250000)  # stored UTC, with its microseconds
    with db.engine.begin() as conn:
        beat(conn, "scheduler", "host-a:11", seen)
    scheduler = client.get("/healthz").get_json()["processes"]["scheduler"]
    assert scheduler["last_heartbeat"] == iso_moment(seen) == "2026-03-08T07:30:05.250000Z"


def test_a_schema_behind_or_ahead_of_the_code_answers_503(app, client):
    heads = db.session.scalars(text("SELECT version_num FROM alembic_version")).all()  # one per branch head
    current = ", ".join(sorted(heads))
    for revision in ("0012_assessment_imported_from", "9999_from_a_newer_release"):
        db.session.execute(text("DELETE FROM alembic_version"))
        db.session.execute(text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": revision})
        db.session.commit()
        response = client.get("/healthz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "unavailable"
        assert body["database"] == {"reachable": True, "current": False, "revision": revision,
                                    "code_revision": current}
    db.session.execute(text("DELETE FROM alembic_version"))  # never migrated
    db.session.commit()
    assert client.get("/healthz").get_json()["database"]["revision"] is None


def test_an_unreachable_database_answers_503_without_a_sign_in(sqlite_app):
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/imr")  # nothing listens on port 1
    with app.app_context():
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": {"reachable": False}, "processes": None}


def test_a_heartbeat_thread_keeps_one_row_per_process_moving(app):
    heartbeat = Heartbeat(db.engine, "scheduler", every=0.05)
    heartbeat.start()
    seen = threading.Event()
    try:
        first = None
        for _ in range(100):
            db.session.rollback()
            rows = db.session.scalars(select(ProcessHeartbeat)).all()
            if rows and first is None:
                first = rows[0].last_seen
            elif rows and rows[0].last_seen > first:
                seen.set()
                break
            seen.wait(0.05)
    finally:
        heartbeat.stop()
        heartbeat.join(5)
    assert seen.is_set()
    assert [(r.kind, r.host_pid) for r in rows] == [("scheduler", heartbeat.host_pid)]
