"""The context every job runs in: the app's context, with changes audited as by the scheduler."""
from contextlib import contextmanager

from models.audit import set_actor


@contextmanager
def as_scheduler(app):
    """Push an app context whose writes are audited as 'scheduler'; restore the previous actor afterwards.

    Resetting matters where a job is called in a thread that serves other work (tests, --run-once).
    """
    token = set_actor(None, "scheduler")
    try:
        with app.app_context():
            yield
    finally:
        token.var.reset(token)
