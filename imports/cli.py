"""`flask import FILE ...` (the same check and commit as the page) and `flask worker` (runs the page's imports)."""
import os
import sys

import click
from flask import current_app
from sqlalchemy import select

from extensions import db
from imports import operations
from imports.kinds.declarations import KINDS
from imports.models import ImportBatch, ImportProblem
from imports.running import batch_queue, supervisor
from models import Agency
from models.audit import audited_as_cli
from ops.request_log import configure_process_logging

SHOWN_PROBLEMS = 50
EXIT_STATUS = {"committed": 0, "checked": 0, "rejected": 1}  # anything else (failed): 2


@click.command("import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(sorted(KINDS)), required=True, help="What the workbook holds.")
@click.option("--agency", "agency_code", required=True, help="The agency's code.")
@click.option("--dry-run", is_flag=True, help="Check and report; change nothing.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
@click.option("--ignore-columns", is_flag=True, help="Commit even though some columns match nothing (they are left out).")
@audited_as_cli
def import_command(path, kind, agency_code, dry_run, quiet, ignore_columns):
    """Import an Excel workbook for one agency, all or nothing."""
    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None:
        raise click.BadParameter(f"no agency has the code {agency_code!r}", param_hint="--agency")
    app = current_app._get_current_object()
    child = supervisor.start_child(app)  # loads the app while the upload is recorded
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        me = batch_queue.claimer("cli")  # claimed at once: no worker takes it, this command runs it
        batch = operations.create_batch(agency, kind, os.path.basename(path), data, dry_run=dry_run, claimed_by=me,
                                        options={"ignore_columns": True} if ignore_columns else None)
        batch_id = batch.id
        del data
        db.session.commit()
    except BaseException:
        supervisor.stop_child(child)
        raise

    def echo(phase, percent):
        if not quiet:
            click.echo(f"  {percent:3d}% {phase}", err=True)

    commit = not dry_run
    try:
        ended = supervisor.run_in_child(app, db.engine, batch_id, commit, me, echo=echo, child=child)
    except KeyboardInterrupt:  # the child is gone (run_in_child kills it on the way out): say so on the batch
        ended = "crashed: stopped with Ctrl+C"
    with db.engine.begin() as conn:
        supervisor.settle(conn, batch_id, me, ended, app.config, commit)
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch_id)
    counts = batch.counts or {}
    click.echo(f"Import #{batch.id}: {KINDS[kind].title}, agency {agency.code}, file {os.path.basename(path)}")
    if counts:
        click.echo(f"  {counts['total']:,} {KINDS[kind].unit}: {counts['new']:,} new, {counts['changed']:,} changed, "
                   f"{counts['unchanged']:,} unchanged, {counts['rejected']:,} rejected")
    problems = db.session.scalars(select(ImportProblem).where(ImportProblem.batch_id == batch.id)
                                  .order_by(ImportProblem.id).limit(SHOWN_PROBLEMS)).all()
    for p in problems:
        place = ", ".join(x for x in (p.sheet and f"sheet '{p.sheet}'", p.sheet_row and f"row {p.sheet_row}",
                                      p.sheet_column and f"column {p.sheet_column}") if x) or "file"
        value = f" value '{p.value}'" if p.value is not None else ""
        click.echo(f"  {p.severity}: {place}:{value} [{p.rule}] {p.message}")
    if batch.errors + batch.warnings > len(problems):
        click.echo(f"  ... {batch.errors + batch.warnings - len(problems):,} more; see the import's page.")
    click.echo(f"{batch.status}: {batch.message}")
    if batch.status == "checked" and not dry_run:
        sys.exit(1)  # asked to commit, stopped at its preview (columns nobody confirmed as ignored)
    sys.exit(EXIT_STATUS.get(batch.status, 2))


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the imports waiting now, then exit.")
def worker_command(once):
    """Check and commit uploaded imports, each in a child process with memory and time limits."""
    from imports.running.worker import Worker, install_signal_handlers

    app = current_app._get_current_object()
    configure_process_logging(app)
    worker = Worker(app)
    install_signal_handlers(worker)
    config = app.config
    click.echo(f"Import worker {worker.me} running: memory limit {config['IMPORT_MEMORY_LIMIT_MB']} MiB, "
               f"time limit {config['IMPORT_TIME_LIMIT_SECONDS']:g} s per file. Stop with Ctrl+C.")
    worker.serve(once=once)
    click.echo("Import worker stopped.")
