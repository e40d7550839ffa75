"""flask --app app close-notices [--today YYYY-MM-DD]."""

from datetime import date

import click
from flask.cli import with_appcontext


def _day(_ctx, _param, value):
    if value is None:
        return None
    try:
        if len(value) != 10 or not value.isascii():
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("a date like 2026-05-01") from None


@click.command("close-notices")
@click.option("--today", callback=_day, default=None, help="The Shanghai day to close for (default: today).")
@with_appcontext
def close_notices_command(today):
    """Grant every unopposed nomination whose notice ended before TODAY; a second run grants nothing."""
    from core.timeutil import shanghai_today
    from notices.closing import close_notices

    day = today or shanghai_today()
    granted = close_notices(day)
    click.echo(f"Granted {len(granted)} nomination(s) whose notice ended before {day.isoformat()}.")
    for nomination_id in granted:
        click.echo(f"  nomination {nomination_id}")
