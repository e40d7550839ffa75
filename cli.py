"""The command line: flask --app app <command>."""

import click
from flask import Flask
from flask.cli import with_appcontext


def register_cli(app: Flask) -> None:
    """Attach every command to the app."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(create_user_command)
    from commands import register_more
    from notices.cli import close_notices_command

    register_more(app)
    app.cli.add_command(close_notices_command)


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the schema to the latest migration (safe to run twice)."""
    from flask_migrate import upgrade

    upgrade()
    click.echo("Database is at the latest schema.")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--name", required=True, help="Full name, e.g. 张伟")
@click.option("--password", required=True, help="At least 8 characters")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["resident", "team_lead", "store_keeper", "admin", "auditor"]))
@click.option("--phone", default=None)
def create_user_command(username, name, password, roles, phone):
    """Add a user with one or more roles."""
    from accounts.services import NewUser, create_user
    from core.errors import ValidationFailed

    try:
        user = create_user(NewUser(username=username, name=name, password=password,
                                   roles=tuple(roles), phone=phone), actor=None)
    except ValidationFailed as error:
        for field, message in error.fields.items():
            click.echo(f"{field}: {message}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Created user {user.username} (id {user.id}) with roles {', '.join(user.roles)}.")
