"""`flask verify`: prove the ledger, the store's stock and the audit chain agree with themselves."""

import multiprocessing
import resource
import time
from dataclasses import dataclass, field

import click
from flask.cli import with_appcontext


@dataclass
class Section:
    """One part of the check: its one-line summary when it agrees, or its problems."""

    name: str
    summary: str = ""
    problems: list[str] = field(default_factory=list)
    skipped: str = ""
    rows: int = 0  # rows read, for the rows/s figure


def check_ledger() -> Section:
    """Balances against transfers, totals, overdrafts, checksums, reversals."""
    from points.ledger_verify import ledger_counts, verify_ledger

    counts = ledger_counts()
    return Section(
        "ledger",
        f"{counts.accounts} accounts and {counts.transfers} transfers agree "
        "(balances, totals, no overdrafts, checksums, reversals)",
        [f"ledger: {problem}" for problem in verify_ledger()],
        rows=counts.accounts + counts.transfers,
    )


def check_lots() -> Section:
    """Expiry lots against transfers: remaining sums to each balance, draws sum to their debits."""
    from points.lots_verify import lot_counts, verify_lots

    lots, draws = lot_counts()
    return Section("lots", f"{lots} point lots and {draws} draws agree with the balances and transfers",
                   [f"lots: {problem}" for problem in verify_lots()], rows=lots + draws)


def check_store() -> Section:
    """Stock against movements and redemptions (redemption/verify.py, from the redemption area)."""
    try:
        from redemption.verify import verify_store
    except ImportError as error:
        if error.name != "redemption.verify":
            raise  # a real import error inside the module: let it show
        return Section("store", skipped="store check skipped: redemption/verify.py (verify_store) is not "
                                        "installed in this version")
    import sqlalchemy as sa

    from extensions import db
    from redemption.models import Item, Redemption, RedemptionLine, StockMovement

    items, movements, redemptions, lines = (
        db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
        for model in (Item, StockMovement, Redemption, RedemptionLine)
    )
    return Section(
        "store",
        f"{items} items and {movements} stock movements agree",
        [f"store: {problem}" for problem in verify_store()],
        rows=items + movements + redemptions + lines,
    )


def check_audit() -> Section:
    """Re-hash the audit chain from the first event to the head."""
    from audit.service import verify_chain

    report = verify_chain()
    problems = [] if report.ok else [
        f"audit trail: event {report.broken_id}: {report.reason} "
        f"({report.checked} events before it are intact)"
    ]
    return Section("audit", f"{report.checked} audit events, hash chain intact", problems, rows=report.checked)


def check_stats() -> Section:
    """The report summaries against a recomputation from hour records and transfers."""
    import sqlalchemy as sa

    from extensions import db
    from points.models import HourRecord
    from points.stats import verify_stats

    records = db.session.execute(sa.select(sa.func.count()).select_from(HourRecord)).scalar_one()
    return Section("stats", "report summaries agree with the hour records and the ledger",
                   [f"stats: {problem}" for problem in verify_stats()], rows=records)  # it re-reads every record


def check_month_usage() -> Section:
    """The monthly-limit guard rows against the completed redemptions."""
    from redemption.usage import verify_month_usage, verify_quarter_usage

    return Section("monthly usage", "monthly limit and quarter counters agree with the redemptions",
                   [f"monthly usage: {problem}" for problem in verify_month_usage()]
                   + [f"quarter usage: {problem}" for problem in verify_quarter_usage()])


def check_day_minutes() -> Section:
    """The per-person, per-day minutes guard (the 24-hour cap) against the hour records."""
    from points.day_minutes import verify_day_minutes

    return Section("day minutes", "daily minutes agree with the pending and approved hour records",
                   [f"day minutes: {problem}" for problem in verify_day_minutes()])


