"""APScheduler 3 in its own process, its jobs kept in the app's database (table apscheduler_jobs).

A stored job names a function (run_job) and a job name, never the app, so it survives restarts. Jobs are
coalesced with no misfire limit: after downtime, each missed job runs once at start-up, however late.
APScheduler cannot share a job store between processes; a second scheduler started by mistake runs
the same jobs, and the jobs' unique keys keep reminders from being doubled.
"""
import logging
import re
from datetime import datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from extensions import db
from scheduling import jobs
from scheduling.models import JOBSTORE_TABLE

log = logging.getLogger("scheduling.scheduler")
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": None, "max_instances": 1}
FUNC_REF = "scheduling.scheduler:run_job"
_app = None  # this process's app, set by build_scheduler


def run_job(name):
    """Run one job for today in this process's app (what every stored job calls)."""
    if _app is None:
        raise RuntimeError("run_job called outside a scheduler process (build_scheduler sets the app).")
    jobs.JOBS[name](_app, datetime.now().date())


def parse_daily_at(text: str) -> tuple[int, int]:
    """(hour, minute) from 'HH:MM', or ValueError saying what is wrong."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text or "")
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"SCHEDULER_DAILY_AT must be a 24-hour time HH:MM such as 06:00, not {text!r}.")
    return int(match[1]), int(match[2])


def job_triggers(config) -> dict:
    """{job name: trigger}: the daily run at SCHEDULER_DAILY_AT and an hourly retry of pending emails."""
    hour, minute = parse_daily_at(config["SCHEDULER_DAILY_AT"])
    return {"daily_reminders": CronTrigger(hour=hour, minute=minute),
            "retry_emails": IntervalTrigger(hours=1)}


def build_scheduler(app, scheduler_class=BlockingScheduler, **options):
    """A scheduler on the app's database with the jobs installed (not started)."""
    global _app
    _app = app
    store = SQLAlchemyJobStore(engine=db.engine, tablename=JOBSTORE_TABLE)
    scheduler = scheduler_class(jobstores={"default": store}, job_defaults=JOB_DEFAULTS, **options)
    install_jobs(scheduler, store, job_triggers(app.config))
    return scheduler


def _same(stored, trigger) -> bool:
    return (stored.func_ref == FUNC_REF and str(stored.trigger) == str(trigger)
            and stored.coalesce and stored.misfire_grace_time is None)


def install_jobs(scheduler, store, triggers):
    """Add each job unless the store holds it unchanged: re-adding would reset its next run and lose a catch-up."""
    store.start(scheduler, "default")  # lets lookup_job rebuild stored jobs before the scheduler starts
    for name, trigger in triggers.items():
        stored = store.lookup_job(name)
        if stored is not None and _same(stored, trigger):
            log.info("Job %s kept as stored; next run %s", name, stored.next_run_time)
            continue
        scheduler.add_job(run_job, trigger, args=[name], id=name, name=name, replace_existing=True)
        log.info("Job %s installed (%s)", name, trigger)
