"""Operational commands registered by cli.py: verify, backup, demo-data, bench-data.

Each command lives in its own module and imports the services it needs inside the
command, so `flask --help` stays fast and an area still being written cannot break the others.
"""

from flask import Flask


def register_more(app: Flask) -> None:
    """Attach the operational commands to the app's CLI."""
    from commands.backup import backup_command
    from commands.bench_data import bench_data_command
    from commands.checkpoint import checkpoint_command
    from commands.demo_data import demo_data_command
    from commands.expire_points import expire_points_command
    from commands.verify import verify_command

    app.cli.add_command(verify_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(bench_data_command)
    app.cli.add_command(checkpoint_command)
    app.cli.add_command(expire_points_command)