# Two halves with nothing in common, each in its own transaction (its own snapshot): on two
# cores the summaries are recomputed in a forked process while this one re-hashes the chain.
# The halves are weighed by their CPU at city scale (docs/PERFORMANCE.md): the summaries'
# recomputation alone costs about as much as the ledger, the store, the chain and the two
# guard-row checks together, so those guard checks run on this side.
ORDER = (check_ledger, check_store, check_audit, check_lots, check_stats, check_day_minutes, check_month_usage)
CHAIN_SIDE = (check_ledger, check_store, check_audit, check_day_minutes, check_month_usage)
SUMMARY_SIDE = tuple(check for check in ORDER if check not in CHAIN_SIDE)


def _summary_child(app, pipe) -> None:
    from extensions import db

    with app.app_context():
        db.engine.dispose(close=False)  # never use the parent's connections
        try:
            pipe.send([check() for check in SUMMARY_SIDE])
        except BaseException as error:  # noqa: BLE001  (handed to the parent, which raises it)
            pipe.send(RuntimeError(f"the summary checks failed: {error!r}"))
        finally:
            pipe.close()


def run_sections(jobs: int) -> list[Section]:
    """All sections in the order they are reported; jobs=2 runs the two halves side by side."""
    if jobs < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [check() for check in ORDER]
    from flask import current_app

    from extensions import db

    db.session.remove()
    db.engine.dispose()  # the child starts without any open connection to share
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_summary_child, args=(current_app._get_current_object(), sending))
    child.start()
    sending.close()
    try:
        chain = [check() for check in CHAIN_SIDE]
        summaries = receiving.recv()
    finally:
        child.join()
    if isinstance(summaries, BaseException):
        raise summaries
    found = dict(zip((*CHAIN_SIDE, *SUMMARY_SIDE), (*chain, *summaries), strict=True))
    return [found[check] for check in ORDER]  # reported in the same order whichever side checked it


def _cpu_seconds() -> float:
    """This process and its finished children: the forked half's work counts too."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


@click.command("verify")
@with_appcontext
@click.option("--all", "show_all", is_flag=True, help="List every disagreement, not just the first.")
@click.option("--checkpoint", "checkpoint_path", type=click.Path(dir_okay=False), default=None,
              help="Also prove the audit chain still extends this signed checkpoint (needs AUDIT_SIGNING_KEY).")
@click.option("--jobs", default="2", show_default=True, type=click.Choice(["1", "2"]),  # ASCII digits only
              help="Processes: 2 checks the summaries in a second process (a second core) meanwhile.")
def verify_command(show_all: bool, checkpoint_path: str | None, jobs: str):
    """Recompute balances, stock and the audit chain; exit 0 if all agree, 1 otherwise."""
    from extensions import db

    jobs = int(jobs)
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    sections = run_sections(jobs)
    if checkpoint_path is not None:
        from commands.checkpoint import check_checkpoint

        summary, problems = check_checkpoint(checkpoint_path)
        sections.append(Section("checkpoint", summary, problems))
    db.session.rollback()
    seconds = max(time.perf_counter() - started, 1e-6)
    cpu_seconds = max(_cpu_seconds() - cpu_started, 1e-6)  # steadier than wall time on a busy machine
    rows = sum(section.rows for section in sections)
    problems = [problem for section in sections for problem in section.problems]
    for section in sections:
        if section.skipped:
            click.echo(f"Warning: {section.skipped}.", err=True)
    if problems:
        click.echo(f"Verification FAILED: {problems[0]}", err=True)
        if show_all:
            for problem in problems[1:]:
                click.echo(f"  also: {problem}", err=True)
        elif len(problems) > 1:
            click.echo(f"({len(problems) - 1} more problem(s); run `flask --app app verify --all` to list them)",
                       err=True)
        raise SystemExit(1)
    for section in sections:
        if not section.skipped:
            click.echo(f"OK {section.name}: {section.summary}.")
    click.echo(f"Checked {rows} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s; "
               f"{cpu_seconds:.1f} s of CPU in {jobs} process(es), {rows / cpu_seconds:,.0f} rows per CPU second).")
    click.echo("All checks passed.")
