"""`flask import FILE --kind KIND --agency CODE [--dry-run]`: the same check and commit as the page."""
import os
import sys

import click
from sqlalchemy import select

from extensions import db
from imports import operations
from imports.declarations import KINDS
from imports.models import ImportProblem
from models import Agency
from models.audit import audited_as_cli

SHOWN_PROBLEMS = 50


@click.command("import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(sorted(KINDS)), required=True, help="What the workbook holds.")
@click.option("--agency", "agency_code", required=True, help="The agency's code.")
@click.option("--dry-run", is_flag=True, help="Check and report; change nothing.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
@audited_as_cli
def import_command(path, kind, agency_code, dry_run, quiet):
    """Import an Excel workbook for one agency, all or nothing."""
    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None:
        raise click.BadParameter(f"no agency has the code {agency_code!r}", param_hint="--agency")
    with open(path, "rb") as handle:
        data = handle.read()
    batch = operations.create_batch(agency, kind, os.path.basename(path), data, dry_run=dry_run)
    del data

    def echo(phase, percent):
        if not quiet:
            click.echo(f"  {percent:3d}% {phase}", err=True)

    batch = operations.run(batch.id, commit=not dry_run, echo=echo)
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
    if batch.status not in ("committed", "checked"):
        sys.exit(1)
