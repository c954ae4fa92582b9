"""Real processes against one database (SQLite file and PostgreSQL): every reminder and email once.

The job in two processes that start on the same instant; two `flask scheduler` processes started by
mistake that fire the daily job together; one scheduler restarted after downtime that catches up once.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
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
START_WAIT = 60  # seconds a process may take to start on a loaded machine
HUNG = 600  # waits on a process's own words end when it says them: this only stops a test whose process hung
# `flask --app app scheduler` with APScheduler's scheduler logging each look for due jobs ("Next wakeup is due at").
LOOKS_LOGGED = ("import logging, sys; from flask.cli import main; "
                "logging.getLogger('apscheduler.scheduler').setLevel(logging.DEBUG); "
                "sys.argv[1:] = ['--app', 'app', 'scheduler']; main()")


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


class Schedulers:
    """`count` real `flask scheduler` processes whose output is read as it comes."""

    def __init__(self, count, env, looks_logged=False):
        command = ["-c", LOOKS_LOGGED] if looks_logged else ["-m", "flask", "--app", "app", "scheduler"]
        self.procs = [subprocess.Popen([sys.executable, *command], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True) for _ in range(count)]
        self.lines = [[] for _ in self.procs]
        self.readers = [threading.Thread(target=lambda p=p, out=out: out.extend(p.stdout), daemon=True)
                        for p, out in zip(self.procs, self.lines)]
        for reader in self.readers:
            reader.start()

    @property
    def logs(self):
        return ["".join(lines) for lines in self.lines]

    def all_say(self, words):
        return all(words in log for log in self.logs)

    def said_or_ended(self, *words):
        """Every process wrote a line holding all `words`, or one of them ended (its log says why)."""
        said = all(any(all(w in line for w in words) for line in lines) for lines in self.lines)
        return said or any(p.poll() is not None for p in self.procs)

    def stop(self):
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p, reader in zip(self.procs, self.readers):
            p.wait(timeout=30)
            reader.join(5)
        assert [p.returncode for p in self.procs] == [0] * len(self.procs), self.logs
        assert self.all_say("Scheduler stopped."), self.logs


@contextmanager
def schedulers(count, env, looks_logged=False):
    running = Schedulers(count, env, looks_logged)
    try:
        yield running
    finally:
        running.stop()


def test_two_scheduler_processes_fire_together_and_remind_each_person_once(app, sched, smtp, database_url, backend):
    expected = many_overdue_programs(sched, date.today() - timedelta(days=10))
    store_jobs(app, daily_next_run=datetime.now(timezone.utc))  # due as soon as a scheduler looks
    env = environment(database_url, smtp.port)
    if backend == "sqlite":  # the process that fires first must outwait the held writes, past SQLite's 5 s
        env["DATABASE_URL"] = f"{database_url}{'&' if '?' in database_url else '?'}timeout={START_WAIT}"
    with ExitStack() as holding:
        # Held from before the processes start, however slowly they come up: each sees the job due and starts
        # it, and neither can record a run or move the stored next run on until both have fired.
        holding.enter_context(writes_held(backend))
        with schedulers(2, env) as running:
            try:
                both_fired = wait_for(lambda: running.all_say('Running job "daily_reminders'), START_WAIT)
            finally:
                holding.close()
            ran_twice = wait_for(lambda: finished_runs() == 2, 60)
    assert both_fired and ran_twice, running.logs
    assert db.session.scalar(select(func.count()).select_from(SchedulerRun).where(SchedulerRun.outcome != "ok")) == 0
    assert_each_once(expected, smtp)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_restarted_scheduler_catches_up_a_missed_day_once(app, sched, smtp, database_url):
    expected = many_overdue_programs(sched, date.today() - timedelta(days=10))
    store_jobs(app, days_down=3)  # the machine was off for three daily runs
    env = environment(database_url, smtp.port)
    with schedulers(1, env) as first:  # the catch-up ends when the job says so, however loaded the machine
        assert wait_for(lambda: first.said_or_ended('"daily_reminders', "executed successfully"), HUNG), first.logs
    assert finished_runs() == 1, first.logs
    assert "kept as stored" in first.logs[0] and first.logs[0].count('Running job "daily_reminders') == 1
    with schedulers(1, env, looks_logged=True) as second:  # a second restart: nothing missed, nothing run
        # Its first look for due jobs is done (a job due then is already handed to its thread, which stopping
        # waits for): whatever it would run shows in its log or in scheduler_run below.
        assert wait_for(lambda: second.said_or_ended("Next wakeup is due at"), HUNG), second.logs
    assert 'Running job "daily_reminders' not in second.logs[0] and finished_runs() == 1, second.logs
    assert_each_once(expected, smtp)
