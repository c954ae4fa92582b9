"""`/healthz`: is the database reachable and its schema current; when did the worker and scheduler last beat.

No sign-in and no data: the answer names only revisions and times, for a load balancer or a monitor.
200 when the database answers and its Alembic revision is the code's head, 503 otherwise. The processes'
heartbeats are shown, not judged: a web node stays in service while a worker is being restarted.
"""
from datetime import datetime, timedelta

from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, select, text

from date_text import iso_moment
from errors import note_error
from extensions import db
from ops.faults import database_unreachable, describe
from ops.heartbeat import KINDS, ProcessHeartbeat

bp = Blueprint("health", __name__)
ALIVE_BEATS = 3  # a process is counted alive when it beat within this many heartbeat intervals


def code_heads() -> set[str]:
    """The head revision(s) of the migrations shipped with the code (read once per app)."""
    heads = current_app.extensions.get("health_heads")
    if heads is None:
        directory = current_app.extensions["migrate"].directory
        heads = current_app.extensions["health_heads"] = set(ScriptDirectory(directory).get_heads())
    return heads


def database_state(conn) -> set[str]:
    """The revision(s) the database is at; empty when it was never migrated."""
    if not db.inspect(conn).has_table("alembic_version"):
        return set()
    return set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def heartbeats(conn, now, every) -> dict:
    """Per kind: the newest last_seen, its age in seconds and how many processes beat recently."""
    alive_since = now - timedelta(seconds=every * ALIVE_BEATS)
    rows = conn.execute(select(ProcessHeartbeat.kind, func.max(ProcessHeartbeat.last_seen),
                               func.count().filter(ProcessHeartbeat.last_seen >= alive_since))
                        .group_by(ProcessHeartbeat.kind)).all()
    found = {kind: (last, alive) for kind, last, alive in rows}
    out = {}
    for kind in KINDS:
        last, alive = found.get(kind, (None, 0))
        out[kind] = {"last_heartbeat": iso_moment(last),
                     "seconds_ago": round((now - last).total_seconds()) if last else None,
                     "alive": alive}
    return out


@bp.route("/healthz")
def healthz():
    now = datetime.utcnow()
    body = {"status": "unavailable", "database": {"reachable": False}, "processes": None}
    try:
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":  # a monitor must get its answer in seconds (undone at rollback)
                conn.exec_driver_sql("SET LOCAL statement_timeout = 2000")
            revisions = database_state(conn)
            heads = code_heads()
            body["database"] = {"reachable": True, "revision": ", ".join(sorted(revisions)) or None,
                                "code_revision": ", ".join(sorted(heads)), "current": revisions == heads}
            if db.inspect(conn).has_table(ProcessHeartbeat.__tablename__):
                body["processes"] = heartbeats(conn, now, current_app.config["HEARTBEAT_SECONDS"])
    except Exception as error:
        if not database_unreachable(error):
            raise
        note_error(f"database unavailable: {describe(error)}")  # in the log, not in a public answer
    if body["database"].get("current"):
        body["status"] = "ok"
    response = jsonify(body)
    response.status_code = 200 if body["status"] == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response
