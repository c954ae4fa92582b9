"""`flask --app app scheduler`: run the reassessment scheduler as its own process (never in web workers)."""
import signal

import click
from flask import current_app

import local_day
from ops.request_log import configure_process_logging


@click.command("scheduler")
@click.option("--run-once", is_flag=True, help="Run the daily job once now and exit, instead of scheduling.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="With --run-once: the day to run for (YYYY-MM-DD); default today.")
def scheduler_command(run_once, today):
    """Mark due fidelity visits and send reminders every day at SCHEDULER_DAILY_AT."""
    from scheduling import jobs
    from scheduling.scheduler import build_scheduler

    app = current_app._get_current_object()
    configure_process_logging(app)
    if run_once:
        jobs.daily(app, today.date() if today else local_day.today())
        return
    if today:
        raise click.UsageError("--today only goes with --run-once.")
    try:
        scheduler = build_scheduler(app)
    except ValueError as e:
        raise click.ClickException(str(e))

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    zone = app.config["TIME_ZONE"] or "the machine's time zone"
    click.echo(f"Scheduler running: daily job at {app.config['SCHEDULER_DAILY_AT']} ({zone}), "
               f"email {'via ' + app.config['SMTP_HOST'] if app.config.get('SMTP_HOST') else 'off (SMTP_HOST unset)'}."
               " Stop with Ctrl+C.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        click.echo("Scheduler stopped.")
