"""`flask create-user EMAIL --role ROLE [--agency CODE]`, password from a prompt or stdin."""
import sys

import click
from sqlalchemy import select

from auth.passwords import password_problem
from extensions import db
from models import ROLES, STATE_ROLES, Agency, User
from models.audit import audited_as_cli


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--agency", "agency_code", help="Agency code; required for manager and clerk.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@audited_as_cli
def create_user_command(email, role, agency_code, password_stdin):
    """Create an account; the password is asked for, or read from stdin."""
    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter(f"{email!r} is not an email address", param_hint="EMAIL")
    agency = None
    if role in STATE_ROLES:
        if agency_code:
            raise click.BadParameter(f"a {role} is state staff and belongs to no agency", param_hint="--agency")
    else:
        if not agency_code:
            raise click.BadParameter(f"a {role} belongs to one agency: give --agency CODE", param_hint="--agency")
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise click.BadParameter(f"no agency has the code {agency_code!r}", param_hint="--agency")
    if db.session.scalar(select(User).where(User.email == email)):
        raise click.ClickException(f"an account for {email} exists already")
    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, email)
    if problem:
        raise click.ClickException(problem)
    user = User(email=email, role=role, agency=agency)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} {email}" + (f" for agency {agency.code}" if agency else ""))
