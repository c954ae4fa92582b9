"""`flask demo-data [--seed N] [--if-empty]`: load the synthetic state and print the demo sign-ins."""
import click
from flask import current_app
from sqlalchemy import func, select

from demo.data import build_demo_state
from demo.plan import DEMO_PASSWORD
from extensions import db
from models import Agency
from models.audit import audited_as_cli, record
from signals import attendance_changed


@click.command("demo-data")
@click.option("--seed", default=2026, show_default=True, help="Random seed; the same seed gives the same state.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has agencies.")
@audited_as_cli
def demo_data_command(seed, if_empty):
    """Fill an empty database with a realistic synthetic state."""
    if current_app.config["ENV_NAME"] == "production":
        # Its accounts share a password printed in the README: never on a server holding real people's data.
        raise click.ClickException("demo-data refuses to run in production (IMR_ENV=production): its accounts "
                                   "share a published password.")
    existing = db.session.scalar(select(func.count()).select_from(Agency))
    if existing:
        if if_empty:
            click.echo("The database has data already; demo data not loaded.")
            _print_sign_ins()
            return
        raise click.ClickException("The database has data already; demo data goes into an empty database only.")
    summary = build_demo_state(db.session, seed=seed)
    record("demo-data", "database", new=f"seed {seed}")
    db.session.commit()
    attendance_changed.send(None, team_ids=summary.team_ids)
    click.echo(f"Demo state: {summary.agencies} agencies, {summary.programs} programs, {summary.teams} teams, "
               f"{summary.participants} participants, {summary.sessions} sessions, "
               f"{summary.attendance} attendance rows, {summary.goals} goals and steps.")
    _print_sign_ins()


def _print_sign_ins():
    from demo.plan import DEMO_ACCOUNTS
    click.echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for email, role, agency in DEMO_ACCOUNTS:
        click.echo(f"  {role:8} {email}" + (f"  (agency {agency})" if agency else ""))
