"""What the web app needs for running in production: statement limits, request logs, /healthz."""
from ops import faults, health, request_log, stall_guard


def init_app(app):
    faults.init_app(app)
    stall_guard.init_app(app)
    request_log.init_app(app)
    app.register_blueprint(health.bp)
