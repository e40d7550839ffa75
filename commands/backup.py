"""`flask backup PATH`: a consistent copy of the database, taken while the app keeps running.

SQLite: the sqlite3 online backup API copies a consistent snapshot page by page (writers
may go on), into a temp file that is checked and then renamed into place.
PostgreSQL: pg_dump --format=custom (one snapshot transaction); restore with pg_restore.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext


def _fail(message: str) -> None:
    click.echo(f"Backup failed: {message}", err=True)
    raise SystemExit(1)


def _temp_beside(target: Path) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    return Path(name)


def backup_sqlite(database: str, target: Path) -> None:
    """Online backup of a SQLite file into target (atomic: a temp file renamed at the end)."""
    if not database or database == ":memory:":
        _fail("the database is in memory; there is nothing on disk to back up")
    if not Path(database).is_file():
        _fail(f"the SQLite file {database} does not exist (run `flask --app app init-db` first?)")
    partial = _temp_beside(target)
    try:
        source = sqlite3.connect(database, timeout=30)
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
                # A self-contained single file: no -wal/-shm needed to open it.
                copy.execute("PRAGMA journal_mode=DELETE")
                status = copy.execute("PRAGMA quick_check").fetchone()[0]
                if status != "ok":
                    _fail(f"the copy did not pass SQLite's quick_check: {status}")
            finally:
                copy.close()
        finally:
            source.close()
        os.replace(partial, target)
    except sqlite3.Error as error:
        _fail(f"SQLite could not copy {database}: {error}")
    finally:
        partial.unlink(missing_ok=True)


def backup_postgresql(url: sa.URL, target: Path) -> None:
    """pg_dump --format=custom of the database at url into target; the password goes by environment."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        _fail("pg_dump is not on PATH. Install the PostgreSQL client tools of your server's version "
              "(Debian: apt-get install -y postgresql-client) and run the command again.")
    libpq = url.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    partial = _temp_beside(target)
    try:
        result = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", f"--file={partial}",
             f"--dbname={libpq.render_as_string(hide_password=False)}"],
            env=env, capture_output=True, text=True,
        )
        if result.returncode != 0:
            _fail(f"pg_dump exited with code {result.returncode}: {result.stderr.strip()}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it already exists.")
def backup_command(path: Path, force: bool):
    """Write a consistent copy of the database to PATH while the app keeps running."""
    from extensions import db

    target = path.expanduser().absolute()
    if target.exists() and not force:
        _fail(f"{target} already exists; choose a new file name or add --force to overwrite it")
    if not target.parent.is_dir():
        _fail(f"the folder {target.parent} does not exist")
    url = db.engine.url
    backend = url.get_backend_name()
    if backend == "sqlite":
        backup_sqlite(url.database or "", target)
        click.echo(f"Backed up the SQLite database {url.database} to {target} "
                   f"({target.stat().st_size:,} bytes).")
        click.echo(f"To restore: stop the app, delete {url.database}-wal and -shm if present, then copy {target} "
                   f"over {url.database}.")
    elif backend == "postgresql":
        backup_postgresql(url, target)
        click.echo(f"Backed up PostgreSQL database {url.database} to {target} "
                   f"({target.stat().st_size:,} bytes, pg_dump custom format).")
        click.echo(f"To restore into an empty database: pg_restore --no-owner --dbname=NEW_DB {target}")
    else:
        _fail(f"backing up a {backend} database is not supported (SQLite and PostgreSQL are)")
