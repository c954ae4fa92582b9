"""`flask init-db`: bring the database schema up to date through the Alembic migrations."""
import click
from flask import current_app
from flask_migrate import upgrade


def upgrade_database():
    """Apply every migration not yet applied (all heads, so feature branches of the history apply too)."""
    upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")


@click.command("init-db")
def init_db_command():
    """Create or upgrade the schema through the migrations."""
    upgrade_database()
    click.echo(f"Database is up to date: {current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
