"""`flask check-scales [FILE...]`: check the scale files (shipped, instance/scales/, and any given) and say
what is wrong with each, so a state can test its own version before the service reads it."""
import click

from fidelity.scales import catalog
from fidelity.scales.definition import ScaleError, load_file


@click.command("check-scales")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def check_scales_command(files):
    """Check scale files; exit status 1 when any is broken."""
    problems = list(catalog.broken_files())
    for scale in catalog.file_scales().values():
        click.echo(f"ok      {scale.origin}: {scale.title} version {scale.version}, {len(scale.items)} items")
    for path in files:
        try:
            scale = load_file(path)
            click.echo(f"ok      {path}: {scale.title} version {scale.version}, {len(scale.items)} items")
        except ScaleError as e:
            problems.append(e)
    for error in problems:
        click.echo(f"BROKEN  {error.origin}:")
        for problem in error.problems:
            click.echo(f"          {problem}")
    if problems:
        raise SystemExit(1)
