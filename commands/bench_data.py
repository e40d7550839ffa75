"""`flask bench-data`: fill an EMPTY database with a whole city, fast, for the benchmark.

Unlike demo-data (every step through the services), this writes rows in bulk: COPY on
PostgreSQL, large executemany batches on SQLite, committed every FLUSH_ROWS rows so memory
stays bounded. The result is what the services would have produced: a double-entry ledger
with correct balances-after and checksums, stock equal to its movements, one audit event per
state change in a valid hash chain; `flask verify` passes afterwards. The same seed and
sizes give the same city (dates end today).
"""

import random
import time
from datetime import UTC, datetime, timedelta

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

DEFAULT_SEED = 2024
DAYS = 730  # about two years of activity, ending today


class Count(click.ParamType):
    """A whole number written in ASCII digits only (int() would take '１２', '1_000' and ' 5'), within bounds."""

    name = "count"

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value)
        if not (text.isascii() and text.isdigit() and len(text) <= 19) or not self.low <= int(text) <= self.high:
            self.fail(f"{text!r} is not a whole number from {self.low} to {self.high}.", param, ctx)
        return int(text)


POSITIVE = Count(0, 10_000_000)


def _refusal() -> str | None:
    """Why the database cannot take a city, or None."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from accounts.models import User
    from extensions import db

    try:
        users = db.session.execute(sa.select(sa.func.count(User.id))).scalar_one()
    except (OperationalError, ProgrammingError):
        db.session.rollback()
        return "the database has no schema yet; run `flask --app app init-db` first"
    if users:
        return (f"the database already has {users} user(s); a city only goes into an empty database, "
                "so nothing was changed")
    return None


def _seeded_setup() -> dict:
    """The rule, difficulty levels and commendation types the first migrations seeded."""
    from extensions import db
    from points.models import CommendationType, DifficultyLevel, PointsRule

    rule = db.session.execute(sa.select(PointsRule.id, PointsRule.points_per_hour)
                              .order_by(PointsRule.id.desc()).limit(1)).one()
    levels = {code: (level_id, multiplier) for level_id, code, multiplier in db.session.execute(
        sa.select(DifficultyLevel.id, DifficultyLevel.code, DifficultyLevel.multiplier))}
    kinds = [tuple(row) for row in db.session.execute(
        sa.select(CommendationType.id, CommendationType.code, CommendationType.points, CommendationType.name)
        .where(CommendationType.active.is_(True)).order_by(CommendationType.id))]
    return {"rule": tuple(rule), "levels": levels, "commendation_types": kinds}


def _rebuild_derived() -> list[str]:
    """Let the summary tables other areas keep agree with the rows just written."""
    import importlib

    from extensions import db

    done = []
    for module_name, function_name in (("points.stats", "rebuild"), ("points.hours", "rebuild_day_minutes"),
                                          ("redemption.usage", "rebuild_month_usage"),
                                          ("points.lots", "open_lots_for_balances")):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        rebuild = getattr(module, function_name, None)
        if rebuild is not None:
            rebuild()
            db.session.commit()
            done.append(f"{module_name}.{function_name}()")
    return done


def _settle_planner_statistics() -> str | None:
    """PostgreSQL plans from statistics that a bulk load leaves empty until autovacuum comes round (never,
    where it is off): measured on the full city before this, the resident's home page took 329 ms
    instead of 9. VACUUM (ANALYZE) gathers them and sets the visibility map for index-only scans.
    SQLite's planner needs no statistics for these indexes, and sqlite_stat1 would change plans the
    EXPLAIN tests pin, so it is left alone."""
    from extensions import db

    if db.engine.dialect.name != "postgresql":
        return None
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE)")  # not allowed inside a transaction
    return "VACUUM (ANALYZE)"


def _print_sign_ins(city, ledger, password: str) -> None:
    from accounts.models import User
    from extensions import db

    click.echo(f"Sign-ins for the benchmark (every account's password: {password}):")
    known = sorted(city.usernames.items(), key=lambda pair: pair[1])
    rows = db.session.execute(sa.select(User.id, User.name, User.card_code)
                              .where(User.id.in_([user_id for user_id, _ in known]))).all()
    details = {user_id: (name, card) for user_id, name, card in rows}
    for user_id, username in known:
        name, card = details[user_id]
        note = ""
        if username.startswith(("resident", "lead")):
            note = f"balance {ledger.balance(city.first_resident_account + user_id - city.first_resident)}"
        click.echo(f"  {username:<10} id {user_id:<7} {name:<5} card {card}  {note}")


@click.command("bench-data")
@with_appcontext
@click.option("--residents", default=330_000, show_default=True, type=Count(10, 10_000_000))
@click.option("--activities", default=100_000, show_default=True, type=POSITIVE)
@click.option("--hours", default=1_000_000, show_default=True, type=POSITIVE, help="Hour records to log.")
@click.option("--redemptions", default=200_000, show_default=True, type=POSITIVE)
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=Count(0, 2**63 - 1))
def bench_data_command(residents: int, activities: int, hours: int, redemptions: int, seed: int):
    """Fill an EMPTY database with a city (bulk inserts); `verify` passes afterwards."""
    from accounts.passwords import hash_password
    from commands.bench_setup import build_city
    from commands.bench_timeline import Timeline
    from commands.bench_writer import BulkWriter, Chain, Ledger
    from commands.demo_data import DEMO_PASSWORD
    from core.timeutil import shanghai_today
    from extensions import db

    refusal = _refusal()
    if refusal:
        click.echo(f"bench-data: {refusal}.", err=True)
        raise SystemExit(1)
    started = time.perf_counter()
    rng = random.Random(seed)
    last_day = shanghai_today() - timedelta(days=1)
    start = datetime.combine(last_day - timedelta(days=DAYS), datetime.min.time(), UTC)
    click.echo(f"Building a city of {residents:,} residents, {activities:,} activities, {hours:,} hour records and "
               f"{redemptions:,} redemptions over {DAYS} days (seed {seed})…")
    setup = _seeded_setup()
    writer = BulkWriter()
    ledger, chain = Ledger(writer), Chain(writer)
    ledger.open(1)  # the street office's issuing account, seeded by the migrations
    indexes = writer.drop_indexes()
    city = build_city(writer, ledger, chain, rng, residents=residents, start=start,
                      password_hash=hash_password(DEMO_PASSWORD))
    timeline = Timeline(writer, ledger, chain, rng, city, setup=setup)
    timeline.run(days=DAYS, last_day=last_day, activities=activities, hours=hours, redemptions=redemptions)
    writer.flush()
    click.echo(f"Rebuilding {len(indexes)} indexes…")
    writer.create_indexes(indexes)
    click.echo("Writing account sums, stock and the audit head…")
    writer.update_many("accounts", "id", ledger.final_sums())
    writer.update_many("items", "id", [{"id": item_id, "stock": stock} for item_id, stock in timeline.stock.items()])
    chain.save_head()
    writer.reset_sequences()
    rebuilt = _rebuild_derived()
    settled = _settle_planner_statistics()
    seconds = time.perf_counter() - started
    made = timeline.made
    click.echo("")
    click.echo(f"City ready in {seconds:.0f} s: {writer.written:,} rows ({writer.written / seconds:,.0f} rows/s).")
    click.echo(f"  {len(city.communities)} communities, {len(city.teams)} teams, {writer.counts['users']:,} people, "
               f"{writer.counts['team_members']:,} team memberships, {made['activities']:,} activities")
    click.echo(f"  hour records: {made['hours']:,} ({made['approved']:,} approved, {made['pending']:,} pending, "
               f"{made['rejected']:,} rejected, {made['reversed']:,} reversed)")
    click.echo(f"  {made['commendations']:,} commendations, {made['adjustments']:,} adjustments, "
               f"{writer.counts['transfers']:,} transfers")
    click.echo(f"  {len(city.stores)} stores, {len(city.items)} items, {made['redemptions']:,} redemptions "
               f"({made['voided']:,} voided), {writer.counts['stock_movements']:,} stock movements, "
               f"{made['restocks']:,} restocks")
    click.echo(f"  {writer.counts['audit_events']:,} audit events; derived tables rebuilt: "
               f"{', '.join(rebuilt) or 'none present'}" + (f"; planner statistics: {settled}" if settled else ""))
    _print_sign_ins(city, ledger, DEMO_PASSWORD)
    db.session.rollback()
