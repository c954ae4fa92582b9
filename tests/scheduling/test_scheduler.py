"""The scheduler's job store: jobs kept across restarts, missed runs caught up once, never in web workers."""
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select

from extensions import db
from scheduling.models import JOBSTORE_TABLE, Reminder, SchedulerRun
from scheduling.scheduler import DailyTrigger, build_scheduler, job_triggers, parse_daily_at, run_job
from tests.scheduling.conftest import store_jobs


@pytest.mark.parametrize("text, expected", [("06:00", (6, 0)), ("6:30", (6, 30)), (" 23:59 ", (23, 59))])
def test_daily_time_read(text, expected):
    assert parse_daily_at(text) == expected


@pytest.mark.parametrize("text", ["24:00", "6am", "06:60", "", "06-00"])
def test_daily_time_refused_in_words(text):
    with pytest.raises(ValueError, match="SCHEDULER_DAILY_AT must be a 24-hour time HH:MM"):
        parse_daily_at(text)


def stored_daily(app):
    store = SQLAlchemyJobStore(engine=db.engine, tablename=JOBSTORE_TABLE)
    store.start(BackgroundScheduler(), "default")
    return store.lookup_job("daily_reminders")


def test_catch_up_after_downtime_runs_once_coalesced(app, sched):
    missed = store_jobs(app, days_down=3)
    assert stored_daily(app).next_run_time == missed  # restarting keeps the stored run, so it is not lost
    events = []
    done = threading.Event()

    def listen(event):
        events.append((event.code, event.job_id))
        if event.job_id == "daily_reminders":
            done.set()

    scheduler = build_scheduler(app, BackgroundScheduler)
    scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    scheduler.start()
    try:
        assert done.wait(20)
        done.clear()
        assert not done.wait(1.0)  # no second run for the other missed days
    finally:
        scheduler.shutdown(wait=True)
    assert events == [(EVENT_JOB_EXECUTED, "daily_reminders")]
    assert db.session.scalar(select(func.count()).select_from(SchedulerRun)) == 1
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 2  # the run did its work
    assert stored_daily(app).next_run_time > datetime.now(timezone.utc)


def test_a_changed_daily_time_replaces_the_stored_job(app, sched):
    store_jobs(app, days_down=3)
    app.config["SCHEDULER_DAILY_AT"] = "07:30"
    scheduler = build_scheduler(app, BackgroundScheduler)
    scheduler.start(paused=True)
    scheduler.shutdown(wait=False)
    job = stored_daily(app)
    assert str(job.trigger) == "cron[hour='7', minute='30']"
    assert (job.next_run_time.hour, job.next_run_time.minute) == (7, 30)
    assert datetime.now(job.next_run_time.tzinfo) < job.next_run_time < datetime.now(job.next_run_time.tzinfo) + timedelta(days=1)
    assert job.coalesce is True and job.misfire_grace_time is None


def test_the_daily_job_fires_at_its_local_hour_and_runs_for_the_local_day(app, sched, los_angeles_evening):
    app.config["TIME_ZONE"] = None
    store_jobs(app, days_down=0)  # stored by an install without the setting: in the machine's zone (UTC here)
    app.config["TIME_ZONE"] = "America/Los_Angeles"
    scheduler = build_scheduler(app, BackgroundScheduler)  # the zone now set: the job is reinstalled
    scheduler.start(paused=True)
    scheduler.shutdown(wait=False)
    job = stored_daily(app)
    assert job.trigger.timezone == ZoneInfo("America/Los_Angeles")
    local = job.next_run_time.astimezone(ZoneInfo("America/Los_Angeles"))
    assert (local.hour, local.minute) == (6, 0)  # SCHEDULER_DAILY_AT, in Los Angeles
    run_job("daily_reminders")
    assert db.session.scalar(select(SchedulerRun.run_for)) == los_angeles_evening


