"""`flask backup DEST` and `flask restore SRC [--force]`: a consistent copy of everything, and putting it back."""
import click

from models.audit import audited_as_cli, record
from extensions import db
from ops.backup import write_backup
from ops.backup_tools import BackupError
from ops.restore import restore_backup


@click.command("backup")
@click.argument("dest", type=click.Path())
def backup_command(dest):
    """Write a backup of the database and the state's scale files into the new directory DEST."""
    try:
        manifest = write_backup(dest)
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    rows = sum(t["rows"] for t in manifest["tables"].values())
    size = sum(f["bytes"] for f in manifest["files"].values())
    click.echo(f"Backup written to {dest}: {manifest['database']} database at schema "
               f"{', '.join(manifest['schema_revisions'])}, {len(manifest['tables'])} tables, {rows:,} rows, "
               f"{size / 1e6:.1f} MB, in {manifest['seconds']} s. It holds clinical data: keep it as private as the "
               f"database.")


@click.command("restore")
@click.argument("source", type=click.Path())
@click.option("--force", is_flag=True, help="Replace a database that holds data (everything in it).")
@audited_as_cli
def restore_command(source, force):
    """Restore the backup SOURCE into the (empty) database; --force replaces one that holds data."""
    try:
        report = restore_backup(source, force=force)
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    if report["replaced"]:
        click.echo("Replaced: " + ", ".join(f"{t} ({n:,} rows)" for t, n in report["replaced"].items()) + ".")
    click.echo(f"Restored {report['rows']:,} rows in {report['tables']} tables from {source}; every table's row "
               f"count and checksum match the backup.")
    if report["upgraded_from"]:
        click.echo(f"The backup was at schema {', '.join(report['upgraded_from'])}; the database is now up to date.")
    if report["scale_files"]:
        click.echo(f"Restored scale files: {', '.join(report['scale_files'])}.")
    record("restore", "database", new=f"from {source}")
    db.session.commit()
