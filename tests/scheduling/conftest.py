"""The two-agency world with program start dates fixed, so due dates are known in advance."""
import logging
from datetime import datetime

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