def fire_times(trigger, start, end):
    """When the scheduler runs the job between two moments: after each run it asks the trigger for the next."""
    fired, previous, now = [], None, start
    while (fire := trigger.get_next_fire_time(previous, now)) <= end:
        fired.append(fire)
        previous, now = fire, fire.astimezone(timezone.utc) + timedelta(seconds=1)  # it wakes then, runs the job
    return fired


@pytest.mark.parametrize("daily_at", ["01:30", "01:00", "01:59", "06:00"])
@pytest.mark.parametrize("start, end", [(datetime(2026, 10, 30, 12, tzinfo=timezone.utc),  # clocks back 1 Nov
                                         datetime(2026, 11, 4, 12, tzinfo=timezone.utc)),
                                        (datetime(2026, 3, 6, 12, tzinfo=timezone.utc),  # forward 8 Mar
                                         datetime(2026, 3, 11, 12, tzinfo=timezone.utc))])
def test_the_daily_job_runs_once_a_local_day_across_the_clock_changes(daily_at, start, end):
    new_york = ZoneInfo("America/New_York")
    trigger = job_triggers({"SCHEDULER_DAILY_AT": daily_at, "TIME_ZONE": "America/New_York"})["daily_reminders"]
    local = [fire.astimezone(new_york) for fire in fire_times(trigger, start, end)]
    days = [fire.date() for fire in local]
    assert days == sorted(set(days)) and len(days) == (end - start).days  # 1 Nov 2026 (clocks back) once
    assert {f"{fire:%H:%M}" for fire in local} == {daily_at}
    if start.month == 10:  # the night clocks go back, its first 01:xx (EDT) is the run: not an hour later too
        first = next(fire for fire in local if fire.day == 1)
        assert first.utcoffset() == (timedelta(hours=-4) if daily_at < "02:00" else timedelta(hours=-5))


def test_a_stored_cron_trigger_is_replaced_keeping_its_missed_run(app, sched):
    missed = store_jobs(app, days_down=3)
    store = SQLAlchemyJobStore(engine=db.engine, tablename=JOBSTORE_TABLE)
    store.start(BackgroundScheduler(), "default")
    job = store.lookup_job("daily_reminders")
    old = job.trigger
    # The same times in APScheduler's own cron trigger, as every store written before DailyTrigger holds them.
    job._modify(trigger=CronTrigger(hour=str(old.fields[5]), minute=str(old.fields[6]), timezone=old.timezone))
    store.update_job(job)
    assert type(stored_daily(app).trigger) is CronTrigger
    scheduler = build_scheduler(app, BackgroundScheduler)
    scheduler.start(paused=True)  # writes the jobs; read before stopping (a stopping scheduler looks once more)
    try:
        job = stored_daily(app)
    finally:
        scheduler.shutdown(wait=False)
    assert type(job.trigger) is DailyTrigger and job.next_run_time == missed  # the missed run is still caught up


def test_scheduler_command_refuses_a_bad_daily_time(sqlite_app):
    sqlite_app.config["SCHEDULER_DAILY_AT"] = "6am"
    result = sqlite_app.test_cli_runner().invoke(args=["scheduler"])
    assert result.exit_code == 1
    assert "SCHEDULER_DAILY_AT must be a 24-hour time HH:MM such as 06:00, not '6am'." in result.output


def test_run_once_command_runs_the_daily_job_for_a_given_day(app, sched):
    result = app.test_cli_runner().invoke(args=["scheduler", "--run-once", "--today", "2026-01-20"])
    assert result.exit_code == 0, result.output
    run = db.session.scalar(select(SchedulerRun))
    assert (run.job, run.run_for.isoformat(), run.outcome) == ("daily_reminders", "2026-01-20", "ok")
    assert "reminders: created 2" in run.summary


def test_the_web_app_never_starts_a_scheduler():
    code = """
import sys, threading
from app import create_app
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
client = app.test_client()
client.get("/sign-in"); client.get("/visits-due"); client.get("/notifications")
loaded = [m for m in sys.modules if m.startswith("apscheduler.schedulers") or m == "scheduling.scheduler"]
threads = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
print(loaded, threads)
sys.exit(1 if loaded or threads else 0)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
