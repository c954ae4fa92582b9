"""The context every job runs in: the app's context, with changes audited as by the scheduler."""
from contextlib import contextmanager

from models.audit import acting_as


@contextmanager
def as_scheduler(app):
    """Push an app context whose writes are audited as 'scheduler'; restore the previous actor afterwards.

    Resetting matters where a job is called in a thread that serves other work (tests, --run-once).
    """
    with acting_as(None, "scheduler"), app.app_context():
        yield
