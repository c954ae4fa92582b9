"""`flask engagement-refresh`: rebuild the monthly engagement summaries from the sessions and attendance."""
import click

from dashboards.summaries import refresh_teams


@click.command("engagement-refresh")
def engagement_refresh_command():
    """Recompute every participant's monthly engagement summary (after writing data without the signal)."""
    refresh_teams(None)
    click.echo("Engagement summaries rebuilt.")
