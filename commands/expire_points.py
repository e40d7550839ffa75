"""`flask expire-points [--today YYYY-MM-DD]`: post the expiry entries due by that day, warn of the next ones."""

import time

import click
from flask.cli import with_appcontext


def _day(value: str | None):
    from datetime import date

    from core.timeutil import shanghai_today

    if value is None:
        return shanghai_today()
    if len(value) != 10 or not value.isascii() or value[4] != "-" or value[7] != "-":
        raise click.BadParameter("use YYYY-MM-DD, e.g. 2026-12-01", param_hint="--today")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("no such date; use YYYY-MM-DD", param_hint="--today") from None


@click.command("expire-points")
@with_appcontext
@click.option("--today", "today", default=None, metavar="YYYY-MM-DD",
              help="Expire what is due by this day (default: today in Shanghai).")
def expire_points_command(today: str | None):
    """Post one expiry entry per resident for points expiring by the day; a second run posts nothing."""
    from points.expiry import expire_due, warn_soon

    day = _day(today)
    started = time.perf_counter()
    run = expire_due(day)
    warned = warn_soon(day)
    seconds = time.perf_counter() - started
    click.echo(f"Expired points due by {day.isoformat()}: {run.entries} entries, {run.points} points posted.")
    click.echo(f"Sent {warned} expiry_soon message(s) for points expiring within 30 days ({seconds:.1f} s).")
