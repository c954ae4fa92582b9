"""Real processes against one database (SQLite file and PostgreSQL): every reminder and email once.

The job in two processes that start on the same instant; two `flask scheduler` processes started by
mistake that fire the daily job together; one scheduler restarted after downtime that catches up once.
"""
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from extensions import db
from scheduling.models import Notification, Reminder, SchedulerRun
from tests.factories import make_program, make_user
from tests.scheduling.conftest import store_jobs
from tests.scheduling.factories import set_policy, user

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROGRAMS_PER_AGENCY = 12


def many_overdue_programs(world, started):
    """Programs whose baseline visit is overdue, two managers per agency, a trainer on every other program.

    Returns the number of reminders the job must write.
    """
    make_user("second@alpha.example", "manager", world.agency_a)
    make_user("second@beta.example", "manager", world.agency_b)
    trainer = user(world.users["trainer"])
    start = datetime.combine(started, datetime.min.time())
    expected = 0
    for agency in (world.agency_a, world.agency_b):
        for i in range(PROGRAMS_PER_AGENCY):
            program = make_program(agency, f"{agency.code} program {i:02d}", created_at=start)
            set_policy(program, trainer=trainer if i % 2 else None)
            expected += 2 + (i % 2)
    for program in (world.program_a, world.program_b):
        program.created_at = start
        expected += 2
    db.session.commit()
    return expected


def environment(database_url, smtp_port):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "SCHEDULER_"))}
    env.update(DATABASE_URL=database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port), SMTP_TIMEOUT="5",
               PYTHONPATH=ROOT)
    return env


def assert_each_once(expected, smtp):
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == expected
    assert db.session.scalar(select(func.count()).select_from(Notification)) == expected  # none orphaned
    assert {r.email_status for r in db.session.scalars(select(Reminder))} == {"sent"}
    sent = Counter((tuple(to), message["Subject"]) for _sender, to, message in smtp.messages)
    assert len(sent) == expected and max(sent.values()) == 1


def test_two_job_processes_started_together_remind_each_person_once(app, sched, smtp, database_url):
    expected = many_overdue_programs(sched, date(2026, 1, 5))
    start_at = time.time() + 2.0
    command = [sys.executable, "-m", "tests.scheduling.run_job_at", str(start_at), "2026-02-01"]
    procs = [subprocess.Popen(command, cwd=ROOT, env=environment(database_url, smtp.port), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _out, err in outputs]
    counts = [json.loads(out.strip().splitlines()[-1]) for out, _err in outputs]
    assert sum(c["reminders"]["created"] for c in counts) == expected
    assert sum(c["emails"]["sent"] for c in counts) == expected
    assert_each_once(expected, smtp)


def finished_runs():
    return db.session.scalar(select(func.count()).select_from(SchedulerRun).where(
        SchedulerRun.job == "daily_reminders", SchedulerRun.finished_at.is_not(None)))


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        if condition():
            return True
        time.sleep(0.2)
    return False


@contextmanager
def writes_held(backend):
    """Hold every write to the scheduler's tables (reads go on), so both processes reach the same point."""
    with db.engine.connect() as conn:
        if backend == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.execute(text("LOCK TABLE apscheduler_jobs, scheduler_run IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            conn.rollback()


@contextmanager
def schedulers(count, env):
    procs = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "scheduler"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(count)]
    logs = []
    try:
        yield logs
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        logs.extend(p.communicate(timeout=30)[0] for p in procs)
        assert [p.returncode for p in procs] == [0] * count, logs
        assert all("Scheduler stopped." in log for log in logs), logs


def test_two_scheduler_processes_fire_together_and_remind_each_person_once(app, sched, smtp, database_url, backend):
    expected = many_overdue_programs(sched, date.today() - timedelta(days=10))
    fire_at = datetime.now(timezone.utc) + timedelta(seconds=5)
    store_jobs(app, daily_next_run=fire_at)
    with schedulers(2, environment(database_url, smtp.port)) as logs:
        with writes_held(backend):
            # Both processes wake at fire_at, see the job due and start it; neither can record yet.
            time.sleep(max(0.0, (fire_at - datetime.now(timezone.utc)).total_seconds()) + 1.5)
        ran_twice = wait_for(lambda: finished_runs() == 2, 60)
    assert ran_twice, logs
    assert db.session.scalar(select(func.count()).select_from(SchedulerRun).where(SchedulerRun.outcome != "ok")) == 0
    assert_each_once(expected, smtp)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_restarted_scheduler_catches_up_a_missed_day_once(app, sched, smtp, database_url):
    expected = many_overdue_programs(sched, date.today() - timedelta(days=10))
    store_jobs(app, days_down=3)  # the machine was off for three daily runs
    env = environment(database_url, smtp.port)
    with schedulers(1, env) as logs:
        caught_up = wait_for(lambda: finished_runs() == 1, 30)
    assert caught_up, logs
    assert "kept as stored" in logs[0] and logs[0].count('Running job "daily_reminders') == 1
    with schedulers(1, env) as logs:  # a second restart: nothing missed, nothing run
        time.sleep(3)
    assert 'Running job "daily_reminders' not in logs[0] and finished_runs() == 1
    assert_each_once(expected, smtp)
