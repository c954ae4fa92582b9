"""The two-agency world with program start dates fixed, so due dates are known in advance."""
import logging
from datetime import datetime, timedelta

import pytest

from extensions import db

PROGRAM_START = datetime(2026, 1, 5, 9, 0)  # the baseline visit of both world programs is due 2026-01-05


@pytest.fixture
def sched(world):
    world.program_a.created_at = PROGRAM_START
    world.program_b.created_at = PROGRAM_START
    db.session.commit()
    return world


@pytest.fixture
def smtp():
    from tests.scheduling.smtp_server import LocalSMTP
    server = LocalSMTP()
    yield server
    server.stop()


def use_smtp(app, port, timeout=2.0):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=timeout,
                      SMTP_SENDER="imr-service@state.example", SERVICE_URL="https://imr.example.org")


@pytest.fixture(autouse=True)
def scheduling_logs_enabled():
    """Alembic's fileConfig (run when the test template is migrated) disables loggers that already exist."""
    for name in ("scheduling.jobs", "scheduling.emails", "scheduling.scheduler"):
        logging.getLogger(name).disabled = False


def store_jobs(app, daily_next_run=None, days_down=None):
    """Store the scheduler's jobs as a scheduler leaves them, then set the daily job's next run: to a given
    time, or `days_down` days back as if the machine had been off. Returns that next run time.

    The store is edited directly: a running scheduler would consume a missed run itself.
    """
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from scheduling.models import JOBSTORE_TABLE
    from scheduling.scheduler import build_scheduler

    scheduler = build_scheduler(app, BackgroundScheduler)
    scheduler.start(paused=True)  # writes the jobs, next runs in the future
    scheduler.shutdown(wait=False)
    store = SQLAlchemyJobStore(engine=db.engine, tablename=JOBSTORE_TABLE)
    store.start(BackgroundScheduler(), "default")
    job = store.lookup_job("daily_reminders")
    job._modify(next_run_time=daily_next_run or job.next_run_time - timedelta(days=days_down))
    store.update_job(job)
    return job.next_run_time
