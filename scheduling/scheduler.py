"""APScheduler 3 in its own process, its jobs kept in the app's database (table apscheduler_jobs).

A stored job names a function (run_job) and a job name, never the app, so it survives restarts. Jobs are
coalesced with no misfire limit: after downtime, each missed job runs once at start-up, however late.
APScheduler cannot share a job store between processes; a second scheduler started by mistake runs
the same jobs, and the jobs' unique keys keep reminders from being doubled.

A database outage stops nothing: start-up waits for the database, a job that loses it waits and runs again
(jobs are idempotent), the loop survives a store that fails, and a heartbeat says the process is alive.
"""
import logging
import re
import threading

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

import local_day
from extensions import db
from ops.faults import OutageWatch, database_unreachable, describe, retry_while_unreachable
from ops.heartbeat import Heartbeat
from scheduling import jobs
from scheduling.models import JOBSTORE_TABLE

log = logging.getLogger("scheduling.scheduler")
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": None, "max_instances": 1}
FUNC_REF = "scheduling.scheduler:run_job"
_app = None  # this process's app, set by build_scheduler
_stopping = threading.Event()  # set at shutdown: a job waiting for the database gives up (the next start catches up)


def run_job(name):
    """Run one job for today in this process's app (what every stored job calls), waiting out a database outage."""
    if _app is None:
        raise RuntimeError("run_job called outside a scheduler process (build_scheduler sets the app).")
    def run():
        with _app.app_context():  # today in the service's zone, as the day the trigger fired in
            today = local_day.today()
        return jobs.JOBS[name](_app, today)
    retry_while_unreachable(run, OutageWatch(log, f"Job {name}"), _stopping)


def parse_daily_at(text: str) -> tuple[int, int]:
    """(hour, minute) from 'HH:MM', or ValueError saying what is wrong."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text or "")
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"SCHEDULER_DAILY_AT must be a 24-hour time HH:MM such as 06:00, not {text!r}.")
    return int(match[1]), int(match[2])


class DailyTrigger(CronTrigger):
    """A time of day in a zone, fired once a local day. APScheduler 3's cron trigger fires a time the night clocks
    go back repeats (01:00-01:59 in the US) at both of its instants, an hour apart: the second is skipped."""

    def get_next_fire_time(self, previous_fire_time, now):
        fire = super().get_next_fire_time(previous_fire_time, now)
        if fire is not None and previous_fire_time is not None and self._wall(fire) == self._wall(previous_fire_time):
            fire = super().get_next_fire_time(fire, fire)  # the same local time again: on to the next day's
        return fire

    def _wall(self, moment):
        return moment.astimezone(self.timezone).replace(tzinfo=None, fold=0)


def job_triggers(config) -> dict:
    """{job name: trigger}: the daily run at SCHEDULER_DAILY_AT in TIME_ZONE and an hourly retry of pending emails."""
    hour, minute = parse_daily_at(config["SCHEDULER_DAILY_AT"])
    zone = local_day.zone_named(config["TIME_ZONE"])  # None: APScheduler's default, the machine's zone
    return {"daily_reminders": DailyTrigger(hour=hour, minute=minute, timezone=zone),
            "retry_emails": IntervalTrigger(hours=1)}


class PatientScheduler:
    """Mixed into an APScheduler class: the loop outlives database errors; a heartbeat runs while started."""

    def _process_jobs(self):
        try:
            return super()._process_jobs()
        except Exception as error:  # APScheduler catches a failed look-up of due jobs, not a failed update
            if not database_unreachable(error):
                raise
            log.warning("The scheduler cannot use the database (%s); looking again in %s s.", describe(error),
                        self.jobstore_retry_interval)
            return self.jobstore_retry_interval

    def start(self, *args, **kwargs):
        self._heartbeat = Heartbeat(db.engine, "scheduler", _app.config["HEARTBEAT_SECONDS"])
        self._heartbeat.start()
        # Starting reads and writes the job store; losing the database there is waited out like anywhere else
        # (a retried start re-adds the pending jobs, replacing what a first attempt wrote).
        retry_while_unreachable(lambda: super(PatientScheduler, self).start(*args, **kwargs),
                                OutageWatch(log, "The scheduler", longest=10), _stopping)

    def shutdown(self, *args, **kwargs):
        _stopping.set()
        if getattr(self, "_heartbeat", None):
            self._heartbeat.stop()
        super().shutdown(*args, **kwargs)


def build_scheduler(app, scheduler_class=BlockingScheduler, **options):
    """A scheduler on the app's database with the jobs installed (not started); waits for the database."""
    global _app
    _app = app
    _stopping.clear()
    store = SQLAlchemyJobStore(engine=db.engine, tablename=JOBSTORE_TABLE)
    # Made here rather than declared: the CLI runs a BlockingScheduler, tests a BackgroundScheduler.
    patient = type(f"Patient{scheduler_class.__name__}", (PatientScheduler, scheduler_class), {})
    scheduler = patient(jobstores={"default": store}, job_defaults=JOB_DEFAULTS, **options)
    triggers = job_triggers(app.config)
    retry_while_unreachable(lambda: install_jobs(scheduler, store, triggers), OutageWatch(log, "The scheduler", longest=10))
    return scheduler


def _same_times(stored, trigger) -> bool:
    # str() of a cron trigger leaves out its zone: a changed TIME_ZONE must reinstall the job too.
    return (stored.func_ref == FUNC_REF and str(stored.trigger) == str(trigger)
            and str(getattr(stored.trigger, "timezone", "")) == str(getattr(trigger, "timezone", ""))
            and stored.coalesce and stored.misfire_grace_time is None)


def install_jobs(scheduler, store, triggers):
    """Add each job unless the store holds it unchanged: re-adding would reset its next run and lose a catch-up."""
    store.start(scheduler, "default")  # lets lookup_job rebuild stored jobs before the scheduler starts
    for name, trigger in triggers.items():
        stored, kept = store.lookup_job(name), {}
        if stored is not None and _same_times(stored, trigger):
            if type(stored.trigger) is type(trigger):
                log.info("Job %s kept as stored; next run %s", name, stored.next_run_time)
                continue
            # A trigger of another class at the same times (a stored CronTrigger before DailyTrigger) keeps its next
            # run, so a run missed while the upgrade was down is still caught up.
            kept = {"next_run_time": stored.next_run_time}
        scheduler.add_job(run_job, trigger, args=[name], id=name, name=name, replace_existing=True, **kept)
        log.info("Job %s installed (%s)", name, trigger)
