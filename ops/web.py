"""What the web app needs for running in production: stall deadlines, request logs, /healthz (statement limits:
ops/faults.py, for every app)."""
from ops import health, request_log, stall_guard


def init_app(app):
    stall_guard.init_app(app)
    request_log.init_app(app)
    app.register_blueprint(health.bp)
